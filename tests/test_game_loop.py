"""The real pygame loop for scripted frames under SDL's dummy driver, each screen checked by its pixels."""

import json
import os
import threading
import time
from dataclasses import replace

os.environ["SDL_VIDEODRIVER"] = "dummy"  # no window, same drawing
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402
from test_game_bridge import save_tiny_checkpoint  # noqa: E402

from game.__main__ import PlayConfig, build  # noqa: E402
from game.bridge import Bridge  # noqa: E402
from game.digits import load_test_digits  # noqa: E402
from game.loop import Loop  # noqa: E402
from game.screens import play, summary, title  # noqa: E402
from game.screens.widgets import BACKGROUND, MUTED, PANEL, RIGHT, SELECTED, TEXT, WRONG  # noqa: E402
from game.state import MIN_ANSWER_MS, Overlay, Screen  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    return load_test_digits()


@pytest.fixture
def weights(tmp_path):
    folder = tmp_path / "weights"
    save_tiny_checkpoint(folder / "easy.pt")
    save_tiny_checkpoint(folder / "my-run.pt", seed=1)
    return folder


def open_game(tmp_path, weights, digits, **flags) -> Loop:
    config = PlayConfig(**{"seed": 5, "rounds": 4, **flags})
    loop = build(
        config,
        history_file=tmp_path / "home" / "history.jsonl",
        opponent_folders=[weights],
        make_bridge=lambda: Bridge(digits),
    )
    loop.log = []
    loop.log = loop.log.append
    loop.start()
    return loop


@pytest.fixture
def loop(tmp_path, weights, digits):
    loop = open_game(tmp_path, weights, digits)
    pump(loop, lambda: loop.game.ready)
    yield loop
    loop.close()


def pump(loop: Loop, condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the loop never got there"
        loop.frame(20)


def press(loop: Loop, key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
    loop.frame()


def look() -> None:
    """A player looks at a digit before answering: presses sooner than MIN_ANSWER_MS are ignored."""
    time.sleep(MIN_ANSWER_MS / 1000 + 0.02)


def answer(loop: Loop, key: int) -> None:
    look()
    press(loop, key)


def click(loop: Loop, position) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=tuple(map(int, position))))
    loop.frame()


def pixels(loop: Loop, rect=None) -> np.ndarray:
    """(H, W, 3) copy of the screen, or of `rect` of it."""
    array = pygame.surfarray.array3d(loop.screen).transpose(1, 0, 2)
    if rect is not None:
        array = array[rect.top : rect.bottom, rect.left : rect.right]
    return array


def share(loop: Loop, rect, colour, tolerance: int = 8) -> float:
    region = pixels(loop, rect).astype(int)
    return float((np.abs(region - np.array(colour)).max(axis=2) <= tolerance).mean())


def assert_digit_drawn(loop: Loop, image: np.ndarray, rect: pygame.Rect) -> None:
    """Each MNIST pixel is a solid block of its own grey: nearest-neighbour, not smoothed."""
    region = pixels(loop, rect)
    block = rect.w / 28
    for row in range(28):
        for column in range(28):
            y, x = int((row + 0.5) * block), int((column + 0.5) * block)
            assert tuple(region[y, x]) == (image[row, column],) * 3, (row, column)


def test_title_screen(loop):
    layout = title.layout(loop.game, loop.screen.get_size())
    assert share(loop, layout.start, RIGHT) > 0.5  # the Play button lights up once the rounds are ready
    chosen_index, chosen_row = layout.rows[0]
    assert loop.game.opponents[chosen_index].name == "easy"  # shipped first
    assert share(loop, chosen_row, SELECTED) > 0.01  # the chosen opponent is outlined
    assert share(loop, layout.rows[1][1], SELECTED) == 0.0
    assert [choice for choice, _ in layout.rounds] == [4, 10, 20, 50]  # --rounds 4 joins the usual choices
    four = dict(layout.rounds)[4]
    assert share(loop, four, SELECTED) > 0.01 and share(loop, dict(layout.rounds)[50], SELECTED) == 0.0
    title_band = pygame.Rect(0, 0, loop.screen.get_width(), int(loop.screen.get_height() * 0.16))
    assert share(loop, title_band, TEXT, 20) > 0.03  # "Real or Fake?" in large letters

    press(loop, pygame.K_RIGHT)  # 10 rounds: the outline moves
    assert loop.game.settings.rounds == 10
    assert share(loop, dict(layout.rounds)[10], SELECTED) > 0.01 and share(loop, four, SELECTED) == 0.0
    press(loop, pygame.K_LEFT)
    press(loop, pygame.K_DOWN)
    assert loop.game.opponent.name == "my-run"
    assert share(loop, layout.rows[1][1], SELECTED) > 0.01


def test_first_frame_comes_before_the_model_side_is_loaded(tmp_path, weights, digits):
    release = threading.Event()

    def slow_bridge():
        release.wait(10)  # stands in for importing torch
        return Bridge(digits)

    loop = build(
        PlayConfig(seed=1), history_file=tmp_path / "h.jsonl", opponent_folders=[weights], make_bridge=slow_bridge
    )
    try:
        loop.start()
        assert loop.frames == 1 and loop.game.screen == Screen.TITLE
        loop.frame()
        assert not loop.game.ready
        start = title.layout(loop.game, loop.screen.get_size()).start
        beside = pygame.Rect(0, start.y, start.x, start.h)  # left of Play (Records is on its right)
        assert share(loop, beside, MUTED, 30) > 0.005  # "getting ready..." while the model side loads
        release.set()
        pump(loop, lambda: loop.game.ready)
        loop.frame()
        assert share(loop, beside, MUTED, 30) == 0.0
    finally:
        release.set()
        loop.close()


def test_a_game_through_every_screen(loop, tmp_path):
    press(loop, pygame.K_RETURN)
    game = loop.game
    assert game.screen == Screen.ROUND  # prepared ahead: no loading screen
    layout = play.layout(loop.screen.get_size())
    assert_digit_drawn(loop, game.round.image, layout.digit)
    assert np.array_equal(pixels(loop, layout.small)[:, :, 0], game.round.image)  # the actual 28x28 too
    for button in ("real", "fake"):
        assert share(loop, getattr(layout, button), PANEL) > 0.6

    # reveal: the card of each answer is outlined in blue when right, orange when wrong (and marked with a shape)
    first = game.round
    answer(loop, pygame.K_r)
    assert game.screen == Screen.REVEAL
    you_right, d_right = first.is_real, first.d_correct
    for card, right in ((layout.real, you_right), (layout.fake, d_right)):
        edge = pygame.Rect(card.x, card.centery - 10, 4, 20)
        assert share(loop, edge, RIGHT if right else WRONG) > 0.9
        assert share(loop, edge, WRONG if right else RIGHT) == 0.0
    assert_digit_drawn(loop, first.image, layout.digit)  # the same digit stays for the reveal

    # help over the reveal, then back
    press(loop, pygame.K_h)
    assert game.overlay == Overlay.HELP
    assert pixels(loop)[2, 2].sum() < sum(BACKGROUND)  # the screen behind is dimmed
    keys = pygame.Rect(loop.screen.get_width() // 2, 80, loop.screen.get_width() // 3, 400)
    assert 0.002 < share(loop, keys, SELECTED) < 0.008  # the reveal's own keys bright, the rest dimmed (all: 0.015)
    press(loop, pygame.K_ESCAPE)
    assert game.screen == Screen.REVEAL and game.overlay is None

    press(loop, pygame.K_SPACE)
    assert game.screen == Screen.ROUND and game.current == 1
    assert_digit_drawn(loop, game.round.image, layout.digit)
    look()
    click(loop, layout.fake.center)  # the mouse answers too
    assert game.answers[-1].answer_real is False
    press(loop, pygame.K_RETURN)
    answer(loop, pygame.K_LEFT)
    press(loop, pygame.K_SPACE)
    answer(loop, pygame.K_RIGHT)
    press(loop, pygame.K_SPACE)
    assert game.screen == Screen.SUMMARY
    pump(loop, lambda: not game.animating and not game.outbox)  # the bars have grown in; the game is saved
    loop.frame()

    # summary: every digit in the review grid, your bar, the marks, and the record on disk
    summary_layout = summary.layout(game, loop.screen.get_size())
    assert [count for _, count, _ in summary_layout.headings] == [2, 2]  # reals above fakes
    for image_rect, round_ in zip(summary_layout.images, game.rounds):
        side = image_rect.w
        reference = pygame.transform.scale(
            pygame.surfarray.make_surface(np.stack([round_.image.T] * 3, axis=2)), (side, side)
        )
        expected = pygame.surfarray.array3d(reference).transpose(1, 0, 2)
        assert np.array_equal(pixels(loop, image_rect), expected)
    right_marks = sum(a.answer_real == r.is_real for r, a in zip(game.rounds, game.answers)) + sum(
        r.d_correct for r in game.rounds
    )
    grid = summary_layout.grid
    assert (share(loop, grid, RIGHT) > 0) == (right_marks > 0)
    assert (share(loop, grid, WRONG) > 0) == (right_marks < 8)
    for bar, correct, colour in zip(
        summary_layout.bars, (game.score.player_correct, game.score.d_correct), (TEXT, MUTED)
    ):
        top_row = pygame.Rect(bar.x, bar.y + 3, bar.w, 1)  # above the interval whisker
        filled = share(loop, top_row, colour, 4) * bar.w
        assert abs(filled - bar.w * correct / 4) <= 8  # bar length = accuracy (less the 50% line)
    lines = (tmp_path / "home" / "history.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["n_rounds"] == 4 and [r["answer_real"] for r in record["rounds"]] == [True, False, True, False]

    press(loop, pygame.K_ESCAPE)
    assert game.screen == Screen.TITLE
    title_layout = title.layout(game, loop.screen.get_size())
    pump(loop, lambda: game.ready)
    assert share(loop, title_layout.start, RIGHT) > 0.5


def test_the_layout_follows_a_resize(loop):
    press(loop, pygame.K_RETURN)
    pygame.display.set_mode((900, 560), pygame.RESIZABLE)
    pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=900, h=560, size=(900, 560)))
    loop.frame()
    assert loop.screen.get_size() == (900, 560)
    layout = play.layout((900, 560))
    assert layout.digit.right <= 900 and layout.fake.bottom <= 560
    assert_digit_drawn(loop, loop.game.round.image, layout.digit)
    look()
    click(loop, layout.real.center)
    assert loop.game.screen == Screen.REVEAL


def test_fullscreen_toggles_and_comes_back(loop):
    size = loop.screen.get_size()
    press(loop, pygame.K_F11)
    assert loop.fullscreen
    press(loop, pygame.K_F11)
    assert not loop.fullscreen and loop.screen.get_size() == size


def test_measurement_mode_goes_straight_to_the_next_digit(tmp_path, weights, digits):
    loop = open_game(tmp_path, weights, digits, reveal=False)
    try:
        pump(loop, lambda: loop.game.ready)
        press(loop, pygame.K_RETURN)
        first = loop.game.round
        answer(loop, pygame.K_f)
        assert loop.game.screen == Screen.ROUND and loop.game.round is not first
        assert_digit_drawn(loop, loop.game.round.image, play.layout(loop.screen.get_size()).digit)
    finally:
        loop.close()


def test_quit_key_and_window_close_end_the_run(tmp_path, weights, digits):
    for event in (
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=0, unicode="q", scancode=0),
        pygame.event.Event(pygame.QUIT),
    ):
        loop = build(
            PlayConfig(seed=1),
            history_file=tmp_path / "h.jsonl",
            opponent_folders=[weights],
            make_bridge=lambda: Bridge(digits),
        )
        start = loop.start

        def start_then_quit(event=event, start=start):
            start()
            pygame.event.post(event)

        loop.start = start_then_quit
        assert loop.run() == 0


def test_a_named_checkpoint_that_cannot_load_shows_why_and_exits_1(tmp_path, weights, digits):
    missing = str(tmp_path / "nothing-here.pt")
    loop = build(PlayConfig(weights=missing), history_file=tmp_path / "h.jsonl", make_bridge=lambda: Bridge(digits))
    messages = []
    loop.log = messages.append
    loop.start()
    try:
        assert loop.game.screen == Screen.FAILED  # known at once, without waiting for torch to load
        pump(loop, lambda: loop.game.quit)
        assert share(loop, pygame.Rect((0, 0), loop.screen.get_size()), WRONG) > 0.002  # the cross and the reason
        assert loop.game.quit and loop.game.exit_code == 1  # headless: nobody could press a key
        assert len(messages) == 1 and messages[0].startswith("error: ") and "no such file" in messages[0]
    finally:
        loop.close()


def test_no_opponents_says_how_to_get_one(tmp_path, digits):
    empty = tmp_path / "weights"
    empty.mkdir()
    loop = build(
        PlayConfig(), history_file=tmp_path / "h.jsonl", opponent_folders=[empty], make_bridge=lambda: Bridge(digits)
    )
    loop.start()
    try:
        press(loop, pygame.K_RETURN)
        assert loop.game.screen == Screen.TITLE
        start = title.layout(loop.game, loop.screen.get_size()).start
        assert share(loop, start, RIGHT) == 0.0 and share(loop, start, PANEL) > 0.5
    finally:
        loop.close()


def test_a_double_click_on_an_answer_does_not_skip_the_reveal(loop):
    press(loop, pygame.K_RETURN)
    layout = play.layout(loop.screen.get_size())
    look()
    for _ in range(2):  # the second click lands where the answer was: on a card, which does nothing
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=layout.real.center))
    loop.frame()
    assert loop.game.screen == Screen.REVEAL and loop.game.current == 0 and len(loop.game.answers) == 1
    assert not layout.next.colliderect(layout.real) and not layout.next.colliderect(layout.fake)
    click(loop, layout.next.center)  # the visible way on with the mouse
    assert loop.game.screen == Screen.ROUND and loop.game.current == 1


def test_escape_mid_game_asks_before_leaving(loop, tmp_path):
    press(loop, pygame.K_RETURN)
    answer(loop, pygame.K_f)
    press(loop, pygame.K_ESCAPE)
    assert loop.game.overlay == Overlay.LEAVE and loop.game.screen == Screen.REVEAL
    assert pixels(loop)[2, 2].sum() < sum(BACKGROUND)  # the question is drawn over the dimmed game
    press(loop, pygame.K_ESCAPE)  # keep playing
    assert loop.game.overlay is None and loop.game.screen == Screen.REVEAL
    press(loop, pygame.K_ESCAPE)
    press(loop, pygame.K_RETURN)  # leave
    assert loop.game.screen == Screen.TITLE
    pump(loop, lambda: not loop.game.outbox)
    [line] = (tmp_path / "home" / "history.jsonl").read_text().splitlines()
    assert json.loads(line)["finished"] is False


def test_ctrl_c_mid_game_saves_the_answers_and_exits_130(tmp_path, weights, digits):
    loop = open_game(tmp_path, weights, digits)
    pump(loop, lambda: loop.game.ready)
    press(loop, pygame.K_RETURN)
    answer(loop, pygame.K_f)
    answer(loop, pygame.K_SPACE)  # on to the second digit
    answer(loop, pygame.K_r)
    assert len(loop.game.answers) == 2

    def ctrl_c(wait_ms=0):  # Python raises SIGINT's KeyboardInterrupt wherever the loop is
        raise KeyboardInterrupt

    loop.start = lambda: None  # already up
    loop.frame = ctrl_c
    assert loop.run() == 130
    [line] = (tmp_path / "home" / "history.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["finished"] is False and len(record["rounds"]) == 2


def test_mute_is_remembered_between_runs(tmp_path, weights, digits):
    loop = open_game(tmp_path, weights, digits)
    try:
        assert not loop.game.settings.muted and loop.sounds.enabled  # the dummy driver plays into nothing
        press(loop, pygame.K_s)
        assert loop.game.settings.muted
    finally:
        loop.close()
    loop = open_game(tmp_path, weights, digits)
    try:
        assert loop.game.settings.muted
    finally:
        loop.close()


# ----------------------------------------------------------------------------- the other ways to play


def test_glimpse_exposures_are_timed_and_recorded_from_the_displays_flips(tmp_path, weights, digits, monkeypatch):
    loop = open_game(tmp_path, weights, digits, play="glimpse", reveal=False, rounds=6)
    flips = []
    flip = pygame.display.flip

    def timed_flip():
        flip()
        flips.append((time.perf_counter(), loop.game.awaiting_first_frame, loop.game.awaiting_mask_frame))

    monkeypatch.setattr(pygame.display, "flip", timed_flip)
    try:
        pump(loop, lambda: loop.game.ready)
        press(loop, pygame.K_RETURN)
        measured = []
        for number in range(6):
            pump(loop, lambda: loop.game.rules.masked, seconds=10)  # the loop's own waits: the mask comes by itself
            digit_at = next(at for at, first, _ in reversed(flips) if first)
            mask_at = next(at for at, _, mask in reversed(flips) if mask)
            measured.append((mask_at - digit_at) * 1000)
            mask = play.mask(loop.game.round.source)
            assert_digit_drawn(loop, mask, play.layout(loop.screen.get_size()).digit)  # the mask is up
            press(loop, pygame.K_r if number % 2 else pygame.K_f)
        pump(loop, lambda: not loop.game.outbox)
        record = json.loads((tmp_path / "home" / "history.jsonl").read_text().splitlines()[-1])
    finally:
        loop.close()
    assert record["game"] == "glimpse" and len(record["rounds"]) == 6
    for entry, flip_to_flip in zip(record["rounds"], measured):
        assert entry["exposure_ms"] in (100, 126, 158, 200, 251, 316, 398, 501, 631, 794, 1000)
        assert abs(entry["shown_ms"] - flip_to_flip) <= 2, (entry, flip_to_flip)  # as the display showed it
        assert entry["exposure_ms"] <= entry["shown_ms"] < entry["exposure_ms"] + 100, entry


def test_pairs_are_picked_with_the_arrow_keys_and_a_click(tmp_path, weights, digits):
    loop = open_game(tmp_path, weights, digits, play="pairs", rounds=2)
    try:
        pump(loop, lambda: loop.game.ready)
        press(loop, pygame.K_RETURN)
        assert loop.game.screen == Screen.PAIR
        from game.screens import pairs

        shown = pairs.layout(loop.screen.get_size())
        pair = loop.game.round
        assert_digit_drawn(loop, pair.left.image, shown.left)
        assert_digit_drawn(loop, pair.right.image, shown.right)
        answer(loop, pygame.K_LEFT)
        assert loop.game.screen == Screen.PAIR_REVEAL and loop.game.answers[-1].pick_left is True
        press(loop, pygame.K_v)  # where D looked, beside each digit
        assert loop.game.d_view_shown and share(loop, shown.heat_left, BACKGROUND) < 0.5
        press(loop, pygame.K_SPACE)
        look()
        click(loop, shown.right.center)  # a click on the right digit picks it
        assert loop.game.answers[-1].pick_left is False
        press(loop, pygame.K_SPACE)
        assert loop.game.screen == Screen.SUMMARY and loop.game.played.game == "pairs"
    finally:
        loop.close()


def drag(loop: Loop, points) -> None:
    """Draw one stroke with the mouse: press, move with the button held, release."""
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=points[0]))
    for point in points[1:]:
        pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, buttons=(1, 0, 0), pos=point, rel=(0, 0)))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=points[-1]))
    loop.frame()


def test_drawing_for_d_with_the_mouse_is_judged_and_kept(tmp_path, weights, digits):
    loop = open_game(tmp_path, weights, digits, play="draw")
    try:
        press(loop, pygame.K_RETURN)
        assert loop.game.screen == Screen.DRAW
        from game.screens import draw_for_d

        canvas = draw_for_d.layout(loop.screen.get_size()).canvas
        scale = canvas.w / 28
        at = lambda x, y: (int(canvas.x + x * scale), int(canvas.y + y * scale))  # noqa: E731
        drag(loop, [at(14, 5 + step) for step in range(19)])  # a "1"
        drawing = loop.game.drawing
        assert len(drawing.strokes) == 1 and drawing.strokes[0][-1] == pytest.approx((14.0, 23.0), abs=0.1)
        pump(loop, lambda: drawing.verdict is not None)  # judged by the bridge, off this thread
        verdict = drawing.verdict
        assert verdict.d_prob_real is not None and verdict.digit is not None and verdict.saliency.shape == (28, 28)
        region = pixels(loop, canvas)
        assert region[int(14 * scale), int(14 * scale)].tolist() == [255, 255, 255]  # the stroke on the canvas
        assert region[int(14 * scale), int(4 * scale)].tolist() == [0, 0, 0]
        drag(loop, [at(10, 5), at(18, 5)])
        press(loop, pygame.K_BACKSPACE)  # undo the second stroke: the first one's verdict is back at once
        assert len(drawing.strokes) == 1 and drawing.verdict is verdict
        loop.game.drawing.verdicts[drawing.image.tobytes()] = replace(verdict, d_prob_real=0.9)  # say it fooled D
        press(loop, pygame.K_RETURN)
        assert len(drawing.drawings) == 1 and drawing.drawings[0].kept and drawing.blank
        pump(loop, lambda: loop.game.kept_folder)
        kept = tmp_path / "home" / "drawings" / drawing.drawings[0].kept
        assert pygame.image.load(str(kept)).get_size() == (28, 28)
        press(loop, pygame.K_ESCAPE)
        pump(loop, lambda: not loop.game.outbox)
        record = json.loads((tmp_path / "home" / "history.jsonl").read_text().splitlines()[-1])
        assert record["game"] == "draw" and record["rounds"][0]["kept"] == kept.name
    finally:
        loop.close()


def test_the_opponent_card_opens_from_the_title(tmp_path, weights, digits):
    loop = open_game(tmp_path, weights, digits)
    try:
        press(loop, pygame.K_c)
        assert loop.game.screen == Screen.CARD
        pump(loop, lambda: loop.game.card is not None)
        from game.screens import card

        shown = card.layout(loop.screen.get_size())
        first = loop.game.card.samples[0]
        cell = pygame.Rect(shown.samples.x, shown.samples.y, shown.cell, shown.cell)
        if shown.cell % 28 == 0:  # whole screen pixels per MNIST pixel: each one checkable
            assert_digit_drawn(loop, first, cell)
        assert loop.game.card.scores == {"fid": 42.5}  # the checkpoint's own metrics: no scores.json there
        press(loop, pygame.K_ESCAPE)
        assert loop.game.screen == Screen.TITLE
    finally:
        loop.close()


def test_d_probability_never_reads_fifty_percent_beside_a_verdict():
    from game.screens.widgets import percent_real

    assert percent_real(0.496) == "49.6%"  # a FAKE verdict; "50%" would read as a coin toss on the wrong side
    assert percent_real(0.4996) == "49.96%" and percent_real(0.5004) == "50.04%"
    assert percent_real(0.5) == "50%" and percent_real(0.73) == "73%" and percent_real(0.999) == "100%"
