"""Time our training step against the textbook DCGAN loop, side by side, in one process.

    python -m gan.bench                                 # 30 s on the best device there is
    python -m gan.bench --device cpu --seconds 60 --json

Ours is the step `gan.train` runs, built the way it builds it: `build_models`,
`setup_speed`, `make_train_step`, batches gathered by index from the whole
uint8 training set held on the device. The textbook loop is what a tutorial
writes (pytorch/examples `dcgan/main.py`), on the same 28x28 model: torchvision
MNIST through a DataLoader with `ToTensor` + `Normalize` per image, 2 workers,
batch 128, shuffled, eager fp32, D ending in `Sigmoid` with `BCELoss`, separate D
passes on real and fake, and `.item()` five times a step.

After a warm-up the two take turns in rounds (ours first in even rounds, the
textbook first in odd ones), so a busy machine or a clock that drifts slows both
alike and the ratio stays fair. The DataLoader iterator lives across rounds; its
worker start-up is charged once per epoch, pro rata, as a real run pays it.
"""

import contextlib
import dataclasses
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from gan.cli import doc, one_line_errors, parse_config
from gan.data import DataError, load_split
from gan.models import ModelConfig, build_models
from gan.run import MAX_SEED, TRAIN_SIZE, TrainConfig, build_run, take_step
from gan.speed import DEVICES, PRECISIONS, SWITCHES, SpeedError, resolve_device, setup_speed

TEXTBOOK_BATCH = 128  # pytorch/examples dcgan/main.py's default
TEXTBOOK_WORKERS = 2  # its default --workers


@dataclass
class BenchConfig:
    device: str = field(
        default="auto", metadata=doc("where to run both loops; auto = cuda, then mps, then cpu", choices=DEVICES)
    )
    seconds: float = field(
        default=30.0,
        metadata=doc("timed seconds in all, split evenly between the two loops", above=0, maximum=86_400),
    )
    rounds: int = field(default=6, metadata=doc("turns each loop takes, alternating", minimum=1, maximum=1000))
    warmup_steps: int = field(
        default=5,
        metadata=doc("untimed steps of each loop first (compiling happens here)", minimum=1, maximum=10_000),
    )
    batch_size: int = field(
        default=128,
        metadata=doc("digits per step of our loop; the textbook's stays at 128", minimum=1, maximum=TRAIN_SIZE),
    )
    precision: str = field(default="auto", metadata=doc("our precision, as train.py's --precision", choices=PRECISIONS))
    compile: str = field(
        default="auto", metadata=doc("torch.compile our models, as train.py's --compile", choices=SWITCHES)
    )
    cuda_graph: str = field(
        default="auto", metadata=doc("our step as one CUDA graph, as train.py's --cuda-graph", choices=SWITCHES)
    )
    data_dir: str = field(default="data", metadata=doc("folder holding MNIST/raw (fetched there if missing)"))
    seed: int = field(
        default=0, metadata=doc("seed of the weights, the noise and the data order", minimum=0, maximum=MAX_SEED)
    )
    profile: bool = field(
        default=False, metadata=doc("also profile ten of our steps and print where their time goes, by operation")
    )
    json: bool = field(default=False, metadata=doc("also print the figures as one JSON object on the last line"))

    def train_config(self) -> TrainConfig:
        """Our side: train.py's defaults (its model included), with this run's speed choices."""
        return TrainConfig(
            batch_size=self.batch_size,
            device=self.device,
            precision=self.precision,
            compile=self.compile,
            cuda_graph=self.cuda_graph,
            seed=self.seed,
            data_dir=self.data_dir,
        )


def synchronize(device: torch.device) -> None:
    """Kernels run asynchronously on a GPU; a timer read without this measures only the launches."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


# ----------------------------------------------------------------------------- the two loops


class OurLoop:
    """What train.py runs: the same `Run`, the same speed setup, the same loop body (`take_step`)."""

    name = "ours"

    def __init__(self, config: BenchConfig, device: torch.device, images, labels, log):
        self.config = config.train_config()
        self.run = build_run(self.config, device, images, labels)
        self.speed = setup_speed(self.run, log)
        self.model_config = self.run.model_config

    @property
    def compiled(self) -> bool:
        return bool(getattr(self.speed.step, "compiled", False))

    def run_steps(self, steps: int) -> int:
        """`steps` training steps; returns the number of real digits trained on."""
        for _ in range(steps):
            loss_d, loss_g, logits = take_step(self.run, self.speed.step)
            if self.run.step % self.config.log_every == 0:  # the real loop reads its figures this often
                loss_d.item(), loss_g.item(), torch.sigmoid(logits.float()).mean().item()
        return steps * self.config.batch_size


class TextbookLoop:
    """pytorch/examples dcgan/main.py's loop, on our 28x28 G and D with a Sigmoid after D."""

    name = "textbook"

    def __init__(self, config: BenchConfig, device: torch.device, model_config: ModelConfig):
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms

        self.device = device
        transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        dataset = datasets.MNIST(config.data_dir, train=True, download=False, transform=transform)
        self.loader = DataLoader(dataset, batch_size=TEXTBOOK_BATCH, shuffle=True, num_workers=TEXTBOOK_WORKERS)
        torch.manual_seed(config.seed)
        generator, discriminator = build_models(model_config)
        self.generator = generator.to(device)
        self.discriminator = nn.Sequential(discriminator, nn.Sigmoid()).to(device)
        self.criterion = nn.BCELoss()
        self.optimizer_d = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optimizer_g = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.latent_dim = model_config.latent_dim
        self.batches = None
        self.start_seconds = 0.0  # worker start-up: making the iterator and waiting for its first batch
        self.first_iterator = True
        self.timed_steps_on_first_iterator = 0
        self.timing = False

    def next_batch(self):
        if self.batches is not None:
            try:
                return next(self.batches)
            except StopIteration:  # end of an epoch: a new iterator starts new workers, as in a real run
                self.first_iterator = False
        start = time.perf_counter()
        self.batches = iter(self.loader)
        batch = next(self.batches)
        if self.start_seconds == 0.0:
            self.start_seconds = time.perf_counter() - start
        return batch

    def run_steps(self, steps: int) -> int:
        images = 0
        real_label, fake_label = 1.0, 0.0
        for _ in range(steps):
            data, _ = self.next_batch()
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            self.discriminator.zero_grad()
            real = data.to(self.device)
            batch_size = real.size(0)
            label = torch.full((batch_size,), real_label, dtype=real.dtype, device=self.device)
            output = self.discriminator(real)
            loss_d_real = self.criterion(output, label)
            loss_d_real.backward()
            d_x = output.mean().item()
            noise = torch.randn(batch_size, self.latent_dim, 1, 1, device=self.device)
            fake = self.generator(noise)
            label.fill_(fake_label)
            output = self.discriminator(fake.detach())
            loss_d_fake = self.criterion(output, label)
            loss_d_fake.backward()
            d_g_z1 = output.mean().item()
            loss_d = loss_d_real + loss_d_fake
            self.optimizer_d.step()
            # (2) Update G network: maximize log(D(G(z)))
            self.generator.zero_grad()
            label.fill_(real_label)
            output = self.discriminator(fake)
            loss_g = self.criterion(output, label)
            loss_g.backward()
            d_g_z2 = output.mean().item()
            self.optimizer_g.step()
            _ = (loss_d.item(), loss_g.item(), d_x, d_g_z1, d_g_z2)  # what its per-step print line reads
            images += batch_size
            if self.timing and self.first_iterator:
                self.timed_steps_on_first_iterator += 1
        return images

    def start_up_share(self) -> float:
        """The first worker start-up happened in the warm-up; charge the timed steps their share of it."""
        return self.start_seconds * self.timed_steps_on_first_iterator / len(self.loader)

    def close(self) -> None:
        self.batches = None  # shuts the workers down, so their peak RSS shows in RUSAGE_CHILDREN


# ----------------------------------------------------------------------------- work and memory


def conv_macs(model_config: ModelConfig) -> tuple[list[int], list[int]]:
    """Multiply-accumulates per image of each convolution of G and of D (forward), read off the real modules."""
    generator, discriminator = build_models(model_config)
    counts: dict[str, list[int]] = {"generator": [], "discriminator": []}

    def hook(name):
        def record(module, inputs, output):
            taps = module.kernel_size[0] * module.kernel_size[1] // module.groups
            if isinstance(module, nn.ConvTranspose2d):  # every input value meets every tap of every output channel
                counts[name].append(inputs[0][0].numel() * module.out_channels * taps)
            else:  # every output value sums over its input channels' taps
                counts[name].append(output[0].numel() * module.in_channels * taps)

        return record

    for name, model in (("generator", generator), ("discriminator", discriminator)):
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                module.register_forward_hook(hook(name))
    with torch.no_grad():
        labels = torch.zeros(1, dtype=torch.long) if model_config.classes else None
        discriminator(generator(torch.zeros(1, model_config.latent_dim), labels), labels)
    # D's image head runs as a matrix product (Discriminator.forward), not through its module's forward:
    # a 7x7 kernel over the 7x7 features, one output, so one multiply-accumulate per weight.
    counts["discriminator"].append(discriminator.main[-1].weight.numel())
    return counts["generator"], counts["discriminator"]


def flops_per_image(model_config: ModelConfig) -> dict[str, int]:
    """Convolution FLOPs (2 per MAC) one training digit costs in each loop; batch norm, activations,
    Adam and the EMA add little arithmetic (they are memory-bound) and are left out.

    A layer's backward costs its forward once for the weight gradient and once more for the input
    gradient, except where the input needs none (z, real digits, detached fakes).
    Ours: G forward; D forward on [real; fake] (2 images), weight and input grads (not the first
    layer's); G step: D forward, input grads only (D is frozen), G weight and input grads (not the first).
    The textbook adds D's weight gradients in its G step, since it does not freeze D.
    """
    g_layers, d_layers = conv_macs(model_config)
    g, d, g_first, d_first = sum(g_layers), sum(d_layers), g_layers[0], d_layers[0]
    d_step = g + 2 * d + 2 * d + 2 * (d - d_first)
    g_step = d + d + g + (g - g_first)
    ours = d_step + g_step
    return {"ours": 2 * ours, "textbook": 2 * (ours + d)}


def measure_matmul_flops(device: torch.device, seconds: float = 0.5) -> float:
    """FLOP/s of a large fp32 matmul (TF32 where setup_speed allows it): a practical ceiling for this device."""
    size = 2048 if device.type == "cpu" else 8192
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    a @ b
    synchronize(device)
    reps, start = 0, time.perf_counter()
    while True:
        a @ b
        reps += 1
        if reps % (1 if device.type == "cpu" else 10) == 0:
            synchronize(device)
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return 2 * size**3 * reps / elapsed


def peak_rss_mb(who=resource.RUSAGE_SELF) -> float:
    """Peak resident memory; Linux reports KiB, macOS bytes."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


# ----------------------------------------------------------------------------- the run


class Side:
    """What one loop did in the timed rounds."""

    def __init__(self, loop):
        self.loop, self.images, self.seconds, self.steps_per_round, self.rates = loop, 0, 0.0, 1, []
        self.peak_gpu_bytes = 0

    def timed_round(self, device: torch.device) -> None:
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        synchronize(device)
        start = time.perf_counter()
        images = self.loop.run_steps(self.steps_per_round)
        synchronize(device)
        seconds = time.perf_counter() - start
        self.images += images
        self.seconds += seconds
        self.rates.append(images / seconds)
        if device.type == "cuda":
            self.peak_gpu_bytes = max(self.peak_gpu_bytes, torch.cuda.max_memory_allocated(device))

    def plan(self, round_seconds: float, images_per_second: float, batch_size: int) -> None:
        self.steps_per_round = max(1, round(round_seconds * images_per_second / batch_size))


def warm_up(loop, steps: int, device: torch.device) -> tuple[float, float]:
    """(seconds of the first step, images/s of the rest): the first includes compiling or worker start-up."""
    synchronize(device)
    start = time.perf_counter()
    loop.run_steps(1)
    synchronize(device)
    first = time.perf_counter() - start
    start = time.perf_counter()
    images = loop.run_steps(steps)
    synchronize(device)
    return first, images / (time.perf_counter() - start)


@contextlib.contextmanager
def native_stderr_aside():
    """The profiler's C++ side writes start and stop lines (and, on a CUDA build without a GPU, an ERROR
    line) straight to file descriptor 2; they say nothing about the step, so they go to a scratch file."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def profile_ours(ours: OurLoop, device: torch.device, steps: int = 10, rows: int = 12) -> list[dict]:
    """Where our step's time goes, largest first: [{"operation", "ms_per_step", "share"}], by each
    operation's own time (not its callees'), on the GPU when it is CUDA. An operation is named with
    the shape of its first tensor, which tells the layers apart."""
    from torch.profiler import ProfilerActivity, profile

    on_gpu = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_gpu else [])
    with native_stderr_aside():
        with profile(activities=activities, record_shapes=True) as profiler:
            ours.run_steps(steps)
            synchronize(device)
        events = list(profiler.key_averages(group_by_input_shape=True))  # which layer, by its tensor's shape

    def own_time(event) -> float:  # microseconds
        return event.self_device_time_total if on_gpu else event.self_cpu_time_total

    total = sum(own_time(event) for event in events) or 1.0
    events.sort(key=own_time, reverse=True)
    return [
        {
            "operation": event.key
            + (f" {list(event.input_shapes[0])}" if event.input_shapes and event.input_shapes[0] else ""),
            "ms_per_step": round(own_time(event) / 1000 / steps, 3),
            "share": round(own_time(event) / total, 4),
        }
        for event in events[:rows]
    ]


def bench(config: BenchConfig, log=lambda message: print(message, file=sys.stderr, flush=True)) -> dict:
    device = resolve_device(config.device, log)
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    images, labels = load_split(config.data_dir, "train", log=log)

    ours = OurLoop(config, device, images, labels, log)
    log(f"warming up ours ({config.warmup_steps + 1} steps{', compiling' if ours.compiled else ''})...")
    ours_first, ours_rate = warm_up(ours, config.warmup_steps, device)
    rss_ours_mb = peak_rss_mb()
    # The textbook's model: ours, as a plain unconditional DCGAN (no spectral norm, no labels).
    textbook_model = dataclasses.replace(ours.model_config, spectral_norm=False, classes=0)
    textbook = TextbookLoop(config, device, textbook_model)
    log(
        f"warming up the textbook loop ({config.warmup_steps + 1} steps, starting {TEXTBOOK_WORKERS} loader workers)..."
    )
    _, textbook_rate = warm_up(textbook, config.warmup_steps, device)
    textbook.timing = True

    sides = [Side(ours), Side(textbook)]
    round_seconds = config.seconds / (2 * config.rounds)
    sides[0].plan(round_seconds, ours_rate, config.batch_size)
    sides[1].plan(round_seconds, textbook_rate, TEXTBOOK_BATCH)
    log(f"timing: {config.rounds} rounds of about {round_seconds:.1f} s each...")
    for round_index in range(config.rounds):
        for side in sides if round_index % 2 == 0 else sides[::-1]:
            side.timed_round(device)
        for side, batch in zip(sides, (config.batch_size, TEXTBOOK_BATCH)):  # steer later rounds to round_seconds
            side.plan(round_seconds, side.images / side.seconds, batch)
    sides[1].seconds += textbook.start_up_share()
    textbook.close()
    profiled = profile_ours(ours, device) if config.profile else None

    flops = flops_per_image(ours.model_config)
    matmul_flops = measure_matmul_flops(device)
    ours_ips = sides[0].images / sides[0].seconds
    textbook_ips = sides[1].images / sides[1].seconds
    result = {
        "device": device.type,
        "speed": ours.speed.describe(),  # the device line train.py prints: device, precision, compile, graph
        "precision": ours.speed.precision,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "load_average_at_start": load_average,
        "batch_size": config.batch_size,
        "textbook_batch_size": TEXTBOOK_BATCH,
        "compiled": ours.compiled,
        "ours_images_per_second": round(ours_ips, 1),
        "textbook_images_per_second": round(textbook_ips, 1),
        "ratio": round(ours_ips / textbook_ips, 2),
        # Each round's two turns ran back to back, so their ratio sees one state of a machine whose speed
        # drifts: the spread of these says how far to trust the overall ratio.
        "round_ratios": [round(ours / textbook, 2) for ours, textbook in zip(sides[0].rates, sides[1].rates)],
        "ours_images": sides[0].images,
        "ours_seconds": round(sides[0].seconds, 3),
        "textbook_images": sides[1].images,
        "textbook_seconds": round(sides[1].seconds, 3),
        "ours_round_images_per_second": [round(rate, 1) for rate in sides[0].rates],
        "textbook_round_images_per_second": [round(rate, 1) for rate in sides[1].rates],
        "ours_first_step_seconds": round(ours_first, 3),
        "textbook_loader_start_seconds": round(textbook.start_seconds, 3),
        "flops_per_image": flops["ours"],
        "textbook_flops_per_image": flops["textbook"],
        "ours_gflops_per_second": round(flops["ours"] * ours_ips / 1e9, 2),
        "textbook_gflops_per_second": round(flops["textbook"] * textbook_ips / 1e9, 2),
        "matmul_gflops_per_second": round(matmul_flops / 1e9, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_ours_alone_mb": round(rss_ours_mb, 1),
        "loader_worker_peak_rss_mb": round(peak_rss_mb(resource.RUSAGE_CHILDREN), 1),
    }
    if profiled is not None:
        result["profile"] = profiled
    if device.type == "cuda":
        result["ours_gpu_peak_mb"] = round(sides[0].peak_gpu_bytes / 2**20, 1)
        result["textbook_gpu_peak_mb"] = round(sides[1].peak_gpu_bytes / 2**20, 1)
    return result


def round_spread(ratios: list[float]) -> str:
    """ "  (rounds: 2.21x to 2.64x, median 2.40x)", or nothing for a single round."""
    if len(ratios) < 2:
        return ""
    return f"  (rounds: {min(ratios):.2f}x to {max(ratios):.2f}x, median {statistics.median(ratios):.2f}x)"


def format_result(result: dict) -> str:
    load = result["load_average_at_start"]
    lines = [
        f"{result['speed']}; torch {result['torch']}"
        + (f", load average {load:.1f} at start" if load is not None else ""),
        f"batch size: ours {result['batch_size']}, textbook {result['textbook_batch_size']}"
        + (" (ours compiled)" if result["compiled"] else ""),
        f"ours:      {result['ours_images_per_second']:>10,.0f} images/s  ({result['ours_images']:,} digits in "
        f"{result['ours_seconds']:.1f} s; first step {result['ours_first_step_seconds']:.2f} s)",
        f"textbook:  {result['textbook_images_per_second']:>10,.0f} images/s  ({result['textbook_images']:,} digits in "
        f"{result['textbook_seconds']:.1f} s; "
        f"loader start-up {result['textbook_loader_start_seconds']:.2f} s an epoch)",
        f"ratio:     {result['ratio']:>10.2f}x" + round_spread(result["round_ratios"]),
        f"work:      {result['flops_per_image'] / 1e6:.0f} MFLOP per digit "
        f"(textbook {result['textbook_flops_per_image'] / 1e6:.0f}): "
        f"ours {result['ours_gflops_per_second']:,.1f} GFLOP/s, textbook {result['textbook_gflops_per_second']:,.1f}, "
        f"a large matmul here {result['matmul_gflops_per_second']:,.1f} "
        f"(ours at {100 * result['ours_gflops_per_second'] / result['matmul_gflops_per_second']:.0f}% of it)",
        f"memory:    peak RSS {result['peak_rss_mb']:,.0f} MB (both loops; {result['peak_rss_ours_alone_mb']:,.0f} MB "
        f"before the textbook's started), loader workers {result['loader_worker_peak_rss_mb']:,.0f} MB each at most",
    ]
    if "ours_gpu_peak_mb" in result:
        lines.append(
            f"GPU:       peak allocated {result['ours_gpu_peak_mb']:,.0f} MB ours, "
            f"{result['textbook_gpu_peak_mb']:,.0f} MB textbook"
        )
    if "profile" in result:
        lines.append("where our step's time goes (ten steps, each operation's own time, largest first):")
        lines += [
            f"  {row['share']:>6.1%}  {row['ms_per_step']:>8.2f} ms a step  {row['operation']}"
            for row in result["profile"]
        ]
    return "\n".join(lines)


def main(argv=None) -> int:
    config, _ = parse_config(BenchConfig, argv, description=__doc__.split("\n")[0], prog="python -m gan.bench")
    with one_line_errors(DataError, SpeedError, ValueError):
        result = bench(config)
    print(format_result(result))
    if config.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
