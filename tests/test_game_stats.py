"""`python -m game.stats` on synthetic histories whose answers are known: the right figures, pooled, kept apart."""

import json
import os

from conftest import run_python

from game.records import record_of
from game.rounds import Answer, PlayedGame, Round


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
    assert hard["hype_infinity"]["low"] == hard["hype_infinity"]["high"] == 0.2  # one game: nothing to resample
    [practice] = figures["practice"]
    assert (practice["games"], practice["hype_infinity"]["value"]) == (1, 1.0)

    table = run_python("-m", "game.stats", "--history", first, "--history", second, timeout=120)
    assert table.returncode == 0, table.stderr
    assert "Easy (aaaaaaaa)" in table.stdout and " 46.7% " in table.stdout and " 30.0% " in table.stdout
    assert "1.00 s" in table.stdout and "Practice games" in table.stdout


def test_the_plot_is_written(tmp_path):
    history = write(tmp_path / "h.jsonl", game(2, 1, 1000), game(1, 1, 1200, name="hard"))
    out = tmp_path / "report.png"
    result = run_python("-m", "game.stats", "--history", history, "--out", out, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000


def test_no_file_and_no_measurement_game_end_cleanly(tmp_path):
    result = run_python("-m", "game.stats", "--history", tmp_path / "missing.jsonl", timeout=120)
    assert result.returncode == 0 and "(none)" in result.stdout and "Traceback" not in result.stderr
    result = run_python("-m", "game.stats", "--history", tmp_path / "missing.jsonl", "--out", tmp_path / "r.png")
    assert result.returncode == 1 and "no finished measurement game" in result.stderr
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.jsonl")
        result = run_python("-m", "game.stats", "--history", tmp_path / "pipe.jsonl", timeout=60)
        assert result.returncode == 0 and "not a regular file" in result.stderr
