"""Hostile inputs to the game (issue 15): each ends in a notice or a one-line error and the game going on.

Families: odd things in weights/ (a FIFO, a folder, a device behind a symlink, a file name that is not
UTF-8, random bytes), checkpoints whose labels cannot be printed (an epoch of 5,000 digits, a FID too
large for a float), NaN weights in D, and a 200 MB history. Every FIFO and folder is made in a tmp
folder; nothing here writes outside one.
"""

import json
import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from test_game_bridge import save_tiny_checkpoint  # noqa: E402

from game.__main__ import PlayConfig, build  # noqa: E402
from game.bridge import Bridge  # noqa: E402
from game.digits import load_test_digits  # noqa: E402
from game.opponents import check_weights, find_opponents  # noqa: E402
from game.records import parse, played_from  # noqa: E402
from game.state import Screen  # noqa: E402
from gan.checkpoint import save_checkpoint  # noqa: E402

POSIX = hasattr(os, "mkfifo")


@pytest.fixture(scope="module")
def digits():
    return load_test_digits()


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging (a FIFO opened for reading blocks until a writer comes)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def hung(*_):
        raise TimeoutError(f"still running after {seconds} s: something blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def started_on_the_title(folder: Path, tmp_path: Path, digits):
    """The real game loop, started on its title with the generators in `folder`."""
    loop = build(
        PlayConfig(seed=1),
        history_file=tmp_path / "h.jsonl",
        opponent_folders=[folder],
        make_bridge=lambda: Bridge(digits),
    )
    loop.start()
    return loop


def odd_weights(folder: Path) -> Path:
    folder.mkdir()
    save_tiny_checkpoint(folder / "easy.pt")
    (folder / "random.pt").write_bytes(os.urandom(4096))
    (folder / "folder.pt").mkdir()
    if POSIX:
        os.mkfifo(folder / "fifo.pt")
        os.symlink("/dev/zero", folder / "device.pt")  # a character device, behind a link: never opened
        save_tiny_checkpoint(Path(os.fsdecode(os.fsencode(str(folder)) + b"/caf\xe9.pt")), seed=3)
    return folder


def test_odd_files_in_weights_are_skipped_with_a_notice_and_never_opened(tmp_path, digits):
    folder = odd_weights(tmp_path / "weights")
    with deadline(20):
        opponents, notices = find_opponents([folder])
    names = sorted(o.name for o in opponents)
    assert names == (["caf\udce9", "easy"] if POSIX else ["easy"])
    text = "\n".join(notices)
    assert "random.pt: not a readable checkpoint" in text and "folder.pt: not a regular file" in text
    if POSIX:
        assert "fifo.pt: not a regular file" in text and "device.pt: not a regular file" in text
    with deadline(30):  # the whole game, title drawn with those names and notices
        loop = started_on_the_title(folder, tmp_path, digits)
        try:
            for _ in range(3):
                loop.frame()
            assert loop.game.screen == Screen.TITLE and len(loop.game.notices) == len(notices)
        finally:
            loop.close()


@pytest.mark.skipif(not POSIX, reason="FIFOs are POSIX")
@pytest.mark.parametrize("kind", ["fifo", "folder", "random", "missing"])
def test_a_named_odd_file_fails_at_once_without_hanging(tmp_path, kind):
    path = tmp_path / "opponent.pt"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "random":
        path.write_bytes(os.urandom(1000))
    with deadline(10):
        message = check_weights(str(path))
    expected = {
        "fifo": "not a regular file",
        "folder": "not a regular file",
        "random": "not a readable checkpoint (File is not a zip file)",
        "missing": "no such file",
    }[kind]
    assert message == f"{path}: {expected}"


def test_a_mistyped_weights_name_points_to_the_file_in_weights(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save_tiny_checkpoint(tmp_path / "weights" / "mine.pt")
    for typed in ("mine", "mine.pt"):  # as on the title, and as a file name without its folder
        assert check_weights(typed) == f"{typed}: no such file; did you mean weights/mine.pt?"
    assert check_weights("theirs.pt") == "theirs.pt: no such file"  # nothing like it: no guess


def test_labels_too_large_to_print_do_not_crash_the_title(tmp_path, digits):
    folder = tmp_path / "weights"
    path = save_tiny_checkpoint(folder / "huge.pt")
    content = torch.load(path, weights_only=True)
    content["epoch"] = 10**5000  # str() of it raises in Python 3.11
    content["metrics"] = {"fid": 10**400}  # float() of it raises OverflowError
    save_checkpoint(content, path)
    nan = save_tiny_checkpoint(folder / "nan.pt", seed=2)
    content = torch.load(nan, weights_only=True)
    content["metrics"] = {"fid": float("nan")}
    save_checkpoint(content, nan)
    opponents, notices = find_opponents([folder])
    assert notices == [] and {o.name: (o.epoch, o.fid) for o in opponents} == {"huge": (None, None), "nan": (4, None)}
    loop = started_on_the_title(folder, tmp_path, digits)
    try:
        loop.frame()
        assert loop.game.screen == Screen.TITLE
    finally:
        loop.close()


def nan_discriminator_checkpoint(path: Path) -> Path:
    save_tiny_checkpoint(path)
    content = torch.load(path, weights_only=True)
    for name, tensor in content["discriminator"].items():
        if tensor.is_floating_point():
            content["discriminator"][name] = torch.full_like(tensor, float("nan"))
    save_checkpoint(content, path)
    return path


def test_nan_weights_in_d_mean_no_answer_never_a_crash_or_a_nan_in_the_history(tmp_path, digits):
    path = nan_discriminator_checkpoint(tmp_path / "weights" / "broken-d.pt")
    history_file = tmp_path / "home" / "history.jsonl"
    loop = build(
        PlayConfig(weights=str(path), rounds=2, seed=4), history_file=history_file, make_bridge=lambda: Bridge(digits)
    )
    loop.start()
    try:
        game = loop.game
        deadline_at = time.monotonic() + 60
        while game.round is None:
            assert time.monotonic() < deadline_at and game.screen != Screen.FAILED, game.failure
            loop.frame(20)
        assert all(round_.d_prob_real is None for round_ in game.rounds)
        for _ in range(2):
            time.sleep(0.2)  # look at the digit: presses before the minimum time do not count
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_r, mod=0, unicode="r", scancode=0))
            loop.frame()
            assert game.screen == Screen.REVEAL  # drawn: "D gave no answer"
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode=" ", scancode=0))
            loop.frame()
        assert game.screen == Screen.SUMMARY and game.score.d_unanswered == 2 and game.score.d_correct == 0
        while game.outbox:
            loop.frame(20)
    finally:
        loop.close()
    line = history_file.read_text()
    assert "NaN" not in line and json.loads(line)["rounds"][0]["d_prob_real"] is None
    assert played_from(parse(line)).score.d_unanswered == 2  # and it reads back


@pytest.mark.slow
def test_a_200_mb_history_starts_in_under_a_second_and_never_freezes_a_frame(tmp_path, digits):
    from game.measure import write_history

    history_file = tmp_path / "home" / "history.jsonl"
    history_file.parent.mkdir()
    write_history(history_file, 200)
    assert history_file.stat().st_size >= 200 << 20
    weights = tmp_path / "weights"
    save_tiny_checkpoint(weights / "easy.pt")
    started = time.monotonic()
    loop = build(
        PlayConfig(seed=1, rounds=2, reveal=False),
        history_file=history_file,
        opponent_folders=[weights],
        make_bridge=lambda: Bridge(digits),
    )
    loop.start()
    first_frame = time.monotonic() - started
    try:
        assert first_frame < 1.0, f"first frame after {first_frame:.2f} s"
        game, slowest = loop.game, 0.0
        while not game.ready:
            loop.frame(5)
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="", scancode=0))
        loop.frame()
        while game.screen != Screen.SUMMARY:  # a game played and finished while the history is still being read
            time.sleep(0.2)
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_f, mod=0, unicode="f", scancode=0))
            before = time.monotonic()
            loop.frame()
            slowest = max(slowest, time.monotonic() - before)
        before = time.monotonic()
        for _ in range(5):
            loop.frame()
        slowest = max(slowest, (time.monotonic() - before) / 5)
        assert slowest < 0.25, f"a frame took {slowest:.2f} s"
        while game.outbox:  # saved once the reading is done: appended, not rewritten
            loop.frame(20)
        assert game.records_loaded and len(game.records) > 150_000
    finally:
        loop.close()
    assert history_file.stat().st_size < (200 << 20) + (1 << 20) + 10_000


def test_the_recorder_stops_a_long_read_at_once_on_quit(tmp_path):
    from game.measure import write_history
    from game.recorder import Recorder

    path = tmp_path / "history.jsonl"
    write_history(path, 20)
    recorder = Recorder(path).start()
    time.sleep(0.05)
    stopped = time.monotonic()
    recorder.stop()
    assert time.monotonic() - stopped < 5.0 and not any(t.name == "history" for t in threading.enumerate())
