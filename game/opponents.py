"""Find the opponents in `weights/` and read their labels without importing torch.

The title screen must be up before torch could even be imported (the budget
and the figures are in the README), so the list is built by reading each checkpoint's small pickled
header (`archive/data.pkl` inside torch's zip format) with an unpickler that
builds nothing but dicts, lists and numbers: tensors become `None` and no
tensor data is read. That is enough to tell a game checkpoint (`kind == "game"`)
from the classifier and other files, and to show its epoch and FID. The bridge
later loads the chosen file properly, with `torch.load(weights_only=True)`.
"""

import collections
import io
import math
import os
import pickle
import zipfile
from pathlib import Path

from game.files import check_regular, open_regular
from game.rounds import DIFFICULTIES, Opponent, sane_epoch
from gan.cli import one_line

REPO_ROOT = Path(__file__).resolve().parent.parent
HEADER_LIMIT = 1 << 20  # the header of a game checkpoint is a few KB; anything larger is not one


class PeekError(Exception):
    """The file is not a readable torch checkpoint; the message is one line."""


def _placeholder(*args, **kwargs):
    return None


class HeaderUnpickler(pickle.Unpickler):
    """Reads the dict structure of a torch checkpoint; every tensor comes out as None.

    Only `collections.OrderedDict` is built for real; any name under `torch`
    becomes a function that ignores its arguments, and every other global is
    refused, so the file can run no code.
    """

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" or module.startswith("torch."):
            return _placeholder
        raise pickle.UnpicklingError(f"unexpected object {module}.{name}")

    def persistent_load(self, pid):
        return None  # tensor storage lives in other zip members; not needed for labels


def peek(path: str | Path) -> dict:
    """The checkpoint's dict with tensors replaced by None; raises PeekError on anything else."""
    try:
        with os.fdopen(open_regular(Path(path), os.O_RDONLY, must_exist=True), "rb") as file:
            header = read_header(file, path)
    except (OSError, zipfile.BadZipFile, KeyError, EOFError) as error:
        reason = getattr(error, "strerror", None) or one_line(error, 80)
        raise PeekError(f"{path}: not a readable checkpoint ({reason})") from error
    try:
        content = HeaderUnpickler(io.BytesIO(header)).load()
    except Exception as error:  # a damaged pickle raises many types; all mean "unreadable"
        raise PeekError(f"{path}: not a readable checkpoint ({type(error).__name__})") from error
    if not isinstance(content, dict):
        raise PeekError(f"{path}: not a Real or Fake? checkpoint")
    return content


def read_header(file, path) -> bytes:
    """The pickled header (data.pkl) of a torch zip checkpoint."""
    with zipfile.ZipFile(file) as archive:
        headers = [name for name in archive.namelist() if name.endswith("/data.pkl") or name == "data.pkl"]
        if not headers:
            raise PeekError(f"{path}: not a torch checkpoint (no data.pkl)")
        info = archive.getinfo(headers[0])
        if info.file_size > HEADER_LIMIT:
            raise PeekError(f"{path}: not a Real or Fake? checkpoint (header too large)")
        return archive.read(info)


def opponent_from(path: Path, header: dict, shown_path: str) -> Opponent:
    stem = path.stem
    metrics = header.get("metrics") if isinstance(header.get("metrics"), dict) else {}
    return Opponent(
        path=shown_path,
        name=stem,
        difficulty=stem if stem in DIFFICULTIES else "",
        epoch=sane_epoch(header.get("epoch")),
        fid=sane_fid(metrics.get("fid")),
    )


def sane_fid(value) -> float | None:
    """A FID worth showing: a finite number from 0 to a million (a damaged header can hold one too large)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:
        return None
    return value if math.isfinite(value) and 0 <= value < 1e6 else None


def display_path(path: Path) -> str:
    """`weights/easy.pt` when under the current folder, else the absolute path; either one opens the file."""
    try:
        resolved = path.resolve()
        return str(resolved.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path.absolute())


def find_opponents(folders=None) -> tuple[list[Opponent], list[str]]:
    """Every game checkpoint in the folders (default: ./weights and the repo's weights/).

    The shipped ones come first as easy, medium, hard; the player's own follow,
    newest first. Returns (opponents, notices): a notice for each .pt file that
    could not be read, so a broken file is reported rather than silently dropped.
    Files of another kind (the digit classifier, run checkpoints) are skipped.
    """
    if folders is None:
        folders = [Path.cwd() / "weights", REPO_ROOT / "weights"]
    seen, found, notices = set(), [], []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.pt")):
            try:
                resolved = path.resolve()
                if resolved in seen:
                    continue
                seen.add(resolved)
                modified = check_regular(path).st_mtime  # a FIFO or a device is never opened: it could hang
                header = peek(path)
            except (PeekError, OSError, RuntimeError) as error:  # RuntimeError: a symlink loop
                notices.append(f"skipped {display_path(path)}: {str(error).split(': ', 1)[-1]}")
                continue
            if header.get("kind") != "game":
                continue
            found.append((opponent_from(path, header, display_path(path)), modified))
    shipped = sorted((o for o, _ in found if o.difficulty), key=lambda o: DIFFICULTIES.index(o.difficulty))
    own = [o for o, _ in sorted(((o, m) for o, m in found if not o.difficulty), key=lambda item: -item[1])]
    return shipped + own, notices


def check_weights(path: str) -> str | None:
    """Why a --weights file cannot be a game checkpoint, found without torch; None when it may be one."""
    try:
        check_regular(Path(path))
        kind = peek(path).get("kind")
    except FileNotFoundError:
        return f"{path}: no such file" + did_you_mean(path)
    except (OSError, PeekError) as error:
        return str(error) if isinstance(error, PeekError) else f"{path}: {error.strerror or error}"
    return f"{path}: a {kind} checkpoint, not a game opponent" if kind not in (None, "game", "run") else None


def did_you_mean(path: str) -> str:
    """'; did you mean weights/hard.pt?' for `--weights hard` or `hard.pt`, where such a file exists; else ''."""
    name = Path(path).name
    for folder in (Path("weights"), REPO_ROOT / "weights"):
        for candidate in (folder / name, folder / f"{name}.pt"):
            if candidate.is_file() and candidate.resolve() != Path(path).resolve():
                return f"; did you mean {display_path(candidate)}?"
    return ""


def opponent_for(path: str) -> Opponent:
    """The one opponent of `--weights PATH`; labels when readable, else just the name (the bridge reports why)."""
    file = Path(path)
    try:
        return opponent_from(file, peek(file), path)
    except PeekError:
        return Opponent(path=path, name=file.stem, difficulty=file.stem if file.stem in DIFFICULTIES else "")
