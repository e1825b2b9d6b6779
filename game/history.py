"""The player's records: one JSON line per finished game in `history.jsonl`.

The file lives in the user's data folder (platformdirs, e.g.
`~/.local/share/real-or-fake/` on Linux); `REAL_OR_FAKE_HOME` puts it
somewhere else (tests, classrooms, experiments). Every append rewrites the
file atomically, so a crash leaves the old file or the new one, never half a
line. A file that still cannot be read (edited by hand, a damaged disk) is
moved aside as `history.jsonl.corrupt-<time>`, never deleted, and a new one is
started from the lines that could be read, with a notice for the title screen.

Each record is what `game.state.Game.record` returns: checkpoint, seed, time,
mode, player_correct, d_correct and per round is_real, answer_real,
d_prob_real, ms and index. A researcher reads it with

    [json.loads(line) for line in open(path)]
"""

import json
import os
from datetime import datetime
from pathlib import Path

from gan.files import atomic_write_text  # torch-free, so the title can repair history before torch loads

APP_NAME = "real-or-fake"
FILE_NAME = "history.jsonl"


def data_dir() -> Path:
    override = os.environ.get("REAL_OR_FAKE_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs  # only here: the override needs none of it

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def history_path() -> Path:
    return data_dir() / FILE_NAME


def _parse(text: str) -> tuple[list[dict], int | None]:
    """(records, line number of the first bad line or None)."""
    records, first_bad = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            records.append(record)
        elif first_bad is None:
            first_bad = number
    return records, first_bad


def _serialize(records: list[dict]) -> str:
    return "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in records)


def read_history(path: Path | None = None) -> tuple[list[dict], list[str]]:
    """(records, notices). A damaged file is set aside and replaced by its readable lines."""
    path = Path(path) if path is not None else history_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as error:
        return [], [f"could not read {path}: {error.strerror or error}; this game's scores will not be saved there"]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text, first_bad = raw.decode("utf-8", errors="replace"), 0
        records, _ = _parse(text)
    else:
        records, first_bad = _parse(text)
    if first_bad is None:
        return records, []
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        os.replace(path, aside)
        atomic_write_text(_serialize(records), path)
    except OSError as error:
        return records, [f"{path} is damaged and could not be repaired ({error.strerror or error})"]
    where = "not UTF-8" if first_bad == 0 else f"line {first_bad} unreadable"
    return records, [
        f"history was damaged ({where}); kept it as {aside.name} and started a new one "
        f"with the {len(records)} readable game{'s' if len(records) != 1 else ''}"
    ]


def append_game(record: dict, path: Path | None = None) -> list[str]:
    """Add one finished game; returns notices (empty when all went well). Never raises for I/O."""
    path = Path(path) if path is not None else history_path()
    _, notices = read_history(path) if path.exists() else ([], [])  # sets a damaged file aside first
    try:
        try:
            existing = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            existing = ""
        if existing and not existing.endswith("\n"):
            existing += "\n"
        atomic_write_text(existing + _serialize([record]), path)
    except OSError as error:
        notices.append(f"could not save this game to {path}: {error.strerror or error}")
    return notices
