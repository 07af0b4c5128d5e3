"""Settings gunicorn reads by itself when started from the project directory
(`gunicorn -w 4 app:app`, as in the README, and `make bench`)."""

import gc


def post_worker_init(worker):
    """Once a worker has loaded the app, keep its long-lived objects (app, templates,
    libraries: some 230,000) out of the garbage collector's full passes. Without this, a full
    pass in one request in twenty scanned them all and added about 100 ms (make bench, DESIGN
    §10); now it scans only what requests made."""
    gc.freeze()
