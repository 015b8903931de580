"""Test fixtures: akismet (placeholder until filled in)."""
