"""Every screen drawn from a fixed game state and compared with its stored picture, as pgzero's tests do.

The pictures live in tests/reference/<name>.png. A screen passes when almost
every pixel matches (fonts may antialias a little differently on another
machine); on failure the drawn picture and a diff (changed pixels in red over
a faded copy of the reference) are saved in pytest's tmp folder, and the
message names them. After a change to a screen that is meant, look at the new
pictures and store them with

    REAL_OR_FAKE_UPDATE_REFERENCES=1 python -m pytest tests/test_game_screens.py

then review them with `git diff --stat tests/reference` and an image viewer.
"""

import os
from dataclasses import replace
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from game.card import OpponentCard  # noqa: E402
from game.digits import load_test_digits  # noqa: E402
from game.events import (  # noqa: E402
    Action,
    CardReady,
    DigitShown,
    DrawingJudged,
    HistoryLoaded,
    ImagesReady,
    Kept,
    MaskShown,
    OpenDigit,
    Pen,
    Prepared,
    PrepareFailed,
    RecordOpened,
    SelectGame,
    StatsReady,
)
from game.records import played_from, record_of, summary_of  # noqa: E402
from game.rounds import CardRequest, Pair  # noqa: E402
from game.scoring import best_key, opponent_stats, threshold_stats  # noqa: E402
from game.screens import title  # noqa: E402
from game.state import Game, GameRequest, GameSetup, Opponent, Round, Screen, Settings  # noqa: E402
from game.view import View  # noqa: E402

REFERENCE = Path(__file__).resolve().parent / "reference"
SIZE = (960, 540)
SMALL = (640, 400)  # the smallest window the game allows: text must stay legible there
UPDATE = os.environ.get("REAL_OR_FAKE_UPDATE_REFERENCES") == "1"
CHANGED_LEVEL = 48  # a pixel whose channels moved by more than this counts as changed
CHANGED_SHARE = 0.002  # screens may differ in this share of their pixels (antialiasing)
OPPONENTS = [
    Opponent("weights/easy.pt", "easy", "easy", epoch=1),
    Opponent("weights/medium.pt", "medium", "medium", epoch=5),
    Opponent("weights/hard.pt", "hard", "hard", epoch=50, fid=8.23),
    Opponent("weights/20260101-120000.pt", "20260101-120000", epoch=12, fid=14.5),
]
TRUTHS = [True, False, False, True, True, False, True, False, False, True]
D_PROBABILITIES = [0.91, 0.62, 0.08, 0.33, 0.77, 0.45, 0.97, 0.12, 0.81, 0.58]
ANSWERS = [Action.REAL, Action.REAL, Action.FAKE, Action.FAKE, Action.REAL] * 2


@pytest.fixture(scope="module")
def digits():
    return load_test_digits()


@pytest.fixture(scope="module")
def view():
    pygame.display.init()
    pygame.font.init()
    yield View(history_location="/home/player/.local/share/real-or-fake/history.jsonl")
    pygame.quit()


def looked_at(image: np.ndarray) -> np.ndarray:
    """A stand-in for where the judge looked (the screens never compute one): the digit's edges, brightest."""
    ink = image.astype(float)
    edges = np.abs(np.diff(ink, axis=0, prepend=0)) + np.abs(np.diff(ink, axis=1, prepend=0))
    return np.round(255 * edges / max(1.0, edges.max())).astype(np.uint8)


def setup_for(request: GameRequest, digits, probabilities=D_PROBABILITIES) -> GameSetup:
    """Rounds with real test digits; the "fakes" are other test digits (the screens never know)."""
    images, labels = digits
    rounds = []
    count = request.rounds * (2 if request.game == "pairs" else 1)
    truths = (TRUTHS * 20)[:count] if request.game != "pairs" else [n < request.rounds for n in range(count)]
    chances = (probabilities * 20)[:count]
    if request.game == "pairs":  # the fakes' figures in another order, so D's pick differs from pair to pair
        chances = chances[: request.rounds] + (probabilities[::-1] * 20)[: request.rounds]
    for number, (is_real, probability) in enumerate(zip(truths, chances)):
        index = 100 + 37 * number
        rounds.append(
            Round(
                image=images[index],
                is_real=is_real,
                d_prob_real=probability,
                test_index=index if is_real else None,
                noise_seed=None if is_real else 1_000_003 * number,
                label=int(labels[index]) if is_real else None,
                saliency=looked_at(images[index]),
            )
        )
    if request.game == "pairs":
        half = request.rounds
        rounds = [Pair(rounds[n], rounds[half + n], real_left=TRUTHS[n % 10]) for n in range(half)]
    return GameSetup(request=request, rounds=tuple(rounds), opponent_name="medium", checkpoint_sha256="ab" * 32)


def title_game(digits, probabilities=D_PROBABILITIES, **settings) -> Game:
    settings = {"rounds": 10, "seed": 7, **settings}
    game = Game(opponents=list(OPPONENTS), settings=Settings(**settings), best={best_key("ab" * 32, 10, False): 7})
    game.handle(Action.NEXT_OPPONENT)
    game.handle(Prepared(setup_for(game.wanted, digits, probabilities)))
    return game


def answer(game: Game, action: Action, seconds: float = 0.8) -> None:
    game.handle(DigitShown())
    if game.deadline_ms is not None:  # glimpse: the loop flips the mask once the exposure is over, 3 ms late
        game.update((game.deadline_ms + 3) / 1000)
        game.handle(MaskShown())
    game.update(seconds)
    game.handle(action)


PAIR_ANSWERS = {Action.REAL: Action.PICK_LEFT, Action.FAKE: Action.PICK_RIGHT}


def playing(digits, answered: int, measurement=False, rounds=10, probabilities=D_PROBABILITIES, way="single") -> Game:
    game = title_game(digits, probabilities, measurement=measurement, rounds=rounds, game=way)
    game.handle(Action.START)
    for action in (ANSWERS * 10)[:answered]:
        answer(game, PAIR_ANSWERS[action] if way == "pairs" else action, 1.2 if way == "glimpse" else 0.8)
        if game.screen in (Screen.REVEAL, Screen.PAIR_REVEAL):  # practice; Continue on a summary would leave it
            game.handle(Action.CONTINUE)
    game.update(1.0)  # the summary's bars have grown in
    return game


def scene_title(digits):
    game = title_game(digits)
    game.notices.append("skipped weights/broken.pt: not a readable checkpoint (File is not a zip file)")
    return game


def scene_title_empty(digits):
    return Game(opponents=[], settings=Settings(rounds=10, seed=7))


def scene_loading(digits):
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=10, seed=7))
    game.handle(Action.START)
    game.update(0.4)
    return game


def scene_round(digits):
    return playing(digits, 3)


def revealed(digits, action, way="single") -> Game:
    """Three digits answered, the fourth answered with `action` after 1.2 s, and its reveal's flash over."""
    game = playing(digits, 3, way=way)
    answer(game, action, 1.2)
    game.update(1.0)
    return game


def scene_reveal(digits):
    return revealed(digits, Action.REAL)


def scene_reveal_flash(digits):
    game = playing(digits, 4)
    answer(game, Action.REAL)
    game.update(0.1)
    return game


def scene_reveal_last_no_answer_from_d(digits):
    game = playing(digits, 9, probabilities=[float("nan")] * 10)
    answer(game, Action.FAKE)
    game.update(1.0)
    return game


def scene_leave_question(digits):
    game = playing(digits, 3)
    game.handle(Action.BACK)
    return game


def scene_help(digits):
    game = playing(digits, 2)
    game.handle(Action.HELP)
    return game


def scene_summary(digits):
    return playing(digits, 10)


def scene_summary_detector(digits):
    """Judged by a fresh detector: its marks under the digits read "det", never "D", the GAN's own."""
    game = title_game(digits, detector=True)
    game.prepared = replace(game.prepared, judge="critic")
    game.handle(Action.START)
    for action in ANSWERS:
        answer(game, action)
        game.handle(Action.CONTINUE)
    game.update(1.0)
    return game


def scene_summary_first_measurement_game(digits):
    return playing(digits, 10, measurement=True)


def scene_summary_fifty_digits(digits):
    return playing(digits, 50, rounds=50)


def scene_digit_enlarged(digits):
    game = playing(digits, 10)
    game.handle(OpenDigit(4))
    return game


def past_games(digits) -> list[dict]:
    """Records of six finished games and one left early, against two generators, as the history holds them."""
    found = []
    for number in range(7):
        game = playing(digits, 10, measurement=number % 3 != 2)
        found.append(record_of(game.played))
        found[-1]["time"] = f"2026-11-{20 + number:02d}T1{number}:30:00+00:00"
        found[-1]["opponent"] = "hard" if number % 2 else "medium"
        found[-1]["checkpoint"] = f"weights/{found[-1]['opponent']}.pt"
    game = playing(digits, 4)
    game.handle(Action.BACK)
    game.handle(Action.CONFIRM)
    found.append(dict(game.outbox[0], time="2026-11-28T09:05:00+00:00"))
    return found


def records_game(digits) -> Game:
    game = title_game(digits)
    summaries = [summary_of(record, number * 1000) for number, record in enumerate(past_games(digits))]
    game.handle(HistoryLoaded(summaries))
    game.handle(StatsReady(opponent_stats([s for s in summaries if s.measurement]), len(summaries)))
    game.handle(Action.RECORDS)
    game.handle(Action.NEXT)
    return game


def scene_records(digits):
    return records_game(digits)


def scene_records_empty(digits):
    game = title_game(digits)
    game.handle(HistoryLoaded([]))
    game.handle(Action.RECORDS)
    return game


def scene_reopened_summary(digits):
    game = records_game(digits)
    game.handle(Action.START)
    return reopened(game, past_games(digits)[game.record_cursor], digits)


def reopened(game: Game, record: dict, digits) -> Game:
    """The game whose opening was asked for, as the history thread reads it back, its digits redrawn."""
    game.handle(RecordOpened(game.record_wanted, played_from(record)))
    request = game.wanted_images
    images, _ = digits
    game.handle(ImagesReady(request, tuple(images[100 + 37 * n] for n in range(len(request.sources)))))
    game.update(1.0)
    return game


def scene_reopened_unfinished_game(digits):
    """A game left after 4 of 10 digits: no one is declared the winner of it."""
    game = title_game(digits)
    summaries = [summary_of(record, number * 1000) for number, record in enumerate(past_games(digits))]
    game.handle(HistoryLoaded(summaries))
    game.handle(Action.RECORDS)
    game.handle(Action.START)  # the newest: the game left early
    record = past_games(digits)[-1]
    assert game.record_wanted.key == summary_of(record, 0).key
    return reopened(game, record, digits)


def scene_reopened_detector_game_redrawing(digits):
    """A reopened game judged by a fresh detector, its digits not back yet: the empty boxes are explained."""
    game = records_game(digits)
    game.handle(Action.START)
    record = dict(past_games(digits)[game.record_cursor], judge="critic")
    game.handle(RecordOpened(game.record_wanted, played_from(record)))
    assert game.wanted_images is not None and game.wanted_images.detector
    return game


def scene_reopened_summary_without_its_fakes(digits):
    game = records_game(digits)
    game.handle(Action.NEXT)
    game.handle(Action.START)
    record = past_games(digits)[game.record_cursor]
    game.handle(RecordOpened(game.record_wanted, played_from(record)))
    game.handle(ImagesReady(game.wanted_images, (), "fakes not redrawn: weights/hard.pt has changed since this game"))
    game.update(1.0)
    return game


def scene_notices(digits):
    game = scene_title(digits)
    game.notices.extend(
        [
            "skipped weights/pipe.pt: not a regular file",
            "history.jsonl had 2 damaged lines (line at byte 1204: not JSON); moved to history.jsonl.set-aside",
        ]
    )
    game.handle(Action.NOTICES)
    return game


# ----------------------------------------------------------------------------- the other ways to play


def scene_title_glimpse(digits):
    game = title_game(digits)
    game.handle(SelectGame("glimpse"))
    return game


def scene_title_draw(digits):
    game = title_game(digits, detector=True)  # left on from another tab: D still judges drawings, as the title says
    game.handle(SelectGame("draw"))
    return game


def scene_reveal_d_view(digits):
    game = scene_reveal(digits)
    game.handle(Action.TOGGLE_D_VIEW)
    return game


def scene_glimpse_exposure(digits):
    game = playing(digits, 3, way="glimpse")
    game.handle(DigitShown())
    game.update(0.05)
    return game


def scene_glimpse_mask(digits):
    game = playing(digits, 3, way="glimpse")
    game.handle(DigitShown())
    game.update(2.0)
    game.handle(MaskShown())
    return game


def scene_glimpse_reveal(digits):
    return revealed(digits, Action.FAKE, way="glimpse")


def scene_summary_glimpse(digits):
    return playing(digits, 20, rounds=20, way="glimpse", measurement=True)


def scene_pair(digits):
    return playing(digits, 3, way="pairs")


def scene_pair_reveal(digits):
    return revealed(digits, Action.PICK_RIGHT, way="pairs")


def scene_pair_reveal_d_view(digits):
    game = scene_pair_reveal(digits)
    game.handle(Action.TOGGLE_D_VIEW)
    return game


def scene_summary_pairs(digits):
    return playing(digits, 10, way="pairs")


def scene_pair_enlarged(digits):
    game = playing(digits, 10, way="pairs")
    game.handle(OpenDigit(2))
    return game


def scene_digit_enlarged_d_view(digits):
    game = scene_digit_enlarged(digits)
    game.handle(Action.TOGGLE_D_VIEW)
    return game


def draw_stroke(game: Game, points) -> None:
    game.handle(Pen("down", *points[0]))
    for point in points[1:]:
        game.handle(Pen("move", *point))
    game.handle(Pen("up", *points[-1]))


SEVEN = [(8, 7), (20, 7), (19, 10), (16, 15), (14, 19), (13, 23)]


def drawing_game(digits) -> Game:
    game = title_game(digits)
    game.handle(SelectGame("draw"))
    game.handle(Action.START)
    return game


def judge_drawing(game: Game, probability: float, digit: int) -> None:
    request = game.wanted_drawing
    image = np.frombuffer(request.pixels, dtype=np.uint8).reshape(28, 28)
    game.handle(DrawingJudged(request, probability, digit, 0.93, looked_at(image), checkpoint_sha256="cd" * 32))


def scene_draw(digits):
    return drawing_game(digits)


def scene_draw_quit_question(digits):
    game = drawing_game(digits)
    draw_stroke(game, SEVEN)
    judge_drawing(game, 0.4, 7)
    game.handle(Action.SUBMIT)
    draw_stroke(game, SEVEN)  # in hand, not handed in
    game.handle(Action.QUIT)
    return game


def scene_draw_judged(digits):
    game = drawing_game(digits)
    for number, probability in enumerate((0.71, 0.22, 0.64)):
        draw_stroke(game, [(x, y + number * (y - 7) * 0.2) for x, y in SEVEN])  # taller each time
        judge_drawing(game, probability, 7)
        game.update(4.0)
        game.handle(Action.SUBMIT)
    game.handle(Kept("x.png", "/home/player/.local/share/real-or-fake/drawings/x.png"))
    draw_stroke(game, SEVEN)
    draw_stroke(game, [(11, 15), (18, 14)])
    judge_drawing(game, 0.83, 7)
    game.handle(Action.TOGGLE_D_VIEW)
    return game


def scene_draw_waiting(digits):
    game = drawing_game(digits)
    draw_stroke(game, SEVEN)
    return game


def drawing_session(digits) -> dict:
    game = scene_draw_judged(digits)
    game.handle(Action.SUBMIT)
    game.handle(Action.BACK)
    return dict(game.outbox[-1], time="2026-11-28T10:05:00+00:00")


def scene_summary_drawings(digits):
    game = records_game(digits)
    record = drawing_session(digits)
    game.records.append(summary_of(record, 99_000))
    game.record_cursor = len(game.records) - 1
    game.handle(Action.START)
    game.handle(RecordOpened(game.record_wanted, played_from(record)))
    game.update(1.0)
    return game


def card_game(digits, **changes) -> Game:
    game = title_game(digits)
    game.handle(Action.NEXT_OPPONENT)
    game.handle(Action.CARD)
    images, _ = digits
    grids = [images[4 * n : 4 * n + 16].reshape(4, 4, 28, 28).transpose(0, 2, 1, 3) for n in range(3)]
    frames = tuple(grid.reshape(112, 112) for grid in grids)  # a timelapse of three 4x4 grids
    card = OpponentCard(
        checkpoint="weights/hard.pt",
        name="hard",
        sha256="0f" * 32,
        epoch=50,
        samples=tuple(images[200 + n] for n in range(40)),
        scores={
            "fid": 8.23,
            "precision": 0.463,
            "recall": 0.827,
            "c2st_accuracy": 0.541,
            "d_accuracy": 0.628,
            "class_shares": (0.108, 0.105, 0.083, 0.094, 0.093, 0.08, 0.083, 0.142, 0.087, 0.122),
        },
        scores_source="from scores.json (python -m gan.evaluate)",
        run_dir="runs/cpu-seed1-sn",
        timelapse=frames,
        frame_ms=250,
    )
    card = replace(card, **changes)
    game.handle(CardReady(CardRequest(game.checkpoint), card))
    game.update(0.3)
    return game


def scene_card(digits):
    return card_game(digits)


def scene_card_without_scores_or_timelapse(digits):
    return card_game(
        digits,
        scores={"fid": 8.5},
        scores_source="from the trainer's quick figures",
        timelapse=(),
        timelapse_note="its run folder runs/cpu-seed1-sn is not here",
    )


def scene_card_loading(digits):
    game = title_game(digits)
    game.handle(Action.CARD)
    return game


def scene_records_every_way(digits):
    game = records_game(digits)
    extra = []
    for way in ("glimpse", "pairs"):
        played = playing(
            digits, 20 if way == "glimpse" else 10, measurement=True, way=way, rounds=20 if way == "glimpse" else 10
        )
        extra.append(dict(record_of(played.played), time="2026-11-28T11:00:00+00:00"))
    extra.append(drawing_session(digits))
    summaries = list(game.records) + [summary_of(record, 50_000 + n) for n, record in enumerate(extra)]
    game.handle(HistoryLoaded(summaries))
    measured = [s for s in summaries if s.measurement]
    stats = opponent_stats(measured)
    game.handle(StatsReady(stats, len(summaries), opponent_stats(measured, game="pairs"), threshold_stats(measured)))
    game.handle(Action.RECORDS)
    return game


def scene_failed(digits):
    game = Game(opponents=[Opponent("nope.pt", "nope")], settings=Settings(fixed_checkpoint="nope.pt", seed=1))
    game.handle(PrepareFailed(game.wanted, "nope.pt: no such file"))
    return game


def scene_failed_with_others(digits):
    opponents = [Opponent("nope.pt", "nope")] + OPPONENTS
    game = Game(opponents=opponents, settings=Settings(fixed_checkpoint="nope.pt", seed=1))
    game.handle(PrepareFailed(game.wanted, "nope.pt: not a readable checkpoint (File is not a zip file)"))
    return game


SCENES = {name[len("scene_") :]: build for name, build in globals().items() if name.startswith("scene_")}
SMALL_SCENES = (
    "title",
    "records_every_way",
    "round",
    "reveal",
    "summary",
    "summary_fifty_digits",
    "records",
    "help",
    "leave_question",
    "title_glimpse",
    "glimpse_mask",
    "pair",
    "pair_reveal_d_view",
    "reveal_d_view",
    "summary_glimpse",
    "summary_pairs",
    "draw_judged",
    "card",
)
CASES = [(name, SIZE) for name in sorted(SCENES)] + [(f"{name}_small", SMALL) for name in SMALL_SCENES]


def difference(drawn: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels that changed beyond antialiasing."""
    return np.abs(drawn.astype(int) - reference.astype(int)).max(axis=2) > CHANGED_LEVEL


def save_diff(drawn: np.ndarray, reference: np.ndarray, changed: np.ndarray, path: Path) -> None:
    faded = (reference.astype(int) // 3).astype(np.uint8)
    faded[changed] = (255, 0, 0)
    pygame.image.save(pygame.surfarray.make_surface(faded.transpose(1, 0, 2)), str(path))


@pytest.mark.parametrize("name, size", CASES, ids=[name for name, _ in CASES])
def test_screen_matches_its_reference(name, size, digits, view, tmp_path):
    surface = pygame.Surface(size)
    view.draw(surface, SCENES[name.removesuffix("_small")](digits))
    drawn = pygame.surfarray.array3d(surface).transpose(1, 0, 2)
    path = REFERENCE / f"{name}.png"
    if UPDATE or not path.exists():
        REFERENCE.mkdir(exist_ok=True)
        pygame.image.save(surface, str(path))
        if not UPDATE:
            pytest.fail(f"no reference picture for {name}: stored the drawn one as {path}; look at it and commit it")
    reference = pygame.surfarray.array3d(pygame.image.load(str(path))).transpose(1, 0, 2)
    assert reference.shape == drawn.shape, f"{path} is {reference.shape[1]}x{reference.shape[0]}, not {size}"
    changed = difference(drawn, reference)
    if changed.mean() > CHANGED_SHARE:
        pygame.image.save(surface, str(tmp_path / f"{name}.png"))
        save_diff(drawn, reference, changed, tmp_path / f"{name}-diff.png")
        pytest.fail(
            f"{name}: {100 * changed.mean():.2f}% of pixels differ from {path} (allowed {100 * CHANGED_SHARE}%); "
            f"drawn: {tmp_path / (name + '.png')}, diff: {tmp_path / (name + '-diff.png')}"
        )


def test_the_comparison_catches_a_changed_screen(digits, view, tmp_path):
    """A screen with one panel moved must fail the tolerance, or the reference tests prove nothing."""
    surface = pygame.Surface(SIZE)
    view.draw(surface, scene_summary(digits))
    drawn = pygame.surfarray.array3d(surface).transpose(1, 0, 2)
    moved = np.roll(drawn, 6, axis=1)
    assert difference(moved, drawn).mean() > CHANGED_SHARE
    assert difference(drawn, drawn).mean() == 0.0


def test_the_card_scales_its_digit_bars_so_no_share_is_cut_off():
    from game.screens.card import share_scale

    assert share_scale([0.1] * 10) == 0.2  # a balanced generator: 20% at the top, the 10% line halfway
    easy = [0.0115, 0.0281, 0.0554, 0.2064, 0.0926, 0.22, 0.0058, 0.3342, 0.0207, 0.0253]  # easy.pt's shares
    assert share_scale(easy) == pytest.approx(0.4)  # its 33% bar fits under the top
    assert share_scale([0.3] + [0.7 / 9] * 9) == pytest.approx(0.3)


def test_under_weights_the_title_lists_only_the_named_generator():
    """--weights fixes the opponent, so the others are not listed with an Up / Down hint that does nothing."""
    many = [Opponent(f"weights/run{n}.pt", f"run{n}") for n in range(12)]
    named = Opponent("mine.pt", "mine")
    fixed = Game(opponents=[named, *many], settings=Settings(fixed_checkpoint="mine.pt", seed=1))
    shown = title.layout(fixed, SIZE)
    assert [row.index for row in shown.rows] == [0] and shown.hidden == 0
    free = Game(opponents=[named, *many], settings=Settings(seed=1))
    shown = title.layout(free, SIZE)
    assert len(shown.rows) > 1 and shown.hidden == len(many) + 1 - len(shown.rows)


def test_the_records_lines_of_other_ways_keep_their_names_whole_in_the_smallest_window(digits, view, monkeypatch):
    """Where room is short the game count goes, not the way's name ("Medium, glimpse", never "Medium, glimp...")."""
    from game.screens.widgets import Painter

    drawn, text = [], Painter.text
    monkeypatch.setattr(
        Painter,
        "text",
        lambda self, surface, string, *rest, **kw: drawn.append(string) or text(self, surface, string, *rest, **kw),
    )
    view.draw(pygame.Surface(SMALL), scene_records_every_way(digits))
    lines = [string for string in drawn if string.startswith(("Medium, glimpse", "Medium, pairs"))]
    assert len(lines) == 2 and not any(line.endswith("...") for line in lines), lines
