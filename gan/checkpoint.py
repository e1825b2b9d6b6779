"""Checkpoints as plain dicts of tensors and primitives, saved atomically.

Two kinds share one loader:

- the run checkpoint (`<run>/checkpoint.pt`, kind "run") holds everything needed
  to resume: models, EMA generator, optimizers, step, epoch, RNG states, config;
- the game checkpoint (`weights/*.pt`, `<run>/best.pt`, kind "game") holds the
  EMA generator, the discriminator, the model config, the epoch and metrics, and
  no optimizer state.

Everything is loaded with `torch.load(..., map_location="cpu", weights_only=True)`,
so a checkpoint can never run code. Saving writes a temporary file beside the
target, fsyncs it and renames it over the target, so a crash or a full disk
leaves the previous file intact.
"""

import io
import os
from pathlib import Path

import torch

from gan.files import atomic_write_bytes
from gan.models import Discriminator, Generator, ModelConfig

FORMAT_VERSION = 1
GAME_KEYS = ("format_version", "kind", "model_config", "generator", "discriminator", "epoch", "step", "metrics")


class CheckpointError(Exception):
    """A checkpoint that is missing, unreadable, corrupt or of another format; the message is one line."""


def save_checkpoint(checkpoint: dict, path: str | os.PathLike) -> None:
    """Serialize in memory first so that a failing disk never leaves half a file under `path`."""
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    try:
        atomic_write_bytes(buffer.getvalue(), path)
    except OSError as error:
        raise CheckpointError(f"could not save {path}: {error.strerror or error}") from error


def load_checkpoint(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such file")
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder, not a checkpoint file")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a bad file; all mean the same here
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(f"{path}: not a readable checkpoint ({reason[:120]})") from error
    if not isinstance(checkpoint, dict) or "format_version" not in checkpoint:
        raise CheckpointError(f"{path}: not a Real or Fake? checkpoint (no format_version)")
    if checkpoint["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format {checkpoint['format_version']}, this version reads format {FORMAT_VERSION}"
        )
    return checkpoint


def game_checkpoint(
    generator_state: dict,
    discriminator_state: dict,
    model_config: ModelConfig,
    epoch: int,
    step: int,
    metrics: dict | None = None,
    train_config: dict | None = None,
) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "kind": "game",
        "model_config": model_config.to_dict(),
        "generator": {name: tensor.detach().cpu().clone() for name, tensor in generator_state.items()},
        "discriminator": {name: tensor.detach().cpu().clone() for name, tensor in discriminator_state.items()},
        "epoch": int(epoch),
        "step": int(step),
        "metrics": dict(metrics or {}),
        "train_config": dict(train_config or {}),
    }


def load_models(path: str | os.PathLike) -> tuple[Generator, Discriminator, dict]:
    """Rebuild (generator, discriminator) in eval mode from a game or run checkpoint.

    A run checkpoint gives its EMA generator, as the export would.
    """
    checkpoint = load_checkpoint(path)
    generator_key = "generator" if checkpoint.get("kind") == "game" else "generator_ema"
    for key in ("model_config", generator_key, "discriminator"):
        if key not in checkpoint:
            raise CheckpointError(f"{path}: incomplete checkpoint (no {key})")
    try:
        config = ModelConfig.from_dict(checkpoint["model_config"])
        generator, discriminator = Generator(config), Discriminator(config)
        generator.load_state_dict(checkpoint[generator_key])
        discriminator.load_state_dict(checkpoint["discriminator"])
    except (RuntimeError, ValueError, TypeError) as error:
        first_line = str(error).strip().splitlines()[0]
        raise CheckpointError(f"{path}: weights do not fit the model ({first_line[:120]})") from error
    return generator.eval(), discriminator.eval(), checkpoint
