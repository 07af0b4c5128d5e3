"""The content-addressed store: streaming, de-duplication, limits, refusals, sweeping."""

import hashlib
import io
import os
import time

import pytest

from tracker.evidence.storage import LocalStore, TooLarge


def _accept(_path):
    return None


def test_put_stores_by_sha256_and_reads_back(tmp_path):
    store = LocalStore(tmp_path)
    data = b"minutes of the core group" * 1000
    stored = store.put(io.BytesIO(data), 10**6, _accept)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert store.exists(stored.sha256) and store.size(stored.sha256) == len(data)
    with store.open(stored.sha256) as fh:
        assert fh.read() == data
    assert not list((tmp_path / "tmp").iterdir())  # nothing left half-written


def test_same_content_is_stored_once(tmp_path):
    store = LocalStore(tmp_path)
    first = store.put(io.BytesIO(b"same"), 100, _accept)
    second = store.put(io.BytesIO(b"same"), 100, _accept)
    assert first == second and list(store.addresses()) == [first.sha256]


def test_too_large_keeps_nothing(tmp_path):
    store = LocalStore(tmp_path)
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"x" * 101), 100, _accept)
    assert list(store.addresses()) == [] and not list((tmp_path / "tmp").iterdir())


def test_a_refused_file_is_not_kept(tmp_path):
    store = LocalStore(tmp_path)

    def refuse(_path):
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.put(io.BytesIO(b"<html>"), 100, refuse)
    assert list(store.addresses()) == [] and not list((tmp_path / "tmp").iterdir())


@pytest.mark.parametrize("address", ["../../etc/passwd", "a" * 63, "g" * 64, "A" * 64])
def test_only_sha256_addresses_are_opened(tmp_path, address):
    with pytest.raises(ValueError):
        LocalStore(tmp_path).open(address)


def test_sweep_removes_only_old_unreferenced_files(tmp_path):
    store = LocalStore(tmp_path)
    kept = store.put(io.BytesIO(b"kept"), 100, _accept).sha256
    orphan = store.put(io.BytesIO(b"orphan"), 100, _accept).sha256
    young = store.put(io.BytesIO(b"young orphan"), 100, _accept).sha256
    abandoned = tmp_path / "tmp" / "upload-abandoned"
    abandoned.write_bytes(b"half")
    old = time.time() - 7200
    for path in (store._path(kept), store._path(orphan), abandoned):
        os.utime(path, (old, old))
    assert store.sweep({kept}) == 2
    assert set(store.addresses()) == {kept, young} and not abandoned.exists()


def test_streaming_keeps_memory_flat(tmp_path):
    """A 25 MB file passes through in chunks: peak Python memory grows far less than 10 MB."""
    import tracemalloc

    class Source(io.RawIOBase):
        def __init__(self, size):
            self.left = size

        def readable(self):
            return True

        def read(self, n=-1):
            n = min(self.left, 1 << 20 if n < 0 else n)
            self.left -= n
            return b"\x00" * n

    store = LocalStore(tmp_path)
    tracemalloc.start()
    try:
        store.put(Source(25 * 1024 * 1024), 26 * 1024 * 1024, _accept)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024


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
