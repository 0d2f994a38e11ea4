"""One storage contract, two backends: the filesystem and S3 (a real moto server over HTTP)."""

from __future__ import annotations

import os
import threading

import pytest

from fieldapp.storage import FilesystemStorage, StorageMissing
from fieldapp.storage_s3 import from_config as s3_from_config


@pytest.fixture(params=["filesystem", "s3"])
def store(request, tmp_path):
    if request.param == "filesystem":
        yield FilesystemStorage(tmp_path / "photos")
        return
    s3 = s3_from_config(request.getfixturevalue("s3_bucket"))
    yield s3
    s3.client.close()


def test_put_get_exists_delete(store):
    assert not store.exists("original/ab/abc")
    store.put("original/ab/abc", b"evidence")
    assert store.exists("original/ab/abc")
    assert store.get("original/ab/abc") == b"evidence"
    store.delete("original/ab/abc")
    assert not store.exists("original/ab/abc")
    store.delete("original/ab/abc")  # deleting what is gone is not an error


def test_missing_key_raises_storage_missing(store):
    with pytest.raises(StorageMissing):
        store.get("display/00/nothing.jpg")
    with pytest.raises(KeyError):  # StorageMissing is a KeyError, as callers may expect
        store.get("thumb/00/nothing.jpg")


def test_keys_are_sorted_and_filtered_by_prefix(store):
    for key in (
        "thumb/b2/b2.jpg",
        "original/ab/ab1",
        "display/ab/ab1.jpg",
        "original/cd/cd2",
        "original/ab/ab0",
    ):
        store.put(key, key.encode())
    assert store.keys() == [
        "display/ab/ab1.jpg",
        "original/ab/ab0",
        "original/ab/ab1",
        "original/cd/cd2",
        "thumb/b2/b2.jpg",
    ]
    assert store.keys("original/") == ["original/ab/ab0", "original/ab/ab1", "original/cd/cd2"]
    assert store.keys("original/ab/") == ["original/ab/ab0", "original/ab/ab1"]
    assert store.keys("nothing/") == []


def test_overwrite_replaces_whole_value(store):
    store.put("original/ab/x", b"a" * 100_000)
    store.put("original/ab/x", b"short")
    assert store.get("original/ab/x") == b"short"
    assert store.keys() == ["original/ab/x"]  # no temporary leftovers


def test_concurrent_overwrites_never_show_a_mix(store):
    """Readers see one whole value or the other, never a torn write."""
    values = [bytes([n]) * 300_000 for n in (1, 2)]
    store.put("original/ab/race", values[0])
    seen, errors = set(), []

    def writer(value):
        for _ in range(5):
            store.put("original/ab/race", value)

    def reader():
        for _ in range(10):
            data = store.get("original/ab/race")
            if data not in values:
                errors.append(len(data))
            seen.add(data[:1])

    threads = [threading.Thread(target=writer, args=(v,)) for v in values] + [
        threading.Thread(target=reader)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and seen <= {b"\x01", b"\x02"}


def test_binary_bytes_round_trip_exactly(store):
    data = bytes(range(256)) * 64 + b"\x00\r\n\xff" + os.urandom(70_000)
    store.put("original/00/bin", data)
    assert store.get("original/00/bin") == data
    store.put("original/00/empty", b"")
    assert store.get("original/00/empty") == b""


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs/key", "original/../../x", "a//b", "", "original/./x"]
)
def test_keys_that_escape_are_refused(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_s3_prefix_keeps_instances_apart(s3_bucket):
    first = s3_from_config({**s3_bucket, "S3_PREFIX": "district-a/"})
    second = s3_from_config({**s3_bucket, "S3_PREFIX": "district-b"})
    try:
        first.put("original/ab/x", b"a")
        second.put("original/ab/x", b"b")
        assert first.keys() == ["original/ab/x"] == second.keys()
        assert (first.get("original/ab/x"), second.get("original/ab/x")) == (b"a", b"b")
        listed = first.client.list_objects_v2(Bucket=s3_bucket["S3_BUCKET"])["Contents"]
        assert sorted(o["Key"] for o in listed) == [
            "district-a/original/ab/x",
            "district-b/original/ab/x",
        ]
    finally:
        first.client.close()
        second.client.close()
