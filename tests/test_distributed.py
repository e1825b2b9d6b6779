"""train.py under torchrun: 2 CPU processes over gloo, each on its own shard, ending with the same weights.

Only rank 0 writes files, so the ranks are compared through the weight digests that every
rank contributes to each run checkpoint (`weights_digests`, one per rank, in rank order).
"""

import os
import subprocess
import sys

import pytest
import torch
from conftest import ROOT

from gan.checkpoint import load_checkpoint
from gan.models import Discriminator, Generator, ModelConfig

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]


def torchrun(*args, timeout=300) -> subprocess.CompletedProcess:
    # torchrun would set OMP_NUM_THREADS=1 itself, with a warning; two ranks on a small CI machine want that anyway
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [*TORCHRUN, "train.py", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def start(tmp_path, name, steps, data_dir, *extra):
    run_dir = tmp_path / name
    result = torchrun(
        *extra,
        "--device",
        "cpu",
        "--steps",
        steps,
        "--batch-size",
        32,
        "--eval-samples",
        0,
        "--log-every",
        2,
        "--data-dir",
        data_dir,
        "--run-dir",
        run_dir,
        "--export",
        tmp_path / f"{name}.pt",
    )
    return run_dir, result


def saved_weights_digest(checkpoint: dict) -> str:
    """The digest train.py takes on each rank, retaken from the weights rank 0 saved."""
    from gan.distributed import weights_digest  # here, not at the top: a missing name fails this test, not collection

    config = ModelConfig.from_dict(checkpoint["model_config"])
    generator, discriminator, generator_ema = Generator(config), Discriminator(config), Generator(config)
    generator.load_state_dict(checkpoint["generator"])
    discriminator.load_state_dict(checkpoint["discriminator"])
    generator_ema.load_state_dict(checkpoint["generator_ema"])
    return weights_digest(generator, discriminator, generator_ema)


def assert_ranks_agree(checkpoint: dict) -> None:
    assert "weights_digests" in checkpoint, "train.py records no per-rank weight digests in its run checkpoint"
    digests = checkpoint["weights_digests"]
    assert len(digests) == 2, digests
    assert digests[0] == digests[1], f"rank weights differ: {digests}"
    assert digests[0] == saved_weights_digest(checkpoint)  # the digests are of the weights on disk


@pytest.mark.slow
def test_two_ranks_end_with_identical_weights_and_resume_exactly(tmp_path, data_dir):
    straight, _ = start(tmp_path, "straight", 6, data_dir)
    stopped, result = start(tmp_path, "stopped", 4, data_dir)

    checkpoint = load_checkpoint(stopped / "checkpoint.pt")
    assert checkpoint["step"] == 4
    assert_ranks_agree(checkpoint)
    states = checkpoint["noise_rng_states"]
    assert len(states) == 2 and not torch.equal(states[0], states[1])  # each rank draws its own noise
    assert result.stderr.count("done: 4 steps") == 1  # one progress bar and log: rank 0's
    lines = (stopped / "metrics.jsonl").read_text().splitlines()
    assert sum('"loss_d"' in line for line in lines) == 2  # steps 2 and 4, written once

    # Resume under torchrun: 4 steps, stopped, then 2 more, equals 6 straight, bit for bit.
    result = torchrun("--resume", stopped, "--steps", 6, "--export", tmp_path / "resumed.pt")
    assert "resuming" in result.stderr
    resumed, reference = load_checkpoint(stopped / "checkpoint.pt"), load_checkpoint(straight / "checkpoint.pt")
    assert resumed["step"] == reference["step"] == 6
    assert_ranks_agree(resumed)
    assert resumed["weights_digests"] == reference["weights_digests"]
    assert resumed["weights_digests"] != checkpoint["weights_digests"]  # the 2 steps changed the weights
    for key in ("generator", "generator_ema", "discriminator"):
        for name, tensor in reference[key].items():
            assert torch.equal(resumed[key][name], tensor), (key, name)


@pytest.mark.slow
def test_two_ranks_agree_with_spectral_norm(tmp_path, data_dir):
    """SN keeps power-iteration vectors as buffers, which DDP broadcasts from rank 0 each forward."""
    run_dir = tmp_path / "spectral"
    torchrun(
        "--device",
        "cpu",
        "--steps",
        4,
        "--batch-size",
        32,
        "--eval-samples",
        0,
        "--log-every",
        2,
        "--spectral-norm",
        "--data-dir",
        data_dir,
        "--run-dir",
        run_dir,
        "--export",
        tmp_path / "spectral.pt",
    )
    checkpoint = load_checkpoint(run_dir / "checkpoint.pt")
    assert checkpoint["model_config"]["spectral_norm"] is True
    assert_ranks_agree(checkpoint)


def agree_in_rank(rank: int, world_size: int, init_file: str, results) -> None:
    import torch.distributed as dist

    from gan.distributed import Distributed, agree

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    try:
        me = Distributed(rank, world_size)
        # rank 1 alone sees a non-finite loss, rank 0 alone a Ctrl-C: each must learn of the other's
        results[rank] = [
            agree(False, rank == 1, me, torch.device("cpu")),
            agree(rank == 0, False, me, torch.device("cpu")),
            agree(False, False, me, torch.device("cpu")),
        ]
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_one_rank_that_diverges_or_is_stopped_stops_every_rank(tmp_path):
    """Under DDP a non-finite loss or a Ctrl-C seen by one rank must reach all, or the rest hang in collectives."""
    import torch.multiprocessing as mp

    with mp.Manager() as manager:
        results = manager.dict()
        mp.spawn(agree_in_rank, args=(2, str(tmp_path / "rendezvous"), results), nprocs=2, join=True)
        for rank in (0, 1):
            assert results[rank] == [(False, True), (True, False), (False, False)], (rank, results[rank])


@pytest.mark.slow
def test_two_ranks_draw_rare_digits_from_rank_0s_radii_and_keep_them_on_resume(tmp_path, data_dir):
    run_dir, result = start(tmp_path, "rare", 2, data_dir, "--rare-draw", 1)
    assert result.stderr.count("rare draw: measuring") == 1
    checkpoint = load_checkpoint(run_dir / "checkpoint.pt")
    assert_ranks_agree(checkpoint)
    radii = checkpoint["radii"]
    assert radii.shape == (60_000,) and (radii > 0).all()
    result = torchrun("--resume", run_dir, "--steps", 4, "--export", tmp_path / "rare-resumed.pt")
    assert "rare draw: measuring" not in result.stderr  # the saved radii, not measured again
    resumed = load_checkpoint(run_dir / "checkpoint.pt")
    assert resumed["step"] == 4 and torch.equal(resumed["radii"], radii)
    assert_ranks_agree(resumed)
