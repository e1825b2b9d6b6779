"""The player's records on disk: `history.jsonl`, one line per game (see `game.records` for a line).

The file lives in the user's data folder (platformdirs, e.g.
`~/.local/share/real-or-fake/` on Linux); `REAL_OR_FAKE_HOME` puts it
somewhere else (tests, classrooms, experiments).

- **Appends are appends**: one `write` of one line, under an exclusive lock
  (fcntl on POSIX, msvcrt on Windows), so games finished at the same moment by
  several processes all arrive whole, and the cost does not grow with the file.
  A write that fails half way (a full disk) is cut back off, so the file never
  keeps half a line of ours.
- **A damaged line is set aside alone**: a line that is not JSON, or not a
  sensible record, is copied to `history.jsonl.set-aside` and then blanked in
  place (spaces, same length), so no good line ever moves and no other line
  is touched. A line written by a newer version of the game is left alone.
- **Never through anything but a regular file**: a FIFO, a device or a folder
  where the history should be is reported, never opened for writing (and
  opened for reading only without blocking).

A researcher reads it with

    [json.loads(line) for line in open(path) if line.strip()]
"""

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from game.files import NotRegularFile, open_regular
from game.records import NewerRecord, RecordError, parse, summary_of
from gan.cli import one_line

APP_NAME = "real-or-fake"
FILE_NAME = "history.jsonl"
DRAWINGS_FOLDER = "drawings"  # beside the history: the drawings that fooled D, as 28x28 PNGs
SET_ASIDE_SUFFIX = ".set-aside"
CHUNK_BYTES = 4 << 20


def data_dir() -> Path:
    override = os.environ.get("REAL_OR_FAKE_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs  # only here: the override needs none of it

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def history_path() -> Path:
    return data_dir() / FILE_NAME


def reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


# ----------------------------------------------------------------------------- writing safely


@contextmanager
def exclusive(descriptor: int):
    """Hold the file's one lock: every writer of this history takes it, so writes never interleave."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)  # retries for 10 s, then raises OSError
        try:
            yield
        finally:
            os.lseek(descriptor, 0, os.SEEK_SET)
            msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)


def write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def read_at(descriptor: int, size: int, offset: int) -> bytes:
    """`size` bytes from `offset` (os.pread is not on Windows)."""
    os.lseek(descriptor, offset, os.SEEK_SET)
    return os.read(descriptor, size)


# ----------------------------------------------------------------------------- appending


def append_line(path: Path, line: bytes) -> int:
    """Append one line under the lock; returns the byte offset it starts at. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = open_regular(path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
    try:
        with exclusive(descriptor):
            end = os.lseek(descriptor, 0, os.SEEK_END)
            if end and read_at(descriptor, 1, end - 1) != b"\n":
                line = b"\n" + line  # a torn last line (a crash, a full disk) stays its own line, to be set aside
            try:
                write_all(descriptor, line)
                os.fsync(descriptor)
            except OSError:
                os.ftruncate(descriptor, end)  # never leave half a record of ours behind
                raise
            return end + (1 if line[:1] == b"\n" else 0)
    finally:
        os.close(descriptor)


def append_game(record: dict, path: Path | None = None) -> tuple[object, list[str]]:
    """Add one game; returns (its GameSummary or None, notices). Never raises for I/O or a bad record."""
    from game.records import line_of

    path = Path(path) if path is not None else history_path()
    try:
        offset = append_line(path, line_of(record))
    except OSError as error:
        return None, [f"could not save this game to {path}: {reason(error)}"]
    try:
        return summary_of(record, offset), []
    except RecordError as error:  # our own record makes no sense: a bug, but the game on screen goes on
        return None, [f"saved a game record that does not read back ({error})"]


# ----------------------------------------------------------------------------- reading


def lines(path: Path, stop=lambda: False):
    """(offset, line bytes) of each whole line; a last line with no newline yet is left for its writer."""
    descriptor = open_regular(path, os.O_RDONLY, must_exist=True)
    with os.fdopen(descriptor, "rb") as file:
        offset, pending = 0, b""
        while not stop():
            chunk = file.read(CHUNK_BYTES)
            if not chunk:
                return
            pieces = (pending + chunk).split(b"\n")
            pending = pieces.pop()
            for piece in pieces:
                yield offset, piece
                offset += len(piece) + 1


def read_line(path: Path, offset: int) -> bytes:
    """The line that starts at `offset`."""
    descriptor = open_regular(path, os.O_RDONLY, must_exist=True)
    try:
        found = b""
        while b"\n" not in found:
            block = read_at(descriptor, 1 << 16, offset + len(found))
            if not block:
                break
            found += block
        return found.split(b"\n", 1)[0]
    finally:
        os.close(descriptor)


def read_history(path: Path | None = None, stop=lambda: False) -> tuple[list, list[str]]:
    """(GameSummary of every good line, oldest first; notices). Damaged lines are set aside alone."""
    path = Path(path) if path is not None else history_path()
    summaries, damaged, newer = [], [], 0
    try:
        for offset, line in lines(path, stop):
            if not line.strip():
                continue
            try:
                summaries.append(summary_of(parse(line), offset))
            except NewerRecord:
                newer += 1
            except (ValueError, RecordError) as error:  # RecordError is a ValueError; both mean "set it aside"
                damaged.append((offset, line, one_line(error, 80)))
    except FileNotFoundError:
        return [], []
    except OSError as error:
        return summaries, [f"could not read {path}: {reason(error)}; games will not be saved there"]
    notices = [f"{newer} game{'s' if newer != 1 else ''} in {path.name} came from a newer version and were left alone"]
    notices = notices if newer else []
    if damaged:
        notices.append(set_aside(path, damaged, len(summaries)))
    return summaries, notices


def set_aside(path: Path, damaged: list[tuple[int, bytes, str]], kept: int) -> str:
    """Copy each damaged line to the set-aside file, then blank it in place; returns the notice."""
    aside = path.with_name(path.name + SET_ASIDE_SUFFIX)
    first = f"line at byte {damaged[0][0]}: {damaged[0][2]}"
    count = f"{len(damaged)} damaged line{'s' if len(damaged) != 1 else ''}"
    try:
        descriptor = open_regular(aside, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            write_all(descriptor, b"".join(line + b"\n" for _, line, _ in damaged))
            os.fsync(descriptor)  # the copy is safe on disk before the original is blanked
        finally:
            os.close(descriptor)
        blank(path, damaged)
    except OSError as error:
        return f"{path.name} has {count} ({first}), skipped; could not set them aside: {reason(error)}"
    return f"{path.name} had {count} ({first}); moved to {aside.name}, the other {kept} games kept"


def blank(path: Path, damaged: list[tuple[int, bytes, str]]) -> None:
    descriptor = open_regular(path, os.O_RDWR, must_exist=True)  # no O_APPEND: the blanks go over the line
    try:
        with exclusive(descriptor):
            for offset, line, _ in damaged:
                if read_at(descriptor, len(line), offset) == line:  # still the line we read
                    os.lseek(descriptor, offset, os.SEEK_SET)
                    write_all(descriptor, b" " * len(line))
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


# ----------------------------------------------------------------------------- drawings


def save_drawing(image, path: Path) -> None:
    """A drawing as a 28x28 greyscale PNG, written whole or not at all (a temporary file, then a rename)."""
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8), mode="L").save(buffer, format="PNG")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = open_regular(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        with os.fdopen(descriptor, "wb") as file:
            file.write(buffer.getvalue())
        if path.exists() and not path.is_file():
            raise NotRegularFile(path)
        os.replace(temporary, path)
    finally:
        if temporary.is_file():
            temporary.unlink()


# ----------------------------------------------------------------------------- preferences


def read_preferences(path: Path | None = None) -> dict:
    """The player's remembered choices (sound on or off); {} when there are none or they cannot be read."""
    path = Path(path) if path is not None else data_dir() / "preferences.json"
    try:
        descriptor = open_regular(path, os.O_RDONLY, must_exist=True)
        with os.fdopen(descriptor, "rb") as file:
            found = json.loads(file.read(1 << 16))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def write_preferences(preferences: dict, path: Path | None = None) -> list[str]:
    """Replace the preferences file atomically; returns notices. Refuses anything but a regular file."""
    path = Path(path) if path is not None else data_dir() / "preferences.json"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and not path.is_file():
            raise NotRegularFile(path)
        descriptor = open_regular(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        with os.fdopen(descriptor, "wb") as file:
            file.write(json.dumps(preferences).encode())
        os.replace(temporary, path)
    except OSError as error:
        if temporary.is_file():
            temporary.unlink()
        return [f"could not remember your preferences in {path}: {reason(error)}"]
    return []
