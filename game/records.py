"""One history line per game: a `PlayedGame` as JSON, and back, checked for sense on the way in.

A line is a JSON object (version 2):

    version, time (ISO 8601, UTC), checkpoint (path), opponent (file stem), checkpoint_sha256, epoch,
    seed, mode ("measurement" or "feedback", i.e. practice), judge ("D", or "critic" in detector mode),
    n_rounds (the game's length), finished (false for a game left early), min_answer_ms,
    player_correct, d_correct, fakes_called_real, reals_called_fake, hype_infinity,
    rounds: [{is_real, answer_real, d_prob_real (null when D gave no number), ms,
              test_index (a real digit) or noise_seed (a fake)}]

Version 1 lines (before games could be left early, with `index` for either
number) are read too. A line is accepted only when it makes sense: a known
version, whole numbers where counts are, counts that match its rounds and fit
the game's length, finite probabilities in [0, 1]. No pygame, no torch.
"""

import json
import math
from dataclasses import dataclass

from game.rounds import MIN_ANSWER_MS, Answer, PlayedGame, Round

HISTORY_VERSION = 2
KNOWN_VERSIONS = (1, 2)
MAX_ROUNDS = 100  # the longest game the title and --rounds allow
TEST_DIGITS = 10_000  # MNIST's test split
NOISE_SEEDS = 2**31
MAX_ANSWER_MS = 24 * 3600 * 1000


class RecordError(ValueError):
    """The line is not a sensible game record; the message says why in a few words."""


class NewerRecord(RecordError):
    """Written by a newer version of the game: left alone, not set aside."""


@dataclass(frozen=True, slots=True)
class GameSummary:
    """What the Records list and the statistics need of one game, without its rounds (a long history stays small)."""

    offset: int  # byte offset of its line in the history file, to read the whole game back
    time: str
    opponent_name: str
    checkpoint: str
    checkpoint_sha256: str
    seed: int
    measurement: bool
    finished: bool
    judge: str
    n_rounds: int
    answered: int
    player_correct: int
    d_correct: int
    fakes: int
    fakes_called_real: int
    reals: int
    reals_called_fake: int

    @property
    def key(self) -> tuple:
        """Tells this game's line from any other, to check a line read back by offset."""
        return (self.time, self.seed, self.opponent_name, self.n_rounds, self.answered)


# ----------------------------------------------------------------------------- writing


def record_of(played: PlayedGame) -> dict:
    result = played.score
    rounds = []
    for round_, answer in zip(played.rounds, played.answers):
        entry = {"is_real": round_.is_real, "answer_real": answer.answer_real}
        entry["d_prob_real"] = None if round_.d_prob_real is None else round(float(round_.d_prob_real), 6)
        entry["ms"] = answer.ms
        entry["test_index" if round_.is_real else "noise_seed"] = int(round_.source)
        rounds.append(entry)
    return {
        "version": HISTORY_VERSION,
        "time": played.time,
        "checkpoint": played.checkpoint,
        "opponent": played.opponent_name,
        "checkpoint_sha256": played.checkpoint_sha256,
        "epoch": played.epoch,
        "seed": played.seed,
        "mode": "measurement" if played.measurement else "feedback",
        "judge": played.judge,
        "n_rounds": played.n_rounds,
        "finished": played.finished,
        "min_answer_ms": MIN_ANSWER_MS,
        "player_correct": result.player_correct,
        "d_correct": result.d_correct,
        "fakes_called_real": result.fakes_called_real,
        "reals_called_fake": result.reals_called_fake,
        "hype_infinity": round(result.hype_infinity, 4),
        "rounds": rounds,
    }


def line_of(record: dict) -> bytes:
    """One line of the file: compact JSON, ASCII only (a non-UTF-8 file name survives as an escape), newline."""
    return (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode("ascii")


# ----------------------------------------------------------------------------- reading


def _not_a_number(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def parse(line: bytes | str) -> dict:
    """The JSON object of one line; ValueError when the line is not one (damaged)."""
    record = json.loads(line, parse_constant=_not_a_number)
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    return record


def whole(record: dict, key: str, low: int, high: int) -> int:
    value = record.get(key)
    if type(value) is not int or not low <= value <= high:
        if isinstance(value, float) and not math.isfinite(value):
            raise RecordError(f"{key} is too large for a number")
        raise RecordError(f"{key} is {str(value)[:20]}, not a whole number from {low} to {high}")
    return value


def text(record: dict, key: str) -> str:
    value = record.get(key, "")
    if not isinstance(value, str):
        raise RecordError(f"{key} is not text")
    return value


def flag(record: dict, key: str, default=None) -> bool:
    value = record.get(key, default)
    if type(value) is not bool:
        raise RecordError(f"{key} is not true or false")
    return value


def version_of(record: dict) -> int:
    version = record.get("version")
    if type(version) is int and version > max(KNOWN_VERSIONS):
        raise NewerRecord(f"version {version} is newer than this game")
    if version not in KNOWN_VERSIONS or type(version) is not int:
        raise RecordError(f"version {str(version)[:20]} is not one this game wrote")
    return version


def checked_rounds(record: dict, version: int, n_rounds: int, finished: bool) -> list[tuple]:
    """(is_real, answer_real, d_prob_real, ms, source) per answered round, each checked (a long history
    is thousands of these per second, hence the plain loop)."""
    rounds = record.get("rounds")
    if not isinstance(rounds, list) or len(rounds) > n_rounds or (finished and len(rounds) != n_rounds):
        raise RecordError(f"rounds do not fit a {'finished ' if finished else ''}game of {n_rounds}")
    real_key, fake_key = ("index", "index") if version == 1 else ("test_index", "noise_seed")
    checked = []
    for entry in rounds:
        if type(entry) is not dict:
            raise RecordError("a round is not an object")
        is_real, answer = entry.get("is_real"), entry.get("answer_real")
        if type(is_real) is not bool or type(answer) is not bool:
            raise RecordError("is_real or answer_real is not true or false")
        source = entry.get(real_key if is_real else fake_key)
        if type(source) is not int or not 0 <= source < (TEST_DIGITS if is_real else NOISE_SEEDS):
            raise RecordError(f"a round's {real_key if is_real else fake_key} is out of range")
        probability = entry.get("d_prob_real")
        if probability is not None and (type(probability) not in (float, int) or not 0.0 <= probability <= 1.0):
            raise RecordError("d_prob_real is not a probability")
        ms = entry.get("ms")
        if type(ms) is not int or not 0 <= ms <= MAX_ANSWER_MS:
            raise RecordError("a round's ms is not a time in milliseconds")
        checked.append((is_real, answer, probability, ms, source))
    return checked


def check(record: dict) -> tuple[dict, list[tuple]]:
    """The record's checked header fields and rounds; RecordError when it makes no sense."""
    version = version_of(record)
    n_rounds = whole(record, "n_rounds", 2, MAX_ROUNDS)
    finished = flag(record, "finished", True) if version >= 2 else True
    rounds = checked_rounds(record, version, n_rounds, finished)
    player_correct = d_correct = 0
    for is_real, answer, probability, _, _ in rounds:
        player_correct += is_real == answer
        d_correct += probability is not None and (probability >= 0.5) == is_real
    if whole(record, "player_correct", 0, n_rounds) != player_correct:
        raise RecordError(f"player_correct says {record['player_correct']}, its rounds {player_correct}")
    if whole(record, "d_correct", 0, n_rounds) != d_correct:
        raise RecordError(f"d_correct says {record['d_correct']}, its rounds {d_correct}")
    mode = record.get("mode")
    if mode not in ("measurement", "feedback"):
        raise RecordError("mode is neither measurement nor feedback")
    epoch = record.get("epoch")
    header = {
        "time": text(record, "time"),
        "opponent_name": text(record, "opponent"),
        "checkpoint": text(record, "checkpoint"),
        "checkpoint_sha256": text(record, "checkpoint_sha256"),
        "seed": whole(record, "seed", 0, 2**63 - 1),
        "measurement": mode == "measurement",
        "finished": finished,
        "judge": text(record, "judge") or "D",
        "n_rounds": n_rounds,
        "epoch": epoch if type(epoch) is int and 0 <= epoch < 10**9 else None,
    }
    return header, rounds


def summary_of(record: dict, offset: int) -> GameSummary:
    header, rounds = check(record)
    header.pop("epoch")
    fakes = fakes_called_real = reals_called_fake = 0
    for is_real, answer, _, _, _ in rounds:
        fakes += not is_real
        fakes_called_real += answer and not is_real
        reals_called_fake += is_real and not answer
    return GameSummary(
        offset=offset,
        answered=len(rounds),
        player_correct=record["player_correct"],  # checked against its rounds
        d_correct=record["d_correct"],
        fakes=fakes,
        fakes_called_real=fakes_called_real,
        reals=len(rounds) - fakes,
        reals_called_fake=reals_called_fake,
        **header,
    )


def played_from(record: dict) -> PlayedGame:
    """The whole game of a record, its digits still to be rebuilt (images None)."""
    header, rounds = check(record)
    return PlayedGame(
        rounds=tuple(
            Round(
                image=None,
                is_real=is_real,
                d_prob_real=probability,
                test_index=source if is_real else None,
                noise_seed=None if is_real else source,
            )
            for is_real, _, probability, _, source in rounds
        ),
        answers=tuple(Answer(answer_real=answer, ms=ms) for _, answer, _, ms, _ in rounds),
        **header,
    )


def answer_times(record: dict) -> list[int]:
    """The answer times of a checked record."""
    return [ms for _, _, _, ms, _ in check(record)[1]]
