"""Reads and writes the history in a background thread, so no file work ever lands in a frame.

Jobs run one at a time, in the order asked: the whole history is read once at
start-up (a long file takes seconds; the title is up at once and shows the
bests when they come), then the opponents' files are hashed (bests belong to
exact weights, and a 10 MB file takes tens of milliseconds, too long for a
frame), then each finished game is appended, each past game the
Records screen opens is read back by its byte offset, and the per-opponent
statistics (a bootstrap) are worked out after the load and after each saved
game. Drawings that fooled D are written here too, as PNGs in the `drawings`
folder beside the history. Results wait in `take()` as `game.events` for the loop to hand to
`Game.handle`; `notify` wakes the loop after each.
"""

import os
import queue
import sys
import threading
from pathlib import Path

import numpy as np

from game import history
from game.events import HistoryLoaded, Kept, OpponentsIdentified, RecordOpened, Saved, StatsReady
from game.files import open_regular
from game.records import RecordError, parse, played_from
from game.scoring import opponent_stats, threshold_stats
from gan.cli import one_line
from gan.files import stream_digest


class Recorder:
    def __init__(
        self, path: Path, notify=lambda: None, preferences_path: Path | None = None, opponents: tuple[str, ...] = ()
    ):
        self.path = Path(path)
        self.opponents = tuple(opponents)  # checkpoint paths to hash after the load
        self.preferences_path = preferences_path or self.path.with_name("preferences.json")
        self._notify = notify
        self._jobs: queue.Queue = queue.Queue()
        self._results: list = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._summaries: list = []  # this thread's own copy, for the statistics
        self._statistics_due = False
        self._thread = threading.Thread(target=self._run, name="history", daemon=True)

    # --- asked from the loop's thread

    def start(self) -> "Recorder":
        self._jobs.put(("load",))
        if self.opponents:
            self._jobs.put(("identify", self.opponents))
        self._thread.start()
        return self

    def save(self, record: dict) -> None:
        self._jobs.put(("save", record))

    def open(self, summary) -> None:
        self._jobs.put(("open", summary))

    def keep(self, name: str, image) -> None:
        """Write a drawing that fooled D as `drawings/<name>` beside the history."""
        self._jobs.put(("keep", name, image))

    def remember(self, preferences: dict) -> None:
        self._jobs.put(("preferences", dict(preferences)))

    def take(self) -> list:
        with self._lock:
            results, self._results = self._results, []
        return results

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the saves already asked for (a load still running is cut short), then end the thread."""
        self._stopping.set()
        self._jobs.put(("stop",))
        if self._thread.is_alive():
            self._thread.join(timeout)

    # --- the thread

    def _post(self, event) -> None:
        with self._lock:
            self._results.append(event)
        self._notify()

    def _run(self) -> None:
        while True:
            if self._statistics_due and self._jobs.empty():  # after the saves and reads asked for: they come first
                self._statistics_due = False
                self._statistics()
                continue
            job = self._jobs.get()
            if job[0] == "stop":
                return
            try:
                getattr(self, f"_{job[0]}")(*job[1:])
            except Exception as error:  # one job's bug must not end the thread: the saves behind it would be lost
                print(f"warning: the history thread's {job[0]} failed: {one_line(error)}", file=sys.stderr)

    def _load(self) -> None:
        summaries, notices = history.read_history(self.path, stop=self._stopping.is_set)
        if self._stopping.is_set():
            return
        self._summaries = list(summaries)
        shown = np.unique(np.frombuffer(b"".join(summary.shown_reals for summary in summaries), dtype=np.uint16))
        shown = frozenset(shown.tolist())  # worked out here, not on the window's thread
        self._post(HistoryLoaded(summaries, tuple(notices), shown))
        self._statistics_due = True

    def _identify(self, checkpoints: tuple[str, ...]) -> None:
        """Each file's SHA-256, posted as soon as it is read: the first opponent's best shows without the rest."""
        for checkpoint in checkpoints:
            if self._stopping.is_set():
                return
            try:  # a FIFO or a device in weights/ is never opened: it could hang this thread
                with os.fdopen(open_regular(Path(checkpoint), os.O_RDONLY, must_exist=True), "rb") as file:
                    self._post(OpponentsIdentified(((checkpoint, stream_digest(file)),)))
            except OSError:
                continue  # no best is shown for it; the bridge says why when it is played

    def _save(self, record: dict) -> None:
        summary, notices = history.append_game(record, self.path)
        self._post(Saved(record, summary, tuple(notices)))
        if summary is not None:
            self._summaries.append(summary)
            if summary.measurement and summary.finished:
                self._statistics_due = not self._stopping.is_set()

    def _open(self, summary) -> None:
        try:
            record = parse(history.read_line(self.path, summary.offset))
            played = played_from(record)
        except (OSError, ValueError, RecordError) as error:
            self._post(RecordOpened(summary, None, f"could not read this game back: {error}"))
            return
        if (played.time, played.seed, played.opponent_name, played.n_rounds, len(played.answers)) != summary.key:
            self._post(RecordOpened(summary, None, "the history file changed since it was read"))
            return
        self._post(RecordOpened(summary, played))

    def _statistics(self) -> None:
        measured = [summary for summary in self._summaries if summary.measurement]
        single, pairs = opponent_stats(measured), opponent_stats(measured, game="pairs")
        self._post(StatsReady(single, len(self._summaries), pairs, threshold_stats(measured)))

    def _keep(self, name: str, image) -> None:
        path = self.path.with_name(history.DRAWINGS_FOLDER) / name
        try:
            history.save_drawing(image, path)
        except OSError as error:
            self._post(Kept(name, "", (f"could not keep your drawing as {path}: {history.reason(error)}",)))
            return
        self._post(Kept(name, str(path)))

    def _preferences(self, preferences: dict) -> None:
        history.write_preferences(preferences, self.preferences_path)
