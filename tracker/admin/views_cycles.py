"""Administration: cycles (issue #15)."""
