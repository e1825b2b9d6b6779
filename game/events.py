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
    NEXT_GAME = "next_game"  # the title's next way to play: one digit, glimpse, pairs, draw
    CARD = "card"  # the chosen generator's opponent card
    PICK_LEFT = "pick_left"  # pairs: the left digit is the real one
    PICK_RIGHT = "pick_right"
    TOGGLE_D_VIEW = "toggle_d_view"  # show or hide where the judge looked, beside a digit
    UNDO = "undo"  # draw: take back the last stroke
    CLEAR = "clear"  # draw: a blank canvas
    SUBMIT = "submit"  # draw: this drawing is done; the next one starts blank


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
class SelectGame:
    """A click on one way to play on the title."""

    game: str  # one of game.rounds.GAMES


@dataclass(frozen=True)
class Pen:
    """The mouse on Draw's canvas: pressed, moved while pressed, or lifted, at (x, y) in canvas pixels (0 to 28)."""

    kind: str  # "down", "move" or "up"
    x: float
    y: float


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
class MaskShown:
    """Glimpse mode: the loop flipped the first frame that covers the digit with the mask; its exposure ends now."""


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
    images: tuple  # one (28, 28) uint8 array or None per digit
    message: str = ""  # why some are missing, one line
    saliencies: tuple = ()  # where the judge looked, one (28, 28) uint8 map or None per digit
    labels: tuple = ()  # the digit each real one shows (None for a fake), so the zoom can say "a 7"


@dataclass(frozen=True)
class DrawingJudged:
    """D's verdict on a drawing, and the classifier's reading of it."""

    request: object  # game.rounds.DrawingRequest
    d_prob_real: float | None = None
    digit: int | None = None  # the digit the classifier sees; None when it could not be loaded
    digit_prob: float | None = None
    saliency: object = None  # (28, 28) uint8: where D looked
    message: str = ""  # why part of it is missing, one line
    checkpoint_sha256: str = ""  # of the weights that judged


@dataclass(frozen=True)
class CardReady:
    """An opponent card, made by the bridge."""

    request: object  # game.rounds.CardRequest
    card: object  # game.card.OpponentCard


@dataclass(frozen=True)
class Kept:
    """The history thread's answer to a drawing kept as a PNG."""

    name: str
    path: str = ""  # where it went; "" when it could not be written
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpponentsIdentified:
    """The SHA-256 of each opponent's file, read off the loop's thread: bests belong to exact weights."""

    digests: tuple[tuple[str, str], ...]  # (checkpoint path, hex digest); a file that could not be read is left out


@dataclass(frozen=True)
class HistoryLoaded:
    """The history file read (off the loop's thread): every valid game, oldest first."""

    records: list  # game.records.GameSummary
    notices: tuple[str, ...] = ()
    shown_reals: frozenset = frozenset()  # test indices of every real digit these games showed


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

    stats: tuple  # game.scoring.OpponentStats of single-digit games, one per opponent
    games: int  # how many summaries they were computed from, so a stale answer can be told apart
    pairs: tuple = ()  # game.scoring.OpponentStats of pairs games
    glimpse: tuple = ()  # game.scoring.ThresholdStats of glimpse games
