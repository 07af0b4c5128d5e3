"""50 users at once for 60 s, reading and writing: each takes the key pages and API calls in
turn and, every WRITE_EVERY-th request, writes through the API (saves a response; uploads a
file linked to one, then downloads it; raises a challenge, then withdraws it). The same load
measures one instance and two behind nginx (bench/multi.py)."""

import json
import threading
import time
import uuid
from datetime import timedelta

from bench.client import Client, multipart
from bench.common import (
    CONCURRENT_SECONDS,
    CONCURRENT_USERS,
    COORDINATOR,
    REVIEWER,
    Results,
    endpoints,
    percentile,
    signed_in,
)
from tracker import clock

WRITE_EVERY = 4
UPLOAD_BYTES = 64 * 1024  # an ordinary spreadsheet; bench.measures times a 25 MB one alone
HEADER = b"quarter,area,referrals,within_24_hours\r\n"


def _send(client: Client, method: str, path: str, body=None, headers=None):
    """(status, seconds, answer); a broken connection is a status too, counted as an error."""
    if isinstance(body, dict):
        body, headers = json.dumps(body), {"Content-Type": "application/json"}
    started = time.perf_counter()
    try:
        status, answer = client.request(method, path, body=body, headers=headers)
    except Exception as exc:  # noqa: BLE001 - every failure is an error counted
        return repr(exc), 0.0, b""
    return status, time.perf_counter() - started, answer


class Writer:
    """One user's writes, in turn. Users sharing a response take turns with it (a lock), as
    people editing one do, so that a save never meets another's version (409)."""

    def __init__(self, n: int, port: int, ids: dict, locks: dict):
        self.coordinator = Client(port, token=ids["tokens"][COORDINATOR], timeout=60)
        self.reviewer = Client(port, token=ids["tokens"][REVIEWER], timeout=60)
        drafts, reviewed = ids["draft_responses"], ids["challengeable"]
        self.response = drafts[n % len(drafts)]
        self.challenged = reviewed[n % len(reviewed)] if reviewed else None
        self.n, self.turn, self.locks = n, n, locks  # users start on different writes
        self.steps = [self.save, self.upload] + ([self.challenge] if reviewed else [])

    def next(self) -> list[tuple[str, object, float]]:
        """The next write's requests: (name, status, seconds) each."""
        self.turn += 1
        return self.steps[self.turn % len(self.steps)]()

    def save(self):
        path = f"/api/v1/responses/{self.response}"
        with self.locks[self.response]:
            status, seconds, answer = _send(self.coordinator, "GET", path)
            done = [("API response, read to save", status, seconds)]
            if status == 200:
                change = {
                    "version": json.loads(answer)["version"],
                    "narrative": f"Benchmark user {self.n}, change {self.turn}.",
                }
                done.append(("API save", *_send(self.coordinator, "PATCH", path, change)[:2]))
        return done

    def upload(self):
        tag = f"{self.n}-{self.turn}-{uuid.uuid4().hex[:8]}"  # new content: a new object
        fields = {"title": f"Benchmark {tag}", "kind": "data", "response_id": str(self.response)}
        fill = HEADER + f"Q1,Bench {tag},123,97\r\n".encode()
        body, headers = multipart(fields, "file", f"bench-{tag}.csv", UPLOAD_BYTES, fill)
        status, seconds, answer = _send(self.coordinator, "POST", "/api/v1/evidence", body, headers)
        done = [("API upload, linked", status, seconds)]
        if status == 201:
            path = f"/api/v1/evidence/{json.loads(answer)['id']}/download"
            done.append(("API download", *_send(self.coordinator, "GET", path)[:2]))
        return done

    def challenge(self):
        due = (clock.today() + timedelta(days=30)).isoformat()
        question = {"question": f"Benchmark question {self.n}-{self.turn}.", "due_on": due}
        path = f"/api/v1/responses/{self.challenged}/challenges"
        with self.locks[self.challenged]:
            status, seconds, answer = _send(self.reviewer, "POST", path, question)
            done = [("API challenge", status, seconds)]
            if status == 201:
                path = f"/api/v1/challenges/{json.loads(answer)['id']}/resolve"
                withdrawn = {"outcome": "withdrawn"}
                done.append(("API withdraw", *_send(self.reviewer, "POST", path, withdrawn)[:2]))
        return done


def label(serving: str) -> str:
    return f"{CONCURRENT_USERS} users × {CONCURRENT_SECONDS} s, {serving}"


def mixed_load(results: Results, port: int, ids: dict, serving: str) -> None:
    """CONCURRENT_USERS users for CONCURRENT_SECONDS against `port`: requests, throughput, p95
    and errors (with examples), named after what was `serving` them."""
    named = label(serving)
    clients = signed_in(port, ids["tokens"])
    plan = endpoints(ids)
    locks = {r: threading.Lock() for r in (*ids["draft_responses"], *ids["challengeable"])}
    errors, times, writes, lock = [], [], [0], threading.Lock()
    stop = time.monotonic() + CONCURRENT_SECONDS

    def user(n: int) -> None:
        mine = {}
        for key, shared in clients.items():  # own client, same sign-in
            mine[key] = Client(port, token=shared.token, timeout=60)
            mine[key].cookies = dict(shared.cookies)
        writer, reads, k = Writer(n, port, ids, locks), n, n
        while time.monotonic() < stop:
            k += 1
            if k % WRITE_EVERY == 0:
                done = writer.next()
            else:
                endpoint = plan[reads % len(plan)]
                reads += 1
                client = mine[(endpoint.who, endpoint.api)]
                done = [(endpoint.name, *_send(client, "GET", endpoint.path)[:2])]
            with lock:
                for name, status, seconds in done:
                    times.append(seconds * 1000)
                    if not isinstance(status, int) or status >= 400:
                        errors.append(f"{name}: {status}")
                writes[0] += k % WRITE_EVERY == 0

    threads = [threading.Thread(target=user, args=(n,)) for n in range(CONCURRENT_USERS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    results.add(f"{named}: requests", len(times), "requests", writes=writes[0])
    results.add(f"{named}: throughput", round(len(times) / elapsed, 1), "req/s")
    results.add(f"{named}: p95 under load", round(percentile(times, 0.95), 1), "ms")
    results.add(f"{named}: errors", len(errors), "errors", "0", not errors, examples=errors[:10])
