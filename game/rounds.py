"""What a game is made of: opponents, requests to the bridge, rounds, answers, and a played game.

Plain frozen dataclasses, no pygame and no torch; `game.state` plays them and
`game.records` turns a `PlayedGame` into a history line and back.
"""

import math
from dataclasses import dataclass, field, replace

from game.scoring import Outcome, Score, score

DIFFICULTIES = ("easy", "medium", "hard")  # the shipped checkpoints, in the order the title lists them
MIN_ANSWER_MS = 150  # an answer counts only once its digit has been on screen this long: faster is a reflex
# The ways to play, in the title's order: one digit at a time; one digit for a limited time, then a mask
# (HYPE-time); a real and a fake side by side (2AFC); drawing a digit for D.
GAMES = ("single", "glimpse", "pairs", "draw")
GAME_TITLES = {"single": "One digit", "glimpse": "Glimpse", "pairs": "Pairs", "draw": "Draw for D"}


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
    name: str  # file stem, as shown and recorded ("easy", "20250101-120000"); bests go by the file's SHA-256
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
    game: str = "single"  # "single" or "glimpse": one digit per round; "pairs": a real and a fake per round
    # Test indices of real digits the player has been shown, to draw others. Advice, not identity: a game
    # prepared before the history was read (a long one takes seconds) is still the game asked for.
    avoid: frozenset = field(default=frozenset(), compare=False)


@dataclass(frozen=True)
class ImagesRequest:
    """The digits of a past game, rebuilt from its record: test indices for reals, noise seeds for fakes."""

    checkpoint: str
    checkpoint_sha256: str  # the fakes are redrawn only by these exact weights
    sources: tuple[tuple[bool, int], ...]  # (is_real, test index or noise seed) per digit, a pair's real one first
    detector: bool = False  # the heat maps of where the judge looked are the fresh detector's, not D's


@dataclass(frozen=True)
class DrawingRequest:
    """A drawing for D to judge and the classifier to read."""

    checkpoint: str
    pixels: bytes  # the centred (28, 28) uint8 drawing, row by row


@dataclass(frozen=True)
class CardRequest:
    """An opponent card for this checkpoint."""

    checkpoint: str


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
    saliency: object = None  # (28, 28) uint8: where the judge looked (0 nowhere, 255 most); None when not computed

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

    @property
    def digits(self) -> tuple["Round", ...]:
        """The digits this round shows: itself (a pair shows two)."""
        return (self,)

    def is_right(self, answer: "Answer") -> bool:
        return answer.answer_real == self.is_real

    def outcome(self, answer: "Answer") -> Outcome:
        fake_called_real = not self.is_real and answer.answer_real
        real_called_fake = self.is_real and not answer.answer_real
        return Outcome(
            correct=self.is_right(answer),
            d_correct=self.d_correct,
            fakes=not self.is_real,
            fakes_called_real=fake_called_real,
            reals=self.is_real,
            reals_called_fake=real_called_fake,
            d_fakes_called_real=not self.is_real and self.d_says_real is True,
            d_reals_called_fake=self.is_real and self.d_says_real is False,
            d_unanswered=self.d_says_real is None,
        )


@dataclass(frozen=True)
class Pair:
    """Pairs mode's round: a real digit and a fake side by side; the player and D each pick the real one.

    D picks the digit it finds likelier real. Every wrong pick calls a fake real and a real fake at once, so
    both of HYPE's errors are the share of wrong picks.
    """

    real: Round
    fake: Round
    real_left: bool  # which side the real digit is on

    @property
    def left(self) -> Round:
        return self.real if self.real_left else self.fake

    @property
    def right(self) -> Round:
        return self.fake if self.real_left else self.real

    @property
    def d_picks_left(self) -> bool | None:
        """D's pick: the side with the higher p(real); None when it gave no number for one, or the same for both."""
        left, right = self.left.d_prob_real, self.right.d_prob_real
        if left is None or right is None or left == right:
            return None
        return left > right

    @property
    def d_correct(self) -> bool:
        return self.d_picks_left is not None and self.d_picks_left == self.real_left

    @property
    def digits(self) -> tuple[Round, Round]:
        return self.real, self.fake

    def is_right(self, answer: "Answer") -> bool:
        return answer.pick_left == self.real_left

    def outcome(self, answer: "Answer") -> Outcome:
        wrong, d_wrong = not self.is_right(answer), self.d_picks_left is not None and not self.d_correct
        return Outcome(
            correct=not wrong,
            d_correct=self.d_correct,
            fakes=1,
            fakes_called_real=wrong,
            reals=1,
            reals_called_fake=wrong,
            d_fakes_called_real=d_wrong,
            d_reals_called_fake=d_wrong,
            d_unanswered=self.d_picks_left is None,
        )


@dataclass(frozen=True)
class Drawing:
    """One digit drawn for D in Draw mode: it fools D when D finds it likelier real than not."""

    image: object  # (28, 28) uint8, centred as MNIST's were: exactly what D and the classifier judged
    d_prob_real: float | None  # None when D gave no number
    digit: int | None = None  # the digit the classifier sees
    digit_prob: float | None = None  # how sure the classifier is of it
    kept: str = ""  # the PNG it was kept as (it fooled D), "" when not kept
    saliency: object = None

    @property
    def fooled(self) -> bool:
        return self.d_prob_real is not None and self.d_prob_real >= 0.5

    @property
    def d_correct(self) -> bool:
        """D is right to call a mouse drawing fake: it is not an MNIST digit."""
        return self.d_prob_real is not None and not self.fooled

    @property
    def digits(self) -> tuple["Drawing", ...]:
        return (self,)

    def is_right(self, answer: "Answer") -> bool:
        return self.fooled

    def outcome(self, answer: "Answer") -> Outcome:
        return Outcome(correct=self.fooled, d_correct=self.d_correct, d_unanswered=self.d_prob_real is None)


def sane_epoch(value) -> int | None:
    """An epoch worth showing: a whole number below a billion (a damaged header can hold one too long to print)."""
    return value if type(value) is int and 0 <= value < 10**9 else None


@dataclass(frozen=True)
class GameSetup:
    """The bridge's answer to a `GameRequest`."""

    request: GameRequest
    rounds: tuple[Round, ...]
    opponent_name: str  # checkpoint stem
    checkpoint_sha256: str = ""  # of the file played, so a record names the exact weights
    epoch: int | None = None
    judge: str = "D"  # who answers beside the player: "D", or "critic" in detector mode


@dataclass(frozen=True)
class Answer:
    answer_real: bool | None  # None where the question is not "real or fake?" (pairs, drawings)
    ms: int  # from the first frame that showed the digit to the answer, overlays excluded
    pick_left: bool | None = None  # pairs: the player picked the left digit as the real one
    exposure_ms: int | None = None  # glimpse: the exposure the staircase asked for
    shown_ms: int | None = None  # glimpse: the exposure measured, from the flip that showed it to the mask's


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
    game: str = "single"  # one of GAMES

    @property
    def score(self) -> Score:
        return score(self.rounds, self.answers)

    @property
    def threshold(self):
        """Glimpse mode's threshold exposure (a `game.glimpse.Threshold`); None in the other modes."""
        if self.game != "glimpse":
            return None
        from game.glimpse import threshold

        corrects = [round_.is_right(answer) for round_, answer in zip(self.rounds, self.answers)]
        return threshold(corrects, [answer.shown_ms for answer in self.answers])

    @property
    def opponent_title(self) -> str:
        return opponent_title(self.opponent_name)

    @property
    def images_missing(self) -> bool:
        return any(digit.image is None for round_ in self.rounds for digit in round_.digits)

    def images_request(self) -> ImagesRequest:
        sources = tuple((digit.is_real, digit.source) for round_ in self.rounds for digit in round_.digits)
        return ImagesRequest(self.checkpoint, self.checkpoint_sha256, sources, self.judge == "critic")

    def with_images(self, images, saliencies=(), labels=()) -> "PlayedGame":
        """The rounds with their digits, heat maps and real ones' labels filled in, in `images_request`'s order
        (a digit past the end of `saliencies` gets none, past the end of `labels` keeps its own)."""
        images, saliencies, labels = iter(images), iter(saliencies), iter(labels)
        rounds = []
        for round_ in self.rounds:
            digits = [
                replace(d, image=next(images, None), saliency=next(saliencies, None), label=next(labels, d.label))
                for d in round_.digits
            ]
            rounds.append(replace(round_, real=digits[0], fake=digits[1]) if isinstance(round_, Pair) else digits[0])
        return replace(self, rounds=tuple(rounds))
