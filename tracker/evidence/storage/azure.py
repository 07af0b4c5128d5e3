"""An Azure Blob Storage container (`az://container/prefix`; the account's connection string in
AZURE_STORAGE_CONNECTION_STRING): blobs at `prefix/ab/cd/abcd…`.

`put` spools and hashes as the S3 store does, then uploads to the address in small blocks on
one thread, so memory stays bounded. A blob appears only when its block list is committed: an
interrupted upload leaves uncommitted blocks, which `sweep` removes once old enough (Azure
itself discards them after a week).
"""

import functools
import io
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from azure.core.exceptions import AzureError, ResourceModifiedError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient, LinearRetry

from tracker.evidence.storage.common import (
    CHUNK,
    Stored,
    StoreFailed,
    is_address,
    relative_key,
    spooled,
)

BLOCK = 4 * 1024 * 1024  # one block in memory at a time
# The SDK logs every request and response at INFO: too much for the app's log.
logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)


@functools.lru_cache(maxsize=8)
def service(connection_string: str, **options) -> BlobServiceClient:
    """One client per account (thread-safe, and slow to make): short timeouts and few, quick
    retries, so that a server that is down fails a request in seconds."""
    try:
        return BlobServiceClient.from_connection_string(
            connection_string,
            connection_timeout=5,
            read_timeout=60,
            retry_policy=LinearRetry(backoff=0.5, random_jitter_range=0.2, retry_total=2),
            max_single_put_size=BLOCK,
            max_block_size=BLOCK,
            max_single_get_size=BLOCK,
            max_chunk_get_size=BLOCK,
            **options,
        )
    except ValueError as exc:  # the SDK's word for a malformed connection string
        raise StoreFailed(f"AZURE_STORAGE_CONNECTION_STRING is not usable: {exc}") from exc


def container(name: str, **options) -> ContainerClient:
    connection_string = os.environ.get("AZURE_STORAGE_CONNECTION_STRING")
    if not connection_string:
        raise StoreFailed(f"az://{name} needs AZURE_STORAGE_CONNECTION_STRING to be set.")
    return service(connection_string, **options).get_container_client(name)


@contextmanager
def _failures(action: str, location: str):
    """Any error from the store, as StoreFailed saying what was being done, and where."""
    try:
        yield
    except (AzureError, ConnectionError, TimeoutError) as exc:
        said = (str(exc) or type(exc).__name__).splitlines()[0]
        raise StoreFailed(f"The evidence store {location} could not {action}: {said}") from exc


class _Download(io.RawIOBase):
    """A blob's download as a file to read (send_file wants `.read()`), a chunk at a time."""

    def __init__(self, downloader, location: str):
        self.downloader, self.location = downloader, location

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        with _failures("read a file", self.location):
            data = self.downloader.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class AzureStore:
    """The evidence store in an Azure Blob Storage container."""

    def __init__(self, container_client: ContainerClient, prefix: str, spool_dir=None):
        self.container = container_client
        self.prefix = prefix.strip("/")
        self.root = f"{self.prefix}/" if self.prefix else ""
        self.spool_dir = spool_dir
        self.location = f"az://{container_client.container_name}/{self.prefix}"
        self.page_size = 5000  # Azure's most per listing

    def _key(self, sha256: str) -> str:
        return self.root + relative_key(sha256)

    def put(self, stream: BinaryIO, max_bytes: int, check: Callable[[Path], object]) -> Stored:
        with spooled(stream, max_bytes, check, self.spool_dir) as (tmp, stored):
            blob = self.container.get_blob_client(self._key(stored.sha256))
            with _failures("store a file", self.location):
                if blob.exists():
                    # Stored again: newly in use, so no longer an old orphan for `sweep`
                    # (setting metadata renews Last-Modified).
                    blob.set_blob_metadata({})
                else:
                    with tmp.open("rb") as f:
                        blob.upload_blob(f, length=stored.size, overwrite=True, max_concurrency=1)
        return stored

    def open(self, sha256: str) -> BinaryIO:
        blob = self.container.get_blob_client(self._key(sha256))
        with _failures("read a file", self.location):
            try:
                downloader = blob.download_blob(max_concurrency=1)
            except ResourceNotFoundError as exc:
                if exc.error_code == "BlobNotFound":  # not the container: that is a failure
                    raise FileNotFoundError(f"{self.location}: no file {sha256}") from None
                raise
        return io.BufferedReader(_Download(downloader, self.location), CHUNK)

    def _properties(self, sha256: str):
        blob = self.container.get_blob_client(self._key(sha256))
        with _failures("look for a file", self.location):
            try:
                return blob.get_blob_properties()
            except ResourceNotFoundError:  # the blob's or the container's? A HEAD cannot say
                self.container.get_container_properties()
                return None

    def exists(self, sha256: str) -> bool:
        return self._properties(sha256) is not None

    def size(self, sha256: str) -> int:
        found = self._properties(sha256)
        if found is None:
            raise FileNotFoundError(f"{self.location}: no file {sha256}")
        return found.size

    def _blobs(self, include: list[str] | None = None) -> Iterator:
        with _failures("list its files", self.location):
            yield from self.container.list_blobs(
                name_starts_with=self.root, include=include, results_per_page=self.page_size
            )

    def _addressed(self) -> Iterator:
        for each in self._blobs():
            name = each.name.rsplit("/", 1)[-1]
            if is_address(name) and each.name == self._key(name):
                yield name, each

    def addresses(self) -> Iterator[str]:
        return (name for name, _blob in self._addressed())

    def holds_anything(self) -> bool:
        return next(self._blobs(), None) is not None

    def unfinished(self) -> list:
        """Uploads cut off before their blocks were committed (no blob, but listed if asked)."""
        committed = {each.name for each in self._blobs()}
        return [b for b in self._blobs(["uncommittedblobs"]) if b.name not in committed]

    def sweep(self, referenced: set[str], older_than_seconds: int = 3600) -> int:
        # The server's times, against the machine's clock (as for a directory's mtimes).
        cutoff = datetime.fromtimestamp(time.time() - older_than_seconds, UTC)
        old = [
            each.name
            for name, each in self._addressed()
            if each.last_modified < cutoff and name not in referenced
        ]
        # Azure discards uncommitted blocks after a week anyway; sooner is tidier.
        old += [each.name for each in self.unfinished() if each.last_modified < cutoff]
        # HTTP dates have whole seconds: rounded up, a blob listed as old still matches.
        unmodified_since = cutoff.replace(microsecond=0) + timedelta(seconds=1)
        removed = 0
        with _failures("remove unreferenced files", self.location):
            for key in old:
                try:
                    # Only if still old: a file stored again since the listing is kept.
                    self.container.delete_blob(key, if_unmodified_since=unmodified_since)
                    removed += 1
                except (ResourceNotFoundError, ResourceModifiedError):
                    continue  # another host removed it first, or it is in use again
        return removed
