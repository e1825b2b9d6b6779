"""Safe file writes, with no torch import: the game's title screen uses this before torch loads.

Every write goes through `atomic_write_bytes`: a temporary file beside the
target, fsynced, renamed over it. A target that exists and is not a regular
file (a device such as /dev/null, a pipe, a folder) is refused rather than
replaced, and output folders are made for the purpose (`output_folder`), never
an existing folder holding other files such as `/`.
"""

import errno
import hashlib
import os
import stat
import tempfile
from pathlib import Path


def check_regular_target(path: str | os.PathLike) -> None:
    """Raise OSError unless `path` is missing or a regular file (following links): the only things we replace."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise OSError(errno.EEXIST, f"exists and is {kind}; refusing to replace it", str(path))


def check_writable_target(path: str | os.PathLike) -> None:
    """Raise OSError, naming `path`, unless a file can be written there now: nothing or a regular file at
    `path`, and a folder above it that takes a new file (tried with an empty one). For outputs written after
    minutes of work (an export, a scores file): a read-only or mistyped place fails before the work."""
    path = Path(path)
    check_regular_target(path)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:  # the folders still to be made are made at the write
        folder = folder.parent
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".probe")
    except OSError as error:
        raise naming(path, error) from error
    os.close(handle)
    os.unlink(probe)


def naming(path, error: OSError) -> OSError:
    """The same error, naming `path` (the file the user gave) rather than our temporary or probe file."""
    return OSError(error.errno, error.strerror or str(error), str(path))


def atomic_write_bytes(data: bytes, path: str | os.PathLike) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a torn one.

    A temporary file beside the target is written, fsynced and renamed over it;
    on any failure (a full disk included) it is removed and the old file stays.
    """
    path = Path(path)
    check_regular_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # its error names the folder in the way
    try:  # a failure names the target the user gave, not our temporary file
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise naming(path, error) from error
    try:
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; these are ordinary data files
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        check_regular_target(path)  # it may have changed while we wrote
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError) and error.filename in (None, temporary):  # a full disk names no file
            raise naming(path, error) from error
        raise


def atomic_write_text(text: str, path: str | os.PathLike) -> None:
    atomic_write_bytes(text.encode("utf-8"), path)


def output_folder(path: str | os.PathLike, ours) -> Path:
    """Make (or reuse) a folder for our output files: new, empty, or holding only files that `ours(name)` accepts.

    Anything else (`/`, a home folder, a folder of someone's files) is refused with OSError,
    so a mistyped --out never scatters files where they do not belong.
    """
    path = Path(path)
    check_output_folder(path, ours)
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_output_folder(path: Path, ours) -> None:
    """Refuse, with OSError, a folder `output_folder` would refuse, without making it."""
    if path.exists() and not path.is_dir():
        raise OSError(errno.ENOTDIR, "exists and is not a folder", str(path))
    if path.is_dir():
        foreign = [entry.name for entry in os.scandir(path) if not ours(entry.name)]
        if foreign:
            raise OSError(
                errno.EEXIST,
                f"already holds other files ({foreign[0]}, ...); give a new or empty folder",
                str(path),
            )


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in 1 MB blocks so a large file never sits in memory whole."""
    with open(path, "rb") as file:
        return stream_digest(file, algorithm)


def stream_digest(file, algorithm: str = "sha256") -> str:
    """Hex digest of an open binary file from where it stands (hashlib.file_digest needs Python 3.11)."""
    digest = hashlib.new(algorithm)
    for block in iter(lambda: file.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()
