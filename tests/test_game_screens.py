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
from game.events import Action, Prepared, PrepareFailed  # noqa: E402
from game.state import Game, GameRequest, GameSetup, Opponent, Round, Settings  # noqa: E402
from game.view import View  # noqa: E402

REFERENCE = Path(__file__).resolve().parent / "reference"
SIZE = (960, 540)
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


def setup_for(request: GameRequest, digits) -> GameSetup:
    """Ten rounds with real test digits; the "fakes" are other test digits (the screens never know)."""
    images, labels = digits
    rounds = []
    for number, (is_real, probability) in enumerate(zip(TRUTHS, D_PROBABILITIES)):
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


def title_game(digits, **settings) -> Game:
    game = Game(opponents=list(OPPONENTS), settings=Settings(rounds=10, seed=7, **settings), best={"medium/10": 7})
    game.handle(Action.NEXT_OPPONENT)
    game.handle(Prepared(setup_for(game.wanted, digits)))
    return game


def playing(digits, answered: int, measurement=False) -> Game:
    game = title_game(digits, measurement=measurement)
    game.handle(Action.START)
    for action in ANSWERS[:answered]:
        game.update(0.8)
        game.handle(action)
        game.handle(Action.CONTINUE)
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
    game.update(1.2)
    game.handle(Action.REAL)
    return game


def scene_help(digits):
    game = playing(digits, 2)
    game.handle(Action.HELP)
    return game


def scene_summary(digits):
    return playing(digits, 10)


def scene_failed(digits):
    game = Game(opponents=[Opponent("nope.pt", "nope")], settings=Settings(fixed_checkpoint="nope.pt", seed=1))
    game.handle(PrepareFailed(game.wanted, "nope.pt: no such file"))
    return game


SCENES = {name[len("scene_") :]: build for name, build in globals().items() if name.startswith("scene_")}


def difference(drawn: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels that changed beyond antialiasing."""
    return np.abs(drawn.astype(int) - reference.astype(int)).max(axis=2) > CHANGED_LEVEL


def save_diff(drawn: np.ndarray, reference: np.ndarray, changed: np.ndarray, path: Path) -> None:
    faded = (reference.astype(int) // 3).astype(np.uint8)
    faded[changed] = (255, 0, 0)
    pygame.image.save(pygame.surfarray.make_surface(faded.transpose(1, 0, 2)), str(path))


@pytest.mark.parametrize("name", sorted(SCENES))
def test_screen_matches_its_reference(name, digits, view, tmp_path):
    surface = pygame.Surface(SIZE)
    view.draw(surface, SCENES[name](digits))
    drawn = pygame.surfarray.array3d(surface).transpose(1, 0, 2)
    path = REFERENCE / f"{name}.png"
    if UPDATE or not path.exists():
        REFERENCE.mkdir(exist_ok=True)
        pygame.image.save(surface, str(path))
        if not UPDATE:
            pytest.fail(f"no reference picture for {name}: stored the drawn one as {path}; look at it and commit it")
    reference = pygame.surfarray.array3d(pygame.image.load(str(path))).transpose(1, 0, 2)
    assert reference.shape == drawn.shape, f"{path} is {reference.shape[1]}x{reference.shape[0]}, not {SIZE}"
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
