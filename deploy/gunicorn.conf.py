"""gunicorn settings for a tracker instance behind nginx (deploy/nginx.conf), used by
deploy/systemd/tracker-web.service and by tests/multi, which runs two instances with it.

    gunicorn -c deploy/gunicorn.conf.py app:app

TRACKER_BIND (host:port, default 127.0.0.1:8000) and TRACKER_WORKERS (default two per CPU)
come from the environment, beside the tracker's own settings (README)."""

import gc
import multiprocessing
import os

bind = os.environ.get("TRACKER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TRACKER_WORKERS") or 2 * multiprocessing.cpu_count())
# Sync workers: each request holds one; nginx queues the rest and buffers slow clients.
worker_class = "sync"
# The app is loaded once, before the workers fork: they start at once and share its memory.
# New code therefore needs a restart (systemctl restart), not a reload; with an instance on
# each host behind nginx, restart them one at a time and nobody notices.
preload_app = True
# A statement's PDF for all Wales takes seconds; nothing should take a minute.
timeout = 60
# On SIGTERM (systemctl stop, a deploy) requests in hand are finished first.
graceful_timeout = 30
# nginx keeps connections to the instances open (upstream keepalive).
keepalive = 75
# A worker is replaced now and then, so that a slow leak never grows.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# nginx sets X-Forwarded-*; the app reads them (TRACKER_PROXY_COUNT), not gunicorn.
forwarded_allow_ips = "127.0.0.1"


def post_worker_init(worker):
    """As ../gunicorn.conf.py: keep the app's long-lived objects out of the garbage
    collector's full passes (about 100 ms once in twenty requests otherwise)."""
    gc.freeze()
