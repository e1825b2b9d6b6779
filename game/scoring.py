"""Scores and their statistics, from rounds and answers: every figure a summary, the Records screen and
`game.stats` show.

No pygame and no torch (numpy for the bootstrap). HYPE∞ (Zhou et al. 2019) is the mean of
the two error rates, fakes called real and reals called fake; 50% means the
judge cannot tell the generator's digits from real ones.
"""

import math
import statistics
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from game.glimpse import MIN_INTERVAL_REVERSALS

BOOTSTRAP_RESAMPLES = 2000


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion; sane at 0/n and n/n, unlike the normal one."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class Score:
    """Everything the summary shows, from the rounds played and the answers given."""

    answered: int
    player_correct: int
    d_correct: int
    fakes: int  # fakes answered
    fakes_called_real: int
    reals: int  # reals answered
    reals_called_fake: int
    d_fakes_called_real: int = 0
    d_reals_called_fake: int = 0
    d_unanswered: int = 0  # digits D gave no probability for (a damaged checkpoint's NaN)
    median_ms: float | None = None  # the player's median answer time; None before the first answer

    @property
    def player_accuracy(self) -> float:
        return share(self.player_correct, self.answered)

    @property
    def d_accuracy(self) -> float:
        return share(self.d_correct, self.answered)

    @property
    def fake_error(self) -> float:
        return share(self.fakes_called_real, self.fakes)

    @property
    def real_error(self) -> float:
        return share(self.reals_called_fake, self.reals)

    @property
    def hype_infinity(self) -> float:
        """HYPE∞: the mean of the two error rates; 50% means people cannot tell the generator's digits from real."""
        return (self.fake_error + self.real_error) / 2

    @property
    def d_fake_error(self) -> float:
        return share(self.d_fakes_called_real, self.fakes)

    @property
    def d_real_error(self) -> float:
        return share(self.d_reals_called_fake, self.reals)

    @property
    def d_hype_infinity(self) -> float:
        return (self.d_fake_error + self.d_real_error) / 2

    @property
    def player_interval(self) -> tuple[float, float]:
        return wilson_interval(self.player_correct, self.answered)

    @property
    def median_seconds(self) -> float | None:
        return None if self.median_ms is None else self.median_ms / 1000


class Outcome(NamedTuple):
    """What one answered round adds to a `Score` (each round type says, see `game.rounds`)."""

    correct: bool
    d_correct: bool
    fakes: int = 0
    fakes_called_real: int = 0
    reals: int = 0
    reals_called_fake: int = 0
    d_fakes_called_real: int = 0
    d_reals_called_fake: int = 0
    d_unanswered: int = 0


def median_ms(times) -> float | None:
    times = list(times)
    return float(statistics.median(times)) if times else None


def score(rounds, answers) -> Score:
    played = list(zip(rounds, answers))
    outcomes = [round_.outcome(answer) for round_, answer in played]
    totals = [int(sum(column)) for column in zip(*outcomes)] if outcomes else [0] * len(Outcome._fields)
    return Score(
        answered=len(played),
        player_correct=totals[0],
        **dict(zip(Outcome._fields[1:], totals[1:])),
        median_ms=median_ms(answer.ms for _, answer in played),
    )


def best_key(weights_sha256: str, rounds: int, measurement: bool, game: str = "single") -> str:
    """Bests are kept apart per opponent's exact weights (a retrained `hard.pt` is another opponent, though
    its name stays), game length, mode (practice is not measurement) and way to play."""
    key = f"{weights_sha256}/{rounds}/{'measurement' if measurement else 'practice'}"
    return key if game == "single" else f"{key}/{game}"


def best_value(game: str, player_correct: int, threshold_ms: float | None = None, reversals: int = 0) -> int | None:
    """A game's score where higher is better: right answers, or in glimpse mode minus the threshold in ms
    (a shorter exposure is better). Drawing sessions have no best, nor does a threshold on fewer than
    `MIN_INTERVAL_REVERSALS` reversals: one turn of the staircase is a single exposure, luck more than eyes."""
    if game == "glimpse":
        return None if threshold_ms is None or reversals < MIN_INTERVAL_REVERSALS else -int(round(threshold_ms))
    return None if game == "draw" else player_correct


def best_scores(summaries) -> dict[str, int]:
    """Best `best_value` per `best_key`, over finished games whose record names the weights played."""
    best: dict[str, int] = {}
    for summary in summaries:
        value = best_value(summary.game, summary.player_correct, summary.threshold_ms, summary.threshold_reversals)
        if summary.finished and value is not None and summary.checkpoint_sha256:
            key = best_key(summary.checkpoint_sha256, summary.n_rounds, summary.measurement, summary.game)
            best[key] = max(best.get(key, value), value)
    return best


# ----------------------------------------------------------------------------- over many games


@dataclass(frozen=True)
class Estimate:
    """A pooled proportion over games, with its 95% bootstrap interval (games resampled, not digits);
    no interval (None) from a single game, whose resamples are all that game."""

    value: float
    low: float | None
    high: float | None

    def interval(self, show) -> str:
        """ "[low to high]", each end written by `show`; from a single game, which has none, a note saying so."""
        return "[no interval yet]" if self.low is None else f"[{show(self.low)} to {show(self.high)}]"


@dataclass(frozen=True)
class OpponentStats:
    opponent_name: str
    checkpoint_sha256: str  # the exact weights; two files with one name are two opponents
    games: int
    digits: int
    accuracy: Estimate
    fake_error: Estimate  # fakes called real
    real_error: Estimate  # reals called fake
    hype_infinity: Estimate  # mean of the two errors
    median_ms: float | None = None  # the player's median answer time over all these digits, when known

    @property
    def label(self) -> str:
        return f"{self.opponent_name} ({self.checkpoint_sha256[:8]})" if self.checkpoint_sha256 else self.opponent_name


COUNT_COLUMNS = ("answered", "player_correct", "fakes", "fakes_called_real", "reals", "reals_called_fake")


def pooled(sums: np.ndarray) -> np.ndarray:
    """(..., 6) summed counts -> (..., 4): accuracy, fake error, real error, HYPE∞."""
    answered, correct, fakes, fakes_real, reals, reals_fake = np.moveaxis(sums, -1, 0)
    fake_error = fakes_real / np.maximum(fakes, 1)
    real_error = reals_fake / np.maximum(reals, 1)
    return np.stack([correct / np.maximum(answered, 1), fake_error, real_error, (fake_error + real_error) / 2], -1)


def bootstrap(counts: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> list[Estimate]:
    """Pooled figures of (games, 6) counts, each with the 2.5th and 97.5th percentiles over game resamples.

    Resampling n games with replacement is drawing, for each distinct row of counts, how many copies of
    it the resample holds: a multinomial over the distinct rows, weighted by how often each occurs. That is
    the same bootstrap, and its cost grows with the number of distinct rows (a few dozen), not of games.
    """
    counts = np.asarray(counts, dtype=np.int64)
    value = pooled(counts.sum(axis=0))
    if len(counts) < 2:
        return [Estimate(float(v), None, None) for v in value]
    rows, multiplicity = np.unique(counts, axis=0, return_counts=True)
    rng = np.random.default_rng(seed)
    copies = rng.multinomial(len(counts), multiplicity / len(counts), size=resamples)  # (resamples, distinct rows)
    low, high = np.percentile(pooled(copies @ rows), [2.5, 97.5], axis=0)
    return [Estimate(float(v), float(lo), float(hi)) for v, lo, hi in zip(value, low, high)]


def opponent_stats(summaries, times_ms=None, game: str = "single") -> tuple[OpponentStats, ...]:
    """Per opponent (name and weights), over the finished games of this way to play among those given;
    `times_ms[i]` lists game i's answer times."""
    groups: dict[tuple[str, str], list[int]] = {}
    for position, summary in enumerate(summaries):
        if summary.finished and summary.answered and summary.game == game:
            groups.setdefault((summary.opponent_name, summary.checkpoint_sha256), []).append(position)
    found = []
    for (name, sha256), positions in groups.items():
        counts = np.array([[getattr(summaries[i], column) for column in COUNT_COLUMNS] for i in positions])
        accuracy, fake_error, real_error, hype = bootstrap(counts)
        times = [ms for i in positions for ms in times_ms[i]] if times_ms is not None else []
        found.append(
            OpponentStats(
                opponent_name=name,
                checkpoint_sha256=sha256,
                games=len(positions),
                digits=int(counts[:, 0].sum()),
                accuracy=accuracy,
                fake_error=fake_error,
                real_error=real_error,
                hype_infinity=hype,
                median_ms=median_ms(times),
            )
        )
    return tuple(sorted(found, key=lambda stats: (stats.opponent_name, stats.checkpoint_sha256)))


@dataclass(frozen=True)
class ThresholdStats:
    """Glimpse mode's figure for one opponent: the threshold exposure over games, HYPE-time's score."""

    opponent_name: str
    checkpoint_sha256: str
    games: int  # finished glimpse games whose staircase turned
    digits: int
    threshold_ms: Estimate  # geometric mean of the games' thresholds, 95% bootstrap interval over games

    @property
    def label(self) -> str:
        return f"{self.opponent_name} ({self.checkpoint_sha256[:8]})" if self.checkpoint_sha256 else self.opponent_name


def threshold_stats(summaries, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> tuple[ThresholdStats, ...]:
    """Per opponent, over the finished glimpse games given that found a threshold."""
    groups: dict[tuple[str, str], list] = {}
    for summary in summaries:
        if summary.finished and summary.game == "glimpse" and summary.threshold_ms:
            groups.setdefault((summary.opponent_name, summary.checkpoint_sha256), []).append(summary)
    found = []
    rng = np.random.default_rng(seed)
    for (name, sha256), games in groups.items():
        logs = np.log([summary.threshold_ms for summary in games])
        means = logs[rng.integers(0, len(logs), (resamples, len(logs)))].mean(axis=1)
        low, high = (float(end) for end in np.exp(np.percentile(means, [2.5, 97.5])))
        estimate = Estimate(float(np.exp(logs.mean())), *((low, high) if len(games) > 1 else (None, None)))
        digits = sum(summary.answered for summary in games)
        found.append(ThresholdStats(name, sha256, len(games), digits, estimate))
    return tuple(sorted(found, key=lambda stats: (stats.opponent_name, stats.checkpoint_sha256)))


def drawing_stats(summaries) -> dict[tuple[str, str], tuple[int, int]]:
    """Per opponent (name, SHA-256): (drawings, how many fooled D) over every drawing session given."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for summary in summaries:
        if summary.game == "draw":
            key = (summary.opponent_name, summary.checkpoint_sha256)
            drawings, fooled = found.get(key, (0, 0))
            found[key] = (drawings + summary.answered, fooled + summary.player_correct)
    return found
