"""gan.speed on the CPU: every piece of the fast paths that can run without a GPU does run here.

CI has no GPU. What a CUDA graph holds is the step itself fed from static buffers,
so that step is compared with the plain one here; the fallback that catches a
failing compile or capture is driven with a step that fails on purpose.
"""

import copy
import dataclasses
import json
import os
import shutil

import pytest
import torch
from conftest import assert_one_line_error, run_python

from gan.run import TrainConfig, build_run, take_step
from gan.speed import FallbackStep, Speed, StaticStep, resolve_precision, setup_speed

SMALL = dict(device="cpu", batch_size=16, generator_width=8, discriminator_width=8, latent_dim=12, seed=4)


def small_run(data, **changes):
    images, labels = data
    config = dataclasses.replace(TrainConfig(**SMALL), **changes)
    run = build_run(config, torch.device("cpu"), images[:512], labels[:512])
    return run, setup_speed(run)


def weights(run) -> dict:
    return {
        f"{model}.{name}": tensor.clone()
        for model in ("generator", "discriminator", "generator_ema")
        for name, tensor in getattr(run, model).state_dict().items()
    }


@pytest.fixture(scope="module")
def data(data_dir):
    from gan.data import load_split

    return load_split(data_dir, "train", log=lambda message: None)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
@pytest.mark.parametrize("classes", [0, 10])
def test_the_graph_safe_step_gives_the_plain_steps_weights(data, precision, classes):
    """Inputs copied into static buffers, the EMA weight read from a device tensor: the same weights, bit for bit."""
    plain, speed = small_run(data, precision=precision, classes=classes, spectral_norm=True)
    static, static_speed = small_run(data, precision=precision, classes=classes, spectral_norm=True)
    buffered = StaticStep(static, static_speed.step)
    for _ in range(40):  # crosses an epoch end: 512 digits are 32 steps of 16
        take_step(plain, speed.step)
        take_step(static, buffered)
    assert plain.epoch == static.epoch == 1
    first, second = weights(plain), weights(static)
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name
    fresh, _ = small_run(data, precision=precision, classes=classes, spectral_norm=True)
    assert not torch.equal(weights(fresh)["generator.main.0.weight"], first["generator.main.0.weight"])  # it trained


HOST_READS = ("aten._local_scalar_dense", "aten.nonzero")  # what .item(), bool(tensor), one_hot's check and masks call


@pytest.mark.parametrize("classes", [0, 10])
def test_the_step_reads_nothing_back_to_the_host(data, classes):
    """A CUDA graph cannot hold a host read: every op of the step is watched on a CPU, where CI can see it."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Watch(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.ops = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.ops.append(str(func))
            return func(*args, **(kwargs or {}))

    run, speed = small_run(data, classes=classes, spectral_norm=True)
    take_step(run, speed.step)  # the optimizers' state is made on the first step
    indices, z = torch.arange(run.local_batch), torch.randn(run.local_batch, run.config.latent_dim)
    with Watch() as watch:
        speed.step(indices, z)
    assert [op for op in watch.ops if op.startswith(HOST_READS)] == []
    assert any("_fused_adam" in op for op in watch.ops) and any("_foreach_mul_" in op for op in watch.ops)  # Adam, EMA


def test_a_failing_fast_step_falls_back_with_the_models_as_they_were(data):
    run, speed = small_run(data)
    reference, reference_speed = small_run(data)
    notes = []

    def fails_after_changing_things(indices, z):
        speed.step(indices, z)  # a partial step: the weights move before the failure
        raise RuntimeError("InductorError: no C compiler found\nand a second line")

    fails_after_changing_things.compiled = True  # what a compiled step says of itself
    speed.compile = "auto"
    fallback = FallbackStep(run, fails_after_changing_things, speed.step, speed, notes.append)
    for _ in range(3):
        take_step(run, fallback)
        take_step(reference, reference_speed.step)
    assert notes == ["note: torch.compile failed (InductorError: no C compiler found); training without it"]
    assert speed.compile == "off"
    first, second = weights(run), weights(reference)
    for name in first:
        assert torch.equal(first[name], second[name]), name  # the failed step left no trace


def test_a_fast_step_asked_for_by_name_fails_in_one_line(data):
    from gan.speed import SpeedError

    run, speed = small_run(data)
    speed.compile = "on"

    def fails(indices, z):
        raise RuntimeError("CppCompileError: g++ not found")

    fails.compiled = True
    with pytest.raises(SpeedError, match="--compile on: torch.compile failed: CppCompileError: g\\+\\+ not found"):
        take_step(run, FallbackStep(run, fails, speed.step, speed, print))


def test_precision_auto_follows_the_hardware():
    cpu = torch.device("cpu")
    expected = "bf16" if (torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported()) else "fp32"
    assert resolve_precision("auto", cpu) == expected
    assert resolve_precision("fp32", cpu) == "fp32" and resolve_precision("bf16", cpu) == "bf16"


def test_the_device_line_names_device_precision_and_layout(data):
    _, speed = small_run(data, precision="bf16")
    line = speed.describe()
    assert line.startswith("device: cpu (") and "bf16" in line and "channels-last" in line
    assert isinstance(speed, Speed)


def test_cuda_without_a_gpu_is_a_one_line_error(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the error cannot happen here")  # CI has none
    result = run_python("train.py", "--device", "cuda", "--steps", "1", "--run-dir", tmp_path / "run")
    message = assert_one_line_error(result, 1)
    assert "--device cuda" in message
    assert not (tmp_path / "run").exists()
    result = run_python(
        "train.py", "--device", "cpu", "--cuda-graph", "on", "--steps", "1", "--run-dir", tmp_path / "g"
    )
    assert "--cuda-graph on needs a CUDA device" in assert_one_line_error(result, 1)
    assert not (tmp_path / "g").exists()


@pytest.mark.slow
def test_compile_on_without_a_compiler_fails_in_one_line_and_leaves_no_run_folder(tmp_path, data_dir):
    """What a slim image or a Windows laptop without a C compiler sees: one line, exit 1, nothing left behind."""
    bin_dir = tmp_path / "bin"  # python and nothing else on PATH: no gcc, no g++, no cc
    bin_dir.mkdir()
    os.symlink(shutil.which("python3") or os.sys.executable, bin_dir / "python3")
    environment = {
        **os.environ,
        "PATH": str(bin_dir),
        "CC": "",
        "CXX": "",
        "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "inductor"),  # a fresh cache: nothing compiled earlier helps
    }
    result = run_python(
        "train.py", "--device", "cpu", "--compile", "on", "--steps", "2", "--batch-size", "16",
        "--generator-width", "8", "--discriminator-width", "8", "--eval-samples", "0",
        "--run-dir", tmp_path / "run", "--data-dir", data_dir, env=environment, timeout=900,
    )  # fmt: skip
    message = assert_one_line_error(result, 1)
    assert "--compile on" in message and "torch.compile failed" in message
    assert "compiling the models" in result.stderr  # the wait was announced
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_the_gpu_runbook_records_every_step_even_where_they_fail(tmp_path, data_dir):
    """On a machine without CUDA each step fails fast, and the report still says what ran and how it ended."""
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: run the runbook itself")  # CI has none
    result = run_python("-m", "gan.gpu_check", "--out", tmp_path / "report", "--data-dir", data_dir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert {"versions", "tests", "bench_128_graph_on", "bench_512_graph_off", "bench_128_graph_on_compile_off"} <= set(
        report["steps"]
    )
    assert "--compile off" in report["steps"]["bench_128_graph_on_compile_off"]["command"]
    assert report["steps"]["versions"]["status"] == 0
    bench = report["steps"]["bench_128_graph_on"]
    assert bench["status"] == 1 and "--device cuda" in bench["tail"]
    assert "| bench_512_graph_off | failed |" in (tmp_path / "report" / "report.md").read_text()
    assert (tmp_path / "report" / "bench_128_graph_on.log").read_text().startswith("$ ")
    for part in ("train", "first_epochs", "first_epochs_compile_off"):  # each run tried, failed, scored nothing
        assert report["steps"][part]["status"] == 1 and "--device cuda" in report["steps"][part]["tail"], part
        assert report[part] == {"quick_fid_by_epoch": [], "anchor_beaten_at": None}, part
    assert "--compile off" in report["steps"]["first_epochs_compile_off"]["command"]
    assert report["steps"]["evaluate"]["status"] != 0 and report["evaluate"] is None  # there is no run.pt to score


def test_resumed_moments_take_the_weights_layout(data):
    """A run saved where weights are contiguous (CUDA) and resumed on the CPU, where they become channels-last,
    goes on exactly as if its Adam moments had been saved in the CPU's layout: fused Adam reads both in one order."""
    from gan.checkpoint import restore_run, run_checkpoint

    first, speed = small_run(data, classes=10)
    for _ in range(5):
        take_step(first, speed.step)
    saved = run_checkpoint(first, [first.noise.get_state()], [""])
    as_on_cuda = {
        **saved,
        **{
            name: {**saved[name], "state": {
                index: {key: value.contiguous() if key.startswith("exp_avg") else value for key, value in state.items()}
                for index, state in saved[name]["state"].items()
            }}
            for name in ("optimizer_g", "optimizer_d")
        },
    }  # fmt: skip
    assert any(
        not state["exp_avg"].is_contiguous() for state in saved["optimizer_d"]["state"].values()
    )  # the CPU's own save is channels-last, so the two saves differ in layout
    resumed = []
    for checkpoint in (saved, as_on_cuda):
        run, _ = small_run(data, classes=10)
        restore_run(run, copy.deepcopy(checkpoint))  # as loaded from a file: tensors of its own
        run_speed = setup_speed(run)
        for _ in range(5):
            take_step(run, run_speed.step)
        resumed.append(weights(run))
    for name in resumed[0]:
        assert torch.equal(resumed[0][name], resumed[1][name]), name


def test_the_runbook_keeps_a_timed_out_steps_text_and_reads_a_torn_metrics_file(tmp_path):
    import sys

    from gan.gpu_check import anchor_beaten, epoch_fids, markdown, run_step

    code = "import time; print('started', flush=True); time.sleep(30)"
    step = run_step("slow", [sys.executable, "-c", code], tmp_path, timeout=3)
    assert step["status"] == 124 and step["tail"].startswith("started\n") and "timed out after 3 s" in step["tail"]
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text(
        '{"step": 468, "seconds": 30.5}\n{"epoch_end": "epoch_001", "step": 468, "fid": 40.0, "seconds": 31.0}\n'
        '{"epoch_end": "epoch_002", "st'  # killed mid-write
    )
    assert epoch_fids(metrics) == [(1, 40.0, 31.0)]
    assert anchor_beaten(epoch_fids(metrics)) is None  # 40.0 is not below the anchor's 39.63
    fids = [(1, 40.0, 31.0), (2, 12.5, 36.0), (3, 9.0, 41.0)]
    report = {"started": "now", "steps": {"train": step}, "train": {"anchor_beaten_at": anchor_beaten(fids)},
              "first_epochs": {"anchor_beaten_at": None},
              "first_epochs_compile_off": {"anchor_beaten_at": anchor_beaten([(1, 30.0, 1.2)])}}  # fmt: skip
    assert report["train"]["anchor_beaten_at"] == {"epoch": 2, "seconds": 36.0}
    text = markdown(report)
    assert "beaten in the 50-epoch run at: {'epoch': 2, 'seconds': 36.0}" in text
    assert "not compiled (--compile off, still one CUDA graph): {'epoch': 1, 'seconds': 1.2}" in text


def test_a_failing_graph_of_a_compiled_step_names_both_and_honours_either_on(data):
    """The error of a captured compiled step can come from either layer: --compile on is not waved through."""
    from gan.speed import SpeedError

    run, speed = small_run(data)

    def fails(indices, z):
        raise RuntimeError("TritonMissing: no triton")

    fails.compiled = fails.graphed = True
    speed.compile, speed.cuda_graph = "on", "auto"
    with pytest.raises(SpeedError, match="--compile on: torch.compile or the CUDA graph failed: TritonMissing"):
        take_step(run, FallbackStep(run, fails, speed.step, speed, print))
    speed.compile = "auto"
    notes = []
    take_step(run, FallbackStep(run, fails, speed.step, speed, notes.append))
    assert notes == ["note: torch.compile or the CUDA graph failed (TritonMissing: no triton); training without it"]
