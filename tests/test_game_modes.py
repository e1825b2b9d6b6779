"""The other ways to play, driven by events alone (no window, no torch): glimpse's staircase and mask, pairs,
drawing for D and its canvas, and their records."""

import math

import numpy as np
import pytest

from game import canvas
from game.drawing import DrawSession
from game.events import Action, DigitShown, DrawingJudged, MaskShown, Pen, Prepared, SelectGame
from game.glimpse import LEVELS_MS, START_LEVEL, replay, threshold
from game.records import check, played_from, record_of, summary_of
from game.rounds import Answer, Pair, Round
from game.scoring import best_key, best_scores
from game.state import Game, GameRequest, GameSetup, Opponent, Overlay, Screen, Settings

OPPONENTS = [Opponent("weights/hard.pt", "hard", "hard", epoch=50)]


def digit(number: int, is_real: bool, probability: float = 0.5) -> Round:
    image = np.full((28, 28), number % 256, dtype=np.uint8)
    return Round(
        image,
        is_real,
        probability,
        test_index=number if is_real else None,
        noise_seed=None if is_real else number,
        saliency=np.zeros((28, 28), np.uint8),
    )


def setup_for(request: GameRequest, truths=None) -> GameSetup:
    """Rounds as the bridge makes them for this way to play (the rules never look at the pixels)."""
    n = request.rounds
    if request.game == "pairs":
        sides = [i % 2 == 0 for i in range(n)]
        rounds = tuple(Pair(digit(i, True, 0.3 + 0.05 * i), digit(100 + i, False, 0.6), sides[i]) for i in range(n))
    else:
        truths = truths or [i % 2 == 0 for i in range(n)]
        rounds = tuple(digit(i, truths[i], 0.9 if truths[i] else 0.2) for i in range(n))
    return GameSetup(request, rounds, "hard", checkpoint_sha256="ab" * 32, epoch=50)


def started(way: str, rounds: int = 10, measurement: bool = True, truths=None) -> Game:
    game = Game(OPPONENTS, Settings(rounds=rounds, seed=3, measurement=measurement))
    game.handle(SelectGame(way))
    game.handle(Prepared(setup_for(game.wanted, truths)))
    game.handle(Action.START)
    return game


# ----------------------------------------------------------------------------- glimpse's staircase


def test_the_staircase_goes_down_after_three_right_and_up_after_one_wrong():
    assert LEVELS_MS[0] == 100 and LEVELS_MS[-1] == 1000 and LEVELS_MS[START_LEVEL] == 501
    assert replay([]).exposure_ms == 501
    assert replay([True, True]).exposure_ms == 501  # two right: not yet
    assert replay([True] * 3).exposure_ms == LEVELS_MS[START_LEVEL - 2]  # two levels a move until the first turn
    assert replay([False]).exposure_ms == LEVELS_MS[START_LEVEL + 2]
    turned = replay([False, True, True, True])  # up, then down: the first reversal
    assert turned.reversals == (3,) and turned.level == START_LEVEL + 2 - 1  # one level a move from then on
    assert replay([True] * 30).exposure_ms == 100 and replay([False] * 30).exposure_ms == 1000  # clamped


def observer(threshold_ms: float):
    """A scripted player: right exactly when the exposure is at least `threshold_ms`."""
    answers = []
    for _ in range(60):
        answers.append(replay(answers).exposure_ms >= threshold_ms)
    return answers


@pytest.mark.parametrize("true_ms", [150, 250, 400, 700])
def test_the_staircase_settles_at_a_scripted_players_threshold(true_ms):
    answers = observer(true_ms)
    found = threshold(answers)
    below = max(level for level in LEVELS_MS if level < true_ms)
    above = min(level for level in LEVELS_MS if level >= true_ms)
    assert below <= found.ms <= above, (found, below, above)  # it oscillates between the levels around it
    assert found.low <= found.ms <= found.high and found.reversals >= 10
    assert replay(answers[:-1]).exposure_ms in (below, above)  # the staircase ends there too


def test_the_threshold_uses_the_exposures_measured_and_says_when_it_has_none():
    answers = observer(250)
    measured = [LEVELS_MS[level] + 4 for level in replay(answers).levels]  # each flip 4 ms late
    assert threshold(answers, measured).ms == pytest.approx(threshold(answers).ms + 4, abs=1.0)
    assert threshold([]).ms is None and threshold([True, True]).ms is None
    floor = threshold([True] * 20)
    assert floor.ms is None and floor.floor and not floor.ceiling  # never turned: at 100 ms, or less
    assert threshold([False] * 10).ceiling
    one = threshold([False, True, True, True])
    assert one.ms == pytest.approx(LEVELS_MS[START_LEVEL + 2]) and one.low is None  # one reversal: no interval


# ----------------------------------------------------------------------------- glimpse in the game


def test_a_glimpse_digit_is_masked_after_its_exposure_and_answers_count_only_then():
    game = started("glimpse")
    assert game.screen == Screen.ROUND and game.rules.exposure_ms == 501
    assert game.deadline_ms is None  # nothing is due before the first frame shows the digit
    game.handle(DigitShown())
    game.update(0.3)
    assert not game.masked and game.deadline_ms == pytest.approx(201)
    game.handle(Action.REAL)
    assert game.answers == []  # the digit is still up: no answer yet
    game.update(0.21)
    assert game.masked and game.awaiting_mask_frame  # the next frame draws the mask
    game.handle(MaskShown())
    assert not game.awaiting_mask_frame and game.rules.shown_ms == pytest.approx(510)
    game.update(0.4)
    game.handle(Action.REAL)  # round 0 is real
    [answer] = game.answers
    assert (answer.exposure_ms, answer.shown_ms, answer.ms) == (501, 510, 910)


def glimpse_answer(game: Game, action: Action, late_ms: float = 2.0) -> None:
    game.handle(DigitShown())
    game.update((game.deadline_ms + late_ms) / 1000)
    game.handle(MaskShown())
    game.update(0.5)
    game.handle(action)


def test_each_glimpse_digit_gets_the_staircases_exposure_and_the_record_keeps_both_times():
    game = started("glimpse", rounds=10, truths=[True] * 10)
    for _ in range(10):
        glimpse_answer(game, Action.REAL)  # all right
    exposures = [answer.exposure_ms for answer in game.answers]
    assert exposures == [501, 501, 501, 316, 316, 316, 200, 200, 200, 126]
    assert [answer.shown_ms for answer in game.answers] == [e + 2 for e in exposures]
    assert game.screen == Screen.SUMMARY and game.played.game == "glimpse"
    record = game.outbox[-1]
    assert record["game"] == "glimpse" and record["version"] == 3
    assert [entry["shown_ms"] for entry in record["rounds"]] == [e + 2 for e in exposures]
    assert played_from(record).answers == game.played.answers  # read back as played
    assert summary_of(record, 0).game == "glimpse"


def test_an_overlay_mid_exposure_shows_the_digit_again_from_its_first_frame():
    game = started("glimpse")
    game.handle(DigitShown())
    game.update(0.2)
    game.handle(Action.HELP)
    game.update(5.0)  # the help is read
    game.handle(Action.HELP)
    assert game.awaiting_first_frame and not game.masked  # the exposure starts over when it is shown again


def test_glimpse_bests_are_the_shortest_threshold():
    game = started("glimpse", rounds=20, truths=[i % 4 != 3 for i in range(20)])  # three right, one wrong
    for _ in range(20):
        glimpse_answer(game, Action.REAL)
    key = best_key("ab" * 32, 20, True, "glimpse")
    found = game.played.threshold
    assert found.ms is not None and game.best[key] == -round(found.ms)
    assert best_key("ab" * 32, 20, True) not in game.best  # not mixed with single-digit bests


# ----------------------------------------------------------------------------- pairs


def test_pairs_are_picked_left_or_right_and_scored_as_two_alternatives():
    game = started("pairs", rounds=4, measurement=False)
    assert game.screen == Screen.PAIR
    game.handle(Action.REAL)
    game.handle(DigitShown())
    game.update(0.1)
    game.handle(Action.PICK_LEFT)
    assert game.answers == []  # too soon: a reflex
    game.update(0.2)
    game.handle(Action.PICK_LEFT)  # pair 0 has the real one on the left: right
    assert game.screen == Screen.PAIR_REVEAL and game.answers[-1].pick_left is True
    assert game.cues[-1] == "right"
    for pick in (Action.PICK_RIGHT, Action.PICK_RIGHT, Action.PICK_LEFT):
        game.handle(Action.CONTINUE)
        game.handle(DigitShown())
        game.update(0.3)
        game.handle(pick)
    game.handle(Action.CONTINUE)
    assert game.screen == Screen.SUMMARY
    score = game.played.score
    assert (score.answered, score.player_correct) == (4, 2)  # the real ones are left, right, left, right
    assert score.fakes_called_real == score.reals_called_fake == 2 and score.hype_infinity == 0.5
    # D picks the higher p(real): 0.3 + 0.05 i against 0.6, so it always picks the fake
    assert [pair.d_picks_left for pair in game.played.rounds] == [False, True, False, True]
    assert score.d_correct == 0
    record = game.outbox[-1]
    assert record["game"] == "pairs" and record["player_correct"] == 2
    again = played_from(record)
    assert again.score == score and [p.real_left for p in again.rounds] == [True, False, True, False]
    assert len(again.images_request().sources) == 8  # both digits of each pair are rebuilt


def test_a_pair_ties_or_a_missing_figure_are_no_pick_from_d():
    tied = Pair(digit(1, True, 0.5), digit(2, False, 0.5), True)
    missing = Pair(digit(1, True, None), digit(2, False, 0.4), False)
    assert tied.d_picks_left is None and missing.d_picks_left is None
    assert not tied.d_correct and tied.outcome(Answer(None, 300, pick_left=True)).d_unanswered


def test_pairs_records_that_make_no_sense_are_refused():
    game = started("pairs", rounds=2)
    for pick in (Action.PICK_LEFT, Action.PICK_LEFT):
        game.handle(DigitShown())
        game.update(0.3)
        game.handle(pick)
    record = game.outbox[-1]
    check(record)
    for bad in ({"pick_left": "yes"}, {"test_index": -1}, {"d_prob_fake": 2.0}):
        broken = dict(record, rounds=[dict(record["rounds"][0], **bad), record["rounds"][1]])
        with pytest.raises(ValueError):
            check(broken)
    with pytest.raises(ValueError):
        check(dict(record, player_correct=record["player_correct"] + 1 if record["player_correct"] < 2 else 0))
    with pytest.raises(ValueError):
        check(dict(record, game="darts"))


# ----------------------------------------------------------------------------- the canvas


def ink_size(image: np.ndarray) -> tuple[int, int]:
    """Width and height of the pixels at least half grey, MNIST's digits' visible extent."""
    left, top, right, bottom = canvas.ink_box(image, 127)
    return right - left, bottom - top


def test_centring_follows_mnists_rule_on_a_synthetic_stroke():
    # A small, tall stroke drawn in the top-left corner: a "1" with a foot.
    stroke = [[(3.0, 2.0), (4.0, 9.0)], [(2.5, 9.0), (5.5, 9.0)]]
    image = canvas.centred(stroke)
    x, y = canvas.centre_of_mass(image)
    assert abs(x - 14) < 0.5 and abs(y - 14) < 0.5  # centre of mass at the centre of the 28x28 field
    width, height = ink_size(image)
    assert 19 <= height <= 21 and width < height  # the longer side fills the 20x20 box; the aspect is kept
    wide = canvas.centred([[(1.0, 20.0), (27.0, 24.0)]])  # a long, flat line
    width, height = ink_size(wide)
    assert 19 <= width <= 21 and height < 8
    assert canvas.centred([]).sum() == 0


def test_the_brush_paints_anti_aliased_strokes_two_to_three_pixels_wide():
    image = canvas.render([[(14.0, 4.0), (14.0, 24.0)]])
    row = image[14]
    assert 2 <= (row > 127).sum() <= 3  # solid across two to three pixels, like MNIST's pen
    assert ((row > 0) & (row < 255)).sum() >= 2  # and softened at both edges
    dot = canvas.render([[(10.0, 10.0)]])
    assert dot.max() == 255 and 3 <= (dot > 127).sum() <= 9  # a click is a dot


def test_a_drawing_session_undoes_clears_and_keeps_what_fooled_d():
    session = DrawSession("weights/hard.pt", "hard")
    assert session.request is None and session.verdict is None  # blank: nothing to judge
    session.pen(Pen("down", 14, 4))
    session.pen(Pen("move", 14, 14))
    assert session.request is None  # the pen is still down
    session.pen(Pen("move", 14, 24))
    session.pen(Pen("up", 14, 24))
    request = session.request
    assert request is not None and np.frombuffer(request.pixels, np.uint8).reshape(28, 28).tolist() == (
        session.image.tolist()
    )
    session.pen(Pen("down", 8, 6))
    session.pen(Pen("up", 20, 6))
    assert session.request != request
    session.undo()
    assert session.request == request  # back to the one stroke
    session.judged(DrawingJudged(request, 0.8, 1, 0.97, checkpoint_sha256="ab" * 32))
    session.update(2.5)
    handed = session.submit()
    assert handed.fooled and handed.kept.endswith(".png") and "-hard-1-80pct-1" in handed.kept
    assert session.blank and session.answers[-1].ms == 2500
    session.pen(Pen("down", 5, 5))
    session.pen(Pen("up", 5, 5))
    assert session.submit() is None  # not judged yet
    session.clear()
    assert session.blank
    session.undo()
    assert not session.blank  # a clear can be undone


def test_leaving_draw_saves_the_session_and_asks_for_the_png():
    game = Game(OPPONENTS, Settings(seed=3))
    game.handle(SelectGame("draw"))
    assert game.wanted is None and game.ready  # nothing to prepare: the canvas is up at once
    game.handle(Action.START)
    assert game.screen == Screen.DRAW
    for number, probability in enumerate((0.3, 0.9)):
        game.handle(Pen("down", 10 + number, 5))
        game.handle(Pen("move", 12, 23))
        game.handle(Pen("up", 12, 23))
        request = game.wanted_drawing
        game.handle(DrawingJudged(request, probability, 7, 0.9, checkpoint_sha256="cd" * 32))
        assert game.wanted_drawing is None  # judged: nothing more to ask
        game.handle(Action.SUBMIT)
    assert [name for name, _ in game.keep] == [game.drawing.drawings[1].kept]  # only the one that fooled D
    game.handle(Action.BACK)
    assert game.screen == Screen.TITLE
    record = game.outbox[-1]
    assert record["game"] == "draw" and record["player_correct"] == 1 and record["checkpoint_sha256"] == "cd" * 32
    played = played_from(record)
    assert [d.d_prob_real for d in played.rounds] == [0.3, 0.9] and played.rounds[1].image.shape == (28, 28)
    assert math.isclose(summary_of(record, 0).player_correct, 1)


def test_esc_or_q_with_a_drawing_in_hand_asks_and_keeps_what_was_handed_in():
    game = Game(OPPONENTS, Settings(seed=3))
    game.handle(SelectGame("draw"))
    game.handle(Action.START)
    game.handle(Action.QUIT)
    assert game.quit  # a blank canvas: nothing to lose, no question
    game = Game(OPPONENTS, Settings(seed=3))
    game.handle(SelectGame("draw"))
    game.handle(Action.START)
    for stroke in range(2):
        game.handle(Pen("down", 10 + stroke, 5))
        game.handle(Pen("up", 12, 23))
        if stroke == 0:  # the first is judged and handed in; the second stays in hand
            game.handle(DrawingJudged(game.wanted_drawing, 0.3, 7, 0.9, checkpoint_sha256="cd" * 32))
            game.handle(Action.SUBMIT)
    for ask in (Action.BACK, Action.QUIT):
        game.handle(ask)
        assert game.overlay in (Overlay.LEAVE, Overlay.QUIT) and game.screen == Screen.DRAW and not game.quit
        game.handle(Action.BACK)  # N or Esc: keep drawing
        assert game.overlay is None and not game.drawing.blank
    game.handle(Action.QUIT)
    game.handle(Action.CONFIRM)
    assert game.quit and game.outbox[-1]["game"] == "draw" and game.outbox[-1]["n_rounds"] == 1


def test_a_glimpse_threshold_on_one_reversal_is_no_best():
    """One turn of the staircase is a single exposure: shown, but kept out of the bests, live and read back."""
    truths = [True] * 10
    game = started("glimpse", rounds=10, truths=truths)
    for action in [Action.REAL] * 9 + [Action.FAKE]:  # right down the staircase, one wrong at its end: one reversal
        glimpse_answer(game, action)
    found = game.played.threshold
    assert found.ms is not None and found.reversals == 1
    assert game.best_value is None and best_key("ab" * 32, 10, True, "glimpse") not in game.best
    summary = summary_of(record_of(game.played), 0)
    assert summary.threshold_ms is not None and summary.threshold_reversals == 1
    assert best_scores([summary]) == {}
    assert played_from(record_of(game.played)).threshold.reversals == 1
