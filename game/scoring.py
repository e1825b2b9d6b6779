"""Scores and their statistics, from rounds and answers: every figure a summary shows.

Plain Python (no pygame, no torch). HYPE∞ (Zhou et al. 2019) is the mean of
the two error rates, fakes called real and reals called fake; 50% means the
judge cannot tell the generator's digits from real ones.
"""

import math
from dataclasses import dataclass


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


def median_ms(times) -> float | None:
    """The upper median of the answer times (the middle one of an odd count)."""
    ordered = sorted(times)
    return float(ordered[len(ordered) // 2]) if ordered else None


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
        d_fakes_called_real=sum(not round_.is_real and round_.d_says_real for round_, _ in played),
        d_reals_called_fake=sum(round_.is_real and not round_.d_says_real for round_, _ in played),
        median_ms=median_ms(answer.ms for _, answer in played),
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
