"""What a game is made of: opponents, requests to the bridge, rounds, answers, and a played game.

Plain frozen dataclasses, no pygame and no torch; `game.state` plays them and
`game.records` turns a `PlayedGame` into a history line and back.
"""

import math
from dataclasses import dataclass, replace

from game.scoring import Score, score

DIFFICULTIES = ("easy", "medium", "hard")  # the shipped checkpoints, in the order the title lists them
MIN_ANSWER_MS = 150  # an answer counts only once its digit has been on screen this long: faster is a reflex


def judge_title(judge: str) -> str:
    """How the screens name who judges beside the player."""
    return "Detector" if judge == "critic" else "D"


def opponent_title(name: str) -> str:
    """ "Easy" for the shipped easy.pt, the file stem for the player's own."""
    return name.capitalize() if name in DIFFICULTIES else name


@dataclass(frozen=True)
class Opponent:
    """One checkpoint in weights/: a generator that makes the fakes, and the discriminator D trained beside it."""

    path: str  # the checkpoint file, as the player would type it
    name: str  # file stem, the key of best scores ("easy", "20250101-120000")
    difficulty: str = ""  # "easy" / "medium" / "hard" for the shipped ones, "" for the player's own
    epoch: int | None = None  # training epoch the checkpoint was taken at, when known
    fid: float | None = None  # the trainer's quick FID at that epoch, when known

    @property
    def title(self) -> str:
        return opponent_title(self.name) if self.difficulty else self.name

    @property
    def details(self) -> str:
        trained = f"trained {self.epoch} epoch{'s' if self.epoch != 1 else ''}" if self.epoch is not None else ""
        return " · ".join(part for part in (trained, "shipped" if self.difficulty else "your own") if part)


@dataclass(frozen=True)
class GameRequest:
    """What the bridge must prepare: same request, same digits in the same order."""

    checkpoint: str
    rounds: int
    seed: int
    detector: bool = False  # judge with a critic trained afresh on this generator's fakes, not the GAN's own D


@dataclass(frozen=True)
class ImagesRequest:
    """The digits of a past game, rebuilt from its record: test indices for reals, noise seeds for fakes."""

    checkpoint: str
    checkpoint_sha256: str  # the fakes are redrawn only by these exact weights
    sources: tuple[tuple[bool, int], ...]  # (is_real, test index or noise seed) per round


def d_probability(value) -> float | None:
    """D's probability as the game keeps it: a float in [0, 1], or None for no answer (NaN, infinity, nonsense)."""
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None


@dataclass(frozen=True)
class Round:
    image: object  # (28, 28) uint8 array, exactly what is drawn and what D scored; None until a reopened game's comes
    is_real: bool
    d_prob_real: float | None  # sigmoid of D's logit on `image`; None when D gave no number (NaN weights)
    test_index: int | None = None  # a real digit's index in the MNIST test split
    noise_seed: int | None = None  # the seed of a fake digit's generator noise
    label: int | None = None  # the digit a real one shows; None for a fake

    def __post_init__(self):
        if self.d_prob_real is not None:  # NaN, infinity or nonsense is no answer, never a number to show or save
            object.__setattr__(self, "d_prob_real", d_probability(self.d_prob_real))

    @property
    def source(self) -> int:
        """The number that rebuilds the image: the test index of a real digit, the noise seed of a fake."""
        return self.test_index if self.is_real else self.noise_seed

    @property
    def d_says_real(self) -> bool | None:
        return None if self.d_prob_real is None else self.d_prob_real >= 0.5

    @property
    def d_correct(self) -> bool:
        """No answer from D is not a right one."""
        return self.d_says_real is not None and self.d_says_real == self.is_real


def sane_epoch(value) -> int | None:
    """An epoch worth showing: a whole number below a billion (a damaged header can hold one too long to print)."""
    return value if type(value) is int and 0 <= value < 10**9 else None


@dataclass(frozen=True)
class GameSetup:
    """The bridge's answer to a `GameRequest`."""

    request: GameRequest
    rounds: tuple[Round, ...]
    opponent_name: str  # checkpoint stem, the key of best scores
    checkpoint_sha256: str = ""  # of the file played, so a record names the exact weights
    epoch: int | None = None
    judge: str = "D"  # who answers beside the player: "D", or "critic" in detector mode


@dataclass(frozen=True)
class Answer:
    answer_real: bool
    ms: int  # from the first frame that showed the digit to the answer, overlays excluded


@dataclass(frozen=True)
class PlayedGame:
    """A game as its summary shows it: one just played, or one reopened from the history."""

    rounds: tuple[Round, ...]  # every round of the game; a reopened unfinished game has only those answered
    answers: tuple[Answer, ...]
    n_rounds: int  # the game's length, even when it was left early
    opponent_name: str
    checkpoint: str
    checkpoint_sha256: str
    seed: int
    measurement: bool
    finished: bool
    time: str = ""  # ISO 8601 in UTC, when it ended
    epoch: int | None = None
    judge: str = "D"

    @property
    def score(self) -> Score:
        return score(self.rounds, self.answers)

    @property
    def opponent_title(self) -> str:
        return opponent_title(self.opponent_name)

    @property
    def images_missing(self) -> bool:
        return any(round_.image is None for round_ in self.rounds)

    def images_request(self) -> ImagesRequest:
        sources = tuple((round_.is_real, round_.source) for round_ in self.rounds)
        return ImagesRequest(self.checkpoint, self.checkpoint_sha256, sources)

    def with_images(self, images) -> "PlayedGame":
        rounds = tuple(replace(round_, image=image) for round_, image in zip(self.rounds, images))
        return replace(self, rounds=rounds)
