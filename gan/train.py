"""The training loop: a native 28x28 DCGAN on MNIST, fast on any device, resumable exactly.

    python train.py                         # 50 epochs, device picked for you
    python train.py --device cpu --steps 50 # a smoke run
    python train.py --resume runs/<name>    # continue that run in place
    torchrun --nproc_per_node=2 train.py    # DistributedDataParallel, one shard per rank

The loop works on one `Run` (gan/run.py) in labelled stages: fetch the batch,
run the step, log, stop, save, and at each epoch's end the samples, quick
metrics and health. The step itself is `gan.run.make_train_step`; how fast it
runs is `gan.speed`'s business; the files of the run folder are `gan.report`'s.
"""

import dataclasses
import math
import os
import shutil
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import torch

from gan.checkpoint import (
    CheckpointError,
    check_run_checkpoint,
    game_checkpoint,
    load_checkpoint,
    restore_run,
    run_checkpoint,
    save_checkpoint,
)
from gan.cli import check_ranges, fail, one_line, one_line_errors, parse_config
from gan.data import DataError, load_split
from gan.distributed import (
    Distributed,
    agree,
    finish,
    from_main_rank,
    gather_from_ranks,
    setup_distributed,
    weights_digest,
)
from gan.files import check_output_folder, check_writable_target
from gan.health import Health, sample_diversity
from gan.models import ModelConfig
from gan.report import RunFolder
from gan.run import Run, TrainConfig, build_run, take_step
from gan.sample import generate
from gan.speed import SpeedError, resolve_device, setup_speed

CHECKPOINT_SECONDS = 300  # save checkpoint.pt at least this often, so a killed run loses minutes, not hours
EPOCH_SAVE_SECONDS = 20  # at an epoch's end, save unless the last save is more recent than this (fast GPU epochs)
# Flags that may change when a run is resumed; the rest define the run and stay as saved.
RESUMABLE_OVERRIDES = {
    "epochs", "steps", "device", "export", "tensorboard", "log_every", "eval_samples", "compile", "resume",
    "data_dir", "save_every_epoch", "checkpoint_every", "precision", "cuda_graph", "eval_every",
    "rare_draw",  # a phase of a run may draw rare handwriting more often (the hard opponent's last epochs did)
}  # fmt: skip
EXIT_STOPPED, EXIT_DIVERGED = 130, 3
RUN_FILES = {"samples", "epochs", "tensorboard", "metrics.jsonl", "losses.png", "timelapse.gif"}


class Diverged(Exception):
    """A non-finite loss: the run stops and says where its last good checkpoint is."""


# ----------------------------------------------------------------------------- the run folder and its checkpoint


def prepare_run(config: TrainConfig, given: set[str]) -> tuple[Path, dict | None, TrainConfig]:
    """Pick the run folder; on --resume, load and check its checkpoint and take the run's own settings."""
    if not config.resume:
        run_dir = Path(config.run_dir) if config.run_dir else Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
        if (run_dir / "checkpoint.pt").exists():
            raise ValueError(f"{run_dir} already holds a run; use --resume {run_dir} or another --run-dir")
        check_output_folder(run_dir, ours=is_run_file)  # --run-dir ~ must not scatter a run through a home folder
        return run_dir, None, dataclasses.replace(config, run_dir=str(run_dir))  # the game finds the run by it
    run_dir = Path(config.resume)
    path = run_dir / "checkpoint.pt"
    if not run_dir.exists():
        raise CheckpointError(f"--resume {run_dir}: no such folder")
    if not path.exists():
        raise CheckpointError(f"--resume {run_dir}: no checkpoint.pt there")
    checkpoint = load_checkpoint(path)
    check_run_checkpoint(checkpoint, path)
    fixed = sorted(given - RESUMABLE_OVERRIDES - {"run_dir"})
    if fixed:
        flags = ", ".join("--" + name.replace("_", "-") for name in fixed)
        raise ValueError(f"--resume keeps the run's own settings; cannot change {flags}")
    try:
        # The model's shape comes from model_config, which every checkpoint has in full; an older run's
        # config may lack a newer option, whose default would describe another model.
        model = dataclasses.asdict(ModelConfig.from_dict(checkpoint["model_config"]))
        saved = TrainConfig(**{**checkpoint["config"], **model})
        resumed = dataclasses.replace(saved, **{name: getattr(config, name) for name in given & RESUMABLE_OVERRIDES})
        resumed = dataclasses.replace(resumed, run_dir=str(run_dir))  # where it is now, if the folder was copied
        check_ranges(resumed)
        resumed.validate()
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: damaged run checkpoint (its config: {one_line(error)})") from error
    for leftover in run_dir.glob(".*.tmp"):  # a save killed mid-write
        leftover.unlink(missing_ok=True)
    return run_dir, checkpoint, resumed


def is_run_file(name: str) -> bool:
    """What a run folder holds (README, "The run folder"), a save's temporary file, and an export put there."""
    return name in RUN_FILES or name.endswith((".pt", ".tmp"))


def export_path(config: TrainConfig, run_dir: Path) -> Path:
    """Where the game checkpoint goes: --export, else weights/<run name>.pt, where the game finds it."""
    return Path(config.export) if config.export else Path("weights") / f"{run_dir.name}.pt"


def save_run(run: Run, run_dir: Path, distributed: Distributed) -> None:
    """checkpoint.pt. A collective: every rank takes part; equal digests show DDP kept the replicas identical."""
    noise_states = gather_from_ranks(run.noise.get_state(), distributed)
    digests = gather_from_ranks(weights_digest(run.generator, run.discriminator, run.generator_ema), distributed)
    if not distributed.is_main:
        return
    if len(set(digests)) > 1:
        raise ValueError(f"the {len(digests)} ranks hold different weights at step {run.step} (DDP lost sync)")
    save_checkpoint(run_checkpoint(run, noise_states, digests), run_dir / "checkpoint.pt")


def export_game(run: Run, path: Path, metrics: dict) -> None:
    """The game checkpoint: the EMA generator, D, and what the epoch's quick metrics said."""
    checkpoint = game_checkpoint(
        run.generator_ema.state_dict(),
        run.discriminator.state_dict(),
        run.model_config,
        epoch=run.epoch,
        step=run.step,
        metrics=metrics,
        train_config=dataclasses.asdict(run.config),
    )
    save_checkpoint(checkpoint, path)


# ----------------------------------------------------------------------------- signals, progress, preview


class StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP (a closed terminal or SSH session) ask the loop to save and stop after
    the current step. A second signal is noted and does not cut the save short; a third quits at once."""

    NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
    if hasattr(signal, "SIGHUP"):
        NAMES[signal.SIGHUP] = "SIGHUP"

    def __init__(self, log):
        self.name: str | None = None
        self.count = 0
        self.log = log

    @property
    def requested(self) -> bool:
        return self.name is not None

    def install(self) -> "StopSignals":
        for number in self.NAMES:
            signal.signal(number, self.handle)
        return self

    def handle(self, number, frame) -> None:
        self.count += 1
        if self.name is None:
            self.name = self.NAMES[number]
        elif self.count == 2:
            self.log(f"{self.NAMES[number]}: already stopping; saving first (once more to quit without saving)")
        else:
            os._exit(EXIT_STOPPED)


class Progress:
    """The progress bar with the live figures, and the images/s over the last log window."""

    def __init__(self, run: Run, enabled: bool):
        self.bar = None
        self.window_start, self.window_steps, self.note = time.perf_counter(), 0, ""
        if enabled:
            from tqdm import tqdm

            interval = 1.0 if sys.stderr.isatty() else 30.0
            self.bar = tqdm(total=run.total_steps, initial=run.step, unit="step", dynamic_ncols=True, file=sys.stderr,
                            mininterval=interval)  # fmt: skip

    def step(self, run: Run) -> None:
        self.window_steps += 1
        if self.bar:
            self.bar.update(1)
            if run.step_in_epoch == 1 or not self.bar.desc:  # an epoch's start, or the first step after a resume
                self.bar.set_description(f"epoch {run.epoch + 1}/{run.config.epochs}")

    def images_per_second(self, batch_size: int) -> float:
        now = time.perf_counter()
        rate = self.window_steps * batch_size / max(now - self.window_start, 1e-9)
        self.window_start, self.window_steps = now, 0
        return rate

    def show(self, record: dict) -> None:
        if self.bar:
            figures = (
                f"D {record['loss_d']:.3f} G {record['loss_g']:.3f} D(x) {record['d_real']:.2f} "
                f"D(G(z)) {record['d_fake']:.2f} {record['images_per_second']:,.0f} img/s"
            )
            self.bar.set_postfix_str(figures + (f" ! {self.note}" if self.note else ""), refresh=False)

    def close(self) -> None:
        if self.bar:
            self.bar.close()


class Preview:
    """One fixed noise batch, the same every epoch, for the grids and the timelapse. A conditional
    generator draws each digit in its own column, 0 to 9, so the grid reads as ten rows of one style each."""

    def __init__(self, run: Run):
        classes = run.config.classes
        self.columns = classes or 8
        count = 8 * self.columns
        stream = torch.Generator().manual_seed(run.config.seed + 1234)
        self.z = torch.randn(count, run.config.latent_dim, generator=stream)
        self.labels = torch.arange(count) % classes if classes else None
        self.real = run.images[:count].cpu().numpy()  # (count, 28, 28) uint8, as stored
        self.reference_diversity = sample_diversity(self.real[:64])  # what the health watch compares samples with

    def digits(self, generator) -> np.ndarray:
        return generate(generator, self.z, self.labels)  # (count, 28, 28) uint8


# ----------------------------------------------------------------------------- log steps and epoch ends


def log_step(run: Run, outputs, progress: Progress, health: Health, folder: RunFolder, log) -> None:
    """Read the step's figures (the only .item() calls: each waits for the device) and write them out."""
    loss_d, loss_g, logits = outputs
    image_logits = logits if logits.ndim == 1 else logits[:, 0]  # the head that judges the image alone
    probabilities = torch.sigmoid(image_logits.float())
    record = {
        "step": run.step,
        "epoch": run.epoch + (run.step_in_epoch > 0),
        "loss_d": loss_d.item(),
        "loss_g": loss_g.item(),
        "d_real": probabilities[: run.local_batch].mean().item(),
        "d_fake": probabilities[run.local_batch :].mean().item(),
        "images_per_second": round(progress.images_per_second(run.config.batch_size), 1),
        "seconds": round(run.seconds, 2),
    }
    problems = health.check_step(run.step, record["d_real"], record["d_fake"], record["loss_d"], record["loss_g"])
    if problems:
        record["health"] = problems
        progress.note = problems[0]
    folder.record(record, scalars=("loss_d", "loss_g", "d_real", "d_fake", "images_per_second"))
    progress.show(record)


def end_of_epoch(
    run: Run, label: str, preview: Preview, scorer, health: Health, folder: RunFolder, log, score: bool = True
) -> dict:
    """The epoch's grid, quick metrics (when `score`) and health. Returns them, and whether they are the best yet."""
    digits = preview.digits(run.generator_ema)
    folder.save_grid(label, digits, preview.columns)
    quick = scorer(run.generator_ema) if scorer is not None and score else {}
    previous_best = health.best_fid
    problems = health.check_epoch(digits, preview.reference_diversity, quick.get("fid"), check_diversity=run.epoch >= 1)
    run.best_fid = health.best_fid
    folder.record({"epoch_end": label, "step": run.step, "seconds": round(run.seconds, 2), **quick,
                   **({"health": problems} if problems else {})}, scalars=("fid",))  # fmt: skip
    if problems:
        log(f"warning at {label}: " + "; ".join(problems))
    is_best = scorer is None or (quick.get("fid") is not None and quick["fid"] < previous_best)  # unscored: latest
    return {"quick": quick, "is_best": is_best, "problems": problems}


def load_quick_scorer(config: TrainConfig, device: torch.device, log):
    """The per-epoch FID and class shares need the project's MNIST classifier; without it, train on."""
    if config.eval_samples == 0:
        return None
    from gan.classifier import DEFAULT_PATH as classifier
    from gan.evaluate import QuickScorer

    if not classifier.exists():
        log(f"note: {classifier} not found; per-epoch FID is off (python -m gan.classifier makes it)")
        return None
    return QuickScorer(config.data_dir, classifier, samples=config.eval_samples, device=device)


def training_radii(images, log) -> torch.Tensor:
    """For --rare-draw: each training digit's distance to its 3rd-nearest other one in the classifier's features,
    the space (and the k) in which gan.evaluate measures recall."""
    from gan.classifier import DEFAULT_PATH, embed, load_classifier
    from gan.metrics import knn_radii

    if not DEFAULT_PATH.exists():
        raise ValueError(f"--rare-draw needs the MNIST classifier, {DEFAULT_PATH} (python -m gan.classifier makes it)")
    log("rare draw: measuring each training digit's neighbourhood in the classifier's features (a minute or two)...")
    classifier, _ = load_classifier(DEFAULT_PATH)
    features, _ = embed(classifier, images)
    return knn_radii(features, k=3)


# ----------------------------------------------------------------------------- the loop


def train(config: TrainConfig, given: set[str] | None = None) -> Path:
    run_dir, checkpoint, config = prepare_run(config, given or set())
    exported = export_path(config, run_dir)
    check_writable_target(exported)  # a folder, a device, a read-only place: now, not at the end
    distributed = setup_distributed(config.device)
    log = (lambda message: print(message, file=sys.stderr, flush=True)) if distributed.is_main else (lambda _: None)
    stop = StopSignals(log).install()
    if not exported.parent.exists():  # a mistyped --export folder shows now, not after the run
        log(f"note: game checkpoint {exported}: its folder {exported.parent} does not exist yet; it will be made")
    device = resolve_device(config.device, log)
    if device.type == "cuda" and distributed.world_size > 1:
        device = torch.device("cuda", distributed.local_rank)
    if config.r1_gamma and distributed.world_size > 1:
        raise ValueError("--r1-gamma runs in one process only (DDP has no double backward)")
    if config.batch_size % distributed.world_size:
        raise ValueError(f"--batch-size {config.batch_size} must divide evenly over {distributed.world_size} ranks")

    images, labels = load_split(config.data_dir, "train", log=log)
    run = build_run(config, device, images, labels, distributed.rank, distributed.world_size)
    if checkpoint is not None:
        for note in restore_run(run, checkpoint, run_dir / "checkpoint.pt"):
            log(note)
        if run.step >= run.total_steps:
            log(f"note: nothing to train: {run_dir} is at step {run.step}, its end is {run.total_steps}; exporting it")
        else:
            log(f"resuming {run_dir} at epoch {run.epoch + 1}, step {run.step}")
    if run.config.rare_draw and run.radii is None:  # a resumed run keeps the radii it saved, so its draws replay
        # rank 0's radii for every rank: computed once, and no rank's last bits can differ from another's
        run.radii = from_main_rank(training_radii(images, log) if distributed.is_main else None, distributed)
    speed = setup_speed(run, log, distributed)
    log(speed.describe())
    if stop.requested:  # while the data loaded or the models were built: nothing trained, so nothing to keep
        log(f"stopped ({stop.name}) before the first step; nothing was saved")
        sys.exit(EXIT_STOPPED)
    folder = RunFolder(run_dir, config.tensorboard) if distributed.is_main else None
    if folder is not None and checkpoint is not None:
        folder.forget_after(run.step)
    try:
        stopped_by = loop(run, run_dir, speed, folder, stop, distributed, log)
    except BaseException:
        if folder is not None and folder.created and not (run_dir / "checkpoint.pt").exists():
            shutil.rmtree(run_dir, ignore_errors=True)  # a run that never saved leaves no empty folder behind
        raise
    del speed  # its step holds the DDP wrappers, which finish() lets go before the process group
    finish(distributed, run)
    if stopped_by:
        sys.exit(EXIT_STOPPED)
    return run_dir


def loop(run: Run, run_dir: Path, speed, folder: RunFolder | None, stop: StopSignals, distributed: Distributed, log):
    """Train until the last step or a stop signal; returns the signal's name when one stopped it."""
    config, main = run.config, distributed.is_main
    preview = Preview(run)
    scorer = load_quick_scorer(config, run.device, log) if main else None
    health = Health(run.best_fid)
    if main:  # before the bar: a run folder that cannot be written to (read-only, say) fails on a line of its own
        folder.save_grid("real", preview.real, preview.columns)
    progress = Progress(run, main and run.step < run.total_steps)
    run.started = last_save = time.perf_counter()
    try:
        while run.step < run.total_steps:
            # Fetch the batch and execute the training step.
            outputs = take_step(run, speed.step)
            progress.step(run)

            # Log, and agree on stopping: Ctrl-C, SIGTERM, SIGHUP, or a non-finite loss on any rank.
            log_now = run.step % config.log_every == 0 or run.step == run.total_steps
            if main and log_now:
                log_step(run, outputs, progress, health, folder, log)
            stopping = False
            if log_now or distributed.world_size == 1:
                diverged = log_now and not all(math.isfinite(value.item()) for value in outputs[:2])
                stopping, diverged = agree(stop.requested, diverged, distributed, run.device)
                if diverged:
                    saved = (run_dir / "checkpoint.pt").exists()  # else the run folder goes with the error
                    raise Diverged(
                        f"training diverged at step {run.step} (non-finite loss); "
                        + (f"the last good state is {run_dir / 'checkpoint.pt'}" if saved else "nothing was saved")
                        + (f", the best {run_dir / 'best.pt'}" if (run_dir / "best.pt").exists() else "")
                    )

            # Save: a kill -9 loses at most this much (timed saves in one process only: ranks' clocks disagree).
            if not stopping and (
                (config.checkpoint_every and run.step % config.checkpoint_every == 0)
                or (distributed.world_size == 1 and time.perf_counter() - last_save > CHECKPOINT_SECONDS)
            ):
                save_run(run, run_dir, distributed)
                last_save = time.perf_counter()

            # Epoch end: samples, quick metrics, health, best.pt; a checkpoint unless one was just saved.
            if run.step_in_epoch == 0:
                if main:
                    run.metrics = epoch_end_files(run, preview, scorer, health, folder, progress, log)
                if not stopping and (
                    distributed.world_size > 1 or time.perf_counter() - last_save > EPOCH_SAVE_SECONDS
                ):
                    save_run(run, run_dir, distributed)
                    last_save = time.perf_counter()
            if stopping:  # after the epoch end: a stop on an epoch's last step still gets that epoch's files
                break
        save_run(run, run_dir, distributed)
    finally:  # the bar ends before any message, whatever stops the loop
        progress.close()
    if main:
        wrap_up(run, preview, scorer, health, folder, run.metrics, stop, log)
    return stop.name


def epoch_end_files(run: Run, preview, scorer, health, folder, progress, log) -> dict:
    # The quick FID costs a few seconds: every epoch on a CPU, where an epoch takes a minute; every 5th on CUDA.
    every = run.config.eval_every or (5 if run.device.type == "cuda" else 1)
    score = run.epoch % every == 0 or run.epoch == run.config.epochs
    result = end_of_epoch(run, f"epoch_{run.epoch:03d}", preview, scorer, health, folder, log, score)
    if result["problems"]:
        progress.note = result["problems"][0]
    if result["is_best"]:
        export_game(run, folder.path / "best.pt", result["quick"])
    if run.config.save_every_epoch:
        export_game(run, folder.path / "epochs" / f"epoch_{run.epoch:03d}.pt", result["quick"])
    return result["quick"]


def wrap_up(run: Run, preview, scorer, health, folder: RunFolder, metrics: dict, stop: StopSignals, log) -> None:
    """The end of a run, or of this part of it: the last grid, the timelapse and plot, the game checkpoint."""
    if run.step_in_epoch:  # stopped mid-epoch: still show where it got (a signal skips the FID, to exit at once)
        drawn = end_of_epoch(run, f"step_{run.step:07d}", preview, scorer, health, folder, log, not stop.requested)
        metrics = drawn["quick"] or metrics
    folder.finish()
    exported = export_path(run.config, folder.path)
    export_game(run, exported, metrics)
    if not (folder.path / "best.pt").exists():
        export_game(run, folder.path / "best.pt", metrics)
    if stop.requested:
        verb = f"stopped ({stop.name}); resume with --resume {folder.path}"
    else:
        verb = "done"
    if run.step_in_epoch:
        epochs = f"{run.epoch + run.step_in_epoch / run.steps_per_epoch:.2f} epochs"
    else:
        epochs = f"{run.epoch} epoch{'' if run.epoch == 1 else 's'}"
    quality = f", quick FID {metrics['fid']:.1f}" if metrics.get("fid") is not None and not stop.requested else ""
    log(
        f"{verb}: {run.step} steps ({epochs}) in {run.seconds:.0f} s{quality}; "
        f"run folder {folder.path}, game checkpoint {exported}"
    )


def main(argv=None) -> int:
    config, given = parse_config(TrainConfig, argv, description=__doc__.split("\n")[0], prog="train.py")
    try:
        with one_line_errors(CheckpointError, DataError, SpeedError, ValueError):
            train(config, given)
    except Diverged as error:
        fail(str(error), status=EXIT_DIVERGED)
    return 0
