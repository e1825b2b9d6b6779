"""Digits from a checkpoint: a grid to look at, or files for outside evaluators.

    python -m gan.sample CHECKPOINT --out grid.png [--n 64] [--seed S]
    python -m gan.sample CHECKPOINT --out digits.npz --n 10000    # + digits.png, the grid
    python -m gan.sample CHECKPOINT --out digits/ --n 10000       # one PNG per digit + digits.png

Digit i is made from its own noise seed, S + i, so any single digit can be
made again on its own (`--seed S+i --n 1`); the .npz stores each digit's seed
beside it. The folder layout (28x28 grayscale PNGs and nothing else) is what
pytorch-fid and torch-fidelity read. CHECKPOINT is a game or run checkpoint of
this project, or the textbook anchor (a pytorch/examples DCGAN generator
state_dict, 64x64, area-downsampled to 28x28 here).
"""

import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from gan.checkpoint import CheckpointError, check_archive, load_models
from gan.cli import doc, one_line, one_line_errors, parse_config
from gan.files import atomic_write_bytes, check_regular_target, output_folder
from gan.models import to_uint8
from gan.report import grid_image, save_png

GRID_LIMIT = 400  # digits shown in a grid at most (20 x 20); more would be unreadable


# ----------------------------------------------------------------------------- the textbook anchor


class TextbookGenerator(nn.Module):
    """pytorch/examples `dcgan/main.py`'s Generator (nz 100, ngf 64, nc 1), then area-downsampled to 28x28.

    The layer indices match its `main` Sequential, so its state_dict loads as is.
    """

    latent_dim = 100

    def __init__(self, ngf: int = 64):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(self.latent_dim, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            # state size. (ngf*8) x 4 x 4
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 8 x 8
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 16 x 16
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # state size. (ngf) x 32 x 32
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),
            nn.Tanh(),
            # state size. (nc) x 64 x 64
        )

    def forward(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        images = self.main(z.view(z.shape[0], self.latent_dim, 1, 1))  # (B, 1, 64, 64)
        return F.interpolate(images, size=28, mode="area")  # (B, 1, 28, 28), still in [-1, 1]


def is_textbook_state(state) -> bool:
    return (
        isinstance(state, dict)
        and "format_version" not in state
        and bool(state)
        and all(isinstance(key, str) and key.startswith("main.") for key in state)
    )


def load_textbook(path: str | os.PathLike) -> TextbookGenerator | None:
    """The anchor's generator in eval mode, or None when `path` holds something else."""
    try:
        check_archive(Path(path))  # the same guard as load_checkpoint: a zip archive, of a sane unpacked size
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # unreadable files get load_models' message instead
        return None
    if not is_textbook_state(state):
        return None
    generator = TextbookGenerator()
    try:
        generator.load_state_dict(state)
    except RuntimeError as error:
        raise CheckpointError(
            f"{path}: weights do not fit the textbook DCGAN generator ({one_line(error, 120)})"
        ) from error
    return generator.eval()


def load_generator(path: str | os.PathLike) -> tuple[nn.Module, nn.Module | None, dict]:
    """(generator, discriminator or None, description) on the CPU in eval mode, from any checkpoint this project reads.

    The generator maps (B, latent_dim) noise to (B, 1, 28, 28) digits in [-1, 1].
    Both are in channels_last, the layout oneDNN's fastest (transposed) convolution kernels want.
    """
    try:
        generator, discriminator, checkpoint = load_models(path)
        description = {"kind": checkpoint.get("kind"), "epoch": checkpoint.get("epoch")}
    except CheckpointError as error:
        generator = load_textbook(path) if Path(path).is_file() else None
        if generator is None:
            raise error
        discriminator, description = None, {"kind": "textbook-dcgan", "epoch": None}
    generator = generator.to(memory_format=torch.channels_last)
    if discriminator is not None:
        discriminator = discriminator.to(memory_format=torch.channels_last)
    return generator, discriminator, description


# ----------------------------------------------------------------------------- noise and digits


def latents_for_seeds(seeds, latent_dim: int, classes: int = 0) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(N,) seeds -> (N, latent_dim) standard normal noise, and for a conditional generator (N,) digit labels.

    Each digit's noise, then its label (uniform over the classes), comes from its own
    generator seeded seeds[i], so any one digit can be made again on its own.
    """
    rows, labels = [], []
    for seed in seeds:
        stream = torch.Generator().manual_seed(int(seed))
        rows.append(torch.randn(latent_dim, generator=stream))
        if classes:
            labels.append(torch.randint(classes, (), generator=stream))
    z = torch.stack(rows) if rows else torch.zeros(0, latent_dim)
    return z, (torch.stack(labels) if labels else torch.zeros(0, dtype=torch.long)) if classes else None


@torch.no_grad()
def generate(generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None = None, batch_size: int = 500):
    """(N, latent_dim) noise (and (N,) labels for a conditional G) -> (N, 28, 28) uint8 digits, as a PNG stores them.

    Runs the generator in eval mode (batch norm with its running statistics, so a
    digit does not depend on the others in its batch) and puts its mode back.
    """
    was_training = generator.training
    generator.eval()
    try:
        device = next(generator.parameters()).device
        digits = []
        for start in range(0, len(z), batch_size):
            batch_labels = None if labels is None else labels[start : start + batch_size].to(device)
            images = generator(z[start : start + batch_size].to(device), batch_labels)
            digits.append(to_uint8(images.float()).cpu())
    finally:
        generator.train(was_training)
    return torch.cat(digits).numpy() if digits else np.zeros((0, 28, 28), np.uint8)


def generate_from_seeds(generator: nn.Module, seeds) -> np.ndarray:
    """Digit i from noise seed seeds[i]: the one path from seeds to digits (sampler, evaluator, game)."""
    return generate(generator, *latents_for_seeds(seeds, generator.latent_dim, getattr(generator, "classes", 0)))


# ----------------------------------------------------------------------------- writing


def grid_path(out: Path) -> Path:
    """Where the grid goes beside an .npz or a folder: the same name with .png."""
    return out.with_suffix(".png") if out.suffix == ".npz" else out.parent / f"{out.name}.png"


def out_kind(out: str) -> str:
    path = Path(out)
    if os.path.isdir(out) or out.endswith(("/", os.sep)) or path.suffix == "":  # isdir: False, never raises
        return "folder"
    if path.suffix.lower() in (".png", ".npz"):
        return path.suffix.lower()[1:]
    raise ValueError(f"--out must end in .png or .npz, or name a folder, got {out}")


def is_digit_file(name: str) -> bool:
    """The files a folder of samples holds: what an earlier run of this command wrote there."""
    return name.startswith("digit_") and name.endswith(".png")


def check_output(out: str) -> None:
    """Refuse, before any work, an --out that cannot be written: a device or pipe, a folder of other files, `/`."""
    kind, path = out_kind(out), Path(out)
    if kind == "folder":
        if path.is_dir() and any(not is_digit_file(entry.name) for entry in os.scandir(path)):
            output_folder(path, ours=is_digit_file)  # raises, naming what is there
        check_regular_target(grid_path(path))
    else:
        check_regular_target(path)
        if kind == "npz":
            check_regular_target(grid_path(path))


def write_samples(digits: np.ndarray, seeds: np.ndarray, out: str) -> list[Path]:
    """Write digits as `out` asks; returns the paths written (the folder counts as one)."""
    kind, path = out_kind(out), Path(out)
    grid = grid_image(digits[:GRID_LIMIT])
    if kind == "png":
        save_png(grid, path)
        return [path]
    if kind == "npz":
        buffer = io.BytesIO()
        np.savez_compressed(buffer, digits=digits, seeds=seeds)
        atomic_write_bytes(buffer.getvalue(), path)
        save_png(grid, grid_path(path))
        return [path, grid_path(path)]
    output_folder(path, ours=is_digit_file)
    for index, (digit, seed) in enumerate(zip(digits, seeds)):
        Image.fromarray(digit, mode="L").save(path / f"digit_{index:06d}_seed_{int(seed)}.png")
    save_png(grid, grid_path(path))
    return [path, grid_path(path)]


@dataclass
class SampleConfig:
    checkpoint: str = field(
        default="", metadata=doc("a game or run checkpoint, or the textbook DCGAN anchor", positional=True)
    )
    out: str = field(
        default="samples.png", metadata=doc("a .png grid, a .npz of digits and seeds, or a folder", metavar="PATH")
    )
    n: int = field(default=64, metadata=doc("how many digits", minimum=1, maximum=1_000_000))
    seed: int = field(
        default=0, metadata=doc("noise seed of the first digit; digit i uses seed + i", minimum=0, maximum=2**62)
    )

    def validate(self) -> None:
        out_kind(self.out)


def main(argv=None) -> int:
    config, _ = parse_config(
        SampleConfig,
        argv,
        description="Write generated digits as a grid, an .npz or a folder of PNGs.",
        prog="python -m gan.sample",
    )
    with one_line_errors(CheckpointError, ValueError):
        check_output(config.out)  # before the work, not after it
        generator, _, _ = load_generator(config.checkpoint)
        seeds = np.arange(config.seed, config.seed + config.n, dtype=np.int64)
        digits = generate_from_seeds(generator, seeds)
        written = write_samples(digits, seeds, config.out)
    shown = f" (the grid shows the first {GRID_LIMIT})" if config.n > GRID_LIMIT else ""
    print(
        f"{config.n} digits (seeds {config.seed}..{config.seed + config.n - 1}) -> "
        + ", ".join(map(str, written))
        + shown
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
