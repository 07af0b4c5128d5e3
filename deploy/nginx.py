"""deploy/nginx.conf filled in with free ports and temporary paths, and nginx run on it in the
foreground: tests/multi and `make bench` put two instances behind this very file."""

import re
import shutil
import string
import subprocess
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render(root: Path, port: int, upstreams: list[int], template: Path | None = None) -> Path:
    """deploy/nginx.conf (or `template`) with its placeholders filled in, written to
    root/nginx/nginx.conf (only its own placeholders: nginx's variables, such as $host, are
    left alone, as envsubst with a list of names does). root must be reachable by nginx's
    workers (user nobody when started as root)."""
    values = {
        "NGINX_RUN_DIR": str(root / "nginx"),
        "NGINX_LOG_DIR": str(root / "nginx"),
        "NGINX_LISTEN": f"127.0.0.1:{port}",
        "TRACKER_APP_1": f"127.0.0.1:{upstreams[0]}",
        "TRACKER_APP_2": f"127.0.0.1:{upstreams[1]}",
        "TRACKER_ROOT": str(ROOT),
    }
    template = template or DEPLOY / "nginx.conf"
    filled = string.Template(template.read_text()).safe_substitute(values)
    missing = set(re.findall(r"\$\{(\w+)\}", filled))
    if missing:
        raise ValueError(f"{template.name} has placeholders nobody fills in: {sorted(missing)}")
    (root / "nginx").mkdir()
    conf = root / "nginx" / "nginx.conf"
    conf.write_text(filled)
    return conf


def start(conf: Path) -> subprocess.Popen:
    """nginx on a rendered configuration, in the foreground (stop it with terminate()); its
    own errors go to stderr.log beside the configuration."""
    folder = conf.parent
    with (folder / "stderr.log").open("ab") as errors:
        return subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
