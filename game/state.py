"""The rules of Real or Fake?: phases, scoring and statistics, in plain Python.

No pygame and no torch here. The loop turns key presses and clicks into
`Action`s, the bridge's finished work into `Prepared` / `PrepareFailed`, and
feeds them to `Game.handle`; `Game.update(dt)` advances the clock that times
each answer. The view reads a `Game` and draws it. What the game needs done in
the outside world it leaves for the loop to pick up: `wanted` (the rounds to
prepare next), `outbox` (finished games to append to the history) and `quit`.

    title --Enter--> loading --rounds ready--> round --answer--> reveal --Space--> round ... --> summary
    (measurement mode skips the reveal; Esc anywhere goes back to the title; H shows help over any phase)
"""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

ROUND_CHOICES = (10, 20, 50)  # the title's choices; --rounds takes any even number up to MAX_ROUNDS
MAX_ROUNDS = 100  # beyond this the summary's review grid has no room for the digits
HISTORY_VERSION = 1


class Phase(Enum):
    TITLE = "title"
    LOADING = "loading"  # waiting for the bridge to hand over the rounds
    ROUND = "round"
    REVEAL = "reveal"
    SUMMARY = "summary"
    HELP = "help"
    FAILED = "failed"  # the checkpoint named on the command line cannot be played; any key quits


class Action(Enum):
    START = "start"
    REAL = "real"
    FAKE = "fake"
    CONTINUE = "continue"
    BACK = "back"
    HELP = "help"
    QUIT = "quit"
    TOGGLE_MEASUREMENT = "toggle_measurement"
    PREVIOUS_OPPONENT = "previous_opponent"
    NEXT_OPPONENT = "next_opponent"
    FEWER_ROUNDS = "fewer_rounds"
    MORE_ROUNDS = "more_rounds"


@dataclass(frozen=True)
class SelectOpponent:
    """A click on one opponent of the title list."""

    index: int


@dataclass(frozen=True)
class SelectRounds:
    """A click on one of the round counts."""

    rounds: int


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
    index: int  # MNIST test-set index of a real digit, or the noise seed of a fake one
    label: int | None = None  # the digit a real one shows; None for a fake

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
    opponent: str  # checkpoint stem
    checkpoint_sha256: str = ""  # of the file played, so a record names the exact weights
    epoch: int | None = None


@dataclass(frozen=True)
class Prepared:
    setup: GameSetup


@dataclass(frozen=True)
class PrepareFailed:
    request: GameRequest
    message: str  # one line


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


# ----------------------------------------------------------------------------- statistics


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion; sane at 0/n and n/n, unlike the normal one."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Score:
    """Everything the summary shows, from the rounds played and the answers given."""

    answered: int
    player_correct: int
    d_correct: int
    fakes: int
    fakes_called_real: int
    reals: int
    reals_called_fake: int

    @property
    def player_accuracy(self) -> float:
        return self.player_correct / self.answered if self.answered else 0.0

    @property
    def d_accuracy(self) -> float:
        return self.d_correct / self.answered if self.answered else 0.0

    @property
    def fake_error(self) -> float:
        return self.fakes_called_real / self.fakes if self.fakes else 0.0

    @property
    def real_error(self) -> float:
        return self.reals_called_fake / self.reals if self.reals else 0.0

    @property
    def hype_infinity(self) -> float:
        """HYPE∞: the mean of the two error rates; 50% means people cannot tell the generator's digits from real."""
        return (self.fake_error + self.real_error) / 2

    @property
    def player_interval(self) -> tuple[float, float]:
        return wilson_interval(self.player_correct, self.answered)


def score(rounds, answers) -> Score:
    played = list(zip(rounds, answers))
    return Score(
        answered=len(played),
        player_correct=sum(answer.answer_real == round_.is_real for round_, answer in played),
        d_correct=sum(round_.d_correct for round_, _ in played),
        fakes=sum(not round_.is_real for round_, _ in played),
        fakes_called_real=sum(not round_.is_real and answer.answer_real for round_, answer in played),
        reals=sum(round_.is_real for round_, _ in played),
        reals_called_fake=sum(round_.is_real and not answer.answer_real for round_, answer in played),
    )


def best_key(opponent: str, rounds: int) -> str:
    return f"{opponent}/{rounds}"


def best_scores(records) -> dict[str, int]:
    """Best `player_correct` per opponent and game length, from history records."""
    best: dict[str, int] = {}
    for record in records:
        try:
            key = best_key(str(record["opponent"]), int(record["n_rounds"]))
            correct = int(record["player_correct"])
        except (KeyError, TypeError, ValueError):
            continue  # an older or hand-edited record: no best score from it, but no crash either
        best[key] = max(best.get(key, -1), correct)
    return best


# ----------------------------------------------------------------------------- the game


@dataclass
class Game:
    opponents: list[Opponent]
    settings: Settings = field(default_factory=Settings)
    best: dict[str, int] = field(default_factory=dict)  # best_key -> best player_correct
    notices: list[str] = field(default_factory=list)  # one-line messages the title screen shows
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self):
        self.phase = Phase.TITLE
        self.custom_rounds = self.settings.rounds if self.settings.rounds not in ROUND_CHOICES else None
        self.help_from: Phase | None = None  # the phase the help screen covers
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
        self.quit = False
        self.exit_code = 0
        if self.settings.fixed_checkpoint:
            self._start()

    # --- what the outside world reads

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
        choosing = (Phase.TITLE, Phase.LOADING, Phase.SUMMARY)  # the summary's Enter plays again at once
        if self.phase in choosing or (self.phase == Phase.HELP and self.help_from in choosing):
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
    def score(self) -> Score:
        return score(self.rounds, self.answers)

    @property
    def show_running_score(self) -> bool:
        return not self.settings.measurement  # the score is feedback too

    @property
    def is_personal_best(self) -> bool:
        return self.previous_best is None or self.score.player_correct > self.previous_best

    def best_for(self, opponent: str, rounds: int) -> int | None:
        return self.best.get(best_key(opponent, rounds))

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
        if self.phase == Phase.FAILED:
            if isinstance(event, Action):
                self.quit = True  # nothing else to do: the named checkpoint cannot be played
            return
        if event == Action.HELP:
            if self.phase == Phase.HELP:
                self._close_help()
            else:
                self.phase, self.help_from = Phase.HELP, self.phase
            return
        handler = {
            Phase.TITLE: self._on_title,
            Phase.LOADING: self._on_loading,
            Phase.ROUND: self._on_round,
            Phase.REVEAL: self._on_reveal,
            Phase.SUMMARY: self._on_summary,
            Phase.HELP: self._on_help,
        }[self.phase]
        handler(event)

    def update(self, dt: float) -> None:
        """Advance the clock by `dt` seconds; only a digit waiting for an answer is timed."""
        if self.phase == Phase.ROUND:
            self.round_ms += dt * 1000.0
        elif self.phase == Phase.LOADING:
            self.loading_seconds += dt

    # --- phases

    def _on_title(self, event) -> None:
        if event == Action.START:
            self._start()
        elif (
            event in (Action.PREVIOUS_OPPONENT, Action.NEXT_OPPONENT)
            and self.opponents
            and not self.settings.fixed_checkpoint
        ):
            step = -1 if event == Action.PREVIOUS_OPPONENT else 1
            self.selected = (self.selected + step) % len(self.opponents)
        elif (
            isinstance(event, SelectOpponent)
            and 0 <= event.index < len(self.opponents)
            and not self.settings.fixed_checkpoint
        ):
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
                self.phase = Phase.REVEAL
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
        self.phase, self.help_from = self.help_from, None
        if self.phase == Phase.LOADING:  # the rounds may have come, or failed, while the help was up
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
        self.phase = Phase.LOADING
        self.loading_seconds = 0.0
        if self.prepared is not None and self.prepared.request == request:
            self._begin(self.prepared)

    def _on_prepared(self, setup: GameSetup) -> None:
        self.failures.pop(setup.request.checkpoint, None)
        if setup.request != self.wanted:
            return  # prepared for a choice the player has since changed
        self.prepared = setup
        if self.phase == Phase.LOADING:
            self._begin(setup)

    def _on_failed(self, event: PrepareFailed) -> None:
        self.failures[event.request.checkpoint] = event.message
        if self.settings.fixed_checkpoint and event.request.checkpoint == self.settings.fixed_checkpoint:
            self.phase, self.help_from = Phase.FAILED, None
            self.exit_code = 1
        elif self.phase == Phase.LOADING:
            self._to_title()

    def _begin(self, setup: GameSetup) -> None:
        self.setup = setup
        self.prepared = None
        self.answers = []
        self.current = 0
        self.round_ms = 0.0
        self.previous_best = self.best_for(setup.opponent, len(setup.rounds))
        self.next_seed = self._draw_seed()  # these digits are spent; the next game gets fresh ones
        self.phase = Phase.ROUND

    def _next_round(self) -> None:
        self.current += 1
        self.round_ms = 0.0
        if self.current >= len(self.rounds):
            self._finish()
        else:
            self.phase = Phase.ROUND

    def _finish(self) -> None:
        self.phase = Phase.SUMMARY
        result = self.score
        key = best_key(self.setup.opponent, len(self.rounds))
        self.best[key] = max(self.best.get(key, -1), result.player_correct)
        self.outbox.append(self.record())

    def _to_title(self) -> None:
        self.phase = Phase.TITLE
        self.help_from = None
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
            "opponent": setup.opponent,
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
                    "index": int(round_.index),
                }
                for round_, answer in zip(setup.rounds, self.answers)
            ],
        }
