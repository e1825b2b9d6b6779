"""The training loop: a native 28x28 DCGAN on MNIST, fast on any device, resumable exactly.

    python train.py                         # 50 epochs, device picked for you
    python train.py --device cpu --steps 50 # a smoke run
    python train.py --resume runs/<name>    # continue that run in place
    torchrun --nproc_per_node=2 train.py    # DistributedDataParallel, one shard per rank

One loop in commented stages: (1) update D, (2) update G, (3) EMA of G, log;
and at each epoch's end: samples, quick metrics, health, checkpoint. All the
device-specific speed choices live in `setup_speed`.
"""

import copy
import dataclasses
import hashlib
import math
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from gan import report
from gan.checkpoint import CheckpointError, game_checkpoint, load_checkpoint, save_checkpoint
from gan.cli import doc, fail, parse_config
from gan.data import DataError, load_split
from gan.models import ModelConfig, build_models, to_uint8

DEVICES = ["auto", "cpu", "cuda", "mps"]
CHECKPOINT_SECONDS = 300  # save checkpoint.pt at least this often, so a killed run loses minutes, not hours
# Flags that may change when a run is resumed; the rest define the run and stay as saved.
RESUMABLE_OVERRIDES = {
    "epochs",
    "steps",
    "device",
    "export",
    "tensorboard",
    "log_every",
    "eval_samples",
    "compile",
    "resume",
    "data_dir",
    "save_every_epoch",
    "checkpoint_every",
}


@dataclass
class TrainConfig:
    epochs: int = field(default=50, metadata=doc("passes over the 60,000 training digits"))
    batch_size: int = field(default=128, metadata=doc("digits per optimizer step, over all ranks"))
    steps: int = field(default=0, metadata=doc("stop after this many optimizer steps in all; 0 = no limit"))
    device: str = field(
        default="auto", metadata=doc("where to train; auto = cuda, then mps, then cpu", choices=DEVICES)
    )
    data_dir: str = field(default="data", metadata=doc("folder holding MNIST/raw (fetched there if missing)"))
    run_dir: str = field(default="", metadata=doc("run folder; empty = runs/<timestamp>"))
    seed: int = field(default=0, metadata=doc("seed of the weights, the noise and the data order"))
    resume: str = field(default="", metadata=doc("run folder to continue in place", metavar="RUN_DIR"))
    export: str = field(
        default="", metadata=doc("where to write the game checkpoint; empty = weights/<run name>.pt", metavar="PATH")
    )
    tensorboard: bool = field(default=False, metadata=doc("also log to TensorBoard in the run folder"))
    latent_dim: int = field(default=100, metadata=doc("size of the noise vector z"))
    generator_width: int = field(default=64, metadata=doc("generator channels at 14x14 (twice that at 7x7)"))
    discriminator_width: int = field(default=64, metadata=doc("discriminator channels at 14x14 (twice that at 7x7)"))
    learning_rate_generator: float = field(default=2e-4, metadata=doc("Adam step size of G"))
    learning_rate_discriminator: float = field(default=2e-4, metadata=doc("Adam step size of D"))
    beta1: float = field(default=0.5, metadata=doc("Adam beta1; 0.5 as in the DCGAN paper"))
    beta2: float = field(default=0.999, metadata=doc("Adam beta2"))
    label_smoothing: float = field(default=0.0, metadata=doc("one-sided: D's target for real digits is 1 - this"))
    spectral_norm: bool = field(
        default=False, metadata=doc("spectral normalization of D's layers (Miyato et al. 2018)")
    )
    r1_gamma: float = field(
        default=0.0,
        metadata=doc("weight of the R1 penalty on D's gradient at real digits (Mescheder et al. 2018); 0 = off"),
    )
    ema_decay: float = field(default=0.999, metadata=doc("decay of the EMA copy of G used for samples and export"))
    log_every: int = field(default=50, metadata=doc("optimizer steps between log lines"))
    eval_samples: int = field(default=2000, metadata=doc("digits for the per-epoch quick FID; 0 = off"))
    checkpoint_every: int = field(
        default=0, metadata=doc("also save checkpoint.pt every this many steps; 0 = each epoch and every 5 minutes")
    )
    save_every_epoch: bool = field(default=False, metadata=doc("also keep a game checkpoint of every epoch in epochs/"))
    compile: str = field(
        default="auto", metadata=doc("torch.compile the models; auto = on CUDA only", choices=["auto", "on", "off"])
    )

    def validate(self) -> None:
        for name in ("epochs", "batch_size", "latent_dim", "generator_width", "discriminator_width", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        for name in ("steps", "eval_samples", "checkpoint_every", "r1_gamma"):
            if getattr(self, name) < 0:
                raise ValueError(f"--{name.replace('_', '-')} must be 0 or more, got {getattr(self, name)}")
        for name in ("learning_rate_generator", "learning_rate_discriminator"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be in (0, 1), got {getattr(self, name)}")
        for name in ("beta1", "beta2", "ema_decay", "label_smoothing"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be in [0, 1), got {getattr(self, name)}")
        if not math.isfinite(self.r1_gamma):
            raise ValueError(f"--r1-gamma must be a finite number, got {self.r1_gamma}")
        if self.batch_size > 60000:
            raise ValueError(f"--batch-size must be at most 60000 (the training set), got {self.batch_size}")

    def model_config(self) -> ModelConfig:
        return ModelConfig(self.latent_dim, self.generator_width, self.discriminator_width, self.spectral_norm)


# ----------------------------------------------------------------------------- setup


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA GPU is visible to PyTorch")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("--device mps: Apple's Metal backend is not available here")
    return torch.device(name)


@dataclass
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_distributed(device_name: str) -> Distributed:
    """torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; NCCL on CUDA, gloo on CPU."""
    if "RANK" not in os.environ:
        return Distributed()
    import torch.distributed as dist

    cuda = device_name in ("auto", "cuda") and torch.cuda.is_available()
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    info = Distributed(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))
    if cuda:
        torch.cuda.set_device(info.local_rank)
    return info


def setup_speed(config: TrainConfig, device: torch.device, generator, discriminator):
    """Every device-specific speed choice, in one place. Returns the (maybe compiled) models and memory format.

    - CUDA: TF32 matmuls and convolutions (a GAN does not need fp32's last bits);
      cuDNN autotuning for the fixed batch shape; torch.compile fuses the many
      small kernels of a model this size, whose cost is launch overhead.
    - CPU: channels_last lets oneDNN pick faster convolution kernels (about 1.3x
      here); PyTorch already uses one thread per physical core.
    """
    memory_format = torch.contiguous_format
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    if device.type == "cpu":
        memory_format = torch.channels_last
        generator.to(memory_format=memory_format)
        discriminator.to(memory_format=memory_format)
    use_compile = config.compile == "on" or (config.compile == "auto" and device.type == "cuda")
    generator_step = torch.compile(generator) if use_compile else generator
    # R1 differentiates D's gradient, and compiled graphs have no double backward.
    discriminator_step = torch.compile(discriminator) if use_compile and not config.r1_gamma else discriminator
    return generator_step, discriminator_step, memory_format


# ----------------------------------------------------------------------------- training


def update_ema(generator_ema, generator, decay: float) -> None:
    with torch.no_grad():
        ema_params, params = list(generator_ema.parameters()), list(generator.parameters())
        torch._foreach_lerp_(ema_params, params, 1.0 - decay)
        for ema_buffer, buffer in zip(generator_ema.buffers(), generator.buffers()):
            if ema_buffer.dtype.is_floating_point:
                ema_buffer.lerp_(buffer, 1.0 - decay)
            else:
                ema_buffer.copy_(buffer)


def ema_decay_at(step: int, decay: float) -> float:
    """Warm-up: early on the EMA follows G closely, else it would average in the random init for ages."""
    return min(decay, (1.0 + step) / (10.0 + step))


def make_train_step(
    generator_step,
    discriminator_step,
    discriminator,
    generator,
    generator_ema,
    optimizer_g,
    optimizer_d,
    config: TrainConfig,
    batch_size: int,
    device: torch.device,
):
    """One optimizer step of D and one of G, then the EMA; `gan.bench` times exactly this function.

    `generator_step`/`discriminator_step` are what runs forward (compiled or DDP-wrapped);
    `discriminator`/`generator` are the plain modules, used to freeze D and to read weights.
    """
    real_targets = torch.full((batch_size,), 1.0 - config.label_smoothing, device=device)
    fake_targets = torch.zeros(batch_size, device=device)
    discriminator_targets = torch.cat([real_targets, fake_targets])  # (2B,) for one D call on [real; fake]
    generator_targets = torch.ones(batch_size, device=device)

    def train_step(x_real: torch.Tensor, z: torch.Tensor, step: int):
        # (1) Update D: maximize log D(x) + log(1 - D(G(z))), one call on [real; fake]
        x_fake = generator_step(z)  # (B, 1, 28, 28)
        if config.r1_gamma:
            x_real = x_real.detach().requires_grad_(True)
        logits = discriminator_step(torch.cat([x_real, x_fake.detach()]))  # (2B,)
        loss_d = F.binary_cross_entropy_with_logits(logits, discriminator_targets)
        if config.r1_gamma:  # R1: gamma/2 * E||grad_x D(x)||^2 at real digits keeps D smooth where the data is
            (gradient,) = torch.autograd.grad(logits[:batch_size].sum(), x_real, create_graph=True)
            loss_d = loss_d + 0.5 * config.r1_gamma * gradient.pow(2).flatten(1).sum(1).mean()
        optimizer_d.zero_grad(set_to_none=True)
        loss_d.backward()
        optimizer_d.step()

        # (2) Update G: the non-saturating loss, maximize log D(G(z)). D's weights are frozen
        # here so no gradient is spent on them (and DDP does not see a second D backward).
        discriminator.requires_grad_(False)
        logits_fake = discriminator(x_fake)
        loss_g = F.binary_cross_entropy_with_logits(logits_fake, generator_targets)
        optimizer_g.zero_grad(set_to_none=True)
        loss_g.backward()
        optimizer_g.step()
        discriminator.requires_grad_(True)

        # (3) EMA of G, for samples and the export
        update_ema(generator_ema, generator, ema_decay_at(step, config.ema_decay))  # warm-up by the global step
        return loss_d, loss_g, logits

    return train_step


def epoch_order(seed: int, epoch: int, count: int) -> torch.Tensor:
    """The data order of one epoch depends on (seed, epoch) only, so a resumed run replays it exactly."""
    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    return torch.randperm(count, generator=generator)


class Health:
    """Watches for the ways GAN runs die, so the bar and the log can say so while there is time to act."""

    D_WINS_STEPS = 500  # consecutive logged steps' worth of D winning outright before we call it

    def __init__(self):
        self.d_winning_since = None
        self.best_fid = math.inf
        self.problems: list[str] = []

    def check_step(self, step: int, d_real: float, d_fake: float, loss_d: float, loss_g: float) -> list[str]:
        problems = []
        if not (math.isfinite(loss_d) and math.isfinite(loss_g)):
            problems.append("non-finite loss")
        if d_real > 0.99 and d_fake < 0.01:
            self.d_winning_since = step if self.d_winning_since is None else self.d_winning_since
            if step - self.d_winning_since >= self.D_WINS_STEPS:
                problems.append(f"D winning outright since step {self.d_winning_since}")
        else:
            self.d_winning_since = None
        return problems

    def check_epoch(
        self, samples: np.ndarray, reference_diversity: float, fid: float | None, check_diversity: bool = True
    ) -> list[str]:
        """After the first epoch a healthy G's samples differ about as much as real digits do."""
        problems = []
        diversity = sample_diversity(samples)
        if check_diversity and diversity < 0.5 * reference_diversity:
            problems.append(f"samples alike (diversity {diversity:.2f} vs real {reference_diversity:.2f})")
        if fid is not None:
            if not math.isfinite(fid):
                problems.append("non-finite FID")
            elif fid > 2 * self.best_fid + 5:
                problems.append(f"FID {fid:.1f} far above its best {self.best_fid:.1f}")
            self.best_fid = min(self.best_fid, fid)
        return problems


def sample_diversity(digits: np.ndarray) -> float:
    """Mean pixel distance between pairs of digits (uint8 -> [0, 1]); a collapsed G scores near 0."""
    flat = digits.reshape(len(digits), -1).astype(np.float32) / 255.0
    squared = (flat * flat).sum(1)
    distances = squared[:, None] + squared[None, :] - 2 * flat @ flat.T
    count = len(flat)
    return float(np.sqrt(np.clip(distances, 0, None)).sum() / (count * (count - 1)))


def load_quick_scorer(config: TrainConfig, device: torch.device, log):
    """The per-epoch FID and class shares need the project's MNIST classifier; without it, train on."""
    if config.eval_samples == 0:
        return None
    try:
        from gan.evaluate import QuickScorer
    except ImportError:
        return None
    classifier = Path(__file__).resolve().parent.parent / "weights" / "mnist_classifier.pt"
    if not classifier.exists():
        log(f"note: {classifier} not found; per-epoch FID is off (python -m gan.classifier makes it)")
        return None
    return QuickScorer(config.data_dir, classifier, samples=config.eval_samples, device=device)


class StopRequest:
    """First Ctrl-C (or SIGTERM) asks the loop to save and stop at the next step; a second one kills."""

    def __init__(self):
        self.requested = False

    def install(self):
        def handler(signum, frame):
            if self.requested:
                signal.signal(signal.SIGINT, signal.default_int_handler)
                raise KeyboardInterrupt
            self.requested = True

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)


def train(config: TrainConfig, given: set[str] | None = None) -> Path:
    given = given or set()
    run_dir, checkpoint = prepare_run(config, given)
    if checkpoint is not None:
        saved = TrainConfig(**checkpoint["config"])
        config = dataclasses.replace(saved, **{name: getattr(config, name) for name in given & RESUMABLE_OVERRIDES})
        config.validate()
    distributed = setup_distributed(config.device)
    log = (
        (lambda message: print(message, file=sys.stderr, flush=True)) if distributed.is_main else (lambda message: None)
    )
    device = resolve_device(config.device)
    if device.type == "cuda" and distributed.world_size > 1:
        device = torch.device("cuda", distributed.local_rank)
    if config.r1_gamma and distributed.world_size > 1:
        raise ValueError("--r1-gamma runs in one process only (DDP has no double backward)")
    if config.batch_size % distributed.world_size:
        raise ValueError(f"--batch-size {config.batch_size} must divide evenly over {distributed.world_size} ranks")
    if distributed.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "samples").mkdir(exist_ok=True)

    # Data: the whole training set lives on the device as uint8 (47 MB); batches are gathered by index.
    images, _ = load_split(config.data_dir, "train", log=log)
    images = torch.from_numpy(images.copy()).to(device)  # (60000, 28, 28) uint8
    steps_per_epoch = len(images) // config.batch_size
    total_steps = config.epochs * steps_per_epoch
    if config.steps:
        total_steps = min(total_steps, config.steps)

    # Models, EMA, optimizers: the same init on every rank because the seed is shared.
    torch.manual_seed(config.seed)
    model_config = config.model_config()
    generator, discriminator = build_models(model_config)
    generator_ema = copy.deepcopy(generator)
    generator.to(device), discriminator.to(device), generator_ema.to(device)
    generator_ema.eval().requires_grad_(False)
    adam = dict(betas=(config.beta1, config.beta2))
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=config.learning_rate_generator, **adam)
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=config.learning_rate_discriminator, **adam)
    noise = torch.Generator(device=device).manual_seed(config.seed * 1_000 + 17 + distributed.rank)
    step, epoch, step_in_epoch, history_seconds = 0, 0, 0, 0.0
    if checkpoint is not None:
        generator.load_state_dict(checkpoint["generator"])
        discriminator.load_state_dict(checkpoint["discriminator"])
        generator_ema.load_state_dict(checkpoint["generator_ema"])
        optimizer_g.load_state_dict(checkpoint["optimizer_g"])
        optimizer_d.load_state_dict(checkpoint["optimizer_d"])
        states = checkpoint["noise_rng_states"]
        if len(states) != distributed.world_size:
            raise ValueError(f"{run_dir} was trained on {len(states)} process(es); resume it with the same number")
        try:
            noise.set_state(states[distributed.rank])
        except RuntimeError:  # saved on another device type: the run goes on, not bit-exactly
            noise.manual_seed(config.seed * 1_000 + 17 + distributed.rank + checkpoint["step"])
            log("note: resumed on another device type, so the noise stream restarts (not bit-exact)")
        step, epoch, step_in_epoch = checkpoint["step"], checkpoint["epoch"], checkpoint["step_in_epoch"]
        history_seconds = checkpoint.get("seconds", 0.0)
        log(f"resuming {run_dir} at epoch {epoch + 1}, step {step}")

    generator_step, discriminator_step, memory_format = setup_speed(config, device, generator, discriminator)
    if distributed.world_size > 1:
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [device.index] if device.type == "cuda" else None
        generator_step = DistributedDataParallel(generator_step, device_ids=device_ids)
        discriminator_step = DistributedDataParallel(discriminator_step, device_ids=device_ids)

    # What the run folder shows: one fixed noise batch, the same every epoch, for the grids and the GIF.
    fixed_noise = torch.randn(64, config.latent_dim, generator=torch.Generator().manual_seed(config.seed + 1234)).to(
        device
    )
    real_preview = images[:64].cpu().numpy()  # (64, 28, 28) uint8, as stored
    reference_diversity = sample_diversity(real_preview)
    metrics_path = run_dir / "metrics.jsonl"
    scorer = load_quick_scorer(config, device, log) if distributed.is_main else None
    tensorboard = None
    if distributed.is_main:
        report.save_png(report.grid_image(real_preview, columns=8), run_dir / "samples" / "real.png")
        if config.tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                raise ValueError(
                    "--tensorboard needs the tensorboard package: pip install -e '.[tensorboard]'"
                ) from None
            tensorboard = SummaryWriter(str(run_dir / "tensorboard"))

    health = Health()
    if checkpoint is not None:
        health.best_fid = checkpoint.get("best_fid", math.inf)
    stop = StopRequest()
    stop.install()
    local_batch = config.batch_size // distributed.world_size
    train_step = make_train_step(
        generator_step,
        discriminator_step,
        discriminator,
        generator,
        generator_ema,
        optimizer_g,
        optimizer_d,
        config,
        local_batch,
        device,
    )

    def save_run_checkpoint(best_fid: float):
        # Collectives: every rank takes part. Equal digests show DDP kept the replicas identical.
        noise_states = gather_from_ranks(noise.get_state(), distributed)
        digests = gather_from_ranks(weights_digest(generator, discriminator, generator_ema), distributed)
        if not distributed.is_main:
            return
        if len(set(digests)) > 1:
            fail(f"the {len(digests)} ranks hold different weights at step {step} (DDP lost sync); not saving it")
        save_checkpoint(
            {
                "format_version": 1,
                "kind": "run",
                "config": dataclasses.asdict(config),
                "model_config": model_config.to_dict(),
                "generator": generator.state_dict(),
                "discriminator": discriminator.state_dict(),
                "generator_ema": generator_ema.state_dict(),
                "optimizer_g": optimizer_g.state_dict(),
                "optimizer_d": optimizer_d.state_dict(),
                "noise_rng_states": noise_states,
                "weights_digests": digests,
                "torch_rng_state": torch.get_rng_state(),
                "step": step,
                "epoch": epoch,
                "step_in_epoch": step_in_epoch,
                "seconds": history_seconds + (time.perf_counter() - start_time),
                "best_fid": best_fid,
            },
            run_dir / "checkpoint.pt",
        )

    def export_game(path: Path, metrics: dict):
        save_checkpoint(
            game_checkpoint(
                generator_ema.state_dict(),
                discriminator.state_dict(),
                model_config,
                epoch=epoch,
                step=step,
                metrics=metrics,
                train_config=dataclasses.asdict(config),
            ),
            path,
        )

    progress = None
    if distributed.is_main:
        from tqdm import tqdm

        progress = tqdm(
            total=total_steps,
            initial=step,
            unit="step",
            dynamic_ncols=True,
            file=sys.stderr,
            mininterval=1.0 if sys.stderr.isatty() else 30.0,
        )
    start_time = last_save = time.perf_counter()
    window_start, window_steps = time.perf_counter(), 0
    status_note = ""
    interrupted = False
    last_metrics: dict = {}
    while step < total_steps and not interrupted:
        order = epoch_order(config.seed, epoch, len(images))[: steps_per_epoch * config.batch_size]
        order = order.view(steps_per_epoch, distributed.world_size, local_batch)[:, distributed.rank].to(device)
        if progress:
            progress.set_description(f"epoch {epoch + 1}/{config.epochs}")
        while step_in_epoch < steps_per_epoch and step < total_steps:
            x_real = images[order[step_in_epoch]].unsqueeze(1).float().div_(127.5).sub_(1.0)  # (B, 1, 28, 28)
            x_real = x_real.contiguous(memory_format=memory_format)
            z = torch.randn(local_batch, config.latent_dim, device=device, generator=noise)

            loss_d, loss_g, logits = train_step(x_real, z, step)
            step += 1
            step_in_epoch += 1
            window_steps += 1

            # Log: .item() only here, since each one waits for the device
            if distributed.is_main and (step % config.log_every == 0 or step == total_steps):
                now = time.perf_counter()
                images_per_second = window_steps * config.batch_size / max(now - window_start, 1e-9)
                window_start, window_steps = now, 0
                probabilities = torch.sigmoid(logits.detach().float())
                record = {
                    "step": step,
                    "epoch": epoch + 1,
                    "loss_d": loss_d.item(),
                    "loss_g": loss_g.item(),
                    "d_real": probabilities[:local_batch].mean().item(),
                    "d_fake": probabilities[local_batch:].mean().item(),
                    "images_per_second": round(images_per_second, 1),
                    "seconds": round(history_seconds + now - start_time, 2),
                }
                problems = health.check_step(
                    step, record["d_real"], record["d_fake"], record["loss_d"], record["loss_g"]
                )
                if problems:
                    record["health"] = problems
                    status_note = problems[0]
                report.append_jsonl(record, metrics_path)
                if tensorboard:
                    for key in ("loss_d", "loss_g", "d_real", "d_fake", "images_per_second"):
                        tensorboard.add_scalar(key, record[key], step)
                progress.set_postfix_str(
                    f"D {record['loss_d']:.3f} G {record['loss_g']:.3f} D(x) {record['d_real']:.2f} "
                    f"D(G(z)) {record['d_fake']:.2f} {images_per_second:,.0f} img/s"
                    + (f" ! {status_note}" if status_note else ""),
                    refresh=False,
                )
                if "non-finite loss" in problems:
                    log(
                        f"error: training diverged at step {step} (non-finite loss); "
                        f"the last good state is {run_dir / 'checkpoint.pt'}, the best {run_dir / 'best.pt'}"
                    )
                    sys.exit(3)
            if progress:
                progress.update(1)
            # A kill -9 loses at most this much: the last checkpoint is always whole (atomic saves).
            # (Timed saves only in one process: ranks' clocks would disagree on when to save.)
            if (config.checkpoint_every and step % config.checkpoint_every == 0) or (
                distributed.world_size == 1 and time.perf_counter() - last_save > CHECKPOINT_SECONDS
            ):
                save_run_checkpoint(health.best_fid)
                last_save = time.perf_counter()
            if stop_agreed(stop.requested, step, config.log_every, distributed, device):
                interrupted = True
                break

        if step_in_epoch == steps_per_epoch:
            epoch += 1
            step_in_epoch = 0
            if distributed.is_main:
                last_metrics = end_of_epoch(
                    run_dir,
                    epoch,
                    step,
                    generator_ema,
                    fixed_noise,
                    scorer,
                    health,
                    reference_diversity,
                    metrics_path,
                    tensorboard,
                    log,
                )
                if last_metrics.get("health"):
                    status_note = last_metrics["health"][0]
                if last_metrics.get("is_best"):
                    export_game(run_dir / "best.pt", last_metrics["quick"])
                if config.save_every_epoch:
                    export_game(run_dir / "epochs" / f"epoch_{epoch:03d}.pt", last_metrics["quick"])
        save_run_checkpoint(health.best_fid)

    if progress:
        progress.close()
    if distributed.is_main:
        if step_in_epoch and not interrupted:  # a --steps run that stopped mid-epoch: still show where it got
            last_metrics = end_of_epoch(
                run_dir,
                epoch + step_in_epoch / steps_per_epoch,
                step,
                generator_ema,
                fixed_noise,
                scorer,
                health,
                reference_diversity,
                metrics_path,
                tensorboard,
                log,
            )
        report.save_loss_plot(report.read_jsonl(metrics_path), run_dir / "losses.png")
        export_path = Path(config.export) if config.export else Path("weights") / f"{run_dir.name}.pt"
        export_game(export_path, last_metrics.get("quick", {}))
        if not (run_dir / "best.pt").exists():
            export_game(run_dir / "best.pt", last_metrics.get("quick", {}))
        seconds = history_seconds + time.perf_counter() - start_time
        verb = "stopped (Ctrl-C); resume with --resume " + str(run_dir) if interrupted else "done"
        log(
            f"{verb}: {step} steps, {epoch} epochs in {seconds:.0f} s; "
            f"run folder {run_dir}, game checkpoint {export_path}"
        )
    if tensorboard:
        tensorboard.close()
    if distributed.world_size > 1:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
    if interrupted:
        sys.exit(130)
    return run_dir


def stop_agreed(requested: bool, step: int, log_every: int, distributed: Distributed, device) -> bool:
    """Whether to stop after this step. Ranks may see Ctrl-C on different steps, so under DDP they
    agree by an all-reduce, on log steps only, so that it costs no device sync on the others."""
    if distributed.world_size == 1:
        return requested
    if step % log_every:
        return False
    import torch.distributed as dist

    flag = torch.tensor([1.0 if requested else 0.0], device=device)
    dist.all_reduce(flag)
    return flag.item() > 0


def gather_from_ranks(value, distributed: Distributed) -> list:
    """Every rank's `value`, in rank order; a collective, so every rank must call it."""
    if distributed.world_size == 1:
        return [value]
    import torch.distributed as dist

    values = [None] * distributed.world_size
    dist.all_gather_object(values, value)
    return values


def weights_digest(*modules: torch.nn.Module) -> str:
    """SHA-256 of the modules' parameters, in layout-independent bytes, to compare the weights of ranks.

    Buffers are left out: BatchNorm's running statistics follow each rank's own shard between
    DDP's broadcasts from rank 0, and only rank 0's are saved.
    """
    digest = hashlib.sha256()
    for module in modules:
        for name, parameter in module.named_parameters():
            digest.update(name.encode())
            digest.update(parameter.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def end_of_epoch(
    run_dir: Path,
    epoch,
    step: int,
    generator_ema,
    fixed_noise,
    scorer,
    health: Health,
    reference_diversity: float,
    metrics_path: Path,
    tensorboard,
    log,
) -> dict:
    """Samples, the GIF, quick metrics and health; returns what to record with checkpoints."""
    with torch.no_grad():
        digits = to_uint8(generator_ema(fixed_noise).float()).cpu().numpy()  # (64, 28, 28)
    label = f"epoch_{epoch:03d}" if isinstance(epoch, int) else f"step_{step:07d}"
    report.save_png(report.grid_image(digits, columns=8), run_dir / "samples" / f"{label}.png")
    frames = sorted(run_dir.glob("samples/epoch_*.png")) + sorted(run_dir.glob("samples/step_*.png"))
    report.save_timelapse(frames, run_dir / "timelapse.gif")
    quick = scorer(generator_ema) if scorer is not None else {}
    fid = quick.get("fid")
    previous_best = health.best_fid
    problems = health.check_epoch(digits, reference_diversity, fid, check_diversity=epoch >= 1)
    record = {"epoch_end": epoch, "step": step, **quick}
    if problems:
        record["health"] = problems
        log(f"warning at epoch {epoch:.2f}: " + "; ".join(problems))
    report.append_jsonl(record, metrics_path)
    if tensorboard and fid is not None:
        tensorboard.add_scalar("fid_quick", fid, step)
    is_best = fid is None or fid < previous_best
    return {"quick": quick, "health": problems, "is_best": is_best}


def prepare_run(config: TrainConfig, given: set[str]) -> tuple[Path, dict | None]:
    """Pick the run folder; on --resume, load its checkpoint (a torn save leaves the previous one)."""
    if config.resume:
        run_dir = Path(config.resume)
        path = run_dir / "checkpoint.pt"
        if not path.exists():
            raise CheckpointError(f"--resume {run_dir}: no checkpoint.pt there")
        checkpoint = load_checkpoint(path)
        if checkpoint.get("kind") != "run":
            raise CheckpointError(f"{path}: a game checkpoint, not a run checkpoint; it cannot be resumed")
        fixed = sorted(name for name in given - RESUMABLE_OVERRIDES - {"run_dir"})
        if fixed:
            flags = ", ".join("--" + name.replace("_", "-") for name in fixed)
            raise ValueError(f"--resume keeps the run's own settings; cannot change {flags}")
        for leftover in run_dir.glob(".*.tmp"):  # a save killed mid-write
            leftover.unlink(missing_ok=True)
        return run_dir, checkpoint
    name = datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = Path(config.run_dir) if config.run_dir else Path("runs") / name
    if (run_dir / "checkpoint.pt").exists():
        raise ValueError(f"{run_dir} already holds a run; use --resume {run_dir} or another --run-dir")
    return run_dir, None


def main(argv=None) -> int:
    config, given = parse_config(TrainConfig, argv, description=__doc__.split("\n")[0], prog="train.py")
    try:
        train(config, given)
    except (CheckpointError, DataError, ValueError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"{error.filename or ''}: {error.strerror or error}")
    return 0
