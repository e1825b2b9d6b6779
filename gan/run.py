"""The training state and the training step, shared by the trainer (`gan/train.py`) and the benchmark (`gan/bench.py`).

`TrainConfig` is every flag of `train.py`. `build_run` makes a `Run` from it: the
models, the EMA copy of G, the optimizers, the noise generator, the training
digits on the device, and where training stands (step, epoch, time).
`make_train_step` builds the step the loop calls: one update of D, one of G,
then the EMA. Saving and restoring a `Run` live beside the other checkpoint code
(`gan.checkpoint.run_checkpoint`, `restore_run`); how fast the step runs is
`gan.speed`'s business.
"""

import copy
import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from gan import losses
from gan.cli import doc
from gan.models import ModelConfig, build_models, from_uint8
from gan.speed import DEVICES, PRECISIONS, SWITCHES

TRAIN_SIZE = 60_000
MAX_SEED = 2**31 - 1  # seeds are multiplied into other seeds below; this keeps every product a valid seed


def model_field(name: str):
    """A model option as a training flag: its default, help and range declared once, on ModelConfig."""
    declared = next(option for option in dataclasses.fields(ModelConfig) if option.name == name)
    return field(default=declared.default, metadata=declared.metadata)


@dataclass
class TrainConfig:
    epochs: int = field(default=50, metadata=doc("passes over the 60,000 training digits", minimum=1, maximum=100_000))
    batch_size: int = field(
        default=128, metadata=doc("digits per optimizer step, over all ranks", minimum=1, maximum=TRAIN_SIZE)
    )
    steps: int = field(
        default=0, metadata=doc("stop after this many optimizer steps in all; 0 = no limit", minimum=0, maximum=10**12)
    )
    device: str = field(
        default="auto", metadata=doc("where to train; auto = cuda, then mps, then cpu", choices=DEVICES)
    )
    precision: str = field(
        default="auto",
        metadata=doc("bf16 autocast or fp32; auto = bf16 where the device has bf16 matrix units", choices=PRECISIONS),
    )
    data_dir: str = field(default="data", metadata=doc("folder holding MNIST/raw (fetched there if missing)"))
    run_dir: str = field(default="", metadata=doc("run folder; empty = runs/<timestamp>"))
    seed: int = field(
        default=0, metadata=doc("seed of the weights, the noise and the data order", minimum=0, maximum=MAX_SEED)
    )
    resume: str = field(default="", metadata=doc("run folder to continue in place", metavar="RUN_DIR"))
    export: str = field(
        default="", metadata=doc("where to write the game checkpoint; empty = weights/<run name>.pt", metavar="PATH")
    )
    tensorboard: bool = field(default=False, metadata=doc("also log to TensorBoard in the run folder"))
    latent_dim: int = model_field("latent_dim")
    generator_width: int = model_field("generator_width")
    discriminator_width: int = model_field("discriminator_width")
    classes: int = field(
        default=10,
        metadata=doc(
            "10 = class-conditional: G draws the digit it is told, D adds a projection head; 0 = unconditional",
            choices=[0, 10],
        ),
    )
    output: str = field(
        default="clamp",
        metadata=doc("G's last activation; clamp = linear, clamped to [-1, 1], so exact black is reachable",
                     choices=["tanh", "clamp"]),
    )  # fmt: skip
    learning_rate_generator: float = field(default=2e-4, metadata=doc("Adam step size of G", above=0, below=1))
    learning_rate_discriminator: float = field(default=2e-4, metadata=doc("Adam step size of D", above=0, below=1))
    beta1: float = field(default=0.5, metadata=doc("Adam beta1; 0.5 as in the DCGAN paper", minimum=0, below=1))
    beta2: float = field(default=0.999, metadata=doc("Adam beta2", minimum=0, below=1))
    label_smoothing: float = field(
        default=0.0, metadata=doc("one-sided: D's target for real digits is 1 - this", minimum=0, below=1)
    )
    spectral_norm: bool = field(
        default=True, metadata=doc("spectral normalization of D's layers (Miyato et al. 2018); --no-spectral-norm: off")
    )
    r1_gamma: float = field(
        default=0.0,
        metadata=doc("weight of the R1 penalty on D's gradient at real digits; 0 = off", minimum=0, maximum=1e6),
    )
    rare_draw: float = field(
        default=0.0,
        metadata=doc(
            "draw real digits with odds (r / median r) ** this, at most 10x, r each digit's distance to its 3rd-nearest"
            " training digit in the classifier's features: rare handwriting more often; 0 = each digit at most once"
            " an epoch",
            minimum=0,
            maximum=4,
        ),
    )
    ema_decay: float = field(
        default=0.999, metadata=doc("decay of the EMA copy of G used for samples and export", minimum=0, below=1)
    )
    log_every: int = field(default=50, metadata=doc("optimizer steps between log lines", minimum=1, maximum=10**9))
    eval_samples: int = field(
        default=2000, metadata=doc("digits for the per-epoch quick FID; 0 = off", minimum=0, maximum=10_000)
    )
    eval_every: int = field(
        default=0,
        metadata=doc("epochs between quick FIDs (and the last epoch); 0 = every epoch, every 5th on CUDA",
                     minimum=0, maximum=100_000),
    )  # fmt: skip
    checkpoint_every: int = field(
        default=0,
        metadata=doc(
            "also save checkpoint.pt every this many steps; 0 = at epoch ends and every 5 minutes",
            minimum=0,
            maximum=10**12,
        ),
    )
    save_every_epoch: bool = field(default=False, metadata=doc("also keep a game checkpoint of every epoch in epochs/"))
    compile: str = field(default="auto", metadata=doc("torch.compile the models; auto = on CUDA", choices=SWITCHES))
    cuda_graph: str = field(
        default="auto",
        metadata=doc("capture the whole step as one CUDA graph; auto = on CUDA in one process", choices=SWITCHES),
    )

    def validate(self) -> None:
        if self.eval_samples == 1:
            raise ValueError("--eval-samples must be 0 (off) or at least 2, got 1")

    def model_config(self) -> ModelConfig:
        return ModelConfig(
            self.latent_dim,
            self.generator_width,
            self.discriminator_width,
            self.spectral_norm,
            self.classes,
            self.output,
        )


def noise_generator(seed: int, rank: int, device: torch.device, offset: int = 0) -> torch.Generator:
    """The stream every z of a run is drawn from; each rank of a DDP run has its own."""
    return torch.Generator(device=device).manual_seed(seed * 1_000 + 17 + rank + offset)


def epoch_order(seed: int, epoch: int, count: int, odds: torch.Tensor | None = None) -> torch.Tensor:
    """The data order of one epoch depends on (seed, epoch, odds) only, so a resumed run replays it exactly.

    With no odds each digit comes once; with odds (count,), `count` draws with replacement in proportion to them.
    """
    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    if odds is None:
        return torch.randperm(count, generator=generator)
    return torch.multinomial(odds, count, replacement=True, generator=generator)


RARE_DRAW_CAP = 10.0  # no digit is drawn more than 10x as often as the median one: a few outliers must not dominate


def draw_odds(radii: torch.Tensor, power: float) -> torch.Tensor:
    """(N,) k-NN radii -> (N,) odds of drawing each digit: the sparser its neighbourhood, the more often."""
    return ((radii / radii.median()) ** power).clamp(max=RARE_DRAW_CAP)


def ema_decay_at(step: int, decay: float) -> float:
    """Warm-up: early on the EMA follows G closely, else it would average in the random init for ages."""
    return min(decay, (1.0 + step) / (10.0 + step))


@dataclass
class Run:
    """Everything a training run is, in one object: what the loop advances and a checkpoint saves."""

    config: TrainConfig
    device: torch.device
    generator: torch.nn.Module
    discriminator: torch.nn.Module
    generator_ema: torch.nn.Module  # the copy that samples, the export and the metrics use
    optimizer_g: torch.optim.Optimizer
    optimizer_d: torch.optim.Optimizer
    noise: torch.Generator  # draws every z, on the device
    images: torch.Tensor  # (60000, 28, 28) uint8 on the device: batches are gathered from it by index
    labels: torch.Tensor  # (60000,) int64 on the device
    rank: int = 0
    world_size: int = 1
    step: int = 0  # optimizer steps taken
    epoch: int = 0  # whole epochs done
    step_in_epoch: int = 0
    seconds_before: float = 0.0  # training time spent by earlier processes of this run
    started: float | None = None  # time.perf_counter() when this process began training
    best_fid: float = math.inf
    metrics: dict = field(default_factory=dict)  # the last epoch's quick figures, for the exported checkpoint
    # What the step calls forward: the plain modules, or DDP's wrappers of them. D's weights are read,
    # frozen and saved through `discriminator`; `discriminator_forward` is only called.
    generator_forward: torch.nn.Module | None = None
    discriminator_forward: torch.nn.Module | None = None
    ema_weight: torch.Tensor | None = None  # 1 - the EMA decay of this step, a device tensor so a CUDA graph reads it
    radii: torch.Tensor | None = None  # (N,) k-NN radii of the training digits, on the CPU, for --rare-draw
    order: torch.Tensor | None = None  # (steps_per_epoch, local_batch) data order of `order_epoch`
    order_epoch: int | None = None

    def __post_init__(self):
        if self.generator_forward is None:
            self.generator_forward = self.generator
        if self.discriminator_forward is None:
            self.discriminator_forward = self.discriminator
        if self.ema_weight is None:
            self.ema_weight = torch.zeros((), device=self.device)

    @property
    def seconds(self) -> float:
        """Training time so far, over every process of this run."""
        return self.seconds_before + (time.perf_counter() - self.started if self.started is not None else 0.0)

    @property
    def model_config(self) -> ModelConfig:
        return self.config.model_config()

    @property
    def local_batch(self) -> int:
        return self.config.batch_size // self.world_size

    @property
    def steps_per_epoch(self) -> int:
        return len(self.images) // self.config.batch_size

    @property
    def total_steps(self) -> int:
        total = self.config.epochs * self.steps_per_epoch
        return min(total, self.config.steps) if self.config.steps else total

    def next_inputs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(indices (B,) of this step's real digits, noise z (B, latent_dim)), both on the device."""
        if self.order_epoch != self.epoch:  # this rank's batches of the epoch, made once an epoch
            if self.config.rare_draw and self.radii is None:
                raise ValueError("--rare-draw needs the training digits' radii first (train.py measures them)")
            odds = draw_odds(self.radii, self.config.rare_draw) if self.config.rare_draw else None
            order = epoch_order(self.config.seed, self.epoch, len(self.images), odds)
            order = order[: self.steps_per_epoch * self.config.batch_size]
            order = order.view(self.steps_per_epoch, self.world_size, self.local_batch)[:, self.rank]
            self.order, self.order_epoch = order.to(self.device), self.epoch
        z = torch.randn(self.local_batch, self.config.latent_dim, device=self.device, generator=self.noise)
        return self.order[self.step_in_epoch], z

    def before_step(self) -> None:
        """Set what the step reads besides its inputs (outside any CUDA graph)."""
        self.ema_weight.fill_(1.0 - ema_decay_at(self.step, self.config.ema_decay))

    def advance(self) -> None:
        self.step += 1
        self.step_in_epoch += 1
        if self.step_in_epoch == self.steps_per_epoch:
            self.epoch += 1
            self.step_in_epoch = 0


def on_device(values, device: torch.device) -> torch.Tensor:
    """A numpy array (read-only ones too, such as MNIST read from its files) or a tensor, as a tensor on `device`."""
    if isinstance(values, torch.Tensor):
        return values.to(device)
    return torch.from_numpy(np.array(values)).to(device)


def take_step(run: Run, step_function):
    """Fetch the batch, run the step, advance the counters: the loop body of train.py, which gan.bench times."""
    indices, z = run.next_inputs()
    run.before_step()
    outputs = step_function(indices, z)
    run.advance()
    return outputs


def build_run(config: TrainConfig, device: torch.device, images, labels, rank: int = 0, world_size: int = 1) -> Run:
    """A fresh run: models initialised from the seed (the same on every rank), optimizers, noise.

    `images` (N, 28, 28) uint8 and `labels` (N,) are the training digits, as numpy arrays or tensors.
    """
    torch.manual_seed(config.seed)
    generator, discriminator = build_models(config.model_config())
    generator_ema = copy.deepcopy(generator)
    for model in (generator, discriminator, generator_ema):
        model.to(device)
    generator_ema.eval().requires_grad_(False)
    # Fused Adam: one kernel for every parameter's update; on CUDA also capturable, so a CUDA graph can hold it.
    adam = dict(betas=(config.beta1, config.beta2), fused=device.type in ("cuda", "cpu"))
    if device.type == "cuda":
        adam["capturable"] = True
    return Run(
        config=config,
        device=device,
        generator=generator,
        discriminator=discriminator,
        generator_ema=generator_ema,
        optimizer_g=torch.optim.Adam(generator.parameters(), lr=config.learning_rate_generator, **adam),
        optimizer_d=torch.optim.Adam(discriminator.parameters(), lr=config.learning_rate_discriminator, **adam),
        noise=noise_generator(config.seed, rank, device),
        images=on_device(images, device),
        labels=on_device(labels, device).long(),
        rank=rank,
        world_size=world_size,
    )


@torch.no_grad()
def update_ema(generator_ema, generator, weight: torch.Tensor) -> None:
    """EMA <- EMA + weight * (G - EMA), for parameters and floating-point buffers (BN statistics).

    Foreach sub, mul and add rather than lerp: _foreach_lerp_ reads a tensor weight back to the host, which
    a CUDA graph cannot hold; _foreach_mul_ takes it as a device tensor.
    """
    pairs = list(
        zip([*generator_ema.parameters(), *generator_ema.buffers()], [*generator.parameters(), *generator.buffers()])
    )
    floating = [(ema, current) for ema, current in pairs if ema.dtype.is_floating_point]
    averaged = [ema for ema, _ in floating]
    differences = torch._foreach_sub([current for _, current in floating], averaged)
    torch._foreach_mul_(differences, weight)
    torch._foreach_add_(averaged, differences)
    for ema, current in pairs:
        if not ema.dtype.is_floating_point:  # the batch counter
            ema.copy_(current)


def make_train_step(run: Run, speed, generator_forward=None, discriminator_forward=None):
    """One optimizer step of D and one of G, then the EMA: `step(indices, z) -> (loss_d, loss_g, logits)`.

    `indices` (B,) pick the real digits (and their labels) from the run's training set; `z` (B, latent_dim)
    is the noise. Everything happens on the device, with no host sync, so a CUDA graph can hold the whole
    of it; the losses and D's logits on [real; fake] come back as tensors for the log steps to read.
    """
    config = run.config
    generator_forward = run.generator_forward if generator_forward is None else generator_forward
    discriminator_forward = run.discriminator_forward if discriminator_forward is None else discriminator_forward
    batch = run.local_batch
    real_targets = torch.full((batch,), 1.0 - config.label_smoothing, device=run.device)
    discriminator_targets = torch.cat([real_targets, torch.zeros(batch, device=run.device)])  # (2B,): [real; fake]
    generator_targets = torch.ones(batch, device=run.device)
    conditional = config.classes > 0

    def train_step(indices: torch.Tensor, z: torch.Tensor):
        # Fetch the batch: a gather from the uint8 training set and one conversion, on the device.
        x_real = from_uint8(run.images[indices]).contiguous(memory_format=speed.memory_format)  # (B, 1, 28, 28)
        labels = run.labels[indices] if conditional else None  # fakes are asked for the same digits as the reals
        both_labels = torch.cat([labels, labels]) if conditional else None
        if config.r1_gamma:
            x_real.requires_grad_(True)

        # (1) Update D: maximize log D(x) + log(1 - D(G(z))), one call on [real; fake]
        with speed.autocast():
            x_fake = generator_forward(z, labels)  # (B, 1, 28, 28)
            logits = discriminator_forward(torch.cat([x_real, x_fake.detach()]), both_labels)  # (2B,) or (2B, 2)
        loss_d = losses.discriminator_loss(logits, discriminator_targets)
        if config.r1_gamma:
            loss_d = loss_d + losses.r1_penalty(logits[:batch], x_real, config.r1_gamma)
        run.optimizer_d.zero_grad(set_to_none=True)
        loss_d.backward()
        run.optimizer_d.step()

        # (2) Update G: the non-saturating loss. D is frozen so no gradient is spent on its
        # weights (and DDP does not see a second D backward); it is called unwrapped for that reason.
        run.discriminator.requires_grad_(False)
        with speed.autocast():
            logits_fake = run.discriminator(x_fake, labels)
        loss_g = losses.generator_loss(logits_fake, generator_targets)
        run.optimizer_g.zero_grad(set_to_none=True)
        loss_g.backward()
        run.optimizer_g.step()
        run.discriminator.requires_grad_(True)

        # (3) EMA of G, for samples and the export
        update_ema(run.generator_ema, run.generator, run.ema_weight)
        return loss_d.detach(), loss_g.detach(), logits.detach()

    return train_step
