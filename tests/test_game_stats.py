"""`python -m game.stats` on synthetic histories whose answers are known: the right figures, pooled, kept apart."""

import json
import os

import pytest
from conftest import run_python

from game.records import record_of
from game.rounds import Answer, Drawing, Pair, PlayedGame, Round


def game(fakes_called_real: int, reals_called_fake: int, ms: int, measurement=True, finished=True, name="easy") -> dict:
    """A 10-digit game, reals at even positions, with exactly these mistakes."""
    rounds, answers = [], []
    wrong_fakes, wrong_reals = fakes_called_real, reals_called_fake
    for i in range(10):
        is_real = i % 2 == 0
        if is_real:
            said_real, wrong_reals = (wrong_reals <= 0), wrong_reals - 1
        else:
            said_real, wrong_fakes = (wrong_fakes > 0), wrong_fakes - 1
        rounds.append(Round(None, is_real, 0.6, test_index=i if is_real else None, noise_seed=None if is_real else i))
        answers.append(Answer(said_real, ms))
    kept = 10 if finished else 4
    played = PlayedGame(
        rounds=tuple(rounds[:kept]),
        answers=tuple(answers[:kept]),
        n_rounds=10,
        opponent_name=name,
        checkpoint=f"weights/{name}.pt",
        checkpoint_sha256=("aa" if name == "easy" else "bb") * 32,
        seed=ms,
        measurement=measurement,
        finished=finished,
        time="2026-11-29T05:00:00+00:00",
    )
    return record_of(played)


def write(path, *records, extra: str = ""):
    path.write_text("".join(json.dumps(record) + "\n" for record in records) + extra)
    return path


def test_pooled_histories_give_the_known_figures(tmp_path):
    first = write(tmp_path / "a.jsonl", game(2, 1, 1000), game(0, 1, 1000))
    second = write(
        tmp_path / "b.jsonl",
        game(5, 0, 3000),
        game(5, 5, 500, measurement=False),  # practice: a table of its own
        game(5, 5, 500, finished=False),  # left early: out of every table
        game(1, 1, 2000, name="hard"),
        extra='{"damaged": \n',
    )
    before = (first.read_bytes(), second.read_bytes())
    result = run_python("-m", "game.stats", "--history", first, "--history", second, "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "skipped 1 line" in result.stderr and "b.jsonl" in result.stderr
    assert (first.read_bytes(), second.read_bytes()) == before  # the tool only reads
    figures = json.loads(result.stdout)
    easy, hard = figures["measurement"]
    assert (easy["generator"], easy["games"], easy["digits"]) == ("Easy", 3, 30)
    assert easy["fakes_called_real"]["value"] == 7 / 15  # 2 + 0 + 5 of 15 fakes
    assert easy["reals_called_fake"]["value"] == 2 / 15  # 1 + 1 + 0 of 15 reals
    assert easy["hype_infinity"]["value"] == (7 / 15 + 2 / 15) / 2
    assert easy["accuracy"]["value"] == 21 / 30
    assert easy["median_answer_s"] == 1.0  # 20 answers at 1 s, 10 at 3 s
    for key in ("accuracy", "fakes_called_real", "reals_called_fake", "hype_infinity"):
        assert easy[key]["low"] <= easy[key]["value"] <= easy[key]["high"]
    assert easy["fakes_called_real"]["low"] < easy["fakes_called_real"]["high"]  # the games differ: a real interval
    assert (hard["games"], hard["hype_infinity"]["value"]) == (1, 0.2)
    assert hard["hype_infinity"]["low"] is hard["hype_infinity"]["high"] is None  # one game: no interval to give
    [practice] = figures["practice"]
    assert (practice["games"], practice["hype_infinity"]["value"]) == (1, 1.0)

    table = run_python("-m", "game.stats", "--history", first, "--history", second, timeout=120)
    assert table.returncode == 0, table.stderr
    assert "Easy (aaaaaaaa)" in table.stdout and " 46.7% " in table.stdout and " 30.0% " in table.stdout
    assert "1.00 s" in table.stdout and "Practice games" in table.stdout
    assert " 20.0% [1 game]" in table.stdout  # hard's HYPE from its one game, without a made-up interval


def test_the_plot_is_written(tmp_path):
    history = write(tmp_path / "h.jsonl", game(2, 1, 1000), game(1, 1, 1200, name="hard"))
    out = tmp_path / "reports" / "report.png"  # a folder not made yet: made, as train.py makes its outputs'
    result = run_python("-m", "game.stats", "--history", history, "--out", out, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000
    out = tmp_path / "report.svg"  # the kind follows the name
    assert run_python("-m", "game.stats", "--history", history, "--out", out, timeout=120).returncode == 0
    assert b"<svg" in out.read_bytes()[:1000]


def test_no_history_yet_and_no_measurement_game_end_cleanly(tmp_path):
    home = {**os.environ, "REAL_OR_FAKE_HOME": str(tmp_path / "home")}  # the player's own history, not played yet
    result = run_python("-m", "game.stats", env=home, timeout=120)
    assert result.returncode == 0 and "(none)" in result.stdout and "no games yet" in result.stderr
    assert "Traceback" not in result.stderr and "warning" not in result.stderr
    empty = write(tmp_path / "empty.jsonl")
    result = run_python("-m", "game.stats", "--history", empty, "--out", tmp_path / "r.png", timeout=120)
    assert result.returncode == 1 and "no finished measurement game" in result.stderr


@pytest.mark.parametrize(
    "make, words", [("missing", "no such file"), ("folder", "not a regular file"), ("fifo", "not a regular file")]
)
def test_a_named_history_that_cannot_be_read_stops_a_pooled_report(tmp_path, make, words):
    """One mistyped path among a class's files would silently drop that player: it is an error, before any work."""
    path = tmp_path / "player.jsonl"
    if make == "folder":
        path.mkdir()
    elif make == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        os.mkfifo(path)
    readable = write(tmp_path / "other.jsonl", game(2, 1, 1000))
    result = run_python("-m", "game.stats", "--history", readable, "--history", path, timeout=60)
    assert result.returncode == 1 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: --history {path}: {words}"


def test_a_file_with_no_game_record_is_an_error_and_one_bad_line_a_warning(tmp_path):
    checkpoint = tmp_path / "hard.pt"  # a checkpoint given as --history by mistake: binary, many "lines"
    checkpoint.write_bytes(bytes(range(256)) * 40)
    result = run_python("-m", "game.stats", "--history", checkpoint, timeout=60)
    assert result.returncode == 1 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {checkpoint}: not one of its ") and "history file?" in result.stderr
    damaged = write(tmp_path / "h.jsonl", game(2, 1, 1000))
    with damaged.open("a") as file:
        file.write("{not json\n")
    result = run_python("-m", "game.stats", "--history", damaged, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("1 game in 1 file;")
    assert f"warning: {damaged}: skipped 1 line that is not a sensible record" in result.stderr


def test_a_plot_of_a_kind_it_cannot_write_is_refused_before_any_work(tmp_path):
    history = write(tmp_path / "h.jsonl", game(2, 1, 1000))
    result = run_python("-m", "game.stats", "--history", history, "--out", tmp_path / "report.txt", timeout=60)
    assert result.returncode == 1 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: --out must end in one of ") and ".png" in result.stderr
    assert result.stderr.strip().endswith(f"got {tmp_path / 'report.txt'}")
    (tmp_path / "folder.png").mkdir()
    result = run_python("-m", "game.stats", "--history", history, "--out", tmp_path / "folder.png", timeout=60)
    assert result.returncode == 1 and result.stdout == "" and "exists and is a folder" in result.stderr


def glimpse_game(right_from_ms: int, name="easy") -> dict:
    """A 40-digit glimpse game by a scripted player who is right exactly at exposures of `right_from_ms` or more."""
    from game.glimpse import replay

    corrects = []
    for _ in range(40):
        corrects.append(replay(corrects).exposure_ms >= right_from_ms)
    levels = replay(corrects).levels
    from game.glimpse import LEVELS_MS

    rounds, answers = [], []
    for i, (level, right) in enumerate(zip(levels, corrects)):
        is_real = i % 2 == 0
        rounds.append(Round(None, is_real, 0.6, test_index=i if is_real else None, noise_seed=None if is_real else i))
        exposure = LEVELS_MS[level]
        answers.append(Answer(is_real == right, 900, exposure_ms=exposure, shown_ms=exposure + 3))
    return record_of(
        PlayedGame(
            tuple(rounds),
            tuple(answers),
            40,
            name,
            f"weights/{name}.pt",
            "aa" * 32,
            right_from_ms,
            True,
            True,
            "2026-11-29T05:00:00+00:00",
            game="glimpse",
        )
    )


def pairs_game(wrong: int, measurement=True) -> dict:
    rounds, answers = [], []
    for i in range(10):
        real = Round(None, True, 0.7, test_index=i)
        fake = Round(None, False, 0.4, noise_seed=i)
        rounds.append(Pair(real, fake, real_left=i % 2 == 0))
        answers.append(Answer(None, 700, pick_left=(i % 2 == 0) != (i < wrong)))
    return record_of(
        PlayedGame(
            tuple(rounds),
            tuple(answers),
            10,
            "hard",
            "weights/hard.pt",
            "bb" * 32,
            wrong,
            measurement,
            True,
            "2026-11-29T05:00:00+00:00",
            game="pairs",
        )
    )


def drawing_session(probabilities) -> dict:
    import numpy as np

    drawings = tuple(Drawing(np.zeros((28, 28), np.uint8), p, 7, 0.9) for p in probabilities)
    answers = tuple(Answer(None, 3000) for _ in probabilities)
    return record_of(
        PlayedGame(
            drawings,
            answers,
            len(drawings),
            "hard",
            "weights/hard.pt",
            "bb" * 32,
            0,
            False,
            True,
            "2026-11-29T05:00:00+00:00",
            game="draw",
        )
    )


def test_each_way_to_play_has_its_own_figures(tmp_path):
    history = write(
        tmp_path / "h.jsonl",
        game(2, 1, 1000),
        glimpse_game(250),
        glimpse_game(400),
        pairs_game(2),
        pairs_game(4),
        pairs_game(0, measurement=False),
        drawing_session([0.8, 0.3, 0.6]),
    )
    result = run_python("-m", "game.stats", "--history", history, "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    [single] = figures["measurement"]
    assert single["games"] == 1  # the other ways to play are not mixed into the single-digit figures
    [glimpse] = figures["glimpse"]["measurement"]
    threshold = glimpse["threshold_ms"]
    assert glimpse["games"] == 2 and 200 <= threshold["value"] <= 400  # between the two players' thresholds
    assert threshold["low"] <= threshold["value"] <= threshold["high"]
    [pairs] = figures["pairs"]["measurement"]
    assert pairs["games"] == 2 and pairs["accuracy"]["value"] == 14 / 20
    assert pairs["hype_infinity"]["value"] == pytest.approx(6 / 20)  # the share of wrong picks
    assert figures["pairs"]["practice"][0]["accuracy"]["value"] == 1.0
    [drawn] = figures["draw"]
    assert (drawn["drawings"], drawn["fooled_d"]) == (3, 2)
    table = run_python("-m", "game.stats", "--history", history, timeout=120)
    assert "Glimpse measurement games" in table.stdout and "Pairs measurement games" in table.stdout
    assert "Drawings for D" in table.stdout and " ms [" in table.stdout
