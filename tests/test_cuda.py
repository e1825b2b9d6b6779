"""What only a GPU can show: the CUDA-graph step, compile and bf16 on CUDA. `python -m gan.gpu_check` runs these.

Machines without CUDA (CI among them) deselect this file in conftest.py, saying so in the summary;
every piece of these paths that can run on a CPU is tested in test_speed.py.
"""

import dataclasses

import pytest
import torch

from gan.run import TrainConfig, build_run, take_step
from gan.speed import GraphedStep, setup_speed

pytestmark = pytest.mark.cuda


def cuda_run(data, **changes):
    images, labels = data
    config = dataclasses.replace(TrainConfig(device="cuda", batch_size=128, seed=3, cuda_graph="off"), **changes)
    run = build_run(config, torch.device("cuda"), images, labels)
    return run, setup_speed(run)


@pytest.fixture(scope="module")
def data(data_dir):
    from gan.data import load_split

    return load_split(data_dir, "train", log=lambda message: None)


def test_the_cuda_graph_step_trains_like_the_plain_step(data):
    plain, speed = cuda_run(data, compile="off")
    graphed, graphed_speed = cuda_run(data, compile="off")
    step = GraphedStep(graphed, graphed_speed.step)
    for _ in range(30):
        take_step(plain, speed.step)
        take_step(graphed, step)
    assert step.graph is not None  # captured, and replayed since
    for name, tensor in plain.generator_ema.state_dict().items():
        assert torch.allclose(tensor.float(), graphed.generator_ema.state_dict()[name].float(), atol=1e-3), name


def test_the_default_speed_plan_on_cuda_compiles_graphs_and_uses_bf16(data):
    run, speed = cuda_run(data, cuda_graph="auto", compile="auto")
    for _ in range(8):
        loss_d, loss_g, _ = take_step(run, speed.step)
    assert torch.isfinite(loss_d) and torch.isfinite(loss_g)
    line = speed.describe()
    assert line.startswith("device: cuda:0 (") and "bf16" in line and "cuda-graph" in line, line


def test_the_plain_step_makes_no_host_sync_on_cuda(data):
    """What the CPU op watch of test_speed.py cannot see: a sync inside CUDA's own calls (a copy back, a wait)."""
    run, speed = cuda_run(data, compile="off")
    for _ in range(3):  # the optimizers' state and cuDNN's choices are made in the first steps
        take_step(run, speed.step)
    indices, z = run.next_inputs()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        speed.step(indices, z)
    finally:
        torch.cuda.set_sync_debug_mode("default")
