"""Shared fixtures: the real MNIST folder (fetched by `make data` before the tests) and a way to run scripts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def pytest_collection_modifyitems(config, items):
    """Tests that need a GPU are deselected, not skipped, where there is none, and the summary says so."""
    import torch

    if torch.cuda.is_available():
        return
    needs_gpu = [item for item in items if item.get_closest_marker("cuda")]
    if needs_gpu:
        config.hook.pytest_deselected(items=needs_gpu)
        items[:] = [item for item in items if not item.get_closest_marker("cuda")]
        config.stash[NO_GPU] = len(needs_gpu)


def pytest_terminal_summary(terminalreporter, config):
    if config.stash.get(NO_GPU, 0):
        terminalreporter.write_line(
            f"{config.stash[NO_GPU]} CUDA tests deselected: no GPU here (python -m gan.gpu_check runs them on one)"
        )


NO_GPU = pytest.StashKey[int]()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The project's data folder; `make test` fetches MNIST there first (offline-capable)."""
    from gan.data import ensure_mnist

    ensure_mnist(ROOT / "data", log=lambda message: None)
    return ROOT / "data"


def run_python(*args, timeout=600, check=False, **kwargs) -> subprocess.CompletedProcess:
    """Run `python <args>` from the repository root, the way a user would, capturing output."""
    result = subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def assert_one_line_error(result: subprocess.CompletedProcess, status: int | None = None) -> str:
    """A bad input must end with a short message and a non-zero status, never a traceback."""
    assert result.returncode != 0, result.stderr
    if status is not None:
        assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert lines, "no message on stderr"
    assert "error" in lines[-1].lower(), lines[-1]
    return lines[-1]


def small_models(config=None, seed: int = 0):
    """(generator, discriminator, config) with random weights, of narrow models so they are quick to use."""
    import torch

    from gan.models import ModelConfig, build_models

    config = config or ModelConfig(generator_width=16, discriminator_width=16)
    torch.manual_seed(seed)
    generator, discriminator = build_models(config)
    return generator.eval(), discriminator.eval(), config


def write_small_game_checkpoint(
    path: Path, epoch: int = 1, step: int = 5, width: int = 16, seed: int = 0, config=None, metrics=None
) -> Path:
    """A game checkpoint with random weights, written by the trainer's own save path."""
    from gan.checkpoint import game_checkpoint, save_checkpoint
    from gan.models import ModelConfig

    config = config or ModelConfig(generator_width=width, discriminator_width=width)
    generator, discriminator, _ = small_models(config, seed)
    checkpoint = game_checkpoint(
        generator.state_dict(), discriminator.state_dict(), config, epoch=epoch, step=step, metrics=metrics
    )
    save_checkpoint(checkpoint, path)
    return path


# train.py flags for runs that take seconds: narrow models, small batches, no per-epoch FID
TRAIN_SMALL = ["--device", "cpu", "--batch-size", "32", "--generator-width", "8", "--discriminator-width", "8",
               "--log-every", "2", "--eval-samples", "0"]  # fmt: skip


def start_training(run_dir: Path, export: Path, *extra, wait_for: str = "metrics.jsonl") -> subprocess.Popen:
    """The real train.py in the background, as a user starts it, once `wait_for` exists in its run folder."""
    import time

    command = [sys.executable, "train.py", *TRAIN_SMALL, "--run-dir", str(run_dir), "--steps", "100000",
               "--export", str(export), *map(str, extra)]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (run_dir / wait_for).exists() and process.poll() is None:
        time.sleep(0.1)
    return process
