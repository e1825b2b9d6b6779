"""The game's rules driven by events alone: no window, no torch."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from game.events import Action, Prepared, PrepareFailed, SelectOpponent, SelectRounds
from game.scoring import best_key, best_scores, score, wilson_interval
from game.state import Game, GameRequest, GameSetup, Opponent, Overlay, Round, Screen, Settings

ROOT = Path(__file__).resolve().parent.parent
OPPONENTS = [
    Opponent("weights/easy.pt", "easy", "easy", epoch=3),
    Opponent("weights/hard.pt", "hard", "hard"),
    Opponent("weights/mine.pt", "mine"),
]


def rounds_for(request: GameRequest, truths=None, probabilities=None) -> GameSetup:
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
        checkpoint_sha256="ab" * 32,
        epoch=3,
    )


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
    for number, answer in enumerate(answers):
        assert game.screen == Screen.ROUND and game.overlay is None and game.current == number
        game.update(0.25 + number / 10)
        game.handle(Action.REAL if answer else Action.FAKE)
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
    assert [r["index"] for r in record["rounds"]] == list(range(100, 110))
    assert [r["ms"] for r in record["rounds"]] == [250 + 100 * n for n in range(10)]


def test_measurement_mode_skips_the_reveal_and_hides_the_running_score():
    game = started(Settings(rounds=4, seed=1, measurement=True))
    assert not game.show_running_score
    for _ in range(4):
        game.handle(Action.FAKE)
        assert game.screen in (Screen.ROUND, Screen.SUMMARY)
    assert game.screen == Screen.SUMMARY
    assert game.outbox[0]["mode"] == "measurement"


def test_help_pauses_the_answer_clock_and_returns_to_the_same_phase():
    game = started()
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


def test_escape_goes_back_to_the_title_without_a_record_and_with_fresh_digits():
    game = started(Settings(rounds=10))
    first_seed = game.setup.request.seed
    game.handle(Action.REAL)
    game.handle(Action.BACK)
    assert game.screen == Screen.TITLE and game.outbox == [] and game.setup is None
    assert game.wanted.seed != first_seed  # the digits seen are spent


def test_a_fixed_seed_gives_every_game_the_same_request():
    game = started(Settings(rounds=10, seed=42))
    assert game.setup.request.seed == 42
    game.handle(Action.BACK)
    assert game.wanted == GameRequest("weights/easy.pt", 10, 42)


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
        game.handle(Action.REAL)
        game.handle(Action.CONTINUE)
    assert game.screen == Screen.SUMMARY
    previous = game.setup.request
    game.handle(Action.START)
    assert game.screen == Screen.LOADING
    assert game.wanted.checkpoint == previous.checkpoint and game.wanted.seed != previous.seed
    game.handle(Action.BACK)
    assert game.screen == Screen.TITLE


def test_personal_best_per_opponent_and_length():
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=2, seed=1), best={best_key("easy", 2): 1})
    game.handle(Action.START)
    game.handle(Prepared(rounds_for(game.wanted, truths=[True, False], probabilities=[0.9, 0.1])))
    assert game.previous_best == 1
    game.handle(Action.REAL)
    game.handle(Action.CONTINUE)
    game.handle(Action.FAKE)
    game.handle(Action.CONTINUE)
    assert game.score.player_correct == 2 and game.is_personal_best
    assert game.best_for("easy", 2) == 2 and game.best_for("easy", 10) is None


def test_best_scores_from_history_skip_bad_records():
    records = [
        {"opponent": "easy", "n_rounds": 10, "player_correct": 6},
        {"opponent": "easy", "n_rounds": 10, "player_correct": 8},
        {"opponent": "easy", "n_rounds": 20, "player_correct": 11},
        {"opponent": "hard"},
        {"n_rounds": "x"},
    ]
    assert best_scores(records) == {"easy/10": 8, "easy/20": 11}


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
        "import sys, game.state, game.history, game.opponents, game.preparer, game.__main__; "
        "print(sorted(m for m in ('torch', 'pygame') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
