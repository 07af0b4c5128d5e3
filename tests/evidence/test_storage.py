"""The content-addressed store, in a directory, in a bucket (a real SeaweedFS) and in a
container (a real Azurite): streaming, de-duplication, limits, refusals, listing and sweeping."""

import hashlib
import io
import os
import time
import tracemalloc
import uuid

import pytest

from tracker.evidence.storage import LocalStore, TooLarge, open_store


def _accept(_path):
    return None


@pytest.fixture
def store(app, any_store):
    """A new, empty store of each kind in turn."""
    return open_store(app.config)


def leftovers(store) -> list:
    """Temporary files or unfinished uploads a store still holds."""
    if isinstance(store, LocalStore):
        return list((store.root / "tmp").glob("*"))
    if store.location.startswith("az://"):
        return store.unfinished()
    return store.client.list_multipart_uploads(Bucket=store.bucket, Prefix=store.root).get(
        "Uploads", []
    )


def abandon_an_upload(store) -> None:
    """What a process killed mid-upload leaves behind."""
    if isinstance(store, LocalStore):
        (store.root / "tmp").mkdir(parents=True, exist_ok=True)
        (store.root / "tmp" / "upload-abandoned").write_bytes(b"half")
    elif store.location.startswith("az://"):
        blob = store.container.get_blob_client(store.root + "ab/cd/" + "ab" * 32)
        blob.stage_block("YmxvY2sx", b"x")  # never committed
    else:
        key = store.root + "ab/cd/" + "ab" * 32
        started = store.client.create_multipart_upload(Bucket=store.bucket, Key=key)
        store.client.upload_part(
            Bucket=store.bucket, Key=key, UploadId=started["UploadId"], PartNumber=1, Body=b"x"
        )


def test_put_stores_by_sha256_and_reads_back(store):
    data = b"minutes of the core group" * 1000
    stored = store.put(io.BytesIO(data), 10**6, _accept)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert store.exists(stored.sha256) and store.size(stored.sha256) == len(data)
    with store.open(stored.sha256) as fh:
        assert fh.read() == data
    assert leftovers(store) == []  # nothing left half-written
    assert store.holds_anything() and list(store.addresses()) == [stored.sha256]


def test_a_missing_address_is_not_found(store):
    missing = "0" * 64
    assert not store.exists(missing) and not store.holds_anything()
    with pytest.raises(FileNotFoundError):
        store.open(missing)
    with pytest.raises(FileNotFoundError):
        store.size(missing)


def test_same_content_is_stored_once(store):
    first = store.put(io.BytesIO(b"same"), 100, _accept)
    second = store.put(io.BytesIO(b"same"), 100, _accept)
    assert first == second and list(store.addresses()) == [first.sha256]


def test_too_large_keeps_nothing(store):
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"x" * 101), 100, _accept)
    assert list(store.addresses()) == [] and leftovers(store) == []


def test_a_refused_file_is_not_kept(store):
    def refuse(path):
        assert path.read_bytes() == b"<html>"  # the check reads the whole file
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.put(io.BytesIO(b"<html>"), 100, refuse)
    assert list(store.addresses()) == [] and leftovers(store) == []


def test_an_interrupted_stream_keeps_nothing(store):
    class Broken(io.RawIOBase):
        sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent > 200_000:
                raise ConnectionResetError("the browser went away")
            self.sent += len(buffer)
            buffer[:] = b"y" * len(buffer)
            return len(buffer)

    with pytest.raises(ConnectionResetError):
        store.put(io.BufferedReader(Broken()), 10**7, _accept)
    assert not store.holds_anything() and leftovers(store) == []


@pytest.mark.parametrize("address", ["../../etc/passwd", "a" * 63, "g" * 64, "A" * 64])
def test_only_sha256_addresses_are_opened(store, address):
    with pytest.raises(ValueError):
        store.open(address)
    with pytest.raises(ValueError):
        store.exists(address)


def test_sweep_removes_only_old_unreferenced_files(store):
    kept = store.put(io.BytesIO(b"kept"), 100, _accept).sha256
    orphan = store.put(io.BytesIO(b"orphan"), 100, _accept).sha256
    abandon_an_upload(store)
    assert store.sweep({kept}) == 0  # all young: they may belong to uploads in progress
    assert set(store.addresses()) == {kept, orphan}
    assert store.sweep({kept}, older_than_seconds=-60) == 2
    assert list(store.addresses()) == [kept] and leftovers(store) == []
    with store.open(kept) as fh:
        assert fh.read() == b"kept"


def test_listing_pages_through_many_files(store):
    """More addresses than one listing page holds (S3 answers 1,000 at most: here 2)."""
    store.page_size = 2
    addresses = set()
    for n in range(7):
        addresses.add(store.put(io.BytesIO(b"%d" % n), 100, _accept).sha256)
    assert set(store.addresses()) == addresses
    assert store.sweep(set(), older_than_seconds=-60) == 7 and not store.holds_anything()


def test_local_sweep_goes_by_modification_time(tmp_path):
    store = LocalStore(tmp_path)
    kept = store.put(io.BytesIO(b"kept"), 100, _accept).sha256
    orphan = store.put(io.BytesIO(b"orphan"), 100, _accept).sha256
    young = store.put(io.BytesIO(b"young orphan"), 100, _accept).sha256
    abandon_an_upload(store)
    old = time.time() - 7200
    for path in (store._path(kept), store._path(orphan), tmp_path / "tmp" / "upload-abandoned"):
        os.utime(path, (old, old))
    assert store.sweep({kept}) == 2
    assert set(store.addresses()) == {kept, young} and leftovers(store) == []


class Zeros(io.RawIOBase):
    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def read(self, n=-1):
        n = min(self.left, 1 << 20 if n < 0 else n)
        self.left -= n
        return b"\x00" * n


def test_streaming_keeps_memory_flat(store):
    """A 25 MB file passes through in chunks (to a bucket: in 5 MB parts, one at a time):
    peak Python memory grows by less than 10 MB."""
    size = 25 * 1024 * 1024
    tracemalloc.start()
    try:
        stored = store.put(Zeros(size), 26 * 1024 * 1024, _accept)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024
    assert store.size(stored.sha256) == size
    with store.open(stored.sha256) as fh:
        digest = hashlib.sha256()
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == stored.sha256


RESIDENT_PROBE = """
import io, json, sys
from pathlib import Path
from tracker.evidence.storage import open_store

def kb():
    status = Path("/proc/self/status").read_text().splitlines()
    return {k: int(v.split()[0]) for k, _, v in (l.partition(":") for l in status)
            if k in ("VmRSS", "VmHWM")}

class Zeros(io.RawIOBase):
    def __init__(self, size):
        self.left = size
    def readable(self):
        return True
    def readinto(self, buffer):
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n

store = open_store(json.loads(sys.argv[1]))
store.put(io.BytesIO(b"warm up: load the client and its models"), 100, lambda p: None)
Path("/proc/self/clear_refs").write_text("5")  # VmHWM from now on
before = kb()["VmRSS"]
store.put(io.BufferedReader(Zeros(25 * 1024 * 1024), 64 * 1024), 26 * 1024 * 1024, lambda p: None)
print(json.dumps({"growth_kb": kb()["VmHWM"] - before}))
"""


def test_a_25_mb_upload_grows_resident_memory_by_under_10_mb(app, any_store):
    """Measured as the operating system sees it (C buffers, sockets and all), in a process of
    its own so that nothing else the suite did hides or adds to the growth."""
    import json
    import subprocess
    import sys

    settings = {
        key: app.config[key]
        for key in ("TRACKER_EVIDENCE_DIR", "TRACKER_STORAGE_URL", "TRACKER_S3_ENDPOINT_URL")
    }
    probe = subprocess.run(
        [sys.executable, "-c", RESIDENT_PROBE, json.dumps(settings)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    growth_mb = json.loads(probe.stdout)["growth_kb"] / 1024
    assert growth_mb < 10, f"{growth_mb:.1f} MB"


def test_an_upload_to_a_bucket_cut_off_midway_leaves_no_object(app, s3_server, store_settings):
    """The connection drops after the first 5 MB part: the caller is told, the address holds
    nothing (so no row can name it), and nothing unfinished is left once swept."""
    from botocore.exceptions import ConnectionClosedError

    from tracker.evidence.storage import StoreFailed

    app.config.update(store_settings("s3"))
    store = open_store(app.config)
    sent = []

    def drop_the_second_part(params, **_kwargs):
        sent.append(params["PartNumber"])
        if params["PartNumber"] == 2:
            raise ConnectionClosedError(endpoint_url=s3_server.endpoint)  # as botocore says it

    events = store.client.meta.events
    events.register("before-parameter-build.s3.UploadPart", drop_the_second_part)
    try:
        with pytest.raises(StoreFailed):
            store.put(Zeros(12 * 1024 * 1024), 13 * 1024 * 1024, _accept)
    finally:
        events.unregister("before-parameter-build.s3.UploadPart", drop_the_second_part)
    assert sent[:2] == [1, 2]
    assert not store.holds_anything()
    store.sweep(set(), older_than_seconds=-60)
    assert leftovers(store) == []
    again = store.put(Zeros(12 * 1024 * 1024), 13 * 1024 * 1024, _accept)  # the store still works
    assert list(store.addresses()) == [again.sha256]


def test_an_upload_to_a_container_cut_off_midway_leaves_no_blob(app, azurite_server):
    """The connection drops at the second 4 MB block (and at each retry of it): the caller is
    told, the address holds no blob, and the uncommitted blocks are gone once swept."""
    from urllib.parse import parse_qs, urlsplit

    from azure.core.exceptions import ServiceRequestError

    from tracker.evidence.storage import StoreFailed, azure

    blocks = []

    def drop_the_second_block(request):
        query = parse_qs(urlsplit(request.http_request.url).query)
        if query.get("comp") == ["block"]:
            if query["blockid"][0] not in blocks:
                blocks.append(query["blockid"][0])
            if len(blocks) >= 2 and query["blockid"][0] == blocks[1]:
                raise ServiceRequestError("Connection aborted: the network went away")

    prefix = uuid.uuid4().hex
    name = azurite_server.container
    cut = azure.AzureStore(azure.container(name, raw_request_hook=drop_the_second_block), prefix)
    with pytest.raises(StoreFailed, match="could not store a file"):
        cut.put(Zeros(12 * 1024 * 1024), 13 * 1024 * 1024, _accept)
    assert len(blocks) == 2
    store = azure.AzureStore(azure.container(name), prefix)
    assert not store.holds_anything() and list(store.addresses()) == []
    assert len(leftovers(store)) == 1  # the first block, uncommitted
    assert store.sweep(set(), older_than_seconds=-60) == 1
    assert leftovers(store) == []
    again = store.put(Zeros(12 * 1024 * 1024), 13 * 1024 * 1024, _accept)  # the store still works
    assert list(store.addresses()) == [again.sha256]


def test_hosts_sweeping_one_store_at_once_remove_each_file_once(tmp_path):
    """Every host may run sweep-evidence on a shared store: a file another host removed
    between listing and removing is passed over, not an error."""
    from tests.threads import together

    store = LocalStore(tmp_path)
    old = time.time() - 7200
    for n in range(400):
        stored = store.put(io.BytesIO(f"orphan {n}".encode()), 100, _accept)
        os.utime(store._path(stored.sha256), (old, old))
    answers = together(4, lambda _n: store.sweep(set()))
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert sum(answers) == 400 and list(store.addresses()) == []


def test_a_container_sweep_keeps_a_file_stored_again_after_its_listing(app, azurite_server):
    """Storing a file again renews its age; a sweep that listed it as an old orphan just before
    removes it only if it is still unmodified (a condition the server checks), so the upload
    that stored it again keeps its file."""
    from tracker.evidence.storage import azure

    store = azure.AzureStore(azure.container(azurite_server.container), uuid.uuid4().hex)
    orphan = store.put(io.BytesIO(b"stored twice"), 100, _accept)
    blob = store.container.get_blob_client(store._key(orphan.sha256))
    first = blob.get_blob_properties().last_modified
    time.sleep(3.1)
    listed_first = store.unfinished

    def stored_again_meanwhile():
        store.put(io.BytesIO(b"stored twice"), 100, _accept)
        return listed_first()

    store.unfinished = stored_again_meanwhile  # runs between the listing and the removal
    assert store.sweep(set(), older_than_seconds=2) == 0
    assert blob.get_blob_properties().last_modified > first
    assert list(store.addresses()) == [orphan.sha256]
