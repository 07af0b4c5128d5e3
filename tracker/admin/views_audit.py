"""Administration: audit (issue #15)."""
