"""`python -m game` from the outside: bad flags and bad checkpoints end with one line, never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_game(*flags, tmp_path, timeout=60):
    environment = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "REAL_OR_FAKE_HOME": str(tmp_path / "home"),
    }
    return subprocess.run(
        [sys.executable, "-m", "game", *flags],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--rounds", "7"], "--rounds must be an even number"),
        (["--rounds", "0"], "--rounds must be an even number"),
        (["--rounds", "1000"], "--rounds must be an even number"),
        (["--rounds", "ten"], "invalid int value"),
        (["--seed", "-5"], "--seed must be 0 or more"),
        (["--difficulty", "hard"], "unrecognized arguments"),
        (["--weights"], "expected one argument"),
    ],
)
def test_bad_flags_exit_2_with_one_line(tmp_path, flags, words):
    result = run_game(*flags, tmp_path=tmp_path)
    assert result.returncode == 2
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(
    sys.platform != "linux", reason="SDL falls back to drawing nowhere only where X11 or Wayland is missing"
)
def test_no_display_is_one_line_and_exit_1_not_an_invisible_game(tmp_path):
    """Over SSH or on a server SDL quietly draws into memory; the game must say so rather than run unseen."""
    environment = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    environment |= {"SDL_AUDIODRIVER": "dummy", "REAL_OR_FAKE_HOME": str(tmp_path / "home")}
    environment.pop("SDL_VIDEODRIVER", None)
    result = subprocess.run(
        [sys.executable, "-m", "game"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: no display")]
    assert len(errors) == 1 and "xvfb-run" in errors[0]


def test_help_lists_every_flag(tmp_path):
    result = run_game("--help", tmp_path=tmp_path)
    assert result.returncode == 0
    for flag in ("--weights", "--rounds", "--seed", "--fullscreen", "--no-reveal", "--detector"):
        assert flag in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    "content, words", [(None, "no such file"), (b"not a checkpoint at all", "not a readable checkpoint")]
)
def test_a_named_checkpoint_that_cannot_be_played_exits_1(tmp_path, content, words):
    path = tmp_path / "opponent.pt"
    if content is not None:
        path.write_bytes(content)
    result = run_game("--weights", str(path), tmp_path=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and words in errors[0] and "opponent.pt" in errors[0]


@pytest.mark.slow
def test_the_performance_script_reports_every_figure(tmp_path):
    environment = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    save_tiny = (
        "from pathlib import Path; import sys; sys.path.insert(0, 'tests'); "
        "from test_game_bridge import save_tiny_checkpoint; "
        f"save_tiny_checkpoint(Path({str(tmp_path / 'tiny.pt')!r}))"
    )
    subprocess.run([sys.executable, "-c", save_tiny], cwd=ROOT, check=True, timeout=60)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "game.measure",
            "--weights",
            str(tmp_path / "tiny.pt"),
            "--rounds",
            "4",
            "--launches",
            "1",
            "--json",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert 0 < figures["first_frame_s"]["median"] < figures["ready_s"]
    for name in ("answer_to_next_digit", "answer_to_reveal", "continue_to_next_digit"):
        assert figures[name]["n"] >= 3 and figures[name]["max_ms"] > 0
    assert figures["rss_mb"]["first_frame"] < figures["rss_mb"]["ready"] <= figures["rss_mb"]["peak"]


def test_no_audio_device_means_silence_not_an_error(tmp_path):
    code = (
        "import os; os.environ['SDL_AUDIODRIVER'] = 'no-such-driver'; "
        "from game.sound import Sounds; s = Sounds(); s.start(); s.play('right'); s.close(); "
        "print('enabled' if s.enabled else 'silent')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "silent", result.stderr
    assert "Traceback" not in result.stderr and "ALSA" not in result.stderr


def test_sounds_are_synthesized_short_and_within_range():
    from game.sound import NOTES, synthesize

    for name, notes in NOTES.items():
        wave = synthesize(notes, 44100)
        assert 0.04 < len(wave) / 44100 < 0.6, name
        assert 0.3 < abs(wave).max() <= 1.0 and abs(wave[-10:]).max() < 0.05, name  # fades out: no click at the end
