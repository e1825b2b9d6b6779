"""One history line per game: a `PlayedGame` as JSON, and back, checked for sense on the way in.

A line is a JSON object (version 3):

    version, time (ISO 8601, UTC), checkpoint (path), opponent (file stem), checkpoint_sha256, epoch,
    seed, game ("single", "glimpse", "pairs" or "draw": the way it was played),
    mode ("measurement" or "feedback", i.e. practice), judge ("D", or "critic" in detector mode),
    n_rounds (the game's length), finished (false for a game left early), min_answer_ms (null in glimpse,
    where answers count once the mask is up),
    player_correct, d_correct, fakes_called_real, reals_called_fake, hype_infinity,
    threshold_ms (glimpse: the threshold exposure, null before the staircase turned),
    rounds: one entry per answered round, by game:
      single:  {is_real, answer_real, d_prob_real (null when D gave no number), ms,
                test_index (a real digit) or noise_seed (a fake)}
      glimpse: the same, and exposure_ms (the staircase's) and shown_ms (measured from the display's flips)
      pairs:   {real_left, pick_left, test_index, noise_seed, d_prob_real (of the real digit),
                d_prob_fake (D's p(real) of the fake), ms}
      draw:    {d_prob_real, digit and digit_prob (the classifier's), ms, pixels (the 28x28 drawing,
                base64 of 784 bytes, row by row), kept (the PNG it was kept as, or "")}

In a pairs game, player_correct counts right picks, and every wrong pick is
both a fake called real and a real called fake. In a drawing session,
player_correct counts the drawings that fooled D (p(real) of 50% or more) and
d_correct those it called fake. Versions 1 (before games could be left early,
with `index` for either number) and 2 (before the other ways to play) are read
as single-digit games. A line is accepted only when it makes sense: a known
version and game, whole numbers where counts are, counts that match its rounds
and fit the game's length, finite probabilities in [0, 1]. No pygame, no torch.
"""

import base64
import binascii
import json
import math
from dataclasses import dataclass

import numpy as np

from game.glimpse import threshold as glimpse_threshold
from game.rounds import GAMES, MIN_ANSWER_MS, Answer, Drawing, Pair, PlayedGame, Round
from game.scoring import score

HISTORY_VERSION = 3
KNOWN_VERSIONS = (1, 2, 3)
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
    game: str = "single"  # one of game.rounds.GAMES
    threshold_ms: float | None = None  # glimpse: the game's threshold exposure, when the staircase turned
    threshold_reversals: int = 0  # glimpse: how many reversals it rests on
    shown_reals: bytes = b""  # test indices of its answered real digits, as uint16: small in a long history

    @property
    def real_indices(self) -> list[int]:
        return np.frombuffer(self.shown_reals, dtype=np.uint16).tolist()

    @property
    def key(self) -> tuple:
        """Tells this game's line from any other, to check a line read back by offset."""
        return (self.time, self.seed, self.opponent_name, self.n_rounds, self.answered)


# ----------------------------------------------------------------------------- writing


def probability(value) -> float | None:
    return None if value is None else round(float(value), 6)


def round_entry(round_, answer: Answer) -> dict:
    """One round of the line, as the module docstring lays it out for each game."""
    if isinstance(round_, Pair):
        return {
            "real_left": round_.real_left,
            "pick_left": bool(answer.pick_left),
            "test_index": int(round_.real.test_index),
            "noise_seed": int(round_.fake.noise_seed),
            "d_prob_real": probability(round_.real.d_prob_real),
            "d_prob_fake": probability(round_.fake.d_prob_real),
            "ms": answer.ms,
        }
    if isinstance(round_, Drawing):
        return {
            "d_prob_real": probability(round_.d_prob_real),
            "digit": round_.digit,
            "digit_prob": probability(round_.digit_prob),
            "ms": answer.ms,
            "pixels": base64.b64encode(np.ascontiguousarray(round_.image, dtype=np.uint8).tobytes()).decode("ascii"),
            "kept": round_.kept,
        }
    entry = {"is_real": round_.is_real, "answer_real": answer.answer_real}
    entry["d_prob_real"] = probability(round_.d_prob_real)
    entry["ms"] = answer.ms
    entry["test_index" if round_.is_real else "noise_seed"] = int(round_.source)
    if answer.exposure_ms is not None:
        entry["exposure_ms"], entry["shown_ms"] = answer.exposure_ms, answer.shown_ms
    return entry


def record_of(played: PlayedGame) -> dict:
    result = played.score
    rounds = [round_entry(round_, answer) for round_, answer in zip(played.rounds, played.answers)]
    threshold = played.threshold
    return {
        "version": HISTORY_VERSION,
        "time": played.time,
        "checkpoint": played.checkpoint,
        "opponent": played.opponent_name,
        "checkpoint_sha256": played.checkpoint_sha256,
        "epoch": played.epoch,
        "seed": played.seed,
        "game": played.game,
        "mode": "measurement" if played.measurement else "feedback",
        "judge": played.judge,
        "n_rounds": played.n_rounds,
        "finished": played.finished,
        "min_answer_ms": None if played.game == "glimpse" else MIN_ANSWER_MS,  # glimpse: answers count once masked
        "player_correct": result.player_correct,
        "d_correct": result.d_correct,
        "fakes_called_real": result.fakes_called_real,
        "reals_called_fake": result.reals_called_fake,
        "hype_infinity": None if played.game == "draw" else round(result.hype_infinity, 4),
        "threshold_ms": None if threshold is None or threshold.ms is None else round(threshold.ms, 1),
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


def probability_in(entry: dict, key: str) -> float | None:
    value = entry.get(key)
    if value is not None and (type(value) not in (float, int) or not 0.0 <= value <= 1.0):
        raise RecordError(f"{key} is not a probability")
    return value


def milliseconds_in(entry: dict, key: str = "ms", low: int = 0) -> int:
    value = entry.get(key)
    if type(value) is not int or not low <= value <= MAX_ANSWER_MS:
        raise RecordError(f"a round's {key} is not a time in milliseconds")
    return value


def index_in(entry: dict, key: str, limit: int) -> int:
    value = entry.get(key)
    if type(value) is not int or not 0 <= value < limit:
        raise RecordError(f"a round's {key} is out of range")
    return value


def round_list(record: dict, n_rounds: int, finished: bool) -> list:
    rounds = record.get("rounds")
    if not isinstance(rounds, list) or len(rounds) > n_rounds or (finished and len(rounds) != n_rounds):
        raise RecordError(f"rounds do not fit a {'finished ' if finished else ''}game of {n_rounds}")
    for entry in rounds:
        if type(entry) is not dict:
            raise RecordError("a round is not an object")
    return rounds


def checked_rounds(record: dict, version: int, n_rounds: int, finished: bool, glimpse: bool = False) -> list[tuple]:
    """(is_real, answer_real, d_prob_real, ms, source, exposure_ms, shown_ms) per answered round of a
    single-digit or glimpse game, each checked (a long history is thousands of these per second, hence the
    plain loop)."""
    real_key, fake_key = ("index", "index") if version == 1 else ("test_index", "noise_seed")
    checked = []
    for entry in round_list(record, n_rounds, finished):
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
        exposure = shown = None
        if glimpse:
            exposure, shown = milliseconds_in(entry, "exposure_ms", 1), milliseconds_in(entry, "shown_ms", 1)
        checked.append((is_real, answer, probability, ms, source, exposure, shown))
    return checked


def checked_pairs(record: dict, n_rounds: int, finished: bool) -> list[tuple[Pair, Answer]]:
    checked = []
    for entry in round_list(record, n_rounds, finished):
        real_left, pick_left = entry.get("real_left"), entry.get("pick_left")
        if type(real_left) is not bool or type(pick_left) is not bool:
            raise RecordError("real_left or pick_left is not true or false")
        real = Round(
            None, True, probability_in(entry, "d_prob_real"), test_index=index_in(entry, "test_index", TEST_DIGITS)
        )
        fake = Round(
            None, False, probability_in(entry, "d_prob_fake"), noise_seed=index_in(entry, "noise_seed", NOISE_SEEDS)
        )
        checked.append((Pair(real, fake, real_left), Answer(None, milliseconds_in(entry), pick_left=pick_left)))
    return checked


def checked_drawings(record: dict, n_rounds: int, finished: bool) -> list[tuple[Drawing, Answer]]:
    checked = []
    for entry in round_list(record, n_rounds, finished):
        digit, kept = entry.get("digit"), entry.get("kept", "")
        if digit is not None and (type(digit) is not int or not 0 <= digit <= 9):
            raise RecordError("a drawing's digit is not one from 0 to 9")
        if not isinstance(kept, str):
            raise RecordError("a drawing's kept is not text")
        try:
            pixels = base64.b64decode(entry.get("pixels", ""), validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise RecordError("a drawing's pixels are not base64") from None
        if len(pixels) != 28 * 28:
            raise RecordError("a drawing's pixels are not 28x28")
        image = np.frombuffer(pixels, dtype=np.uint8).reshape(28, 28)
        image.setflags(write=False)
        drawing = Drawing(image, probability_in(entry, "d_prob_real"), digit, probability_in(entry, "digit_prob"), kept)
        checked.append((drawing, Answer(None, milliseconds_in(entry))))
    return checked


def game_of(record: dict, version: int) -> str:
    game = record.get("game", "single") if version >= 3 else "single"
    if game not in GAMES:
        raise RecordError(f"game {str(game)[:20]} is not a way to play this game knows")
    return game


def check(record: dict) -> tuple[dict, list]:
    """The record's checked header fields and rounds; RecordError when it makes no sense.

    The rounds are `checked_rounds`' tuples for single-digit and glimpse games (the long histories), and
    (round, answer) pairs of objects for pairs and drawings.
    """
    version = version_of(record)
    game = game_of(record, version)
    n_rounds = whole(record, "n_rounds", 1 if game == "draw" else 2, MAX_ROUNDS)
    finished = flag(record, "finished", True) if version >= 2 else True
    if game in ("single", "glimpse"):
        rounds = checked_rounds(record, version, n_rounds, finished, glimpse=game == "glimpse")
        player_correct = d_correct = 0
        for is_real, answer, probability, _, _, _, _ in rounds:
            player_correct += is_real == answer
            d_correct += probability is not None and (probability >= 0.5) == is_real
    else:
        rounds = (checked_pairs if game == "pairs" else checked_drawings)(record, n_rounds, finished)
        player_correct = sum(round_.is_right(answer) for round_, answer in rounds)
        d_correct = sum(round_.d_correct for round_, _ in rounds)
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
        "game": game,
        "epoch": epoch if type(epoch) is int and 0 <= epoch < 10**9 else None,
    }
    return header, rounds


def summary_of(record: dict, offset: int) -> GameSummary:
    header, rounds = check(record)
    header.pop("epoch")
    if header["game"] in ("pairs", "draw"):
        result = score([round_ for round_, _ in rounds], [answer for _, answer in rounds])
        fakes, fakes_called_real = result.fakes, result.fakes_called_real
        reals, reals_called_fake = result.reals, result.reals_called_fake
        shown = [pair.real.test_index for pair, _ in rounds] if header["game"] == "pairs" else []
    else:
        fakes = fakes_called_real = reals_called_fake = 0
        shown = []
        for is_real, answer, _, _, source, _, _ in rounds:
            fakes += not is_real
            fakes_called_real += answer and not is_real
            reals_called_fake += is_real and not answer
            if is_real:
                shown.append(source)
        reals = len(rounds) - fakes
    threshold_ms, threshold_reversals = None, 0
    if header["game"] == "glimpse":
        found = glimpse_threshold([is_real == answer for is_real, answer, *_ in rounds], [t[6] for t in rounds])
        threshold_ms, threshold_reversals = found.ms, found.reversals
    return GameSummary(
        offset=offset,
        answered=len(rounds),
        player_correct=record["player_correct"],  # checked against its rounds
        d_correct=record["d_correct"],
        fakes=fakes,
        fakes_called_real=fakes_called_real,
        reals=reals,
        reals_called_fake=reals_called_fake,
        threshold_ms=threshold_ms,
        threshold_reversals=threshold_reversals,
        shown_reals=np.array(shown, dtype=np.uint16).tobytes(),
        **header,
    )


def played_from(record: dict) -> PlayedGame:
    """The whole game of a record, its digits still to be rebuilt (images None; a drawing's are in the record)."""
    header, rounds = check(record)
    if header["game"] in ("pairs", "draw"):
        return PlayedGame(rounds=tuple(r for r, _ in rounds), answers=tuple(a for _, a in rounds), **header)
    return PlayedGame(
        rounds=tuple(
            Round(
                image=None,
                is_real=is_real,
                d_prob_real=probability,
                test_index=source if is_real else None,
                noise_seed=None if is_real else source,
            )
            for is_real, _, probability, _, source, _, _ in rounds
        ),
        answers=tuple(
            Answer(answer_real=answer, ms=ms, exposure_ms=exposure, shown_ms=shown)
            for _, answer, _, ms, _, exposure, shown in rounds
        ),
        **header,
    )


def answer_times(record: dict) -> list[int]:
    """The answer times of a checked record."""
    header, rounds = check(record)
    if header["game"] in ("pairs", "draw"):
        return [answer.ms for _, answer in rounds]
    return [entry[3] for entry in rounds]
