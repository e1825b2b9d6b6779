"""Opening only regular files: a FIFO, a device or a folder where one of the game's files should be is refused.

Checked before opening (stat never blocks) and again on the open file
(fstat), which is opened without blocking, so a FIFO swapped in between can
neither hang the game nor be written through. No pygame, no torch.
"""

import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """Something other than a regular file is where a file of ours should be."""

    def __init__(self, path):
        super().__init__(f"{path}: not a regular file")
        self.strerror = "not a regular file"


def check_regular(path: Path) -> os.stat_result:
    """The file's stat; FileNotFoundError when there is none, NotRegularFile when it is not a regular file."""
    found = os.stat(path)
    if not stat.S_ISREG(found.st_mode):
        raise NotRegularFile(path)
    return found


def open_regular(path: Path, flags: int, must_exist: bool = False) -> int:
    """A file descriptor of `path`, which must be a regular file (or, when creating, not exist yet)."""
    try:
        check_regular(path)
    except FileNotFoundError:
        if must_exist:
            raise
    descriptor = os.open(path, flags | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0), 0o644)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise NotRegularFile(path)
    return descriptor
