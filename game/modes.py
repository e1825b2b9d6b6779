"""The rules of each way to play a game of rounds, beside `Game`: what answers a round, and when it may.

`Game` runs every game the same way (rounds in turn, a reveal in practice, a
summary at the end, the record); the rules object of the game's way to play
says which actions answer, turns one into an `Answer`, and says when an answer
counts. A new way to play adds a class here (and a screen), not branches in
`Game`. Draw for D is not a game of rounds: its rules live in `game.drawing`.
No pygame, no torch.
"""

from game.events import Action
from game.glimpse import replay
from game.rounds import MIN_ANSWER_MS, Answer


class SingleRules:
    """One digit at a time, on screen until the answer: real or fake?"""

    game = "single"
    choices = {Action.REAL: True, Action.FAKE: False}

    def start_round(self, rounds, answers) -> None:
        """A new digit is about to be shown, after these rounds and answers."""

    def answer_open(self, shown: bool, round_ms: float) -> bool:
        return shown and round_ms >= MIN_ANSWER_MS

    def answer(self, action: Action, ms: int) -> Answer:
        return Answer(answer_real=self.choices[action], ms=ms)

    def deadline_ms(self, shown: bool, round_ms: float) -> float | None:
        """Milliseconds until the screen must change by itself (glimpse's mask); None when nothing is due."""
        return None


class GlimpseRules(SingleRules):
    """HYPE-time: the digit for the staircase's exposure, then a noise mask until the answer (see game.glimpse)."""

    game = "glimpse"

    def __init__(self):
        self.exposure_ms = replay([]).exposure_ms
        self.masked = False
        self.shown_ms: float | None = None  # measured: first flip of the digit to first flip of the mask

    def start_round(self, rounds, answers) -> None:
        corrects = [round_.is_right(answer) for round_, answer in zip(rounds, answers)]
        self.exposure_ms = replay(corrects).exposure_ms
        self.masked, self.shown_ms = False, None

    def restart_round(self) -> None:
        """The digit must be shown again from its first frame (an overlay hid it mid-exposure)."""
        self.masked, self.shown_ms = False, None

    def mask_due(self, shown: bool, round_ms: float) -> bool:
        return shown and not self.masked and round_ms >= self.exposure_ms

    def mask_shown(self, round_ms: float) -> None:
        self.masked, self.shown_ms = True, round_ms

    def answer_open(self, shown: bool, round_ms: float) -> bool:
        return self.masked  # the mask is up: the digit was seen for its exposure, and no longer

    def answer(self, action: Action, ms: int) -> Answer:
        shown_ms = max(1, int(round(self.shown_ms or self.exposure_ms)))
        return Answer(answer_real=self.choices[action], ms=ms, exposure_ms=self.exposure_ms, shown_ms=shown_ms)

    def deadline_ms(self, shown: bool, round_ms: float) -> float | None:
        return max(0.0, self.exposure_ms - round_ms) if shown and not self.masked else None


class PairsRules(SingleRules):
    """2AFC: a real digit and a fake side by side; pick the real one."""

    game = "pairs"
    choices = {Action.PICK_LEFT: True, Action.PICK_RIGHT: False}

    def answer(self, action: Action, ms: int) -> Answer:
        return Answer(answer_real=None, ms=ms, pick_left=self.choices[action])


RULES = {rules.game: rules for rules in (SingleRules, GlimpseRules, PairsRules)}


def rules_for(game: str) -> SingleRules:
    return RULES.get(game, SingleRules)()
