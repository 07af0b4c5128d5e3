"""deploy/'s files run on this machine: nginx.conf filled in and started, and a SeaweedFS as the
S3 store, for tests/multi and `make bench` (which put two instances behind nginx)."""
