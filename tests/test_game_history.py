"""history.jsonl: appended under a lock, read back checked, damaged lines set aside alone, never lost."""

import json
import multiprocessing
import os
import sys
from pathlib import Path

import pytest

from game import history
from game.records import HISTORY_VERSION, line_of, parse, played_from, record_of, summary_of
from game.rounds import Answer, Pair, PlayedGame, Round


def record(correct: int, opponent: str = "easy", rounds: int = 10, seed: int | None = None) -> dict:
    """A sensible record of a finished practice game with `correct` right answers."""
    played = PlayedGame(
        rounds=tuple(
            Round(None, i % 2 == 0, 0.25, test_index=i if i % 2 == 0 else None, noise_seed=None if i % 2 == 0 else i)
            for i in range(rounds)
        ),
        answers=tuple(Answer(answer_real=(i % 2 == 0) == (i < correct), ms=900 + i) for i in range(rounds)),
        n_rounds=rounds,
        opponent_name=opponent,
        checkpoint=f"weights/{opponent}.pt",
        checkpoint_sha256="ab" * 32,
        seed=correct if seed is None else seed,
        measurement=False,
        finished=True,
        time="2026-11-29T05:00:00+00:00",
    )
    return record_of(played)


def test_a_summary_keeps_the_real_digits_its_game_showed():
    """The test indices of the reals answered: a single-digit game's, and the real one of each pair."""
    assert summary_of(record(6), 0).real_indices == [0, 2, 4, 6, 8]
    pairs = PlayedGame(
        rounds=tuple(
            Pair(Round(None, True, 0.5, test_index=9000 + i), Round(None, False, 0.5, noise_seed=i), i % 2 == 0)
            for i in range(3)
        ),
        answers=tuple(Answer(None, 900, pick_left=True) for _ in range(3)),
        n_rounds=3,
        opponent_name="easy",
        checkpoint="weights/easy.pt",
        checkpoint_sha256="ab" * 32,
        seed=1,
        measurement=False,
        finished=True,
        time="2026-11-29T05:00:00+00:00",
        game="pairs",
    )
    assert summary_of(record_of(pairs), 0).real_indices == [9000, 9001, 9002]


def corrected(correct_record: dict, **changes) -> str:
    """The record's line with fields replaced by raw JSON text (to write what json.dumps never would)."""
    text = json.dumps(correct_record)
    for key, raw in changes.items():
        value = json.dumps(correct_record[key])
        text = text.replace(f'"{key}": {value}', f'"{key}": {raw}', 1)
    return text


def test_real_or_fake_home_moves_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("REAL_OR_FAKE_HOME", str(tmp_path / "somewhere"))
    assert history.history_path() == tmp_path / "somewhere" / "history.jsonl"


def test_default_location_is_the_user_data_folder(monkeypatch):
    monkeypatch.delenv("REAL_OR_FAKE_HOME", raising=False)
    assert history.history_path().parent.name == "real-or-fake"


def test_games_are_appended_and_read_back(tmp_path):
    path = tmp_path / "home" / "history.jsonl"
    assert history.read_history(path) == ([], [])
    first, notices = history.append_game(record(6), path)
    assert notices == [] and first.player_correct == 6 and first.offset == 0
    second, _ = history.append_game(record(8), path)
    summaries, notices = history.read_history(path)
    assert notices == [] and [s.player_correct for s in summaries] == [6, 8] and summaries[1] == second
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1]) == record(8)
    assert json.loads(lines[1])["version"] == HISTORY_VERSION
    assert sorted(p.name for p in path.parent.iterdir()) == ["history.jsonl"]  # no temp file left behind
    assert played_from(parse(history.read_line(path, second.offset))).score.player_correct == 8


def test_a_damaged_line_is_set_aside_alone_and_the_good_lines_stay_where_they_were(tmp_path):
    path = tmp_path / "history.jsonl"
    good = [json.dumps(record(n)) for n in (6, 7, 8)]
    damaged_line = '{"opponent": "easy", "play'
    original = f"{good[0]}\n{damaged_line}\n{good[1]}\n{good[2]}\n"
    path.write_text(original)
    summaries, notices = history.read_history(path)
    assert [s.player_correct for s in summaries] == [6, 7, 8]
    assert len(notices) == 1 and "1 damaged line" in notices[0] and "history.jsonl.set-aside" in notices[0]
    assert "other 3 games kept" in notices[0]
    assert (tmp_path / "history.jsonl.set-aside").read_text() == damaged_line + "\n"  # nothing thrown away
    text = path.read_text()
    assert len(text) == len(original) and text.splitlines()[1].strip() == ""  # blanked in place, same length
    assert [line for line in text.splitlines() if line.strip()] == good  # every good line kept, in place
    assert history.read_history(path) == (summaries, [])  # the next start is quiet
    history.append_game(record(9), path)
    assert [s.player_correct for s in history.read_history(path)[0]] == [6, 7, 8, 9]


def test_a_damaged_last_line_costs_only_itself(tmp_path):
    """A torn write at the end (a crash, a full disk) must never take the good records with it."""
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(record(n % 10, seed=n)) + "\n" for n in range(1500)) + '{"version": 2, "ti')
    summaries, notices = history.read_history(path)
    assert len(summaries) == 1500 and notices == []  # a last line without its newline may be a write in progress
    summary, notices = history.append_game(record(3), path)
    assert notices == []
    summaries, notices = history.read_history(path)
    assert len(summaries) == 1501 and summaries[-1] == summary
    assert len(notices) == 1 and "1 damaged line" in notices[0] and "other 1501 games kept" in notices[0]


@pytest.mark.parametrize(
    "changes, why",
    [
        ({"player_correct": "99"}, "player_correct"),
        ({"player_correct": "Infinity"}, "not a number JSON allows"),
        ({"player_correct": "1e400"}, "too large"),
        ({"seed": "NaN"}, "not a number JSON allows"),
        ({"n_rounds": "1e400"}, "too large"),
        ({"n_rounds": "1000"}, "n_rounds"),
        ({"version": "0"}, "version"),
        ({"rounds": "[]"}, "rounds do not fit"),
        ({"mode": '"cheating"'}, "mode"),
    ],
)
def test_nonsense_records_are_set_aside_with_a_notice_and_the_rest_kept(tmp_path, changes, why):
    path = tmp_path / "history.jsonl"
    bad = corrected(record(5), **changes)
    path.write_text(json.dumps(record(6)) + "\n" + bad + "\n" + json.dumps(record(7)) + "\n")
    summaries, notices = history.read_history(path)
    assert [s.player_correct for s in summaries] == [6, 7]
    assert len(notices) == 1 and why in notices[0]
    assert (tmp_path / "history.jsonl.set-aside").read_text() == bad + "\n"


def test_a_record_from_a_newer_version_is_left_alone(tmp_path):
    path = tmp_path / "history.jsonl"
    newer = dict(record(5), version=HISTORY_VERSION + 1)
    path.write_text(json.dumps(record(6)) + "\n" + json.dumps(newer) + "\n")
    summaries, notices = history.read_history(path)
    assert len(summaries) == 1 and "newer version" in notices[0]
    assert json.dumps(newer) in path.read_text() and not (tmp_path / "history.jsonl.set-aside").exists()


def test_version_1_records_still_read(tmp_path):
    path = tmp_path / "history.jsonl"
    old = record(6)
    old["version"], old["mode"] = 1, "feedback"
    del old["finished"], old["judge"]
    for entry in old["rounds"]:
        entry["index"] = entry.pop("test_index", None) or entry.pop("noise_seed", 0)
    path.write_text(json.dumps(old) + "\n")
    [summary], notices = history.read_history(path)
    assert notices == [] and summary.player_correct == 6 and summary.finished


def test_a_file_that_is_not_text_is_recovered_too(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    records, notices = history.read_history(path)
    assert records == [] and "1 damaged line" in notices[0]
    assert history.append_game(record(5), path)[1] == []
    assert len(history.read_history(path)[0]) == 1


def test_a_file_without_a_final_newline_gets_one(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(record(4)))
    history.append_game(record(5), path)
    assert [s.player_correct for s in history.read_history(path)[0]] == [4, 5]


def test_an_unwritable_place_gives_a_notice_not_a_crash(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    summary, notices = history.append_game(record(5), blocker / "history.jsonl")
    assert summary is None and len(notices) == 1 and "could not save" in notices[0]


def test_a_write_that_fails_half_way_leaves_no_half_line(tmp_path, monkeypatch):
    path = tmp_path / "history.jsonl"
    history.append_game(record(4), path)
    before = path.read_bytes()
    real_write = os.write

    def disk_full_after_ten_bytes(descriptor, data):
        real_write(descriptor, bytes(data[:10]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(history.os, "write", disk_full_after_ten_bytes)
    summary, notices = history.append_game(record(5), path)
    assert summary is None and "No space left on device" in notices[0] and str(path) in notices[0]
    assert path.read_bytes() == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_never_through_a_fifo_a_folder_or_a_device(tmp_path):
    fifo = tmp_path / "fifo" / "history.jsonl"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    folder = tmp_path / "folder" / "history.jsonl"
    folder.mkdir(parents=True)
    for path in (fifo, folder):
        summary, notices = history.append_game(record(5), path)  # a FIFO with no reader would hang an open()
        assert summary is None and "not a regular file" in notices[0]
        summaries, notices = history.read_history(path)
        assert summaries == [] and "not a regular file" in notices[0]
    assert history.write_preferences({"muted": True}, folder) and history.read_preferences(fifo) == {}
    assert fifo.is_fifo() and folder.is_dir()


def append_many(path: str, worker: int, count: int) -> None:
    for number in range(count):
        _, notices = history.append_game(record(number % 10, seed=worker * 1000 + number), Path(path))
        assert not notices, notices


@pytest.mark.skipif(sys.platform == "win32", reason="fork start method")
def test_games_finished_at_the_same_moment_by_several_processes_are_all_kept(tmp_path):
    path = tmp_path / "history.jsonl"
    history.append_game(record(1, seed=999_999), path)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=append_many, args=(str(path), worker, 25)) for worker in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    summaries, notices = history.read_history(path)
    assert notices == [] and len(summaries) == 1 + 6 * 25
    assert sorted(s.seed for s in summaries) == sorted([999_999] + [w * 1000 + n for w in range(6) for n in range(25)])


def test_a_line_is_ascii_json_even_for_a_file_name_that_is_not_utf8(tmp_path):
    played = played_from(record(5))
    odd = record_of(type(played)(**{**played.__dict__, "checkpoint": "weights/\udcff.pt"}))
    path = tmp_path / "history.jsonl"
    summary, notices = history.append_game(odd, path)
    assert notices == [] and summary.checkpoint == "weights/\udcff.pt"
    assert line_of(odd).isascii()


def wait_for(recorder, kind, seconds: float = 20.0):
    """The next event of `kind` from the recorder; the others taken meanwhile are kept for later calls."""
    import time

    waiting = recorder.__dict__.setdefault("test_events", [])
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        waiting += recorder.take()
        for event in waiting:
            if isinstance(event, kind):
                waiting.remove(event)
                return event
        time.sleep(0.01)
    raise AssertionError(f"no {kind.__name__} from the recorder; got {waiting}")


def test_the_recorder_loads_saves_and_reads_a_past_game_back_off_the_loop(tmp_path):
    from game.events import HistoryLoaded, RecordOpened, Saved, StatsReady
    from game.recorder import Recorder

    path = tmp_path / "history.jsonl"
    history.append_game(record(6), path)
    recorder = Recorder(path).start()
    try:
        loaded = wait_for(recorder, HistoryLoaded)
        assert [s.player_correct for s in loaded.records] == [6] and loaded.notices == ()
        assert loaded.shown_reals == {0, 2, 4, 6, 8}  # the real digits that game showed, for the next games to avoid
        measured = dict(record(8), mode="measurement")
        recorder.save(measured)
        saved = wait_for(recorder, Saved)
        assert saved.record is measured and saved.summary.player_correct == 8 and saved.notices == ()
        stats = wait_for(recorder, StatsReady)
        if not stats.stats:  # the one worked out after the load, before the save
            stats = wait_for(recorder, StatsReady)
        assert stats.stats[0].games == 1  # one finished measurement game
        recorder.open(saved.summary)
        opened = wait_for(recorder, RecordOpened)
        assert opened.played.score.player_correct == 8 and opened.message == ""
        text = path.read_text()  # another program rewrites the file under the game's feet
        path.write_text(text.replace('"seed":8', '"seed":9'))
        recorder.open(saved.summary)
        assert "changed" in wait_for(recorder, RecordOpened).message
        recorder.remember({"muted": True})
    finally:
        recorder.stop()
    assert history.read_preferences(tmp_path / "preferences.json") == {"muted": True}


def test_the_recorder_hashes_the_opponents_after_the_load_and_never_opens_a_fifo(tmp_path):
    """Bests belong to exact weights: the title learns each opponent file's SHA-256 from this thread."""
    import hashlib

    from game.events import HistoryLoaded, OpponentsIdentified, Saved
    from game.recorder import Recorder

    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "easy.pt").write_bytes(b"easy weights")
    (weights / "mine.pt").write_bytes(b"x" * (3 << 20))  # several of the 1 MB blocks a real file has
    if hasattr(os, "mkfifo"):
        os.mkfifo(weights / "pipe.pt")  # opening it to read would block until a writer came
    paths = tuple(str(weights / name) for name in ("easy.pt", "pipe.pt", "gone.pt", "mine.pt"))
    recorder = Recorder(tmp_path / "history.jsonl", opponents=paths).start()
    try:
        wait_for(recorder, HistoryLoaded)
        found = [wait_for(recorder, OpponentsIdentified).digests for _ in range(2)]  # one event per file read
        recorder.save(record(7))  # the thread goes on to its next job
        assert wait_for(recorder, Saved).summary.player_correct == 7
    finally:
        recorder.stop()
    expected = [((path, hashlib.sha256(Path(path).read_bytes()).hexdigest()),) for path in (paths[0], paths[3])]
    assert found == expected  # the FIFO and the missing file left out, in the asked order


def test_a_failing_history_job_does_not_stop_the_saves_behind_it(tmp_path, capsys):
    """A bug in one job (here the hashing) would end the thread, and every game after it would go unsaved."""
    from game.events import HistoryLoaded, Saved
    from game.recorder import Recorder

    class Broken(Recorder):
        def _identify(self, checkpoints):
            raise RuntimeError("no hashing today")

    path = tmp_path / "history.jsonl"
    recorder = Broken(path, opponents=("weights/easy.pt",)).start()
    try:
        wait_for(recorder, HistoryLoaded)
        recorder.save(record(6))
        assert wait_for(recorder, Saved).summary.player_correct == 6
    finally:
        recorder.stop()
    assert "the history thread's identify failed: no hashing today" in capsys.readouterr().err
    assert len(path.read_text().splitlines()) == 1
