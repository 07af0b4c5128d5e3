"""Reporting: the counting, the data loaders and the charts that statements, dashboards,
exports and start pages share. Nothing here knows about HTTP."""
