"""Build-time code behind the Pelican plugins. Imports Pelican: keep it out of the service."""
