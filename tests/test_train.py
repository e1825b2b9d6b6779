"""The real train.py as a subprocess on the real data, a few steps at a time; and the pieces of its data order."""

import json
import math
import re
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import TRAIN_SMALL, assert_one_line_error, run_python, start_training
from PIL import Image

from gan.checkpoint import load_checkpoint, load_models
from gan.report import RunFolder, read_jsonl

SMALL = [
    "--device",
    "cpu",
    "--batch-size",
    "32",
    "--generator-width",
    "16",
    "--discriminator-width",
    "16",
    "--log-every",
    "5",
    "--eval-samples",
    "0",
]


def train(tmp_path, name, *extra, check=True):
    run_dir = tmp_path / name
    result = run_python(
        "train.py", *SMALL, "--run-dir", run_dir, "--export", tmp_path / f"{name}.pt", *extra, check=check
    )
    return run_dir, result


def test_short_run_writes_a_run_folder_and_a_game_checkpoint(tmp_path, data_dir):
    run_dir, result = train(tmp_path, "run", "--steps", "12")
    for name in (
        "checkpoint.pt",
        "best.pt",
        "losses.png",
        "timelapse.gif",
        "metrics.jsonl",
        "samples/real.png",
        "samples/step_0000012.png",
    ):
        assert (run_dir / name).is_file(), name
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [line["step"] for line in lines if "loss_d" in line] == [5, 10, 12]
    assert all(0 <= line["d_real"] <= 1 and line["images_per_second"] > 0 for line in lines if "loss_d" in line)
    generator, discriminator, checkpoint = load_models(tmp_path / "run.pt")
    assert checkpoint["kind"] == "game" and checkpoint["step"] == 12
    assert not any(key.startswith("optimizer") for key in checkpoint)
    assert {key: checkpoint["model_config"][key] for key in ("classes", "spectral_norm", "output")} == {
        "classes": 10,
        "spectral_norm": True,
        "output": "clamp",
    }  # the default recipe
    digits = generator(torch.randn(2, 100), torch.tensor([3, 7]))  # the default is class-conditional
    assert digits.shape == (2, 1, 28, 28) and discriminator(digits).shape == (2,)  # D judges the image alone
    grid = Image.open(run_dir / "samples" / "step_0000012.png")
    assert grid.width == 2 * (10 * 30 + 2)  # ten columns, one per digit (30-pixel cells, scaled 2x)
    assert re.search(r"done: 12 steps \(0\.\d\d epochs\) in \d+ s; run folder ", result.stderr)  # not "0 epochs"
    assert result.stderr.startswith("device: cpu (")  # the device line comes first


def test_the_old_unconditional_recipe_still_trains_and_plays(tmp_path, data_dir):
    _, result = train(tmp_path, "plain", "--steps", "4", "--classes", "0", "--no-spectral-norm", "--output", "tanh")
    generator, discriminator, checkpoint = load_models(tmp_path / "plain.pt")
    assert not {"classes", "spectral_norm", "output"} & set(checkpoint["model_config"])  # as older versions wrote
    assert generator(torch.randn(2, 100)).shape == (2, 1, 28, 28)


def test_resume_is_exact(tmp_path, data_dir):
    """Stopped after 6 steps and resumed to 14 gives the same weights as 14 steps straight."""
    straight, _ = train(tmp_path, "straight", "--steps", "14", "--seed", "3")
    stopped, _ = train(tmp_path, "stopped", "--steps", "6", "--seed", "3")
    run_python("train.py", "--resume", stopped, "--steps", "14", "--export", tmp_path / "resumed.pt", check=True)
    a, b = load_checkpoint(straight / "checkpoint.pt"), load_checkpoint(stopped / "checkpoint.pt")
    assert a["step"] == b["step"] == 14
    for key in ("generator", "generator_ema", "discriminator"):
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), (key, name)
    assert not torch.equal(
        a["generator"]["main.0.weight"], load_checkpoint(tmp_path / "stopped.pt")["generator"]["main.0.weight"]
    )


@pytest.mark.slow
def test_killed_run_resumes_from_its_last_good_checkpoint(tmp_path, data_dir):
    run_dir = tmp_path / "killed"
    process = start_training(run_dir, tmp_path / "k.pt", "--checkpoint-every", 5, wait_for="checkpoint.pt")
    try:
        time.sleep(1.0)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    # what a kill in the middle of a save leaves behind: a torn temporary file beside the good one
    (run_dir / ".checkpoint.pt.abc123.tmp").write_bytes(b"half a checkpo")
    saved_step = load_checkpoint(run_dir / "checkpoint.pt")["step"]
    assert saved_step >= 5 and saved_step % 5 == 0
    result = run_python("train.py", "--resume", run_dir, "--steps", saved_step + 3, check=True)
    assert f"resuming {run_dir}" in result.stderr
    assert load_checkpoint(run_dir / "checkpoint.pt")["step"] == saved_step + 3
    assert not list(run_dir.glob(".*.tmp"))
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    logged = [record["step"] for record in records if "loss_d" in record]  # the log steps
    assert logged == sorted(set(logged)) and logged[-1] == saved_step + 3  # what the kill lost is logged once


@pytest.mark.slow
def test_ctrl_c_saves_and_exits_cleanly(tmp_path, data_dir):
    run_dir = tmp_path / "interrupted"
    process = start_training(run_dir, tmp_path / "i.pt")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "resume with --resume" in stderr
    step = load_checkpoint(run_dir / "checkpoint.pt")["step"]
    assert step >= 2  # at least to the first log line
    load_models(tmp_path / "i.pt")  # the game can already play against it
    # a stop in the first epoch still leaves something to look at: where G got, as a grid and a timelapse
    assert (run_dir / "samples" / f"step_{step:07d}.png").is_file() and (run_dir / "timelapse.gif").is_file()


def test_the_timelapse_shows_the_grids_in_the_order_they_were_drawn(tmp_path):
    """A run stopped mid-epoch (step 117) and resumed: its step grid comes before the epochs that followed."""
    folder = RunFolder(tmp_path / "run", tensorboard=False)
    digits = np.zeros((10, 28, 28), np.uint8)
    for name, step in (("step_0000117", 117), ("epoch_001", 468), ("epoch_002", 936), ("step_0001000", 1000)):
        folder.save_grid(name, digits, 10)
        folder.record({"epoch_end": name, "step": step})
    folder.save_grid("epoch_003", digits, 10)  # a grid with no record (drawn after the last save) goes last
    frames = [path.stem for path in folder.timelapse_frames(read_jsonl(folder.metrics_path))]
    assert frames == ["step_0000117", "epoch_001", "epoch_002", "step_0001000", "epoch_003"]


@pytest.mark.parametrize(
    "flags",
    [
        ["--epochs", "0"],
        ["--batch-size", "many"],
        ["--bogus"],
        ["--device", "tpu"],
        ["--ema-decay", "1.5"],
        ["--steps", "-1"],
        ["--learning-rate-generator", "0"],
        ["--r1-gamma", "-1"],
        ["--r1-gamma", "nan"],
        ["--spectral-norm", "yes"],
    ],
)
def test_bad_flags_give_one_line_and_exit_2(flags):
    assert_one_line_error(run_python("train.py", *flags), status=2)


def test_spectral_norm_and_r1_train_resume_and_load(tmp_path, data_dir):
    """The two D regularizers of the ablation table: SN changes D's layers (so it travels in the
    model config and the game rebuilds it), R1 changes D's update; both resume exactly."""
    without_r1, _ = train(tmp_path, "without_r1", "--steps", "6", "--seed", "5", "--spectral-norm")
    straight, _ = train(tmp_path, "straight", "--steps", "6", "--seed", "5", "--spectral-norm", "--r1-gamma", "10")
    stopped, _ = train(tmp_path, "stopped", "--steps", "3", "--seed", "5", "--spectral-norm", "--r1-gamma", "10")
    run_python("train.py", "--resume", stopped, "--steps", "6", "--export", tmp_path / "resumed.pt", check=True)
    a, b, c = (load_checkpoint(run / "checkpoint.pt") for run in (straight, stopped, without_r1))
    for key in ("generator", "generator_ema", "discriminator"):
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), (key, name)
    assert not torch.equal(
        a["discriminator"]["main.0.parametrizations.weight.original"],
        c["discriminator"]["main.0.parametrizations.weight.original"],
    )  # R1 did something
    generator, discriminator, checkpoint = load_models(tmp_path / "straight.pt")
    assert checkpoint["model_config"]["spectral_norm"] is True
    for index in (0, 2, 4):
        layer = discriminator.main[index]
        raw = torch.linalg.matrix_norm(layer.parametrizations.weight.original.flatten(1), ord=2).item()
        used = torch.linalg.matrix_norm(layer.weight.flatten(1), ord=2).item()  # what D computes with
        assert raw < 0.9 and 0.98 < used < 1.05, (index, raw, used)  # N(0, 0.02) init is far below 1


def test_bad_resume_targets_give_one_line_errors(tmp_path, data_dir):
    assert "no such folder" in assert_one_line_error(run_python("train.py", "--resume", tmp_path / "nothing"), 1)
    (tmp_path / "empty").mkdir()
    assert "no checkpoint.pt" in assert_one_line_error(run_python("train.py", "--resume", tmp_path / "empty"), 1)
    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "checkpoint.pt").write_bytes(b"\0" * 100)
    assert "not a readable checkpoint" in assert_one_line_error(
        run_python("train.py", "--resume", tmp_path / "corrupt"), 1
    )


def test_resume_refuses_to_change_what_defines_the_run(tmp_path, data_dir):
    run_dir, _ = train(tmp_path, "fixed", "--steps", "2")
    message = assert_one_line_error(run_python("train.py", "--resume", run_dir, "--batch-size", "64"), 1)
    assert "--batch-size" in message
    message = assert_one_line_error(run_python("train.py", *SMALL, "--run-dir", run_dir, "--steps", "2"), 1)
    assert "already holds a run" in message


def test_a_run_from_before_the_conditional_default_resumes_as_the_model_it_was(tmp_path, data_dir):
    """Its config has no `classes` or `spectral_norm`: the saved model_config decides, not today's defaults."""
    run_dir, _ = train(tmp_path, "old", "--steps", "2", "--classes", "0", "--no-spectral-norm", "--output", "tanh")
    checkpoint = load_checkpoint(run_dir / "checkpoint.pt")
    for newer in ("classes", "spectral_norm", "output", "precision", "cuda_graph", "eval_every", "rare_draw"):
        del checkpoint["config"][newer]
    torch.save(checkpoint, run_dir / "checkpoint.pt")
    run_python("train.py", "--resume", run_dir, "--steps", "4", "--export", tmp_path / "old.pt", check=True)
    generator, _, exported = load_models(tmp_path / "old.pt")
    assert exported["step"] == 4 and not {"classes", "output"} & set(exported["model_config"])
    assert generator(torch.randn(1, 100)).shape == (1, 1, 28, 28)


def test_a_copied_run_folder_resumes_as_itself(tmp_path, data_dir):
    """A copy of a run folder, resumed, names the copy: its export must not send the game to the original."""
    original, _ = train(tmp_path, "original", "--steps", "2")
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    run_python("train.py", "--resume", copy, "--steps", "4", "--export", tmp_path / "copy.pt", check=True)
    assert load_checkpoint(copy / "checkpoint.pt")["config"]["run_dir"] == str(copy)
    assert load_models(tmp_path / "copy.pt")[2]["train_config"]["run_dir"] == str(copy)  # what the game's card follows
    assert load_checkpoint(original / "checkpoint.pt")["step"] == 2  # the original is left as it was


def test_a_run_without_run_dir_records_the_folder_it_chose(tmp_path, monkeypatch):
    """The game's opponent card finds a run's timelapse through train_config["run_dir"]."""
    from gan.run import TrainConfig
    from gan.train import prepare_run

    monkeypatch.chdir(tmp_path)
    run_dir, checkpoint, config = prepare_run(TrainConfig(), set())
    assert checkpoint is None and run_dir.parent == Path("runs") and config.run_dir == str(run_dir)


@pytest.mark.slow
def test_a_resumed_finished_run_exports_its_last_figures(tmp_path, data_dir):
    """Resuming a run that has nothing left to train re-exports it: with the last epoch's FID, not without."""
    run_dir = tmp_path / "run"
    flags = ["--device", "cpu", "--batch-size", "512", "--generator-width", "8", "--discriminator-width", "8",
             "--eval-samples", "100", "--epochs", "1"]  # fmt: skip
    run_python("train.py", *flags, "--run-dir", run_dir, "--export", tmp_path / "first.pt", check=True)
    result = run_python("train.py", "--resume", run_dir, "--export", tmp_path / "again.pt", check=True)
    assert f"nothing to train: {run_dir} is at step 117" in result.stderr  # one epoch: 60,000 // 512 steps
    assert "resuming" not in result.stderr  # not "at epoch 2": there is none
    first, again = (load_checkpoint(tmp_path / name)["metrics"] for name in ("first.pt", "again.pt"))
    assert math.isfinite(first["fid"]) and again == first


def test_a_stop_before_the_first_step_leaves_nothing_behind(tmp_path, data_dir):
    """Ctrl-C while MNIST loads (a fetch can take a while): no run folder, and no untrained opponent in weights/."""
    code = (
        "import os, signal, sys\n"
        "import gan.train as train\n"
        "load = train.load_split\n"
        "def interrupted(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return load(*args, **kwargs)\n"
        "train.load_split = interrupted\n"
        "sys.exit(train.main(sys.argv[1:]))\n"
    )
    run_dir, export = tmp_path / "run", tmp_path / "g.pt"
    result = run_python("-c", code, *TRAIN_SMALL, "--steps", "5", "--run-dir", run_dir, "--export", export)
    assert result.returncode == 130 and "Traceback" not in result.stderr
    assert "stopped (Ctrl-C) before the first step; nothing was saved" in result.stderr
    assert not run_dir.exists() and not export.exists()


def test_a_run_that_diverges_before_any_save_says_so_and_leaves_no_folder(tmp_path, data_dir):
    code = (
        "import sys\n"
        "import gan.train as train\n"
        "step = train.take_step\n"
        "def diverging(run, fast):\n"
        "    loss_d, *rest = step(run, fast)\n"
        "    return (loss_d * float('nan'), *rest)\n"
        "train.take_step = diverging\n"
        "sys.exit(train.main(sys.argv[1:]))\n"
    )
    run_dir = tmp_path / "run"
    result = run_python("-c", code, *TRAIN_SMALL, "--steps", "20", "--run-dir", run_dir, "--export", tmp_path / "g.pt")
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "training diverged at step 2 (non-finite loss); nothing was saved" in result.stderr
    assert not run_dir.exists()


def test_a_run_dir_of_other_files_is_refused_before_anything_is_written(tmp_path, data_dir):
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    result = run_python("train.py", *TRAIN_SMALL, "--steps", "2", "--run-dir", home, "--export", tmp_path / "g.pt")
    message = assert_one_line_error(result, 1)
    assert "already holds other files (notes.txt, ...)" in message
    assert sorted(entry.name for entry in home.iterdir()) == ["notes.txt"] and not (tmp_path / "g.pt").exists()


@pytest.mark.slow
def test_a_stop_on_an_epochs_last_step_still_writes_that_epochs_files(tmp_path, data_dir):
    code = (
        "import os, signal, sys\n"
        "import gan.train as train\n"
        "step = train.take_step\n"
        "def stepping(run, fast):\n"
        "    outputs = step(run, fast)\n"
        "    if run.step_in_epoch == 0:\n"
        "        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C exactly as the first epoch ends\n"
        "    return outputs\n"
        "train.take_step = stepping\n"
        "sys.exit(train.main(sys.argv[1:]))\n"
    )
    run_dir = tmp_path / "run"
    flags = ["--device", "cpu", "--batch-size", "512", "--generator-width", "8", "--discriminator-width", "8",
             "--eval-samples", "100", "--log-every", "2", "--epochs", "3"]  # fmt: skip
    result = run_python("-c", code, *flags, "--run-dir", run_dir, "--export", tmp_path / "g.pt")
    assert result.returncode == 130 and "Traceback" not in result.stderr
    assert (run_dir / "samples" / "epoch_001.png").exists()
    ends = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if "epoch_end" in line]
    assert [end["epoch_end"] for end in ends] == ["epoch_001"] and math.isfinite(ends[0]["fid"])
    saved = load_checkpoint(run_dir / "checkpoint.pt")
    assert saved["epoch"] == 1 and saved["step_in_epoch"] == 0 and saved["metrics"]["fid"] == ends[0]["fid"]


# ----------------------------------------------------------------------------- --rare-draw


def test_rare_draw_odds_favour_sparse_digits_within_a_cap():
    from gan.run import RARE_DRAW_CAP, draw_odds, epoch_order

    radii = torch.tensor([1.0, 1.0, 1.0, 2.0, 100.0])
    odds = draw_odds(radii, 1.0)
    assert odds.tolist() == [1.0, 1.0, 1.0, 2.0, RARE_DRAW_CAP]  # the median digit 1, an outlier capped
    assert torch.equal(draw_odds(radii, 0.5)[:4], torch.tensor([1.0, 1.0, 1.0, 2.0**0.5]))
    counts = torch.bincount(epoch_order(7, 3, 60_000, draw_odds(torch.tensor([1.0] * 9 + [5.0]), 1.0)), minlength=10)
    assert counts.sum() == 60_000 and 4.5 < counts[9] / counts[:9].float().mean() < 5.5  # drawn in proportion
    assert torch.equal(epoch_order(7, 3, 100, odds.repeat(20)), epoch_order(7, 3, 100, odds.repeat(20).clone()))
    assert not torch.equal(epoch_order(7, 3, 100, odds.repeat(20)), epoch_order(7, 4, 100, odds.repeat(20)))
    assert sorted(epoch_order(7, 3, 100).tolist()) == list(range(100))  # no odds: each digit once an epoch


def test_rare_draw_radii_are_saved_so_a_resumed_run_draws_the_same_digits(tmp_path, data_dir):
    from gan.checkpoint import restore_run, run_checkpoint, save_checkpoint
    from gan.data import load_split
    from gan.run import TrainConfig, build_run

    images, labels = load_split(data_dir, "train", log=lambda message: None)
    images, labels = images[:640], labels[:640]
    config = TrainConfig(device="cpu", batch_size=32, generator_width=8, discriminator_width=8, rare_draw=1.0)
    run = build_run(config, torch.device("cpu"), images, labels)
    run.radii = torch.rand(640, generator=torch.Generator().manual_seed(0)) + 0.5
    run.step_in_epoch = 5
    save_checkpoint(run_checkpoint(run, [run.noise.get_state()], ["-"]), tmp_path / "checkpoint.pt")
    resumed = build_run(config, torch.device("cpu"), images, labels)
    restore_run(resumed, load_checkpoint(tmp_path / "checkpoint.pt"), tmp_path / "checkpoint.pt")
    assert torch.equal(resumed.radii, run.radii)
    assert torch.equal(resumed.next_inputs()[0], run.next_inputs()[0])
    assert len(set(run.order.flatten().tolist())) < 600  # drawn with replacement, not each digit once


def test_rare_draw_radii_single_out_the_odd_digit(data_dir):
    """The radius is how far a digit's 3rd-nearest neighbour is: an odd one among near-copies lies far out."""
    from gan.data import load_split
    from gan.train import training_radii

    images, labels = load_split(data_dir, "test", log=lambda message: None)
    ones, eight = images[labels == 1][:40].copy(), images[labels == 8][0]
    radii = training_radii(np.concatenate([ones, eight[None]]), log=lambda message: None)
    assert radii.shape == (41,) and (radii > 0).all()
    assert radii.argmax() == 40
