"""Glimpse mode's rules (HYPE-time, Zhou et al. 2019): how long each digit is shown, and the threshold it finds.

Each digit is shown for an exposure, then covered by a noise mask until the
answer. The exposure follows a 1-up/3-down staircase (Levitt 1971) on eleven
log-spaced levels from 100 ms to 1,000 ms: three right answers in a row
shorten it by one level, one wrong answer lengthens it by one. Such a staircase
settles where the player is right 79% of the time, about HYPE's "three times in
four". Until the first reversal it moves two levels at a time, so a short game
gets near the threshold before it starts measuring it.

The threshold is the geometric mean of the exposures at the reversals (the
first one left out once there are three or more: it mostly reflects where the
staircase started), each the exposure the display actually showed when it was
measured. Its 95% interval is Student's t over those reversals on the log
scale, cut to the 100-1,000 ms the staircase can measure; with fewer than two
reversals there is no interval. No pygame, no torch.
"""

import math
from dataclasses import dataclass

LEVELS_MS = tuple(int(round(100 * 10 ** (k / 10))) for k in range(11))  # 100, 126, 158, ..., 794, 1000
START_LEVEL = 7  # 501 ms, the protocol's starting exposure
DOWN_AFTER = 3  # right answers in a row before the exposure shortens
EARLY_STEP = 2  # levels per move before the first reversal
MIN_INTERVAL_REVERSALS = 2  # the fewest reversals a threshold's interval (and a best) rests on
# Student's t at 97.5% by degrees of freedom (no scipy in the game); beyond 30, 1.96.
T_975 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26, 10: 2.23}
T_975.update({11: 2.20, 12: 2.18, 13: 2.16, 14: 2.14, 15: 2.13, 20: 2.09, 25: 2.06, 30: 2.04})


@dataclass(frozen=True)
class Staircase:
    """Where a staircase stands after some answers: replayed from them, so the state holds no second copy."""

    levels: tuple[int, ...]  # the level (index into LEVELS_MS) each answered digit was shown at
    level: int  # the level of the next digit
    reversals: tuple[int, ...]  # positions (into levels) of the answers at which the direction turned

    @property
    def exposure_ms(self) -> int:
        """The exposure of the next digit."""
        return LEVELS_MS[self.level]


def replay(corrects) -> Staircase:
    """The staircase after these answers (True = right), in order."""
    level, streak, direction, turned = START_LEVEL, 0, 0, False
    levels, reversals = [], []
    for position, correct in enumerate(corrects):
        levels.append(level)
        if correct:
            streak += 1
            if streak < DOWN_AFTER:
                continue
            streak, move = 0, -1
        else:
            streak, move = 0, 1
        if direction and move != direction:
            reversals.append(position)
            turned = True
        direction = move
        level = max(0, min(len(LEVELS_MS) - 1, level + move * (1 if turned else EARLY_STEP)))
    return Staircase(tuple(levels), level, tuple(reversals))


@dataclass(frozen=True)
class Threshold:
    """The exposure at which a player is right about four times in five, with its 95% interval."""

    ms: float | None  # None: no reversal yet, so no estimate
    low: float | None  # None: too few reversals for an interval
    high: float | None
    reversals: int  # how many reversals it rests on
    floor: bool = False  # the staircase sits at 100 ms, the shortest exposure: the threshold is that or less
    ceiling: bool = False  # it sits at 1,000 ms: the player could not tell even at the longest exposure


def threshold(corrects, shown_ms=None) -> Threshold:
    """The threshold of one game: `corrects` in order, `shown_ms[i]` the measured exposure of answer i (or None)."""
    corrects = list(corrects)
    stair = replay(corrects)
    exposures = [
        float(shown) if shown else float(LEVELS_MS[level])
        for level, shown in zip(stair.levels, list(shown_ms or []) + [None] * len(corrects))
    ]
    used = [exposures[position] for position in stair.reversals]
    if len(used) >= 3:
        used = used[1:]
    floor = bool(corrects) and stair.level == 0 and (stair.levels[-1] == 0)
    ceiling = bool(corrects) and stair.level == len(LEVELS_MS) - 1 and stair.levels[-1] == len(LEVELS_MS) - 1
    if not used:
        return Threshold(None, None, None, 0, floor, ceiling)
    logs = [math.log(value) for value in used]
    centre = sum(logs) / len(logs)
    if len(logs) < MIN_INTERVAL_REVERSALS:
        return Threshold(math.exp(centre), None, None, len(logs), floor, ceiling)
    spread = math.sqrt(sum((value - centre) ** 2 for value in logs) / (len(logs) - 1))
    half = t_975(len(logs) - 1) * spread / math.sqrt(len(logs))
    low, high = max(LEVELS_MS[0], math.exp(centre - half)), min(LEVELS_MS[-1], math.exp(centre + half))
    return Threshold(math.exp(centre), low, high, len(logs), floor, ceiling)


def t_975(degrees: int) -> float:
    if degrees > 30:
        return 1.96
    return T_975.get(degrees) or T_975[max(d for d in T_975 if d <= degrees)]
