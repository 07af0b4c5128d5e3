"""A directory: files at `ab/cd/abcd…`, temporary files under `tmp/`.

`put` streams a file to a temporary name in the store while hashing it, lets the caller check
the finished temporary file, then moves it to its address. A crash at any point leaves either
nothing or a harmless orphan (see `sweep`); a file is never read whole into memory.
"""

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from tracker.evidence.storage.common import Stored, copy_hashing, is_address, relative_key


class LocalStore:
    """The evidence store in a local directory (`file:///path`)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.location = str(self.root)

    def _path(self, sha256: str) -> Path:
        return self.root / relative_key(sha256)

    def put(self, stream: BinaryIO, max_bytes: int, check: Callable[[Path], object]) -> Stored:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                stored = copy_hashing(stream, out, max_bytes)
                out.flush()
                os.fsync(out.fileno())
            check(tmp)
            target = self._path(stored.sha256)
            if target.exists():  # the same content is stored once; it is in use again,
                tmp.unlink()  # so it is no longer an old orphan for `sweep`
                os.utime(target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
            return stored
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def size(self, sha256: str) -> int:
        return self._path(sha256).stat().st_size

    def addresses(self) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if path.is_file() and is_address(path.name):
                yield path.name

    def holds_anything(self) -> bool:
        return self.root.exists() and any(p.is_file() for p in self.root.rglob("*"))

    def sweep(self, referenced: set[str], older_than_seconds: int = 3600) -> int:
        # Several hosts may sweep one shared directory at once: a file removed first by
        # another is passed over.
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
