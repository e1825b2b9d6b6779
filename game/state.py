"""The rules of Real or Fake?: screens, rounds and records, in plain Python.

No pygame and no torch here. Everything that happens reaches the game through
`Game.handle` (see `game.events`): the loop turns key presses and clicks into
`Action`s, the preparer's finished work into `Prepared` / `PrepareFailed`, and
the history's answer to a finished game into `Saved`. `Game.update(dt)`
advances the clock that times each answer. The view reads a `Game` and draws
it. What the game needs done in the outside world it leaves for the loop to
pick up: `wanted` (the rounds to prepare next), `outbox` (finished games to
append to the history) and `quit`.

    title --Enter--> loading --rounds ready--> round --answer--> reveal --Space--> round ... --> summary
    (measurement mode skips the reveal; Esc anywhere goes back to the title; H shows help over any screen)
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

from game.events import Action, Prepared, PrepareFailed, Saved, SelectOpponent, SelectRounds
from game.scoring import Score, best_key, score

ROUND_CHOICES = (10, 20, 50)  # the title's choices; --rounds takes any even number up to MAX_ROUNDS
MAX_ROUNDS = 100  # beyond this the summary's review grid has no room for the digits
HISTORY_VERSION = 1


class Screen(Enum):
    """What fills the window; an `Overlay` may cover it."""

    TITLE = "title"
    LOADING = "loading"  # waiting for the bridge to hand over the rounds
    ROUND = "round"
    REVEAL = "reveal"
    SUMMARY = "summary"
    FAILED = "failed"  # the checkpoint named on the command line cannot be played; any key quits


class Overlay(Enum):
    """Drawn over a screen; while one is up, keys and clicks go to it, and the answer clock stops."""

    HELP = "help"


@dataclass(frozen=True)
class Opponent:
    path: str  # the checkpoint file, as the player would type it
    name: str  # file stem, the key of best scores ("easy", "20250101-120000")
    difficulty: str = ""  # "easy" / "medium" / "hard" for the shipped ones, "" for the player's own
    epoch: int | None = None  # training epoch the checkpoint was taken at, when known
    fid: float | None = None  # the trainer's quick FID at that epoch, when known

    @property
    def title(self) -> str:
        return self.difficulty.capitalize() if self.difficulty else self.name

    @property
    def details(self) -> str:
        parts = []
        if self.epoch is not None:
            parts.append(f"epoch {self.epoch}")
        if self.fid is not None:
            parts.append(f"FID {self.fid:.1f}")
        parts.append("shipped" if self.difficulty else "your own")
        return " · ".join(parts)


@dataclass(frozen=True)
class GameRequest:
    """What the bridge must prepare: same request, same digits in the same order."""

    checkpoint: str
    rounds: int
    seed: int


@dataclass(frozen=True)
class Round:
    image: object  # (28, 28) uint8 array, exactly what is drawn and what D scored
    is_real: bool
    d_prob_real: float  # sigmoid of D's logit on `image`
    test_index: int | None = None  # a real digit's index in the MNIST test split
    noise_seed: int | None = None  # the seed of a fake digit's generator noise
    label: int | None = None  # the digit a real one shows; None for a fake

    @property
    def source(self) -> int:
        """The number that rebuilds the image: the test index of a real digit, the noise seed of a fake."""
        return self.test_index if self.is_real else self.noise_seed

    @property
    def d_says_real(self) -> bool:
        return self.d_prob_real >= 0.5

    @property
    def d_correct(self) -> bool:
        return self.d_says_real == self.is_real


@dataclass(frozen=True)
class GameSetup:
    """The bridge's answer to a `GameRequest`."""

    request: GameRequest
    rounds: tuple[Round, ...]
    opponent_name: str  # checkpoint stem, the key of best scores
    checkpoint_sha256: str = ""  # of the file played, so a record names the exact weights
    epoch: int | None = None


@dataclass(frozen=True)
class Answer:
    answer_real: bool
    ms: int  # from the digit appearing to the answer, help screens excluded


@dataclass
class Settings:
    rounds: int = 10  # digits per game, half real and half fake
    measurement: bool = False  # hide the per-round reveal (and the running score) until the summary
    seed: int | None = None  # fixed seed for every game; None draws a fresh one per game
    fixed_checkpoint: str | None = None  # --weights: play this one, no pick, failure is fatal


@dataclass
class Game:
    opponents: list[Opponent]
    settings: Settings = field(default_factory=Settings)
    best: dict[str, int] = field(default_factory=dict)  # best_key -> best player_correct
    notices: list[str] = field(default_factory=list)  # one-line messages the title screen shows
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self):
        self.screen = Screen.TITLE
        self.overlay: Overlay | None = None
        self.custom_rounds = self.settings.rounds if self.settings.rounds not in ROUND_CHOICES else None
        self.selected = 0  # index into opponents
        self.next_seed = self._draw_seed()
        self.prepared: GameSetup | None = None  # rounds ready for the title's current choice
        self.failures: dict[str, str] = {}  # checkpoint -> why it cannot be played
        self.setup: GameSetup | None = None  # the game being played
        self.answers: list[Answer] = []
        self.current = 0  # index of the round on screen
        self.round_ms = 0.0  # time the current digit has been on screen
        self.loading_seconds = 0.0
        self.previous_best: int | None = None  # best before this game, for the summary
        self.outbox: list[dict] = []  # finished-game records for the loop to append to the history
        self.save_notice: str | None = None  # why the last finished game could not be saved, for its summary
        self.quit = False
        self.exit_code = 0
        if self.settings.fixed_checkpoint:
            self._start()

    # --- what the outside world reads

    @property
    def focus(self) -> Screen | Overlay:
        """What keys and clicks go to: the overlay when one is up, else the screen."""
        return self.overlay or self.screen

    @property
    def opponent(self) -> Opponent | None:
        return self.opponents[self.selected] if self.opponents else None

    @property
    def round_choices(self) -> tuple[int, ...]:
        """10 / 20 / 50, and the --rounds given on the command line when it is none of those."""
        return tuple(sorted(set(ROUND_CHOICES) | {self.custom_rounds})) if self.custom_rounds else ROUND_CHOICES

    @property
    def wanted(self) -> GameRequest | None:
        """The rounds worth preparing now: the title's current choice, or the game being started."""
        if self.screen in (Screen.TITLE, Screen.LOADING, Screen.SUMMARY):  # the summary's Enter plays again at once
            checkpoint = self.settings.fixed_checkpoint or (self.opponent.path if self.opponent else None)
            if checkpoint and checkpoint not in self.failures:
                return GameRequest(checkpoint, self.settings.rounds, self.next_seed)
        return None

    @property
    def ready(self) -> bool:
        """Whether Enter on the title would start at once."""
        return self.prepared is not None and self.prepared.request == self.wanted

    @property
    def rounds(self) -> tuple[Round, ...]:
        return self.setup.rounds if self.setup else ()

    @property
    def round(self) -> Round | None:
        return self.rounds[self.current] if self.current < len(self.rounds) else None

    @property
    def answer(self) -> Answer | None:
        """The answer to the digit on screen, once given (what the reveal shows)."""
        return self.answers[self.current] if self.current < len(self.answers) else None

    @property
    def score(self) -> Score:
        return score(self.rounds, self.answers)

    @property
    def show_running_score(self) -> bool:
        return not self.settings.measurement  # the score is feedback too

    @property
    def is_personal_best(self) -> bool:
        return self.previous_best is None or self.score.player_correct > self.previous_best

    @property
    def failure(self) -> str | None:
        """Why the chosen (or named) checkpoint cannot be played, when it cannot."""
        checkpoint = self.settings.fixed_checkpoint or (self.opponent.path if self.opponent else None)
        return self.failures.get(checkpoint) if checkpoint else None

    def best_for(self, opponent_name: str, rounds: int) -> int | None:
        return self.best.get(best_key(opponent_name, rounds))

    # --- input

    def handle(self, event) -> None:
        if event == Action.QUIT:
            self.quit = True
            return
        if isinstance(event, Prepared):
            self._on_prepared(event.setup)
            return
        if isinstance(event, PrepareFailed):
            self._on_failed(event)
            return
        if isinstance(event, Saved):
            self._on_saved(event)
            return
        if self.screen == Screen.FAILED:
            if isinstance(event, Action):
                self.quit = True  # nothing else to do: the named checkpoint cannot be played
            return
        if event == Action.HELP:
            if self.overlay == Overlay.HELP:
                self._close_help()
            else:
                self.overlay = Overlay.HELP
            return
        if self.overlay == Overlay.HELP:
            self._on_help(event)
            return
        handler = {
            Screen.TITLE: self._on_title,
            Screen.LOADING: self._on_loading,
            Screen.ROUND: self._on_round,
            Screen.REVEAL: self._on_reveal,
            Screen.SUMMARY: self._on_summary,
        }[self.screen]
        handler(event)

    def update(self, dt: float) -> None:
        """Advance the clock by `dt` seconds; only a digit waiting for an answer is timed."""
        if self.overlay is not None:
            return
        if self.screen == Screen.ROUND:
            self.round_ms += dt * 1000.0
        elif self.screen == Screen.LOADING:
            self.loading_seconds += dt

    # --- screens

    def _on_title(self, event) -> None:
        choosing = not self.settings.fixed_checkpoint and self.opponents
        if event == Action.START:
            self._start()
        elif event in (Action.PREVIOUS_OPPONENT, Action.NEXT_OPPONENT) and choosing:
            step = -1 if event == Action.PREVIOUS_OPPONENT else 1
            self.selected = (self.selected + step) % len(self.opponents)
        elif isinstance(event, SelectOpponent) and choosing and 0 <= event.index < len(self.opponents):
            self.selected = event.index
        elif event in (Action.FEWER_ROUNDS, Action.MORE_ROUNDS):
            choices = self.round_choices
            position = choices.index(self.settings.rounds)
            step = -1 if event == Action.FEWER_ROUNDS else 1
            self.settings.rounds = choices[max(0, min(len(choices) - 1, position + step))]
        elif isinstance(event, SelectRounds) and event.rounds in self.round_choices:
            self.settings.rounds = event.rounds
        elif event == Action.TOGGLE_MEASUREMENT:
            self.settings.measurement = not self.settings.measurement

    def _on_loading(self, event) -> None:
        if event == Action.BACK:
            self._to_title()

    def _on_round(self, event) -> None:
        if event in (Action.REAL, Action.FAKE):
            self.answers.append(Answer(answer_real=event == Action.REAL, ms=int(round(self.round_ms))))
            if self.settings.measurement:
                self._next_round()
            else:
                self.screen = Screen.REVEAL
        elif event == Action.BACK:
            self._to_title()

    def _on_reveal(self, event) -> None:
        if event == Action.CONTINUE:
            self._next_round()
        elif event == Action.BACK:
            self._to_title()

    def _on_summary(self, event) -> None:
        if event == Action.START:  # play again, same opponent and length, fresh digits
            self._to_title()
            self._start()
        elif event in (Action.BACK, Action.CONTINUE):
            self._to_title()

    def _on_help(self, event) -> None:
        if event in (Action.BACK, Action.CONTINUE, Action.START):
            self._close_help()

    def _close_help(self) -> None:
        self.overlay = None
        if self.screen == Screen.LOADING:  # the rounds may have come, or failed, while the help was up
            if self.wanted is None:
                self._to_title()
            elif self.prepared is not None and self.prepared.request == self.wanted:
                self._begin(self.prepared)

    # --- transitions

    def _draw_seed(self) -> int:
        return self.settings.seed if self.settings.seed is not None else self.rng.randrange(2**31)

    def _start(self) -> None:
        request = self.wanted
        if request is None:
            return  # no opponent, or it cannot be loaded: the title says why
        self.screen = Screen.LOADING
        self.loading_seconds = 0.0
        if self.prepared is not None and self.prepared.request == request:
            self._begin(self.prepared)

    def _on_prepared(self, setup: GameSetup) -> None:
        self.failures.pop(setup.request.checkpoint, None)
        if setup.request != self.wanted:
            return  # prepared for a choice the player has since changed
        self.prepared = setup
        if self.screen == Screen.LOADING and self.overlay is None:
            self._begin(setup)

    def _on_failed(self, event: PrepareFailed) -> None:
        self.failures[event.request.checkpoint] = event.message
        if self.settings.fixed_checkpoint and event.request.checkpoint == self.settings.fixed_checkpoint:
            self.screen, self.overlay = Screen.FAILED, None
            self.exit_code = 1
        elif self.screen == Screen.LOADING and self.overlay is None:
            self._to_title()

    def _on_saved(self, event: Saved) -> None:
        if event.record in self.outbox:
            self.outbox.remove(event.record)
        self.notices.extend(event.notices)
        if event.notices:
            self.save_notice = event.notices[-1]

    def _begin(self, setup: GameSetup) -> None:
        self.setup = setup
        self.prepared = None
        self.answers = []
        self.current = 0
        self.round_ms = 0.0
        self.save_notice = None
        self.previous_best = self.best_for(setup.opponent_name, len(setup.rounds))
        self.next_seed = self._draw_seed()  # these digits are spent; the next game gets fresh ones
        self.screen = Screen.ROUND

    def _next_round(self) -> None:
        self.current += 1
        self.round_ms = 0.0
        if self.current >= len(self.rounds):
            self._finish()
        else:
            self.screen = Screen.ROUND

    def _finish(self) -> None:
        self.screen = Screen.SUMMARY
        result = self.score
        key = best_key(self.setup.opponent_name, len(self.rounds))
        self.best[key] = max(self.best.get(key, -1), result.player_correct)
        self.outbox.append(self.record())

    def _to_title(self) -> None:
        self.screen = Screen.TITLE
        self.overlay = None
        self.setup = None
        self.answers = []
        self.current = 0

    # --- the record a finished game leaves

    def record(self, now: datetime | None = None) -> dict:
        setup, result = self.setup, self.score
        now = now or datetime.now(timezone.utc)
        return {
            "version": HISTORY_VERSION,
            "time": now.isoformat(timespec="seconds"),
            "checkpoint": setup.request.checkpoint,
            "opponent": setup.opponent_name,
            "checkpoint_sha256": setup.checkpoint_sha256,
            "epoch": setup.epoch,
            "seed": setup.request.seed,
            "mode": "measurement" if self.settings.measurement else "feedback",
            "n_rounds": len(setup.rounds),
            "player_correct": result.player_correct,
            "d_correct": result.d_correct,
            "fakes_called_real": result.fakes_called_real,
            "reals_called_fake": result.reals_called_fake,
            "hype_infinity": round(result.hype_infinity, 4),
            "rounds": [
                {
                    "is_real": round_.is_real,
                    "answer_real": answer.answer_real,
                    "d_prob_real": round(float(round_.d_prob_real), 6),
                    "ms": answer.ms,
                    "index": int(round_.source),
                }
                for round_, answer in zip(setup.rounds, self.answers)
            ],
        }
