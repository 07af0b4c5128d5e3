"""Administration: frameworks (issue #15)."""
