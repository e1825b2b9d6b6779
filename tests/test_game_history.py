"""history.jsonl: written atomically, read back, and recovered (never lost) when damaged."""

import json

from game import history


def record(correct: int, opponent: str = "easy") -> dict:
    return {
        "version": 1,
        "opponent": opponent,
        "checkpoint": f"weights/{opponent}.pt",
        "seed": correct,
        "n_rounds": 10,
        "player_correct": correct,
        "d_correct": 5,
        "rounds": [{"is_real": True, "answer_real": True, "d_prob_real": 0.5, "ms": 900, "index": 3}],
    }


def test_real_or_fake_home_moves_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("REAL_OR_FAKE_HOME", str(tmp_path / "somewhere"))
    assert history.history_path() == tmp_path / "somewhere" / "history.jsonl"


def test_default_location_is_the_user_data_folder(monkeypatch):
    monkeypatch.delenv("REAL_OR_FAKE_HOME", raising=False)
    assert history.history_path().parent.name == "real-or-fake"


def test_games_are_appended_and_read_back(tmp_path):
    path = tmp_path / "home" / "history.jsonl"
    assert history.read_history(path) == ([], [])
    assert history.append_game(record(6), path) == []
    assert history.append_game(record(8), path) == []
    records, notices = history.read_history(path)
    assert notices == [] and [r["player_correct"] for r in records] == [6, 8]
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1]) == record(8)
    assert sorted(p.name for p in path.parent.iterdir()) == ["history.jsonl"]  # no temp file left behind


def test_a_damaged_file_is_kept_aside_and_its_good_lines_saved(tmp_path):
    path = tmp_path / "history.jsonl"
    damaged = json.dumps(record(6)) + '\n{"opponent": "easy", "play\n' + json.dumps(record(7)) + "\n"
    path.write_text(damaged)
    records, notices = history.read_history(path)
    assert [r["player_correct"] for r in records] == [6, 7]
    assert len(notices) == 1 and "line 2" in notices[0] and "kept it as history.jsonl.corrupt-" in notices[0]
    [aside] = list(tmp_path.glob("history.jsonl.corrupt-*"))
    assert aside.read_text() == damaged  # nothing the player did is thrown away
    assert history.read_history(path) == (records, [])  # the new file is clean
    assert history.append_game(record(9), path) == []
    assert [r["player_correct"] for r in history.read_history(path)[0]] == [6, 7, 9]


def test_a_file_that_is_not_text_is_recovered_too(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    records, notices = history.read_history(path)
    assert records == [] and "not UTF-8" in notices[0]
    assert history.append_game(record(5), path) == []
    assert len(history.read_history(path)[0]) == 1


def test_a_file_without_a_final_newline_gets_one(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(record(4)))
    history.append_game(record(5), path)
    assert [r["player_correct"] for r in history.read_history(path)[0]] == [4, 5]


def test_an_unwritable_place_gives_a_notice_not_a_crash(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    notices = history.append_game(record(5), blocker / "history.jsonl")
    assert len(notices) == 1 and "could not save" in notices[0]
