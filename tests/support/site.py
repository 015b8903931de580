"""Test fixtures: site (placeholder until filled in)."""
