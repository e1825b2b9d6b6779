"""Every device-specific speed choice, in one place: device, precision, memory layout, torch.compile, CUDA graphs.

The trainer and the benchmark call `resolve_device`, then `setup_speed(run)`,
which picks what fits the device and returns a `Speed` holding the step function
to call. Nothing here changes what a step computes, only how fast: bf16
autocast (the loss, the optimizer state and the EMA stay fp32), channels-last
tensors, compiled models, and on CUDA the whole step captured as one graph.

A speed choice that fails at its first use falls back to the plain path with one
note when it was left on `auto`, and stops the run with a one-line error when it
was asked for by name; the models are put back as they were before that failed
step, so the fallback does not change the run.
"""

import contextlib
import copy
from dataclasses import dataclass, field
from pathlib import Path

import torch

from gan.cli import one_line
from gan.distributed import wrap_for_ddp

DEVICES = ["auto", "cpu", "cuda", "mps"]
PRECISIONS = ["auto", "fp32", "bf16"]
SWITCHES = ["auto", "on", "off"]
CUDA_GRAPH_WARMUP_STEPS = 3  # eager steps before capture: cuDNN picks its kernels, the allocator settles


class SpeedError(Exception):
    """A speed option asked for by name cannot run here; the message is one line."""


# ----------------------------------------------------------------------------- device and precision


def nvidia_device_present() -> bool:
    """Whether this machine has an NVIDIA GPU, whatever PyTorch makes of it."""
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidia0").exists()


def cuda_unavailable_reason() -> str:
    """Why PyTorch cannot use CUDA here, in one line (a driver too old for this wheel, no device, ...)."""
    if torch.version.cuda is None:
        return f"this PyTorch build ({torch.__version__}) has no CUDA support"
    try:
        torch.cuda.init()
    except Exception as error:  # the driver's own words are the useful part
        return one_line(error)
    return "no CUDA device is visible to PyTorch"


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def resolve_device(name: str, log=lambda message: None) -> torch.device:
    """`auto` picks cuda, then mps, then cpu; when CUDA is passed over on a machine with an NVIDIA GPU, say why."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if nvidia_device_present():
            log(f"note: not using the NVIDIA GPU: {cuda_unavailable_reason()}")
        return torch.device("mps") if mps_available() else torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"--device cuda: {cuda_unavailable_reason()}")
    if name == "mps" and not mps_available():
        raise ValueError("--device mps: Apple's Metal backend is not available here")
    return torch.device(name)


CPU_MATRIX_UNITS = {  # torch.cpu's checks for the instructions that multiply matrices of each type in hardware
    "bf16": ("_is_amx_tile_supported", "_is_avx512_bf16_supported"),
    "int8": ("_is_amx_tile_supported", "_is_vnni_supported"),
}


def cpu_matrix_units(kind: str) -> bool:
    """Whether this CPU multiplies `kind` ("bf16" or "int8") matrices in hardware (oneDNN then picks such
    kernels); elsewhere they are emulated: bf16 slower than fp32, int8 (`torch._int_mm`) far slower than float64."""
    return any(getattr(torch.cpu, check, lambda: False)() for check in CPU_MATRIX_UNITS[kind])


def bf16_matrix_units(device: torch.device) -> bool:
    """Whether bf16 matrix products run faster than fp32 here: CUDA GPUs that support bf16, and CPUs with
    AMX or AVX-512 bf16 instructions."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and cpu_matrix_units("bf16")


def resolve_precision(name: str, device: torch.device) -> str:
    if name == "auto":
        return "bf16" if bf16_matrix_units(device) else "fp32"
    if name == "bf16" and device.type == "mps":
        raise ValueError("--precision bf16: autocast to bf16 is not supported on mps here; use fp32")
    return name


def device_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{device.type}:{device.index or 0} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        count = torch.get_num_threads()
        threads = f"{count} thread{'s' if count != 1 else ''}"
        try:
            with open("/proc/cpuinfo") as file:
                for line in file:
                    if line.startswith("model name"):
                        return f"cpu ({line.split(':', 1)[1].strip()}, {threads})"
        except OSError:
            pass
        return f"cpu ({threads})"
    return device.type


# ----------------------------------------------------------------------------- the speed plan


@dataclass
class Speed:
    """How the step runs on this device; `step` is what the training loop calls."""

    device: torch.device
    precision: str  # "bf16" or "fp32"
    memory_format: torch.memory_format
    compile: str  # the --compile choice
    cuda_graph: str  # the --cuda-graph choice
    step: object = None  # (indices, z) -> (loss_d, loss_g, logits); set by setup_speed
    notes: list[str] = field(default_factory=list)

    def autocast(self):
        if self.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def describe(self) -> str:
        """One line: `device: cuda:0 (NVIDIA H100), bf16, compiled, cuda-graph`."""
        parts = [device_description(self.device), self.precision]
        if self.memory_format == torch.channels_last:
            parts.append("channels-last")
        if getattr(self.step, "compiled", False):
            parts.append("compiled")
        if getattr(self.step, "graphed", False):
            parts.append("cuda-graph")
        return "device: " + ", ".join(parts)


def wants(choice: str, default: bool) -> bool:
    return choice == "on" or (choice == "auto" and default)


def setup_speed(run, log=lambda message: None, distributed=None):
    """Apply the device's speed settings to `run` and build its step. Returns the `Speed`.

    - CUDA: TF32 matmuls and convolutions (a GAN does not need fp32's last bits); cuDNN
      autotuning for the fixed batch shape; torch.compile fuses the many small kernels of a
      model this size, whose cost is launch overhead; and, in one process without R1, the
      whole step captured as one CUDA graph, so a step is one launch.
    - CPU: channels-last lets oneDNN pick its blocked convolution kernels; bf16 autocast
      uses the matrix units where the CPU has them.
    """
    from gan.run import make_train_step  # here: gan.run imports this module

    config, device = run.config, run.device
    speed = Speed(
        device=device,
        precision=resolve_precision(config.precision, device),
        memory_format=torch.channels_last if device.type == "cpu" else torch.contiguous_format,
        compile=config.compile,
        cuda_graph=config.cuda_graph,
    )
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    for model in (run.generator, run.discriminator, run.generator_ema):
        model.to(memory_format=speed.memory_format)
    for optimizer in (run.optimizer_g, run.optimizer_d):  # resumed moments take their weights' new layout:
        for parameter, state in optimizer.state.items():  # fused Adam walks both in one order of memory
            for key in ("exp_avg", "exp_avg_sq"):
                if key in state:
                    state[key] = torch.empty_like(parameter).copy_(state[key])
    if distributed is not None:  # after the layout change: DDP's gradient buckets follow the parameters' layout
        wrap_for_ddp(run, distributed)

    # Compiled graphs have no double backward, which R1 needs; CUDA graphs need one process and a CUDA device.
    compile_models = wants(config.compile, device.type == "cuda")
    graph = wants(config.cuda_graph, device.type == "cuda") and run.world_size == 1 and not config.r1_gamma
    if config.cuda_graph == "on" and device.type != "cuda":
        raise SpeedError("--cuda-graph on needs a CUDA device")
    if config.cuda_graph == "on" and (run.world_size > 1 or config.r1_gamma):
        raise SpeedError("--cuda-graph on runs in one process without R1 (no DDP, no --r1-gamma)")
    eager = make_train_step(run, speed)
    step = eager
    if compile_models:
        step = CompiledStep(run, speed, eager, log)
    if graph:
        step = GraphedStep(run, step)
    speed.step = FallbackStep(run, step, eager, speed, log) if step is not eager else eager
    return speed


# ----------------------------------------------------------------------------- step wrappers


def model_state(run) -> dict:
    """Everything a step changes, copied: the weights, BN statistics, SN vectors, optimizer moments."""
    return copy.deepcopy(
        {
            "generator": run.generator.state_dict(),
            "discriminator": run.discriminator.state_dict(),
            "generator_ema": run.generator_ema.state_dict(),
            "optimizer_g": run.optimizer_g.state_dict(),
            "optimizer_d": run.optimizer_d.state_dict(),
        }
    )


def restore_model_state(run, state: dict) -> None:
    for name in ("generator", "discriminator", "generator_ema", "optimizer_g", "optimizer_d"):
        getattr(run, name).load_state_dict(state[name])


class CompiledStep:
    """The step with G and D compiled by torch.compile (their forward and backward; the rest stays eager)."""

    compiled = True

    def __init__(self, run, speed: Speed, eager, log):
        from gan.run import make_train_step

        generator = torch.compile(run.generator_forward)
        discriminator = run.discriminator_forward
        if not run.config.r1_gamma:  # R1 differentiates D's gradient: compiled graphs have no double backward
            discriminator = torch.compile(discriminator)
        self.step = make_train_step(run, speed, generator_forward=generator, discriminator_forward=discriminator)
        self.first = True
        self.log = log

    def __call__(self, indices, z):
        if self.first:
            self.log("compiling the models (about a minute; --compile off skips it)...")
            self.first = False
        return self.step(indices, z)


class StaticStep:
    """The step reading its inputs from fixed buffers, refilled before each call, as a CUDA graph must.

    Everything else a graph needs is already in the step itself (the gather from the
    training set, the EMA weight as a device tensor, no host sync), so on the CPU this
    runs the very step a graph would hold, and the tests compare it with the plain one.
    """

    def __init__(self, run, inner):
        self.inner = inner
        self.compiled = getattr(inner, "compiled", False)
        self.indices = torch.zeros(run.local_batch, dtype=torch.long, device=run.device)
        self.z = torch.zeros(run.local_batch, run.config.latent_dim, device=run.device)

    def __call__(self, indices, z):
        self.indices.copy_(indices)  # the same data order and noise stream as the plain step: resume stays exact
        self.z.copy_(z)
        return self.run_inner()

    def run_inner(self):
        return self.inner(self.indices, self.z)


class GraphedStep(StaticStep):
    """The whole step (gather, forward, backward, both optimizers, EMA) captured once as a CUDA graph, then replayed."""

    graphed = True

    def __init__(self, run, inner):
        super().__init__(run, inner)
        self.calls = 0
        self.graph = None
        self.outputs = None

    def run_inner(self):
        self.calls += 1
        if self.calls <= CUDA_GRAPH_WARMUP_STEPS:  # real steps, run eagerly on a side stream as capture requires
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):
                outputs = self.inner(self.indices, self.z)
            torch.cuda.current_stream().wait_stream(stream)
            return outputs
        if self.graph is None:  # capture records the step without running it; the replay below runs it
            self.graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graph):
                self.outputs = self.inner(self.indices, self.z)
        self.graph.replay()
        return self.outputs


class FallbackStep:
    """Runs the fast step; if its first call fails, restores the models and goes on with the plain step
    (under `auto`) or stops with a one-line error (when the option was asked for by name)."""

    def __init__(self, run, fast, eager, speed: Speed, log):
        self.run, self.fast, self.eager, self.speed, self.log = run, fast, eager, speed, log
        self.checked = False

    @property
    def compiled(self):
        return getattr(self.fast, "compiled", False)

    @property
    def graphed(self):
        return getattr(self.fast, "graphed", False)

    def __call__(self, indices, z):
        if self.checked:
            return self.fast(indices, z)
        limit = CUDA_GRAPH_WARMUP_STEPS + 1 if self.graphed else 1
        before = model_state(self.run)
        try:
            outputs = self.fast(indices, z)
        except Exception as error:  # Inductor, Triton, a missing compiler, a failed capture: all end the same way
            # A graph of a compiled step fails in either layer, and the error seldom says which: name both.
            layers = [(name, flag) for name, flag, used in (("torch.compile", "compile", self.compiled),
                      ("the CUDA graph", "cuda_graph", self.graphed)) if used]  # fmt: skip
            what = " or ".join(name for name, _ in layers)
            asked = [flag for _, flag in layers if getattr(self.speed, flag) == "on"]
            if asked:
                raise SpeedError(f"--{asked[0].replace('_', '-')} on: {what} failed: {one_line(error)}") from error
            restore_model_state(self.run, before)
            self.speed.notes.append(f"{what} failed ({one_line(error)}); training without it")
            self.log(f"note: {self.speed.notes[-1]}")
            self.fast = self.eager
            self.speed.compile = self.speed.cuda_graph = "off"
            self.checked = True
            return self.eager(indices, z)
        if getattr(self.fast, "calls", limit) >= limit:
            self.checked = True
        return outputs
