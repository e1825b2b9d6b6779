"""An opponent card's figures and files: the generator's scores, and its training timelapse when its run is here.

Scores come from `scores.json` beside the checkpoint (the model card's figures, one entry per file name:
`{"hard.pt": {"sha256": ..., "evaluate": {what python -m gan.evaluate FILE --json prints}}}`), used only
when its SHA-256 is the file's; otherwise from the checkpoint's own `metrics` (the trainer's quick FID
and digit shares); a figure found in neither is unknown. The timelapse is `timelapse.gif` in the run
folder the checkpoint names (`train_config["run_dir"]`), looked for from the current folder and from the
repository, or, where that folder is not here (run folders do not ship), a GIF beside the checkpoint
(`weights/hard.timelapse.gif`: some of its run's epoch grids, up to the snapshot; the model card says
which) whose comment names the checkpoint's SHA-256. The bridge makes the card (the sample grid needs
the generator); nothing here imports torch.
"""

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from game.files import open_regular
from gan.cli import one_line

SCORES_FILE = "scores.json"
TIMELAPSE_FILE = "timelapse.gif"
BESIDE_SUFFIX = ".timelapse.gif"  # hard.pt -> hard.timelapse.gif
MAX_SCORES_BYTES = 1 << 20
MAX_TIMELAPSE_BYTES = 64 << 20
MAX_FRAMES = 200
REPO_ROOT = Path(__file__).resolve().parent.parent
# What the card shows, in order: (key in the evaluator's JSON, label, how to print a value)
FIGURES = (
    ("fid", "FID", "{:.1f}"),
    ("precision", "precision", "{:.2f}"),
    ("recall", "recall", "{:.2f}"),
    ("c2st_accuracy", "two-sample critic", "{:.0%}"),
    ("d_accuracy", "D's accuracy", "{:.0%}"),
)


@dataclass(frozen=True)
class OpponentCard:
    checkpoint: str
    name: str  # file stem
    sha256: str
    epoch: int | None
    samples: tuple  # (28, 28) uint8 digits from noise seeds 0, 1, ...
    scores: dict = field(default_factory=dict)  # FIGURES key -> a number; "class_shares" -> ten shares
    scores_source: str = ""  # where the scores came from, in words
    conditional: bool = False  # the generator is told which digit to draw
    run_dir: str = ""  # the run folder the checkpoint names, "" when none
    timelapse: tuple = ()  # (H, W) uint8 frames, one per epoch
    frame_ms: int = 250
    timelapse_note: str = ""  # why there is no timelapse, in words


def finite(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and abs(value) < 1e9 else None


def shares(value) -> tuple[float, ...] | None:
    if not isinstance(value, list) or len(value) != 10:
        return None
    found = [finite(share) for share in value]
    return None if any(share is None or share < 0 for share in found) else tuple(found)


def figures_of(values: dict) -> dict:
    """The card's figures from an evaluator's (or the trainer's) JSON object: known, finite numbers only."""
    found = {key: finite(values.get(key)) for key, _, _ in FIGURES}
    found["class_shares"] = shares(values.get("class_shares"))
    return {key: value for key, value in found.items() if value is not None}


def read_json(path: Path, limit: int = MAX_SCORES_BYTES):
    with os.fdopen(open_regular(path, os.O_RDONLY, must_exist=True), "rb") as file:
        return json.loads(file.read(limit + 1))  # more than the limit is cut, and fails as JSON


def scores_for(checkpoint: Path, sha256: str, metrics: dict) -> tuple[dict, str]:
    """(figures, where they came from): scores.json when it vouches for these exact weights, else `metrics`."""
    path = checkpoint.parent / SCORES_FILE
    note = ""
    try:
        entry = read_json(path).get(checkpoint.name)
        if isinstance(entry, dict) and entry.get("sha256") == sha256 and isinstance(entry.get("evaluate"), dict):
            return figures_of(entry["evaluate"]), f"from {SCORES_FILE} (python -m gan.evaluate)"
        note = f"; {SCORES_FILE} has none for these weights" if entry is not None else ""
    except (OSError, ValueError, AttributeError):
        pass
    figures = figures_of(metrics if isinstance(metrics, dict) else {})
    found = "from the trainer's quick figures" if figures else "no scores in the checkpoint"
    return figures, found + note


def run_folder(run_dir, checkpoint: Path) -> Path | None:
    """The run folder named in the checkpoint, if it is here: as given, from the current folder or the repository."""
    if not isinstance(run_dir, str) or not run_dir:
        return None
    given = Path(run_dir)
    for candidate in (given, Path.cwd() / given, REPO_ROOT / given, checkpoint.resolve().parent.parent / given):
        try:
            if candidate.is_dir():
                return candidate
        except OSError:
            continue
    return None


def read_timelapse(path: Path) -> tuple[tuple, int, str]:
    """(frames as (H, W) uint8 arrays, ms per frame, its comment) of a GIF; OSError or ValueError when unreadable."""
    from PIL import Image, ImageSequence

    if os.stat(path).st_size > MAX_TIMELAPSE_BYTES:
        raise ValueError("too large")
    with os.fdopen(open_regular(path, os.O_RDONLY, must_exist=True), "rb") as file, Image.open(file) as gif:
        duration = gif.info.get("duration", 250)  # the first frame's: the trainer holds the last one longer
        comment = gif.info.get("comment", b"")
        frames = []
        for frame in ImageSequence.Iterator(gif):
            frames.append(np.asarray(frame.convert("L"), dtype=np.uint8).copy())
            if len(frames) >= MAX_FRAMES:
                break
    ms = int(duration) if isinstance(duration, (int, float)) and duration > 0 else 250
    return tuple(frames), ms, comment.decode("utf-8", "replace") if isinstance(comment, bytes) else ""


def beside_timelapse(run_dir, checkpoint: Path, sha256: str) -> tuple[tuple, int, str]:
    """The timelapse shipped beside a checkpoint whose run folder is not here, made up to its snapshot; only
    when its GIF comment names these weights' SHA-256 (a hard.pt retrained or replaced is another run)."""
    beside = Path(checkpoint).with_suffix(BESIDE_SUFFIX)
    try:
        frames, frame_ms, comment = read_timelapse(beside)
    except FileNotFoundError:
        if not run_dir:
            return (), 250, "no run folder recorded in this checkpoint"
        return (), 250, f"It was trained in {run_dir}, which is not on this computer."
    except (OSError, ValueError, EOFError) as error:
        return (), 250, f"{beside.name} cannot be read ({one_line(error, 60)})"
    if not sha256 or sha256 not in comment:
        return (), 250, f"{beside.name} is the timelapse of other weights than these"
    return (frames, frame_ms, "") if frames else ((), 250, f"{beside.name} has no frames")


def timelapse_for(
    run_dir, checkpoint: Path, epoch: int | None = None, step=None, sha256: str = ""
) -> tuple[tuple, int, str]:
    """(frames, ms per frame, note): the run's timelapse up to this checkpoint, or no frames and why not.

    The GIF has one frame per finished epoch, then one for a `--steps` run that ended mid-epoch
    (samples/step_NNNNNNN.png). A run that went on after this snapshot was saved has later frames,
    which are not this generator's, so they are left out. `step` is the checkpoint's, as read (any type).
    """
    folder = run_folder(run_dir, checkpoint) if run_dir else None
    if folder is None:
        return beside_timelapse(run_dir, checkpoint, sha256)
    try:
        frames, frame_ms, _ = read_timelapse(folder / TIMELAPSE_FILE)
    except FileNotFoundError:
        return (), 250, f"{run_dir} has no {TIMELAPSE_FILE} yet (the trainer writes it at the end of a run)"
    except (OSError, ValueError, EOFError) as error:
        return (), 250, f"{run_dir}/{TIMELAPSE_FILE} cannot be read ({one_line(error, 60)})"
    if epoch:
        ended_mid_epoch = isinstance(step, int) and (folder / "samples" / f"step_{step:07d}.png").exists()
        frames = frames[: epoch + ended_mid_epoch]
    if not frames:
        return (), 250, f"{run_dir}/{TIMELAPSE_FILE} has no frames"
    return frames, frame_ms, ""
