"""What every store shares: the address check, the streaming copy that hashes and counts, and
the errors a caller sees whichever store is configured."""

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 64 * 1024
HEX = frozenset("0123456789abcdef")


class TooLarge(Exception):
    """The stream was longer than the limit; nothing was kept."""


class StoreFailed(OSError):
    """The store could not be reached or refused the request (a server down, a bucket gone,
    credentials refused). An OSError, as a full disk is, so that callers handle both alike."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


def check_address(sha256: str) -> str:
    """The address itself, or ValueError when it is not a SHA-256 in lower-case hex."""
    if len(sha256) != 64 or not set(sha256) <= HEX:
        raise ValueError("not a SHA-256 address")
    return sha256


def is_address(name: str) -> bool:
    return len(name) == 64 and set(name) <= HEX


def relative_key(sha256: str) -> str:
    """Where a file lives below a store's root: `ab/cd/abcd…`."""
    check_address(sha256)
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def copy_hashing(stream: BinaryIO, out: BinaryIO, max_bytes: int) -> Stored:
    """Copy `stream` to `out` in chunks, hashing as it goes; TooLarge past `max_bytes`."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge
        digest.update(chunk)
        out.write(chunk)
    return Stored(digest.hexdigest(), size)


@contextmanager
def spooled(
    stream: BinaryIO, max_bytes: int, check: Callable[[Path], object], spool_dir: str | None
) -> Iterator[tuple[Path, Stored]]:
    """The stream copied to a local temporary file while hashed and counted, then accepted by
    `check(path)`: what a remote store sends on, never whole in memory; removed afterwards."""
    fd, tmp_name = tempfile.mkstemp(dir=spool_dir, prefix="tracker-upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            stored = copy_hashing(stream, out, max_bytes)
        check(tmp)
        yield tmp, stored
    finally:
        tmp.unlink(missing_ok=True)
