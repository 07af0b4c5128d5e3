"""Running the tracker from the browser: people, organisations, cycles, frameworks, the audit
log (issue #15). Services here; pages in views.py; the API in tracker/api."""
