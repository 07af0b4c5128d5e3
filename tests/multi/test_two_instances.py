"""Two instances behind nginx (issue #24): whatever one does, the other sees, and losing one
loses nothing that was acknowledged. Run alone with `pytest -m multi_instance`."""

import hashlib
import re
import threading
import time
import uuid

import pytest
import requests

from tests.multi.conftest import LOGIN_LIMIT, STALE_SECONDS, api_token, browser, csrf_token, sign_in

pytestmark = pytest.mark.multi_instance

PASSWORD = "demo-password-1"  # seeds/demo.yaml
COORDINATOR = "coordinator@cardiff-vale.example"
INSPECTOR = "inspector@ciw.example"
ADMIN = "admin@tracker.example"
CONTRIBUTOR = "contributor@cardiff.example"


def coordinators_assessment(base: str, headers: dict, status: str) -> dict:
    """The coordinator's assessment in `status` (the demo has one draft, one in review)."""
    listed = requests.get(f"{base}/api/v1/assessments", headers=headers, timeout=10).json()
    return next(a for a in listed["items"] if a["status"] == status)


def draft_response_id(base: str, headers: dict) -> int:
    """A response of the coordinator's draft assessment (the demo's 2026-27 CPRR)."""
    draft = coordinators_assessment(base, headers, "draft")
    responses = requests.get(
        f"{base}/api/v1/assessments/{draft['id']}/responses", headers=headers, timeout=10
    ).json()
    return responses["items"][0]["id"]


def test_nginx_sends_requests_to_both_instances(cluster):
    for _n in range(6):
        assert requests.get(f"{cluster.url}/healthz", timeout=5).status_code == 200
    served_by = set(re.findall(r"upstream=(\S+)", cluster.access_log.read_text()))
    assert {f"127.0.0.1:{i.port}" for i in cluster.instances} <= served_by


def test_an_upload_through_one_is_downloaded_through_the_other(cluster):
    a, b = cluster.instances
    headers = api_token(a.url, COORDINATOR, PASSWORD, "192.0.2.10")
    content = f"Minutes of the core group, {uuid.uuid4()}\n".encode() * 200
    uploaded = requests.post(
        f"{a.url}/api/v1/evidence",
        headers=headers,
        data={"title": "Core group minutes", "kind": "document"},
        files={"file": ("minutes.txt", content, "text/plain")},
        timeout=20,
    )
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()
    assert evidence["sha256"] == hashlib.sha256(content).hexdigest()

    downloaded = requests.get(
        f"{b.url}/api/v1/evidence/{evidence['id']}/download", headers=headers, timeout=20
    )
    assert downloaded.status_code == 200 and downloaded.content == content
    # The same access checks on the other instance: a stranger gets nothing.
    stranger = api_token(b.url, "coordinator@gwent.example", PASSWORD, "192.0.2.11")
    refused = requests.get(
        f"{b.url}/api/v1/evidence/{evidence['id']}/download", headers=stranger, timeout=10
    )
    assert refused.status_code == 404


def test_a_statement_published_through_one_verifies_through_the_other(cluster):
    a, b = cluster.instances
    # A statement on Cardiff and Vale RSB's assessment in review (the JICPA, 2026-27).
    reviewed = coordinators_assessment(
        a.url, api_token(a.url, COORDINATOR, PASSWORD, "192.0.2.19"), "in_review"
    )
    inspector = browser("192.0.2.20")
    assert sign_in(inspector, a.url, INSPECTOR, PASSWORD).status_code == 302
    built = inspector.post(
        f"{a.url}/statements/new",
        data={
            "scope": "organisation",
            "organisation": reviewed["organisation_id"],
            "framework": reviewed["framework_id"],
            "cycle": reviewed["cycle_id"],
            "language": "en",
            "csrf_token": csrf_token(inspector, f"{a.url}/statements/new"),
        },
        allow_redirects=False,
        timeout=20,
    )
    assert built.status_code == 302, built.text[-2000:]
    statement = built.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    publish_page = inspector.get(f"{a.url}/statements/{statement}/publish", timeout=20).text
    version = re.search(r'name="version" value="(\d+)"', publish_page).group(1)
    published = inspector.post(
        f"{a.url}/statements/{statement}/publish",
        data={
            "version": version,
            "csrf_token": csrf_token(inspector, f"{a.url}/statements/{statement}/publish"),
        },
        timeout=60,
    )
    assert published.status_code == 200 and f"/statements/{statement}/versions/1.pdf" in (
        published.text
    ), published.text[-2000:]

    # Anyone, through the other instance: the PDF, and the check that it is as published.
    reader = browser("192.0.2.21")
    pdf = reader.get(f"{b.url}/statements/{statement}/versions/1.pdf", timeout=20)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    def check(data: bytes) -> str:
        token = csrf_token(reader, f"{b.url}/statements/verify")
        return reader.post(
            f"{b.url}/statements/verify",
            data={"csrf_token": token},
            files={"pdf": ("statement.pdf", data, "application/pdf")},
            timeout=20,
        ).text

    assert "This is a published statement" in check(pdf.content)
    assert hashlib.sha256(pdf.content).hexdigest() in check(pdf.content)
    assert "Not recognised" in check(pdf.content + b"\n")


def test_the_sign_in_limit_is_counted_across_both_instances(cluster):
    a, b = cluster.instances
    visitor = browser("198.51.100.7")
    answers = [
        sign_in(visitor, (a, b)[n % 2].url, f"nobody{n}@example.org", "not-the-password")
        for n in range(LOGIN_LIMIT)
    ]
    assert [r.status_code for r in answers] == [400] * LOGIN_LIMIT
    # Neither instance alone has seen the limit (nor any of their workers): together they have.
    assert sign_in(visitor, a.url, "nobody@example.org", "x").status_code == 429
    assert sign_in(visitor, b.url, "nobody@example.org", "x").status_code == 429
    # The API's sign-in counts in the same place; another address is not held back.
    refused = requests.post(
        f"{b.url}/api/v1/tokens",
        json={"email": COORDINATOR, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
        timeout=10,
    )
    assert refused.status_code == 429
    assert sign_in(browser("198.51.100.8"), b.url, COORDINATOR, PASSWORD).status_code == 302
    assert cluster.limit_keys(), "the counts are not in Redis"


def test_a_deactivation_on_one_shuts_the_person_out_on_the_other(cluster):
    a, b = cluster.instances
    contributor = browser("192.0.2.30")
    assert sign_in(contributor, b.url, CONTRIBUTOR, PASSWORD).status_code == 302
    their_token = api_token(b.url, CONTRIBUTOR, PASSWORD, "192.0.2.30")
    assert contributor.get(f"{b.url}/", allow_redirects=False, timeout=10).status_code == 200
    assert requests.get(f"{b.url}/api/v1/assessments", headers=their_token, timeout=10).ok

    admin = api_token(a.url, ADMIN, PASSWORD, "192.0.2.31")
    found = requests.get(
        f"{a.url}/api/v1/users", params={"q": CONTRIBUTOR}, headers=admin, timeout=10
    ).json()["items"]
    changed = requests.patch(
        f"{a.url}/api/v1/users/{found[0]['id']}",
        json={"active": False, "reason": "Left the council"},
        headers=admin,
        timeout=10,
    )
    assert changed.status_code == 200, changed.text

    for instance in (b, a):  # the very next request, on either instance
        page = contributor.get(f"{instance.url}/", allow_redirects=False, timeout=10)
        assert page.status_code == 302 and "/login" in page.headers["Location"]
        api = requests.get(f"{instance.url}/api/v1/assessments", headers=their_token, timeout=10)
        assert api.status_code == 401
    assert sign_in(browser("192.0.2.32"), b.url, CONTRIBUTOR, PASSWORD).status_code == 400


class Writer:
    """A client adding improvement actions through nginx, each with an Idempotency-Key, and
    retrying one that got no answer (or a 409, 502, 503) with the same key, as a careful
    client does, until it is answered. Keeps what was acknowledged."""

    def __init__(self, url: str, headers: dict, response_id: int, name: str):
        self.url, self.headers, self.response_id, self.name = url, headers, response_id, name
        self.acknowledged: dict[str, int | None] = {}  # key: the action's id (None: "saved")
        self.unanswered: dict[str, str] = {}  # key: the last answer to it
        self.read_failures: list[str] = []
        self.refused: list[str] = []  # answers that are not "try again": the test fails

    def write(self, n: int) -> None:
        key, last = f"{self.name}-{n}-{uuid.uuid4().hex[:8]}", ""
        # Long enough for a key claimed by a request on the killed instance to go stale.
        deadline = time.monotonic() + STALE_SECONDS * 4
        while time.monotonic() < deadline:
            try:
                answer = requests.post(
                    f"{self.url}/api/v1/responses/{self.response_id}/actions",
                    json={"description": f"Action {key}", "owner": "Safeguarding lead"},
                    headers={**self.headers, "Idempotency-Key": key},
                    timeout=10,
                )
            except requests.RequestException as error:
                last = repr(error)
            else:
                if answer.status_code == 201:
                    self.acknowledged[key] = answer.json()["id"]
                    return
                if answer.status_code == 200 and answer.json().get("saved"):
                    self.acknowledged[key] = None  # done before its instance died
                    return
                last = f"{answer.status_code} {answer.text[:300]}"
                if answer.status_code not in (409, 502, 503, 504):  # not a "try again"
                    self.refused.append(last)
                    return
            time.sleep(0.3)
        self.unanswered[key] = last

    def read(self) -> None:
        try:
            answer = requests.get(
                f"{self.url}/api/v1/responses/{self.response_id}/actions",
                headers=self.headers,
                timeout=10,
            )
            if answer.status_code != 200:
                self.read_failures.append(str(answer.status_code))
        except requests.RequestException as error:
            self.read_failures.append(repr(error))

    def run(self, stop: threading.Event) -> None:
        n = 0
        while not stop.is_set():
            self.write(n)
            self.read()
            n += 1


def test_killing_one_instance_mid_load_loses_no_acknowledged_write(cluster):
    a, b = cluster.instances
    headers = api_token(cluster.url, COORDINATOR, PASSWORD, "ignored: nginx gives the address")
    response_id = draft_response_id(cluster.url, headers)
    writers = [Writer(cluster.url, headers, response_id, f"w{n}") for n in range(4)]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in writers]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        before_kill = sum(len(w.acknowledged) for w in writers)
        b.kill()
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    acknowledged = {k: v for w in writers for k, v in w.acknowledged.items()}
    assert before_kill > 0 and len(acknowledged) > before_kill, "no load, or none after the kill"

    # Every acknowledged write is there, once, read through the instance left standing.
    listed = requests.get(
        f"{a.url}/api/v1/responses/{response_id}/actions", headers=headers, timeout=10
    ).json()["items"]  # the whole list: not paginated
    descriptions = [item["description"] for item in listed]
    for key in acknowledged:
        assert descriptions.count(f"Action {key}") == 1, key
    # nginx kept serving: no read failed, and every write was answered in the end, once.
    assert not [f for w in writers for f in w.read_failures + w.refused]
    assert not {k: v for w in writers for k, v in w.unanswered.items()}

    # The killed instance comes back and serves the same data.
    b.start()
    some_key, some_id = next((k, v) for k, v in acknowledged.items() if v is not None)
    again = requests.get(f"{b.url}/api/v1/actions/{some_id}", headers=headers, timeout=10)
    assert again.status_code == 200 and again.json()["description"] == f"Action {some_key}"


def test_a_redis_that_is_down_does_not_stop_signing_in(cluster):
    """Rate limits fall back to each process's memory, logged; sign-in goes on, limited."""
    from tests.conftest import free_port

    lonely = cluster.instance(
        "no-redis", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", TRACKER_WORKERS="1"
    )
    lonely.start()
    assert sign_in(browser("203.0.113.9"), lonely.url, COORDINATOR, PASSWORD).status_code == 302
    assert "falling back to in-memory storage" in lonely.log.read_text()
    others = browser("203.0.113.10")
    answers = [
        sign_in(others, lonely.url, f"nobody{n}@example.org", "x").status_code
        for n in range(LOGIN_LIMIT + 1)
    ]
    assert answers == [400] * LOGIN_LIMIT + [429]
