"""What `Game.handle` takes: the player's actions and the outside world's news.

The loop turns keys (through `game.keys`) and clicks (through the view's
targets) into `Action`s and the `Select*` events; the preparer's finished work
arrives as `Prepared` / `PrepareFailed`; the history's answer to a finished
game as `Saved`. Nothing here imports pygame or torch.
"""

from dataclasses import dataclass
from enum import Enum


class Action(Enum):
    START = "start"
    REAL = "real"
    FAKE = "fake"
    CONTINUE = "continue"
    BACK = "back"
    HELP = "help"
    QUIT = "quit"
    FULLSCREEN = "fullscreen"  # the window's business: the loop acts on it, the game never sees it
    TOGGLE_MEASUREMENT = "toggle_measurement"
    PREVIOUS_OPPONENT = "previous_opponent"
    NEXT_OPPONENT = "next_opponent"
    FEWER_ROUNDS = "fewer_rounds"
    MORE_ROUNDS = "more_rounds"


@dataclass(frozen=True)
class SelectOpponent:
    """A click on one opponent of the title list."""

    index: int  # into Game.opponents


@dataclass(frozen=True)
class SelectRounds:
    """A click on one of the round counts."""

    rounds: int


@dataclass(frozen=True)
class Prepared:
    setup: object  # game.state.GameSetup


@dataclass(frozen=True)
class PrepareFailed:
    request: object  # game.state.GameRequest
    message: str  # one line


@dataclass(frozen=True)
class Saved:
    """The history's answer to one finished game: the record, and what went wrong saving it (usually nothing)."""

    record: dict
    notices: tuple[str, ...] = ()
