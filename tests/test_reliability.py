"""Hostile input to the trainer and the tools: one line and a non-zero exit, never a traceback, a hang,
a blown memory budget, lost data, or a write through something that is not a regular file.

Each family of the reliability issue has a test here: damaged run checkpoints, extreme flag
values, non-regular targets, signals. Device nodes and pipes are made in temporary folders,
never taken from the system.
"""

import os
import signal
import stat
import time

import pytest
import torch
from conftest import TRAIN_SMALL, assert_one_line_error, run_python, start_training

from gan.checkpoint import load_checkpoint, load_models
from gan.files import atomic_write_bytes

SMALL = TRAIN_SMALL


@pytest.fixture(scope="module")
def run_checkpoint_file(tmp_path_factory, data_dir):
    """A real run checkpoint of a few steps, to damage in copies."""
    folder = tmp_path_factory.mktemp("run")
    run_python("train.py", *SMALL, "--steps", "3", "--run-dir", folder / "run", "--export", folder / "g.pt", check=True)
    return folder / "run" / "checkpoint.pt"


def damaged(checkpoint: dict, damage: str) -> dict:
    checkpoint = dict(checkpoint)
    if damage == "no config":
        del checkpoint["config"]
    elif damage == "no optimizer_g":
        del checkpoint["optimizer_g"]
    elif damage == "unknown config key":
        checkpoint["config"] = {**checkpoint["config"], "flux_capacitor": 1}
    elif damage == "size mismatch":
        checkpoint["generator"] = {**checkpoint["generator"], "main.3.weight": torch.zeros(3, 3)}
    elif damage == "negative step":
        checkpoint["step"] = -5
    elif damage == "step as text":
        checkpoint["step"] = "seven"
    elif damage == "no noise states":
        checkpoint["noise_rng_states"] = []
    elif damage == "past the epoch's end":
        checkpoint["step_in_epoch"] = 10**9
    elif damage == "huge width":
        checkpoint["model_config"] = {**checkpoint["model_config"], "discriminator_width": 5000}
        checkpoint["config"] = {**checkpoint["config"], "discriminator_width": 5000}
    elif damage == "config out of range":
        checkpoint["config"] = {**checkpoint["config"], "batch_size": -3}
    elif damage == "optimizer of another model":
        checkpoint["optimizer_g"] = checkpoint["optimizer_d"]
    elif damage == "kind game":
        checkpoint["kind"] = "game"
    return checkpoint


DAMAGES = [
    "no config", "no optimizer_g", "unknown config key", "size mismatch", "negative step", "step as text",
    "no noise states", "past the epoch's end", "huge width", "config out of range", "optimizer of another model",
    "kind game",
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_run_checkpoint_is_refused_in_one_line(run_checkpoint_file, tmp_path, damage):
    folder = tmp_path / "damaged"
    folder.mkdir()
    torch.save(damaged(load_checkpoint(run_checkpoint_file), damage), folder / "checkpoint.pt")
    before = (folder / "checkpoint.pt").read_bytes()
    message = assert_one_line_error(run_python("train.py", "--resume", folder, "--export", tmp_path / "x.pt"), 1)
    assert str(folder) in message
    assert (folder / "checkpoint.pt").read_bytes() == before  # nothing lost: the file is as it was
    assert not (tmp_path / "x.pt").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["train.py", "--latent-dim", "1000000000"],
        ["train.py", "--generator-width", str(10**23)],
        ["train.py", "--discriminator-width", "5000"],
        ["train.py", "--eval-samples", "1000000000"],
        ["train.py", "--batch-size", str(10**23)],
        ["train.py", "--seed", "-1"],
        ["train.py", "--r1-gamma", "inf"],
        ["train.py", "--learning-rate-generator", "nan"],
        ["-m", "gan.bench", "--rounds", str(10**20)],
        ["-m", "gan.bench", "--seconds", "1e300"],
        ["-m", "gan.evaluate", "weights/hard.pt", "--n", "2"],
        ["-m", "gan.sample", "weights/hard.pt", "--n", str(10**23)],
        ["-m", "gan.classifier", "--limit", "1"],
        ["-m", "gan.classifier", "--width", "100000"],
    ],
)
def test_extreme_values_are_refused_before_anything_is_allocated(command):
    started = time.monotonic()
    message = assert_one_line_error(run_python(*command, timeout=60), 2)
    flag = next(part for part in command if part.startswith("--"))
    assert flag in message
    assert time.monotonic() - started < 60  # no hang: refused at parse time


@pytest.mark.parametrize("command", ["evaluate", "sample", "bench", "classifier", "train"])
def test_a_path_too_long_for_the_file_system_is_one_line(tmp_path, command):
    long = str(tmp_path / ("x" * 5000))
    arguments = {
        "evaluate": ["-m", "gan.evaluate", long],
        "sample": ["-m", "gan.sample", "weights/hard.pt", "--out", long + ".png"],
        "bench": ["-m", "gan.bench", "--data-dir", long, "--device", "cpu"],
        "classifier": ["-m", "gan.classifier", "--out", long + ".pt"],
        "train": ["train.py", *SMALL, "--steps", "1", "--export", long + ".pt"],
    }[command]
    message = assert_one_line_error(run_python(*arguments, timeout=120), 1)
    assert "name too long" in message.lower() and len(message) < 300


def make_device_node(path) -> bool:
    """A character device like /dev/null, but in a temporary folder; needs root (CI has it)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return True
    except PermissionError:
        return False


def test_atomic_writes_refuse_a_fifo_a_folder_and_a_device_node(tmp_path):
    fifo, folder, device = tmp_path / "fifo", tmp_path / "folder", tmp_path / "null"
    os.mkfifo(fifo)
    folder.mkdir()
    targets = [fifo, folder] + ([device] if make_device_node(device) else [])
    for target in targets:
        with pytest.raises(OSError, match="refusing to replace it"):
            atomic_write_bytes(b"data", target)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and folder.is_dir()
    if device in targets:
        assert stat.S_ISCHR(os.stat(device).st_mode)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]  # no temporary left behind


def test_train_refuses_a_non_regular_export_before_training(tmp_path, data_dir):
    device = tmp_path / "null"
    target = device if make_device_node(device) else tmp_path / "fifo"
    if target.name == "fifo":
        os.mkfifo(target)
    result = run_python("train.py", *SMALL, "--steps", "2", "--run-dir", tmp_path / "run", "--export", target)
    message = assert_one_line_error(result, 1)
    assert str(target) in message and "not a regular file" in message
    assert not stat.S_ISREG(os.stat(target).st_mode)  # still the device (or pipe) it was
    assert not (tmp_path / "run").exists()  # refused before any training


def test_an_export_into_a_missing_folder_says_so_at_the_start_and_makes_it(tmp_path, data_dir):
    export = tmp_path / "weigths" / "mine.pt"  # a typo of weights/: the game would not find it there
    result = run_python("train.py", *SMALL, "--steps", "1", "--run-dir", tmp_path / "run", "--export", export)
    assert result.returncode == 0, result.stderr
    first = result.stderr.index(f"its folder {export.parent} does not exist yet")
    assert first < result.stderr.index("device:")  # before the training, where it can still be stopped
    assert export.is_file()


def test_outputs_that_cannot_be_written_fail_before_the_work(tmp_path):
    """An export after a training run, a scores file after minutes of scoring: a place that cannot take the
    file (here a path under a regular file; a read-only folder alike) is found at the start, in one line."""
    (tmp_path / "file").write_text("mine")
    export = tmp_path / "file" / "g.pt"
    result = run_python("train.py", *SMALL, "--steps", "2", "--run-dir", tmp_path / "run", "--export", export)
    assert str(export) in assert_one_line_error(result, 1)
    assert not (tmp_path / "run").exists()  # refused before the run folder was made
    (tmp_path / "scores.json").write_text("[1, 2]")
    for record, words in [(tmp_path / "file" / "s.json", str(tmp_path / "file" / "s.json")),
                          (tmp_path, "exists and is a folder"),
                          (tmp_path / "scores.json", "not a readable scores file")]:  # fmt: skip
        # with no classifier, any scoring would fail on that instead: the record is checked before it
        flags = ("--json", "--record", record, "--classifier", tmp_path / "no-classifier.pt")
        result = run_python("-m", "gan.evaluate", "weights/easy.pt", *flags, timeout=120)
        assert words in assert_one_line_error(result, 1) and "classifier" not in result.stderr
    assert (tmp_path / "file").read_text() == "mine" and (tmp_path / "scores.json").read_text() == "[1, 2]"
    fresh = tmp_path / "new" / "sub" / "g.pt"  # folders not made yet are fine: the check tries the one above
    run_python("train.py", *SMALL, "--steps", "2", "--run-dir", tmp_path / "run", "--export", fresh, check=True)
    assert fresh.is_file() and not [name for name in os.listdir(tmp_path) if name.endswith(".probe")]


def test_a_failed_write_names_the_file_asked_for_not_the_temporary_one(tmp_path, monkeypatch):
    import errno
    import tempfile

    from gan.files import check_writable_target

    def read_only(*args, dir=None, prefix="", suffix="", **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", os.path.join(dir, f"{prefix}abc{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    target = tmp_path / "out" / "g.pt"
    for write in (lambda: atomic_write_bytes(b"data", target), lambda: check_writable_target(target)):
        with pytest.raises(OSError) as raised:
            write()
        assert raised.value.filename == str(target) and raised.value.strerror == "Read-only file system"
        assert raised.value.errno == errno.EROFS


def test_sample_never_writes_into_a_folder_of_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    for out in ("/", str(tmp_path)):
        message = assert_one_line_error(run_python("-m", "gan.sample", "weights/hard.pt", "--out", out, "--n", "2"), 1)
        assert "already holds other files" in message
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]
    assert not os.path.exists("/digit_000000_seed_0.png")
    fresh = tmp_path / "digits"
    run_python("-m", "gan.sample", "weights/hard.pt", "--out", fresh, "--n", "2", check=True)
    run_python("-m", "gan.sample", "weights/hard.pt", "--out", fresh, "--n", "2", check=True)  # its own files: fine
    assert sorted(os.listdir(fresh)) == ["digit_000000_seed_0.png", "digit_000001_seed_1.png"]


@pytest.mark.slow
def test_two_quick_ctrl_c_still_save_and_export_without_a_traceback(tmp_path, data_dir):
    run_dir = tmp_path / "twice"
    process = start_training(run_dir, tmp_path / "twice.pt")
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert "stopped (Ctrl-C)" in stderr and "already stopping" in stderr
    assert load_checkpoint(run_dir / "checkpoint.pt")["step"] >= 2
    load_models(tmp_path / "twice.pt")  # exported


@pytest.mark.slow
@pytest.mark.parametrize("number, name", [(signal.SIGHUP, "SIGHUP"), (signal.SIGTERM, "SIGTERM")])
def test_a_closed_terminal_or_sigterm_saves_like_ctrl_c_and_names_the_signal(tmp_path, data_dir, number, name):
    run_dir = tmp_path / name.lower()
    process = start_training(run_dir, tmp_path / f"{name.lower()}.pt")
    process.send_signal(number)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert f"stopped ({name}); resume with --resume" in stderr and "Traceback" not in stderr
    step = load_checkpoint(run_dir / "checkpoint.pt")["step"]
    result = run_python("train.py", "--resume", run_dir, "--steps", step + 2, check=True)
    assert f"resuming {run_dir}" in result.stderr
