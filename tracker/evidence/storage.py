"""Where evidence files live: content-addressed by SHA-256, behind one small interface.

`put` streams a file to a temporary name in the store while hashing it, lets the caller check
the finished temporary file, then moves it to its address. A crash at any point leaves either
nothing or a harmless orphan (see `sweep`); a file is never read whole into memory.
"""

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 64 * 1024


class TooLarge(Exception):
    """The stream was longer than the limit; nothing was kept."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


class EvidenceStore(Protocol):
    def put(self, stream: BinaryIO, max_bytes: int, check: Callable[[Path], object]) -> Stored:
        """Store a stream if `check(path)` accepts it (raises to refuse); return its address."""

    def open(self, sha256: str) -> BinaryIO:
        """The stored file, for reading."""

    def exists(self, sha256: str) -> bool:
        """Whether a file with this address is stored."""

    def size(self, sha256: str) -> int:
        """The stored file's size in bytes."""


class LocalStore:
    """A directory: files at `ab/cd/abcd…`, temporary files under `tmp/`."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 address")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, max_bytes: int, check: Callable[[Path], object]) -> Stored:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        tmp = Path(tmp_name)
        try:
            digest, size = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            check(tmp)
            sha = digest.hexdigest()
            target = self._path(sha)
            if target.exists():  # the same content is stored once; it is in use again,
                tmp.unlink()  # so it is no longer an old orphan for `sweep`
                os.utime(target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
            return Stored(sha, size)
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def size(self, sha256: str) -> int:
        return self._path(sha256).stat().st_size

    def addresses(self) -> Iterator[str]:
        """Every stored address (for sweeping and backups)."""
        for path in self.root.glob("??/??/*"):
            if path.is_file() and len(path.name) == 64:
                yield path.name

    def sweep(self, referenced: set[str], older_than_seconds: int = 3600) -> int:
        """Remove stored files no evidence refers to, and abandoned temporary files, once they
        are old enough not to belong to an upload still in progress. Returns how many. Several
        hosts may sweep one shared store at once: a file another removed first is passed over."""
        cutoff = time.time() - older_than_seconds
        removed = 0
        candidates = [self._path(a) for a in self.addresses() if a not in referenced]
        candidates += list((self.root / "tmp").glob("upload-*"))
        for path in candidates:
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed
