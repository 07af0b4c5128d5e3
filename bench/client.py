"""A small HTTP client for the benchmark: standard library only, one connection per request
(gunicorn's sync workers close each connection), a session cookie, and timings."""

import http.client
import json
import re
import time
import uuid
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Client:
    """One signed-in user (by session cookie) or API caller (by bearer token)."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 60):
        self.port, self.token, self.timeout = port, token, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        """Send a request; return its status and body. Raises on a broken connection."""
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, data
        finally:
            conn.close()

    def timed(self, method: str, path: str, **kwargs) -> tuple[int, float]:
        """Status and seconds taken for a whole request, body read."""
        started = time.perf_counter()
        status, _body = self.request(method, path, **kwargs)
        return status, time.perf_counter() - started

    def login(self, email: str, password: str) -> None:
        """Sign in through the real form, as a browser does."""
        status, page = self.request("GET", "/login")
        match = CSRF.search(page.decode())
        if status != 200 or not match:
            raise RuntimeError(f"no sign-in form (status {status})")
        form = urlencode({"email": email, "password": password, "csrf_token": match.group(1)})
        status, _ = self.request(
            "POST",
            "/login",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302:
            raise RuntimeError(f"sign-in as {email} failed (status {status})")

    def get_json(self, path: str) -> dict:
        status, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: status {status}")
        return json.loads(body)


def multipart(fields: dict[str, str], name: str, filename: str, size: int, fill: bytes):
    """A multipart/form-data body streamed from a generator (never whole in memory), with its
    headers; the file part is `size` bytes made of `fill` repeated."""
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        yield head
        left = size
        while left > 0:
            piece = fill[: min(left, len(fill))]
            left -= len(piece)
            yield piece
        yield tail

    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + size + len(tail)),
    }
    return chunks(), headers
