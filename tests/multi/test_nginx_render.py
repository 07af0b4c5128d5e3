"""deploy/nginx.py, which tests/multi and `make bench` share: the configuration it writes is
one nginx accepts, a placeholder it cannot fill is refused, and without nginx the bench says
the two-instance figures were not measured rather than failing."""

import re
import subprocess
from pathlib import Path

import pytest

from bench import multi
from bench.common import Results
from deploy import nginx


def test_the_filled_in_configuration_is_one_nginx_accepts(tmp_path):
    if not Path(nginx.NGINX).exists():
        pytest.skip("nginx is not installed")
    conf = nginx.render(tmp_path, 18080, [18081, 18082])
    text = conf.read_text()
    assert "server 127.0.0.1:18081 " in text and "server 127.0.0.1:18082 " in text
    assert "listen 127.0.0.1:18080;" in text and not re.search(r"\$\{\w+\}", text)
    assert "$proxy_add_x_forwarded_for" in text  # nginx's own variables are left alone
    checked = subprocess.run(
        [nginx.NGINX, "-t", "-c", str(conf), "-p", str(conf.parent)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_a_placeholder_nobody_fills_in_is_refused(tmp_path):
    template = tmp_path / "nginx.conf"
    template.write_text("listen ${NGINX_LISTEN};\nserver ${TRACKER_APP_3};\n")
    with pytest.raises(ValueError, match="TRACKER_APP_3"):
        nginx.render(tmp_path, 18080, [18081, 18082], template)
    assert not (tmp_path / "nginx").exists()


def test_without_nginx_the_bench_reports_two_instances_as_not_measured(monkeypatch, tmp_path):
    monkeypatch.setattr(nginx, "NGINX", str(tmp_path / "no-nginx"))
    reason = multi.missing()
    assert reason.startswith("nginx is not installed")
    results = Results()
    multi.not_measured(results, reason, "50 users × 60 s, two instances: errors")
    assert results.rows[0]["value"] is None and results.rows[0]["pass"] is None
    table = results.table()
    assert "not measured: nginx is not installed" in table
    assert table.endswith("bench: 0 of 0 targets met")


def test_without_redis_the_bench_says_where_it_looked(monkeypatch):
    if not Path(nginx.NGINX).exists():
        pytest.skip("nginx is not installed")
    from tests.conftest import free_port

    monkeypatch.setattr(multi, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    assert multi.missing().startswith(f"no Redis at {multi.REDIS_URL}")
