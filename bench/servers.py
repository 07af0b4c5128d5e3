"""Real server processes for the benchmark: gunicorn serving app:app on a free local port."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.client import Client

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`gunicorn -w N app:app` with the dataset's environment; stopped on exit. With
    `deployed`, gunicorn runs with deploy/gunicorn.conf.py instead, as behind nginx."""

    def __init__(self, env: dict, workers: int, log: Path, deployed: bool = False):
        self.port = free_port()
        self.log = log.open("ab")
        if deployed:
            env = env | {"TRACKER_BIND": f"127.0.0.1:{self.port}", "TRACKER_WORKERS": str(workers)}
            settings = ["-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
        else:
            settings = [
                *("--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"),
                *("--timeout", "120", "--backlog", "256"),
            ]
        self.process = subprocess.Popen(
            [str(GUNICORN), *settings, "app:app"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        self._wait(workers)

    def _wait(self, workers: int, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}; see {self.log.name}"
                )
            try:
                status, _ = Client(self.port, timeout=5).request("GET", "/healthz")
                if status == 200 and len(self.workers()) == workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {seconds} s; see {self.log.name}")

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the gunicorn master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def reset_peak(pid: int) -> bool:
    """Reset a process's peak RSS (Linux 4.0+), so VmHWM shows the peak from now on."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({k: v for k, v in extra.items() if v is not None})
    return env
