"""Test fixtures: postgres (placeholder until filled in)."""
