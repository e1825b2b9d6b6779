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
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from game.digits import load_test_digits  # noqa: E402
from game.events import (  # noqa: E402
    Action,
    DigitShown,
    HistoryLoaded,
    ImagesReady,
    OpenDigit,
    Prepared,
    PrepareFailed,
    RecordOpened,
    StatsReady,
)
from game.records import played_from, record_of, summary_of  # noqa: E402
from game.scoring import opponent_stats  # noqa: E402
from game.state import Game, GameRequest, GameSetup, Opponent, Round, Settings  # noqa: E402
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


def setup_for(request: GameRequest, digits, probabilities=D_PROBABILITIES) -> GameSetup:
    """Rounds with real test digits; the "fakes" are other test digits (the screens never know)."""
    images, labels = digits
    rounds = []
    truths = (TRUTHS * 10)[: request.rounds]
    for number, (is_real, probability) in enumerate(zip(truths, (probabilities * 10)[: request.rounds])):
        index = 100 + 37 * number
        rounds.append(
            Round(
                image=images[index],
                is_real=is_real,
                d_prob_real=probability,
                test_index=index if is_real else None,
                noise_seed=None if is_real else 1_000_003 * number,
                label=int(labels[index]) if is_real else None,
            )
        )
    return GameSetup(request=request, rounds=tuple(rounds), opponent_name="medium", checkpoint_sha256="ab" * 32)


def title_game(digits, probabilities=D_PROBABILITIES, **settings) -> Game:
    settings = {"rounds": 10, "seed": 7, **settings}
    game = Game(opponents=list(OPPONENTS), settings=Settings(**settings), best={"medium/10/practice": 7})
    game.handle(Action.NEXT_OPPONENT)
    game.handle(Prepared(setup_for(game.wanted, digits, probabilities)))
    return game


def answer(game: Game, action: Action, seconds: float = 0.8) -> None:
    game.handle(DigitShown())
    game.update(seconds)
    game.handle(action)


def playing(digits, answered: int, measurement=False, rounds=10, probabilities=D_PROBABILITIES) -> Game:
    game = title_game(digits, probabilities, measurement=measurement, rounds=rounds)
    game.handle(Action.START)
    for action in (ANSWERS * 10)[:answered]:
        answer(game, action)
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


def scene_reveal(digits):
    game = playing(digits, 3)
    answer(game, Action.REAL, 1.2)
    game.update(1.0)  # the flash is over
    return game


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
    record = past_games(digits)[game.record_cursor]
    game.handle(RecordOpened(game.record_wanted, played_from(record)))
    request = game.wanted_images
    images, _ = digits
    game.handle(ImagesReady(request, tuple(images[100 + 37 * n] for n in range(len(request.sources)))))
    game.update(1.0)
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
SMALL_SCENES = ("title", "round", "reveal", "summary", "summary_fifty_digits", "records", "help", "leave_question")
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
