"""Where stored files live (evidence, published statements): content-addressed by SHA-256,
behind one interface, in a local directory, an S3-compatible bucket or an Azure container.

`open_store(config)` is the only way in: TRACKER_STORAGE_URL chooses the store (`file:///path`,
`s3://bucket/prefix` with TRACKER_S3_ENDPOINT_URL and the standard AWS variables, or
`az://container/prefix` with AZURE_STORAGE_CONNECTION_STRING); without it, the directory
TRACKER_EVIDENCE_DIR. Another kind of store is one more class with the
methods of `EvidenceStore` and one more scheme below.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from tracker.evidence.storage.common import Stored, StoreFailed, TooLarge
from tracker.evidence.storage.local import LocalStore

__all__ = [
    "EvidenceStore",
    "LocalStore",
    "StoreFailed",
    "Stored",
    "TooLarge",
    "check_url",
    "open_store",
]

SCHEMES = ("file", "s3", "az")
# Azure's rule: 3-63 lower-case letters, digits and single hyphens, a letter or digit at each end.
CONTAINER = re.compile(r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]")


class EvidenceStore(Protocol):
    location: str

    def put(self, stream: BinaryIO, max_bytes: int, check: Callable[[Path], object]) -> Stored:
        """Store a stream if `check(path)` accepts it (raises to refuse); return its address."""

    def open(self, sha256: str) -> BinaryIO:
        """The stored file, for reading (FileNotFoundError if there is none)."""

    def exists(self, sha256: str) -> bool:
        """Whether a file with this address is stored."""

    def size(self, sha256: str) -> int:
        """The stored file's size in bytes."""

    def addresses(self) -> Iterator[str]:
        """Every stored address (for sweeping and backups)."""

    def holds_anything(self) -> bool:
        """Whether anything at all is stored (a restore wants an empty store)."""

    def sweep(self, referenced: set[str], older_than_seconds: int = 3600) -> int:
        """Remove stored files no row refers to, and abandoned temporary files or uploads, once
        they are old enough not to belong to an upload still in progress. Returns how many."""


def check_url(url: str) -> None:
    """ValueError, saying what is wrong, unless `url` names a store this tracker can open."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(
            "TRACKER_STORAGE_URL must start with file://, s3:// or az://, "
            f"not {url.split(':')[0]!r}."
        )
    if parts.scheme == "file" and (parts.netloc not in ("", "localhost") or not parts.path):
        raise ValueError("TRACKER_STORAGE_URL file:// needs an absolute path: file:///srv/ev.")
    if parts.scheme == "s3" and len(parts.netloc) < 3:
        raise ValueError("TRACKER_STORAGE_URL s3:// needs a bucket name: s3://bucket/prefix.")
    if parts.scheme == "az" and not CONTAINER.fullmatch(parts.netloc):
        raise ValueError(
            "TRACKER_STORAGE_URL az:// needs a container name (3-63 lower-case letters, digits "
            "and hyphens): az://container/prefix."
        )


def open_store(config: Mapping) -> EvidenceStore:
    """The store the configuration names."""
    url = config.get("TRACKER_STORAGE_URL")
    if not url:
        return LocalStore(config["TRACKER_EVIDENCE_DIR"])
    check_url(url)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStore(parts.path)
    if parts.scheme == "az":
        from tracker.evidence.storage import azure  # loaded only when a container is used

        return azure.AzureStore(azure.container(parts.netloc), parts.path)
    from tracker.evidence.storage import s3  # boto3 is loaded only when a bucket is used

    endpoint = config.get("TRACKER_S3_ENDPOINT_URL")
    return s3.S3Store(parts.netloc, parts.path, s3.client(endpoint))
