"""What `Game.handle` takes: the player's actions and the outside world's news.

The loop turns keys (through `game.keys`) and clicks (through the view's
targets) into `Action`s and the `Select*` / `Open*` events; the preparer's
finished work arrives as `Prepared` / `PrepareFailed` / `ImagesReady`; the
history's as `HistoryLoaded`, `Saved`, `RecordOpened` and `StatsReady`; the
window's as `DigitShown` and `WindowClosed`. Nothing here imports pygame or
torch.
"""

from dataclasses import dataclass
from enum import Enum


class Action(Enum):
    START = "start"
    REAL = "real"
    FAKE = "fake"
    CONTINUE = "continue"
    BACK = "back"
    CONFIRM = "confirm"  # yes, in a question such as "leave this game?"
    HELP = "help"
    QUIT = "quit"
    FULLSCREEN = "fullscreen"  # the window's business: the loop acts on it, the game never sees it
    TOGGLE_SOUND = "toggle_sound"
    TOGGLE_MEASUREMENT = "toggle_measurement"
    TOGGLE_DETECTOR = "toggle_detector"
    PREVIOUS_OPPONENT = "previous_opponent"
    NEXT_OPPONENT = "next_opponent"
    FEWER_ROUNDS = "fewer_rounds"
    MORE_ROUNDS = "more_rounds"
    RECORDS = "records"
    NOTICES = "notices"
    PREVIOUS = "previous"  # the entry above in a list, or the digit before in the enlarged view
    NEXT = "next"
    PAGE_UP = "page_up"
    PAGE_DOWN = "page_down"


@dataclass(frozen=True)
class SelectOpponent:
    """A click on one opponent of the title list."""

    index: int  # into Game.opponents


@dataclass(frozen=True)
class SelectRounds:
    """A click on one of the round counts."""

    rounds: int


@dataclass(frozen=True)
class SelectRecord:
    """A click on one past game of the Records list."""

    index: int  # into Game.records, which is oldest first


@dataclass(frozen=True)
class OpenDigit:
    """A click on one digit of a summary's review grid: show it large."""

    index: int  # into the summary's rounds


@dataclass(frozen=True)
class Scroll:
    """The mouse wheel over a list: positive scrolls towards the top."""

    steps: int


@dataclass(frozen=True)
class DigitShown:
    """The loop flipped the first frame that shows the current digit: its answer clock starts now."""


@dataclass(frozen=True)
class WindowClosed:
    """The window's close button: save what can be saved and quit, without asking."""


@dataclass(frozen=True)
class Prepared:
    setup: object  # game.state.GameSetup


@dataclass(frozen=True)
class PrepareFailed:
    request: object  # game.state.GameRequest or ImagesRequest
    message: str  # one line


@dataclass(frozen=True)
class ImagesReady:
    """The digits of a reopened game, rebuilt from its record (None where one could not be)."""

    request: object  # game.state.ImagesRequest
    images: tuple  # one (28, 28) uint8 array or None per round
    message: str = ""  # why some are missing, one line


@dataclass(frozen=True)
class HistoryLoaded:
    """The history file read (off the loop's thread): every valid game, oldest first."""

    records: list  # game.records.GameSummary
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Saved:
    """The history's answer to one finished game: its summary line, and what went wrong (usually nothing)."""

    record: dict
    summary: object = None  # game.records.GameSummary of the appended line; None when it was not saved
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordOpened:
    """A past game read back from the history in full, to show as its summary."""

    summary: object  # the game.records.GameSummary asked for
    played: object = None  # game.state.PlayedGame; None when the line could not be read back
    message: str = ""  # why not, one line


@dataclass(frozen=True)
class StatsReady:
    """Per-opponent figures over all finished measurement games, with bootstrap intervals."""

    stats: tuple  # game.scoring.OpponentStats, one per opponent
    games: int  # how many summaries they were computed from, so a stale answer can be told apart
