"""An S3-compatible bucket (`s3://bucket/prefix`): objects at `prefix/ab/cd/abcd…`.

`put` spools the stream to a local temporary file while hashing it (the type check reads a
file, and the address must be known before anything reaches the bucket), then uploads it to
its address in small multipart chunks on one thread, so memory stays bounded whatever the
size. An object appears only when its upload completes: an interrupted one leaves at most an
unfinished multipart upload, which `sweep` aborts once it is old enough.
"""

import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tracker.evidence.storage.common import (
    Stored,
    StoreFailed,
    is_address,
    relative_key,
    spooled,
)

MiB = 1024 * 1024
# S3's smallest part is 5 MiB; one part in memory at a time.
TRANSFER = TransferConfig(
    multipart_threshold=8 * MiB, multipart_chunksize=5 * MiB, max_concurrency=1, use_threads=False
)
MISSING = ("404", "NoSuchKey", "NotFound")


@functools.lru_cache(maxsize=8)
def client(endpoint_url: str | None):
    """One client per endpoint (thread-safe, and slow to make); credentials and region come
    from the standard AWS variables."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION"),
        config=Config(
            s3={"addressing_style": "path"} if endpoint_url else {},
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


@contextmanager
def _failures(action: str, location: str):
    """Any error from the store, as StoreFailed saying what was being done, and where."""
    try:
        yield
    except (BotoCoreError, Boto3Error, ClientError, ConnectionError, TimeoutError) as exc:
        raise StoreFailed(f"The evidence store {location} could not {action}: {exc}") from exc


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in MISSING


class S3Store:
    """The evidence store in an S3-compatible bucket."""

    def __init__(self, bucket: str, prefix: str, s3_client, spool_dir: str | None = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.root = f"{self.prefix}/" if self.prefix else ""
        self.client = s3_client
        self.spool_dir = spool_dir
        self.location = f"s3://{bucket}/{self.prefix}"
        self.page_size = 1000  # S3's most per listing

    def _key(self, sha256: str) -> str:
        return self.root + relative_key(sha256)

    def put(self, stream: BinaryIO, max_bytes: int, check: Callable[[Path], object]) -> Stored:
        with spooled(stream, max_bytes, check, self.spool_dir) as (tmp, stored):
            key = self._key(stored.sha256)
            with _failures("store a file", self.location):
                if self._head(key) is not None:
                    self._touch(key)
                else:
                    self.client.upload_file(str(tmp), self.bucket, key, Config=TRANSFER)
        return stored

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise

    def _touch(self, key: str) -> None:
        """Stored again: newly in use, so no longer an old orphan for `sweep` (a copy onto
        itself renews LastModified)."""
        self.client.copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": key},
            MetadataDirective="REPLACE",
        )

    def open(self, sha256: str) -> BinaryIO:
        key = self._key(sha256)
        with _failures("read a file", self.location):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            except ClientError as exc:
                if _missing(exc):
                    raise FileNotFoundError(f"{self.location}: no file {sha256}") from None
                raise

    def _look_up(self, sha256: str) -> dict | None:
        key = self._key(sha256)
        with _failures("look for a file", self.location):
            found = self._head(key)
            if found is None:
                # A HEAD answers a bare 404 for a missing bucket too: a missing file is a
                # missing file only in a bucket that is there.
                self.client.head_bucket(Bucket=self.bucket)
        return found

    def exists(self, sha256: str) -> bool:
        return self._look_up(sha256) is not None

    def size(self, sha256: str) -> int:
        found = self._look_up(sha256)
        if found is None:
            raise FileNotFoundError(f"{self.location}: no file {sha256}")
        return found["ContentLength"]

    def _objects(self) -> Iterator[dict]:
        with _failures("list its files", self.location):
            pages = self.client.get_paginator("list_objects_v2")
            paging = {"PageSize": self.page_size}
            for page in pages.paginate(
                Bucket=self.bucket, Prefix=self.root, PaginationConfig=paging
            ):
                yield from page.get("Contents", [])

    def addresses(self) -> Iterator[str]:
        for each in self._objects():
            name = each["Key"].rsplit("/", 1)[-1]
            if is_address(name) and each["Key"] == self._key(name):
                yield name

    def holds_anything(self) -> bool:
        return next(self._objects(), None) is not None

    def sweep(self, referenced: set[str], older_than_seconds: int = 3600) -> int:
        cutoff = time.time() - older_than_seconds
        old = [
            each["Key"]
            for each in self._objects()
            if each["LastModified"].timestamp() < cutoff
            and is_address(name := each["Key"].rsplit("/", 1)[-1])
            and each["Key"] == self._key(name)
            and name not in referenced
        ]
        with _failures("remove unreferenced files", self.location):
            for key in old:
                self.client.delete_object(Bucket=self.bucket, Key=key)
            pages = self.client.get_paginator("list_multipart_uploads")
            abandoned = [
                upload
                for page in pages.paginate(Bucket=self.bucket, Prefix=self.root)
                for upload in page.get("Uploads", [])
                if upload["Initiated"].timestamp() < cutoff
            ]
            for upload in abandoned:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
        return len(old) + len(abandoned)
