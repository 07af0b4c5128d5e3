"""Administration: people (issue #15)."""
