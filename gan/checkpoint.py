"""Checkpoints as plain dicts of tensors and primitives, saved atomically.

Two kinds share one loader:

- the run checkpoint (`<run>/checkpoint.pt`, kind "run") holds everything needed
  to resume: models, EMA generator, optimizers, step, epoch, RNG states, config;
  `run_checkpoint(run)` makes it and `restore_run(run, checkpoint)` puts it back;
- the game checkpoint (`weights/*.pt`, `<run>/best.pt`, kind "game") holds the
  EMA generator, the discriminator, the model config, the epoch and metrics, and
  no optimizer state; `game_checkpoint(...)` makes it, `load_models` rebuilds it.

Everything is loaded with `torch.load(..., map_location="cpu", weights_only=True)`,
so a checkpoint can never run code, after a look at the zip archive that refuses
files that are not one or that would unpack to more than `MAX_UNPACKED_BYTES`.
Saving writes a temporary file beside the target, fsyncs it and renames it over
the target, so a crash or a full disk leaves the previous file intact.
"""

import dataclasses
import io
import math
import os
import zipfile
from pathlib import Path

import torch

from gan.cli import one_line
from gan.files import atomic_write_bytes
from gan.models import Discriminator, Generator, ModelConfig
from gan.run import noise_generator

FORMAT_VERSION = 1
RUN_KEYS = (
    "config",
    "model_config",
    "generator",
    "discriminator",
    "generator_ema",
    "optimizer_g",
    "optimizer_d",
    "noise_rng_states",
    "step",
    "epoch",
    "step_in_epoch",
)
MAX_UNPACKED_BYTES = 1 << 30  # the widest models this project builds save a few hundred MB; more is not ours
ZIP_MAGIC = b"PK\x03\x04"


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


def check_archive(path: Path) -> None:
    """Refuse what torch.load should never see: a file that is not a zip archive, or one that unpacks too large."""
    try:
        with open(path, "rb") as file:
            if file.read(4) != ZIP_MAGIC:
                raise CheckpointError(f"{path}: not a readable checkpoint (not a PyTorch zip archive)")
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else one_line(error, 80)
        raise CheckpointError(f"{path}: not a readable checkpoint ({reason})") from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise CheckpointError(
            f"{path}: not a readable checkpoint (it would unpack to {unpacked / 2**30:.1f} GB, "
            f"more than the {MAX_UNPACKED_BYTES / 2**30:.0f} GB any checkpoint of this project needs)"
        )


def load_checkpoint(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such file")
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder, not a checkpoint file")
    if not path.is_file():
        raise CheckpointError(f"{path}: not a regular file (a device, a pipe or a socket)")
    check_archive(path)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a bad file; all mean the same here
        raise CheckpointError(f"{path}: not a readable checkpoint ({one_line(error, 100)})") from error
    if not isinstance(checkpoint, dict) or "format_version" not in checkpoint:
        raise CheckpointError(f"{path}: not a Real or Fake? checkpoint (no format_version)")
    if checkpoint["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format {checkpoint['format_version']!r}, this version reads format {FORMAT_VERSION}"
        )
    return checkpoint


# ----------------------------------------------------------------------------- game checkpoints


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
    kind = checkpoint.get("kind")
    if kind not in (None, "game", "run"):  # the digit classifier, say: name it rather than a missing key
        raise CheckpointError(f"{path}: a {kind} checkpoint, not a generator's")
    generator_key = "generator" if kind == "game" else "generator_ema"
    for key in ("model_config", generator_key, "discriminator"):
        if key not in checkpoint:
            raise CheckpointError(f"{path}: incomplete checkpoint (no {key})")
    try:
        config = ModelConfig.from_dict(checkpoint["model_config"])
        generator, discriminator = Generator(config), Discriminator(config)
        generator.load_state_dict(checkpoint[generator_key])
        discriminator.load_state_dict(checkpoint["discriminator"])
    except (RuntimeError, ValueError, TypeError, AttributeError) as error:
        raise CheckpointError(f"{path}: weights do not fit the model ({one_line(error, 120)})") from error
    return generator.eval(), discriminator.eval(), checkpoint


# ----------------------------------------------------------------------------- run checkpoints


def run_checkpoint(run, noise_states: list, digests: list[str]) -> dict:
    """Everything `restore_run` needs to go on exactly where `run` stands.

    `noise_states` and `digests` are every rank's noise-generator state and weights digest, in rank order.
    """
    return {
        "format_version": FORMAT_VERSION,
        "kind": "run",
        "config": dataclasses.asdict(run.config),
        "model_config": run.model_config.to_dict(),
        "generator": run.generator.state_dict(),
        "discriminator": run.discriminator.state_dict(),
        "generator_ema": run.generator_ema.state_dict(),
        "optimizer_g": run.optimizer_g.state_dict(),
        "optimizer_d": run.optimizer_d.state_dict(),
        "noise_rng_states": noise_states,
        "weights_digests": digests,
        "step": run.step,
        "epoch": run.epoch,
        "step_in_epoch": run.step_in_epoch,
        "seconds": run.seconds,
        "best_fid": run.best_fid,
        "metrics": run.metrics,
        "radii": run.radii,  # None unless the run has drawn with --rare-draw
    }


def check_run_checkpoint(checkpoint: dict, path) -> None:
    """Refuse a damaged run checkpoint before any of it is used: every key there, counters that make sense."""
    if checkpoint.get("kind") != "run":
        raise CheckpointError(
            f"{path}: a {checkpoint.get('kind')!r} checkpoint, not a run checkpoint; it cannot be resumed"
        )
    missing = [key for key in RUN_KEYS if key not in checkpoint]
    if missing:
        raise CheckpointError(f"{path}: damaged run checkpoint (no {', '.join(missing)})")
    for key in ("config", "model_config", "generator", "discriminator", "generator_ema", "optimizer_g", "optimizer_d"):
        if not isinstance(checkpoint[key], dict):
            raise CheckpointError(f"{path}: damaged run checkpoint ({key} is not a dict)")
    for key in ("step", "epoch", "step_in_epoch"):
        if type(checkpoint[key]) is not int or checkpoint[key] < 0:
            raise CheckpointError(f"{path}: damaged run checkpoint ({key} is {checkpoint[key]!r})")
    if not isinstance(checkpoint["noise_rng_states"], list) or not checkpoint["noise_rng_states"]:
        raise CheckpointError(f"{path}: damaged run checkpoint (noise_rng_states is not a list of states)")
    for key in ("seconds", "best_fid"):
        value = checkpoint.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise CheckpointError(f"{path}: damaged run checkpoint ({key} is {value!r})")


def restore_run(run, checkpoint: dict, path="checkpoint") -> list[str]:
    """Load a checked run checkpoint into a freshly built `run` (same config). Returns notes for the log."""
    notes = []
    try:
        run.generator.load_state_dict(checkpoint["generator"])
        run.discriminator.load_state_dict(checkpoint["discriminator"])
        run.generator_ema.load_state_dict(checkpoint["generator_ema"])
        for name in ("optimizer_g", "optimizer_d"):
            optimizer = getattr(run, name)
            chosen = {key: optimizer.param_groups[0][key] for key in ("fused", "capturable")}
            optimizer.load_state_dict(checkpoint[name])
            for group in optimizer.param_groups:  # the saved run may have used other kernels; keep this device's
                group.update(chosen)
            for parameter, state in optimizer.state.items():
                moments = [state.get(name) for name in ("exp_avg", "exp_avg_sq")]
                if any(not isinstance(moment, torch.Tensor) or moment.shape != parameter.shape for moment in moments):
                    raise ValueError(f"{name} holds moments of another shape than its model's weights")
                if chosen["fused"] or chosen["capturable"]:
                    state["step"] = torch.as_tensor(state["step"], dtype=torch.float32, device=run.device)
    except (RuntimeError, ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise CheckpointError(f"{path}: weights do not fit the run ({one_line(error, 120)})") from error
    states = checkpoint["noise_rng_states"]
    if len(states) != run.world_size:
        raise CheckpointError(f"{path}: trained on {len(states)} process(es); resume it with the same number")
    try:
        run.noise.set_state(states[run.rank])
    except (RuntimeError, TypeError):  # saved on another device type: the run goes on, not bit-exactly
        run.noise = noise_generator(run.config.seed, run.rank, run.device, offset=checkpoint["step"])
        notes.append("note: resumed on another device type, so the noise stream restarts (not bit-exact)")
    run.step, run.epoch, run.step_in_epoch = checkpoint["step"], checkpoint["epoch"], checkpoint["step_in_epoch"]
    if run.step_in_epoch >= run.steps_per_epoch:
        raise CheckpointError(f"{path}: damaged run checkpoint (step_in_epoch {run.step_in_epoch} is past an epoch)")
    run.seconds_before = float(checkpoint.get("seconds", 0.0))
    run.best_fid = float(checkpoint.get("best_fid", math.inf))
    radii = checkpoint.get("radii")  # absent in runs saved before --rare-draw
    if radii is not None:
        if not isinstance(radii, torch.Tensor) or radii.shape != (len(run.images),) or not radii.is_floating_point():
            raise CheckpointError(f"{path}: damaged run checkpoint (radii are not one per training digit)")
        if not (torch.isfinite(radii).all() and radii.median() > 0):
            raise CheckpointError(f"{path}: damaged run checkpoint (radii that are not finite or not positive)")
        run.radii = radii
    metrics = checkpoint.get("metrics", {})  # absent in runs saved before it was kept
    run.metrics = metrics if isinstance(metrics, dict) else {}
    return notes
