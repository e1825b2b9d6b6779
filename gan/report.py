"""Files a person wants to look at: sample grids, the timelapse GIF, the loss plot, metrics.jsonl."""

import json
import math
from pathlib import Path

import numpy as np
from PIL import Image

from gan.files import atomic_write_bytes


def grid_image(digits: np.ndarray, columns: int | None = None, padding: int = 2, scale: int = 2) -> Image.Image:
    """(N, 28, 28) uint8 -> one grayscale PIL image, digits in rows, upscaled with nearest neighbour."""
    count = len(digits)
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    cell = 28 + padding
    canvas = np.full((rows * cell + padding, columns * cell + padding), 40, dtype=np.uint8)
    for index, digit in enumerate(digits):
        top, left = padding + (index // columns) * cell, padding + (index % columns) * cell
        canvas[top : top + 28, left : left + 28] = digit
    image = Image.fromarray(canvas, mode="L")
    return image.resize((image.width * scale, image.height * scale), Image.NEAREST) if scale > 1 else image


def save_png(image: Image.Image, path: Path) -> None:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    atomic_write_bytes(buffer.getvalue(), path)


def save_timelapse(frames: list[Path], path: Path, milliseconds_per_frame: int = 250, comment: str = "") -> None:
    """Every epoch's grid as one looping GIF; the last frame is held longer. `comment` goes in the GIF
    (a shipped timelapse names the SHA-256 of the checkpoint it belongs to there)."""
    import io

    if not frames:
        return
    images = [Image.open(frame).convert("L") for frame in frames]
    durations = [milliseconds_per_frame] * (len(images) - 1) + [1500]
    buffer = io.BytesIO()
    extra = {"comment": comment.encode()} if comment else {}
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0, **extra)
    atomic_write_bytes(buffer.getvalue(), path)


def append_jsonl(record: dict, path: Path) -> None:
    with open(path, "a") as file:
        file.write(json.dumps(record) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    """Records of a metrics file; a torn last line (killed mid-write) is skipped."""
    records = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def save_loss_plot(records: list[dict], path: Path) -> None:
    """losses.png: D and G losses, D(x) and D(G(z)), and the per-epoch FID when there is one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogFormatter

    steps = [r for r in records if "loss_d" in r]
    epochs = [r for r in records if r.get("fid") is not None]
    if not steps:
        return
    panels = 3 if epochs else 2
    figure, axes = plt.subplots(panels, 1, figsize=(8, 3 * panels), sharex=True)
    x = [r["step"] for r in steps]
    axes[0].plot(x, [r["loss_d"] for r in steps], label="D loss", linewidth=1)
    axes[0].plot(x, [r["loss_g"] for r in steps], label="G loss", linewidth=1)
    axes[0].set_ylabel("loss")
    axes[0].legend(loc="upper right")
    axes[1].plot(x, [r["d_real"] for r in steps], label="D(x), real", linewidth=1)
    axes[1].plot(x, [r["d_fake"] for r in steps], label="D(G(z)), fake", linewidth=1)
    axes[1].set_ylim(0, 1)
    axes[1].set_ylabel("mean D output")
    axes[1].legend(loc="upper right")
    if epochs:
        axes[2].plot([r["step"] for r in epochs], [r["fid"] for r in epochs], marker="o", label="FID (quick)")
        axes[2].set_yscale("log")
        # Plain numbers (30, 40), not matplotlib's "3 x 10^1", where the FIDs span less than a decade.
        axes[2].yaxis.set_major_formatter(LogFormatter())
        axes[2].yaxis.set_minor_formatter(LogFormatter(minor_thresholds=(2, 0.5)))
        axes[2].set_ylabel("FID, lower is better")
        axes[2].legend(loc="upper right")
    axes[-1].set_xlabel("optimizer step")
    figure.tight_layout()
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    atomic_write_bytes(buffer.getvalue(), path)


class RunFolder:
    """A run folder as a person finds it: sample grids, the timelapse, metrics.jsonl, losses.png, TensorBoard.

    Only the main process of a run makes one. `created` says whether this process made the folder,
    so a run that fails before its first checkpoint can take it away again.
    """

    def __init__(self, path: Path, tensorboard: bool = False):
        self.path = Path(path)
        self.created = not self.path.exists()
        (self.path / "samples").mkdir(parents=True, exist_ok=True)
        self.metrics_path = self.path / "metrics.jsonl"
        self.tensorboard = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                raise ValueError(
                    "--tensorboard needs the tensorboard package: pip install -e '.[tensorboard]'"
                ) from None
            self.tensorboard = SummaryWriter(str(self.path / "tensorboard"))

    def forget_after(self, step: int) -> None:
        """On resume: drop the lines logged after the checkpoint (a kill -9 came later), and a torn one,
        so that no step is in metrics.jsonl twice and losses.png never doubles back."""
        lines = self.metrics_path.read_text().splitlines() if self.metrics_path.exists() else []
        kept = [record for record in read_jsonl(self.metrics_path) if record.get("step", 0) <= step]
        if len(kept) != len(lines):
            atomic_write_bytes("".join(json.dumps(record) + "\n" for record in kept).encode(), self.metrics_path)

    def save_grid(self, name: str, digits: np.ndarray, columns: int) -> None:
        save_png(grid_image(digits, columns=columns), self.path / "samples" / f"{name}.png")

    def record(self, record: dict, scalars: tuple[str, ...] = ()) -> None:
        """One line of metrics.jsonl, and the named figures of it to TensorBoard."""
        append_jsonl(record, self.metrics_path)
        if self.tensorboard:
            for key in scalars:
                if record.get(key) is not None:
                    self.tensorboard.add_scalar(key, record[key], record["step"])

    def timelapse_frames(self, records: list[dict]) -> list[Path]:
        """The grids in the order they were drawn, by the step the metrics.jsonl `records` give for each: a
        grid of a run stopped mid-epoch and resumed comes before the epochs that followed. Unrecorded ones go last."""
        drawn_at = {
            record["epoch_end"]: record["step"]
            for record in records
            if isinstance(record, dict) and isinstance(record.get("epoch_end"), str) and type(record.get("step")) is int
        }
        grids = [path for pattern in ("epoch_*.png", "step_*.png") for path in self.path.glob(f"samples/{pattern}")]
        return sorted(grids, key=lambda path: (drawn_at.get(path.stem, math.inf), path.name))

    def finish(self) -> None:
        """The files made from everything so far: at the end of a run, or when it stops early."""
        records = read_jsonl(self.metrics_path)
        save_timelapse(self.timelapse_frames(records), self.path / "timelapse.gif")
        save_loss_plot(records, self.path / "losses.png")
        if self.tensorboard:
            self.tensorboard.close()
