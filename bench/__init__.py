"""The benchmark behind `make bench` (DESIGN §10); see bench/run.py."""
