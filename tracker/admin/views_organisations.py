"""Administration: organisations (issue #15)."""
