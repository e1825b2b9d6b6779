"""The game's rules driven by events alone: no window, no torch."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from game.events import (
    Action,
    DigitShown,
    HistoryLoaded,
    ImagesReady,
    OpenDigit,
    OpponentsIdentified,
    Prepared,
    PrepareFailed,
    RecordOpened,
    SelectOpponent,
    SelectRounds,
    WindowClosed,
)
from game.keys import help_lines
from game.records import played_from, summary_of
from game.scoring import best_key, best_scores, score, wilson_interval
from game.state import MIN_ANSWER_MS, Game, GameRequest, GameSetup, Opponent, Overlay, Round, Screen, Settings

ROOT = Path(__file__).resolve().parent.parent
OPPONENTS = [
    Opponent("weights/easy.pt", "easy", "easy", epoch=3),
    Opponent("weights/hard.pt", "hard", "hard"),
    Opponent("weights/mine.pt", "mine"),
]
EASY_SHA256 = "ab" * 32  # the weights the setups of rounds_for say were loaded (the tests play easy.pt)


def rounds_for(request: GameRequest, truths=None, probabilities=None, sha256=EASY_SHA256) -> GameSetup:
    """A setup as the bridge would make it; images are stand-ins (the rules never look at pixels)."""
    n = request.rounds
    truths = truths or [i % 2 == 0 for i in range(n)]
    probabilities = probabilities or [0.9 if i % 3 else 0.1 for i in range(n)]
    rounds = tuple(
        Round(
            image=bytes([i]) * 784,
            is_real=truths[i],
            d_prob_real=probabilities[i],
            test_index=100 + i if truths[i] else None,
            noise_seed=None if truths[i] else 100 + i,
            label=i % 10 if truths[i] else None,
        )
        for i in range(n)
    )
    return GameSetup(
        request=request,
        rounds=rounds,
        opponent_name=Path(request.checkpoint).stem,
        checkpoint_sha256=sha256,
        epoch=3,
    )


def answer(game: Game, action: Action, seconds: float = 0.3) -> None:
    """As the loop does it: the first frame shows the digit, the player looks, then answers."""
    game.handle(DigitShown())
    game.update(seconds)
    game.handle(action)


def started(settings=None, **setup) -> Game:
    game = Game(opponents=list(OPPONENTS), settings=settings or Settings(rounds=10, seed=5))
    game.handle(Action.START)
    assert game.screen == Screen.LOADING
    game.handle(Prepared(rounds_for(game.wanted, **setup)))
    assert game.screen == Screen.ROUND and game.overlay is None
    return game


def test_a_whole_game_in_practice_mode_scores_and_records():
    truths = [True, False] * 5
    probabilities = [0.8, 0.3, 0.4, 0.6, 0.9, 0.1, 0.7, 0.2, 0.3, 0.9]  # D right on 6 of 10
    game = started(truths=truths, probabilities=probabilities)
    answers = [True, True, True, False, False, False, True, False, True, True]  # right on 7 of 10
    for number, said_real in enumerate(answers):
        assert game.screen == Screen.ROUND and game.overlay is None and game.current == number
        game.handle(DigitShown())
        game.update(0.25 + number / 10)
        game.handle(Action.REAL if said_real else Action.FAKE)
        assert game.screen == Screen.REVEAL
        assert game.score.answered == number + 1
        game.handle(Action.CONTINUE)
    assert game.screen == Screen.SUMMARY
    result = game.score
    assert (result.player_correct, result.d_correct, result.answered) == (7, 6, 10)
    assert (result.fakes_called_real, result.fakes) == (2, 5)  # rounds 1 and 9 are fakes answered real
    assert (result.reals_called_fake, result.reals) == (1, 5)  # round 4
    assert result.hype_infinity == pytest.approx((2 / 5 + 1 / 5) / 2)
    assert result.player_interval == pytest.approx(wilson_interval(7, 10))

    [record] = game.outbox
    json.dumps(record)  # a history line must be plain JSON
    assert record["checkpoint"] == "weights/easy.pt" and record["opponent"] == "easy" and record["seed"] == 5
    assert record["mode"] == "feedback" and record["n_rounds"] == 10
    assert (record["player_correct"], record["d_correct"]) == (7, 6)
    assert [r["is_real"] for r in record["rounds"]] == truths
    assert [r["answer_real"] for r in record["rounds"]] == answers
    assert [r["d_prob_real"] for r in record["rounds"]] == probabilities
    assert [r.get("test_index", r.get("noise_seed")) for r in record["rounds"]] == list(range(100, 110))
    assert [("test_index" in r) for r in record["rounds"]] == truths  # each number named for what it is
    assert [r["ms"] for r in record["rounds"]] == [250 + 100 * n for n in range(10)]


def test_measurement_mode_skips_the_reveal_and_hides_the_running_score():
    game = started(Settings(rounds=4, seed=1, measurement=True))
    assert not game.show_running_score
    for _ in range(4):
        answer(game, Action.FAKE)
        assert game.screen in (Screen.ROUND, Screen.SUMMARY)
    assert game.screen == Screen.SUMMARY
    assert game.outbox[0]["mode"] == "measurement"


def test_help_pauses_the_answer_clock_and_returns_to_the_same_phase():
    game = started()
    game.handle(DigitShown())
    game.update(1.0)
    game.handle(Action.HELP)
    assert game.overlay == Overlay.HELP and game.screen == Screen.ROUND
    game.update(30.0)  # reading the help is not thinking time
    game.handle(Action.REAL)  # ignored under the help
    assert game.answers == []
    game.handle(Action.BACK)
    assert game.screen == Screen.ROUND and game.overlay is None
    game.update(0.5)
    game.handle(Action.REAL)
    assert game.answers[0].ms == 1500


def test_rounds_that_arrive_under_the_help_start_when_it_closes():
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=10, seed=2))
    game.handle(Action.START)
    game.handle(Action.HELP)
    game.handle(Prepared(rounds_for(game.wanted)))
    assert game.overlay == Overlay.HELP and game.screen == Screen.LOADING
    game.handle(Action.HELP)
    assert game.screen == Screen.ROUND and game.overlay is None
    game.handle(Action.BACK)
    game.handle(Action.START)
    game.handle(Action.HELP)
    game.handle(PrepareFailed(game.wanted, "weights/easy.pt: gone"))
    game.handle(Action.BACK)
    assert game.screen == Screen.TITLE and "gone" in game.failures["weights/easy.pt"]


def test_escape_before_any_answer_goes_back_to_the_title_without_a_record_and_with_fresh_digits():
    game = started(Settings(rounds=10))
    first_seed = game.setup.request.seed
    game.handle(Action.BACK)
    assert game.screen == Screen.TITLE and game.outbox == [] and game.setup is None
    assert game.wanted.seed != first_seed  # the digits seen are spent


def test_escape_mid_game_asks_and_leaving_keeps_the_answers_as_an_unfinished_game():
    game = started(Settings(rounds=10, seed=3))
    answer(game, Action.REAL)
    game.handle(Action.CONTINUE)
    answer(game, Action.FAKE)
    game.handle(Action.BACK)  # from the reveal
    assert game.overlay == Overlay.LEAVE and game.screen == Screen.REVEAL and game.outbox == []
    game.handle(Action.BACK)  # "keep playing"
    assert game.overlay is None and game.screen == Screen.REVEAL
    game.handle(Action.CONTINUE)
    game.handle(Action.BACK)  # from a round
    assert game.overlay == Overlay.LEAVE
    game.handle(Action.CONFIRM)
    assert game.screen == Screen.TITLE and not game.quit
    [record] = game.outbox
    assert record["finished"] is False and record["n_rounds"] == 10 and len(record["rounds"]) == 2
    assert summary_of(record, 0).answered == 2  # a sensible record, read back as such
    assert game.best_for(EASY_SHA256, 10) is None  # an unfinished game sets no best


def test_quit_mid_game_asks_and_closing_the_window_saves_without_asking():
    game = started(Settings(rounds=4, seed=3))
    answer(game, Action.REAL)
    game.handle(Action.QUIT)
    assert game.overlay == Overlay.QUIT and not game.quit
    game.handle(Action.CONFIRM)
    assert game.quit and len(game.outbox) == 1
    game = started(Settings(rounds=4, seed=3, measurement=True))
    answer(game, Action.REAL)
    game.handle(WindowClosed())
    assert game.quit and game.outbox[0]["finished"] is False
    game = started(Settings(rounds=4, seed=3))
    answer(game, Action.REAL)
    game.handle(Action.HELP)
    game.handle(Action.QUIT)  # from the help over a game
    assert game.overlay == Overlay.QUIT and not game.quit
    idle = Game(opponents=list(OPPONENTS))
    idle.handle(Action.QUIT)
    assert idle.quit and idle.outbox == []  # nothing to lose: no question


def test_presses_before_the_digit_is_seen_for_the_minimum_time_are_ignored_and_never_recorded():
    game = started(Settings(rounds=4, seed=1, measurement=True))
    for _ in range(20):  # mashing keys before any frame showed the digit
        game.handle(Action.REAL)
    assert game.answers == [] and game.current == 0
    game.handle(DigitShown())
    game.update((MIN_ANSWER_MS - 1) / 1000)
    game.handle(Action.FAKE)
    assert game.answers == []
    game.update(0.002)
    game.handle(Action.FAKE)
    assert [a.answer_real for a in game.answers] == [False] and game.answers[0].ms >= MIN_ANSWER_MS
    for _ in range(5):  # the next digit has not been drawn yet: its clock has not started
        game.update(1.0)
        game.handle(Action.REAL)
    assert len(game.answers) == 1


def test_the_answer_time_runs_from_the_first_frame_that_showed_the_digit():
    game = started(Settings(rounds=4, seed=1))
    game.update(5.0)  # the rounds were up, but no frame had shown the digit yet
    game.handle(DigitShown())
    game.update(0.4)
    game.handle(DigitShown())  # later frames change nothing
    game.update(0.3)
    game.handle(Action.REAL)
    assert game.answers[0].ms == 700


def test_a_double_answer_does_not_skip_the_reveal():
    game = started(Settings(rounds=4, seed=1))
    answer(game, Action.REAL)
    game.handle(Action.REAL)  # the second press (or click) of a double one
    game.handle(Action.FAKE)
    assert game.screen == Screen.REVEAL and game.current == 0 and len(game.answers) == 1


def test_sounds_are_asked_for_and_mute_is_a_setting():
    game = started(Settings(rounds=2, seed=1))
    answer(game, Action.REAL if game.round.is_real else Action.FAKE)
    game.handle(Action.CONTINUE)
    answer(game, Action.FAKE if game.round.is_real else Action.FAKE)
    game.handle(Action.CONTINUE)
    assert game.cues[0] == "right" and game.cues[-1] == "end" and len(game.cues) == 3
    game.handle(Action.TOGGLE_SOUND)
    assert game.settings.muted


def test_a_fixed_seed_gives_every_game_the_same_request():
    game = started(Settings(rounds=10, seed=42))
    assert game.setup.request.seed == 42
    game.handle(Action.BACK)
    assert game.wanted == GameRequest("weights/easy.pt", 10, 42)


def test_fresh_games_avoid_the_real_digits_the_player_was_shown_and_a_fixed_seed_does_not():
    game = started(Settings(rounds=4))  # reals are test digits 100 and 102 (rounds_for)
    assert game.setup.request.avoid == frozenset()
    answer(game, Action.REAL)
    game.handle(Action.CONTINUE)
    game.handle(Action.BACK)
    game.handle(Action.CONFIRM)  # left after one answer: only the digit answered counts as shown
    assert game.wanted.avoid == {100}
    game.handle(HistoryLoaded([], shown_reals=frozenset({7, 9})))  # the history, read behind the title
    assert game.wanted.avoid == {7, 9, 100}
    fixed = started(Settings(rounds=4, seed=3))
    for _ in range(4):
        answer(fixed, Action.REAL)
        fixed.handle(Action.CONTINUE)
    assert fixed.screen == Screen.SUMMARY and fixed.shown_reals == {100, 102}
    assert fixed.wanted.avoid == frozenset()  # the same seed gives the same digits, seen or not
    title = Game(opponents=list(OPPONENTS), settings=Settings(rounds=4))
    title.handle(Prepared(rounds_for(title.wanted)))
    title.handle(HistoryLoaded([], shown_reals=frozenset({1})))
    assert title.ready and title.wanted.avoid == {1}  # a game prepared before the history came is still played


def test_title_navigation_choices_and_mode():
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=10))
    game.handle(Action.PREVIOUS_OPPONENT)
    assert game.opponent.name == "mine"  # wraps around
    game.handle(Action.NEXT_OPPONENT)
    game.handle(SelectOpponent(1))
    assert game.opponent.name == "hard"
    game.handle(Action.FEWER_ROUNDS)
    assert game.settings.rounds == 10  # clamps at the first choice
    game.handle(Action.MORE_ROUNDS)
    game.handle(Action.MORE_ROUNDS)
    game.handle(Action.MORE_ROUNDS)
    assert game.settings.rounds == 50
    game.handle(SelectRounds(20))
    game.handle(SelectRounds(7))  # not a choice: ignored
    assert game.settings.rounds == 20
    game.handle(Action.TOGGLE_MEASUREMENT)
    assert game.settings.measurement
    assert game.wanted == GameRequest("weights/hard.pt", 20, game.next_seed)


def test_rounds_prepared_ahead_start_at_once_and_stale_ones_are_ignored():
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=10, seed=3))
    stale = rounds_for(game.wanted)
    game.handle(Action.NEXT_OPPONENT)
    game.handle(Prepared(stale))  # for easy; the player has moved to hard
    assert not game.ready
    game.handle(Prepared(rounds_for(game.wanted)))
    assert game.ready
    game.handle(Action.START)
    assert game.screen == Screen.ROUND and game.overlay is None and game.setup.opponent_name == "hard"


def test_an_opponent_that_fails_to_load_is_reported_on_the_title():
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=10))
    request = game.wanted
    game.handle(Action.START)
    game.handle(PrepareFailed(request, "weights/easy.pt: not a readable checkpoint"))
    assert game.screen == Screen.TITLE and game.exit_code == 0
    assert game.failures["weights/easy.pt"].startswith("weights/easy.pt")
    assert game.wanted is None
    game.handle(Action.START)
    assert game.screen == Screen.TITLE  # nothing to start
    game.handle(Action.NEXT_OPPONENT)
    assert game.wanted.checkpoint == "weights/hard.pt"


def test_a_named_checkpoint_that_fails_is_fatal():
    game = Game(opponents=[Opponent("broken.pt", "broken")], settings=Settings(fixed_checkpoint="broken.pt"))
    assert game.screen == Screen.LOADING  # --weights skips the pick
    game.handle(PrepareFailed(game.wanted, "broken.pt: no such file"))
    assert game.screen == Screen.FAILED and game.exit_code == 1
    game.handle(Action.REAL)
    assert game.quit


def test_no_opponent_means_no_game():
    game = Game(opponents=[])
    assert game.wanted is None and game.opponent is None
    game.handle(Action.START)
    assert game.screen == Screen.TITLE


def test_summary_plays_again_or_goes_back():
    game = started(Settings(rounds=2, seed=None))
    for _ in range(2):
        answer(game, Action.REAL)
        game.handle(Action.CONTINUE)
    assert game.screen == Screen.SUMMARY
    previous = game.setup.request
    game.handle(Action.START)
    assert game.screen == Screen.LOADING
    assert game.wanted.checkpoint == previous.checkpoint and game.wanted.seed != previous.seed
    game.handle(Action.BACK)
    assert game.screen == Screen.TITLE


def play_two(game: Game, truths=(True, False), answers=(Action.REAL, Action.FAKE)) -> None:
    game.handle(Action.START)
    game.handle(Prepared(rounds_for(game.wanted, truths=list(truths), probabilities=[0.9, 0.1])))
    for action in answers:
        answer(game, action)
        if game.screen == Screen.REVEAL:
            game.handle(Action.CONTINUE)
    assert game.screen == Screen.SUMMARY


def test_personal_best_per_opponent_length_and_mode():
    best = {best_key(EASY_SHA256, 2, False): 1}
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=2, seed=1), best=best)
    play_two(game)
    assert game.previous_best == 1
    assert game.score.player_correct == 2 and game.is_personal_best
    assert game.best_for(EASY_SHA256, 2) == 2 and game.best_for(EASY_SHA256, 10) is None
    assert game.best_for(EASY_SHA256, 2, measurement=True) is None  # practice is not measurement


def test_a_first_game_is_not_a_personal_best():
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=2, seed=1, measurement=True))
    play_two(game)
    assert game.previous_best is None and not game.is_personal_best
    assert game.best_for(EASY_SHA256, 2) == 2 and game.best_for(EASY_SHA256, 2, measurement=False) is None


def test_bests_belong_to_exact_weights_not_to_a_file_name():
    """A retrained easy.pt is another opponent: the old file's best is neither its previous best nor on the title."""
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=2, seed=1), best={best_key("cd" * 32, 2, False): 2})
    assert game.opponent_sha256 is None and game.best_for(game.opponent_sha256, 2) is None  # not hashed yet
    game.handle(OpponentsIdentified((("weights/easy.pt", "cd" * 32), ("weights/hard.pt", "ef" * 32))))
    assert game.best_for(game.opponent_sha256, 2) == 2  # the title's best, once the history thread read the file
    play_two(game, answers=(Action.REAL, Action.REAL))  # the file changed since: the preparer loaded EASY_SHA256
    assert game.previous_best is None and game.score.player_correct == 1
    assert game.opponent_sha256 == EASY_SHA256 and game.best_for(game.opponent_sha256, 2) == 1
    game.handle(OpponentsIdentified((("weights/easy.pt", "cd" * 32),)))  # an older reading does not undo the load
    assert game.opponent_sha256 == EASY_SHA256 and game.best_for("cd" * 32, 2) == 2


def summary(
    correct: int, rounds: int = 10, measurement: bool = False, finished: bool = True, opponent="easy", sha256="ab" * 32
):
    truths = [i % 2 == 0 for i in range(rounds)]
    entries = [
        {"is_real": t, "answer_real": t if i < correct else not t, "d_prob_real": 0.5, "ms": 900}
        | ({"test_index": i} if t else {"noise_seed": i})
        for i, t in enumerate(truths)
    ][: rounds if finished else correct + 1]
    record = {
        "version": 2,
        "time": "2026-01-01T00:00:00+00:00",
        "opponent": opponent,
        "checkpoint": f"weights/{opponent}.pt",
        "checkpoint_sha256": sha256,
        "seed": 1,
        "mode": "measurement" if measurement else "feedback",
        "n_rounds": rounds,
        "finished": finished,
        "player_correct": sum(e["is_real"] == e["answer_real"] for e in entries),
        "d_correct": sum(e["is_real"] for e in entries),  # D says real to everything (0.5)
        "rounds": entries,
    }
    return summary_of(record, 0), record


def test_best_scores_from_history_keep_modes_apart_and_skip_unfinished_games():
    summaries = [
        summary(6)[0],
        summary(8)[0],
        summary(11, rounds=20)[0],
        summary(9, measurement=True)[0],
        summary(3, finished=False)[0],
        summary(2, opponent="hard", finished=False)[0],
        summary(10, sha256="")[0],  # a record that does not say which weights it played sets no best
    ]
    key = "ab" * 32
    assert best_scores(summaries) == {f"{key}/10/practice": 8, f"{key}/20/practice": 11, f"{key}/10/measurement": 9}


def test_a_past_game_reopens_as_its_summary_and_goes_back_to_the_records():
    game = Game(opponents=list(OPPONENTS))
    past, record = summary(7, measurement=True)
    game.records, game.records_loaded = [past], True
    game.handle(Action.RECORDS)
    assert game.screen == Screen.RECORDS and game.record_cursor == 0
    game.handle(Action.START)
    assert game.record_wanted is past
    game.handle(RecordOpened(past, played_from(record)))
    assert game.screen == Screen.SUMMARY and game.reopened and game.score.player_correct == 7
    assert game.wanted_images is not None  # its digits are to be redrawn
    game.handle(OpenDigit(3))
    assert game.overlay == Overlay.DIGIT and game.digit == 3
    game.handle(Action.NEXT)
    assert game.digit == 4
    game.handle(Action.BACK)
    game.handle(Action.BACK)
    assert game.screen == Screen.RECORDS


def test_a_reopened_games_real_digits_get_their_labels_back_with_their_images():
    """The record keeps test indices, not labels: the redraw brings them, so the zoom says "a 7" as it did in play."""
    game = Game(opponents=list(OPPONENTS))
    past, record = summary(7, rounds=4)
    game.records, game.records_loaded = [past], True
    game.handle(Action.RECORDS)
    game.handle(Action.START)
    game.handle(RecordOpened(past, played_from(record)))
    assert all(round_.label is None for round_ in game.played.rounds)
    request = game.wanted_images
    images = tuple(np.zeros((28, 28), np.uint8) for _ in request.sources)
    labels = tuple(7 if is_real else None for is_real, _ in request.sources)
    game.handle(ImagesReady(request, images, "", (), labels))
    assert [round_.label for round_ in game.played.rounds] == [7, None, 7, None]


def test_wilson_interval_known_values():
    assert wilson_interval(7, 10) == pytest.approx((0.3968, 0.8922), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_score_of_nothing_is_zero_not_an_error():
    empty = score((), ())
    assert empty.player_accuracy == 0 and empty.hype_infinity == 0 and empty.player_interval == (0.0, 1.0)


def test_rules_import_neither_pygame_nor_torch():
    """The layering the style guide asks for, checked in a clean interpreter."""
    code = (
        "import sys, game.state, game.events, game.rounds, game.scoring, game.records, game.keys, game.files, "
        "game.history, game.recorder, game.digits, game.opponents, game.preparer, game.__main__; "
        "print(sorted(m for m in ('torch', 'pygame') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_a_past_game_read_back_after_the_player_left_the_records_does_not_take_over_the_screen():
    game = Game(opponents=list(OPPONENTS))
    past, record = summary(7)
    game.records, game.records_loaded = [past], True
    game.handle(Action.RECORDS)
    game.handle(Action.START)
    game.handle(Action.BACK)  # back on the title before the history thread answered
    game.handle(RecordOpened(past, played_from(record)))
    assert game.screen == Screen.TITLE and game.record_wanted is None


def test_choose_another_only_offers_opponents_that_can_be_played():
    opponents = [Opponent("a.pt", "a"), Opponent("b.pt", "b")]
    game = Game(opponents=opponents, settings=Settings(fixed_checkpoint="a.pt"))
    game.handle(PrepareFailed(GameRequest("b.pt", 10, 1), "b.pt: no such file"))
    game.handle(PrepareFailed(game.wanted, "a.pt: no such file"))
    assert game.screen == Screen.FAILED and game.playable == []
    game.handle(Action.START)  # nothing else to play: Enter quits like any other key
    assert game.quit and game.exit_code == 1


def test_the_help_lists_the_keys_of_the_screen_under_it_as_working_there():
    def working(screen):
        return {line.keys + ": " + line.meaning for line in help_lines(screen=screen) if line.works_here}

    everywhere = {
        "Esc: back (mid-game it asks first)",
        "S: sound on / off",
        "F11: fullscreen",
        "H: this help",
        "Q: quit",
    }
    assert working(Screen.ROUND) == everywhere | {"R  or  Left: this digit is real", "F  or  Right: this digit is fake"}
    assert "Up / Down: a generator, or a past game" in working(Screen.RECORDS)  # through its unlabelled Up on Records
    assert "R  or  Left: this digit is real" not in working(Screen.RECORDS)
    assert "R: your records (title)" in working(Screen.TITLE) and "Delete: draw: clear the canvas" in working(
        Screen.DRAW
    )
    assert working(Screen.FAILED) == everywhere | {"Enter: play; open a past game"}  # Enter: another opponent
    assert all(line.works_here for line in help_lines())  # no screen: every key is listed as working
