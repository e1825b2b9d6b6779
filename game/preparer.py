"""Prepares games in a background thread, so the window never waits for torch.

Importing torch takes longer than the whole startup budget (see the README's
performance table), so the loop draws the title first and this thread imports `game.bridge` (and with it
torch), loads the test digits, and then prepares whatever game the title
currently points at. By the time the player presses Enter the rounds are
usually ready; if not, the loading screen waits for them.

The loop says what it wants now (a game's rounds, the digits of a past game
the Records screen reopened, D's verdict on a drawing, an opponent card); the
thread works through those in order.
Results are kept per request (a few), and `notify` is called after each one so
the loop can wake up; the loop then asks for the result of the request it
wants. Nothing here imports torch at module level.
"""

import threading

from game.events import Prepared, PrepareFailed
from game.rounds import CardRequest, DrawingRequest, GameRequest, ImagesRequest
from gan.cli import one_line

KEEP = 8  # results kept; the title can flip between a few choices (and a drawing undo) without redoing them


class Preparer:
    def __init__(self, notify=lambda: None, make_bridge=None):
        self._notify = notify
        self._make_bridge = make_bridge  # for tests; default builds game.bridge.Bridge in the thread
        self._condition = threading.Condition()
        self._wanted: tuple = ()  # GameRequest and ImagesRequest, most wanted first
        self._results: dict = {}  # request -> Prepared, PrepareFailed or ImagesReady
        self._stopping = False
        self.startup_error: str | None = None  # torch or the test digits could not be loaded
        self.ready = threading.Event()  # set once torch and the digits are loaded
        self._thread = threading.Thread(target=self._run, name="prepare-rounds", daemon=True)

    def start(self) -> "Preparer":
        self._thread.start()
        return self

    def want(self, *requests) -> None:
        """What is worth preparing now, most wanted first (None entries are ignored)."""
        wanted = tuple(request for request in requests if request is not None)
        with self._condition:
            changed = wanted != self._wanted
            self._wanted = wanted  # even when equal: a request not yet started takes the latest digits to avoid
            if changed:
                self._condition.notify()

    def take(self, request):
        """The finished event for `request` (Prepared, PrepareFailed, ImagesReady, DrawingJudged, CardReady), or
        None while it is not done."""
        if request is None:
            return None
        with self._condition:
            return self._results.get(request)

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify()

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():  # never started (or done): nothing to wait for
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            if self._make_bridge is not None:
                bridge = self._make_bridge()
            else:
                from game.bridge import Bridge  # the torch import happens here, off the window's thread

                bridge = Bridge()
        except Exception as error:  # torch missing or broken, digits missing: every request fails the same way
            self.startup_error = one_line(error)
            bridge = None
        self.ready.set()
        self._notify()
        while True:
            with self._condition:
                while not self._stopping and self._next() is None:
                    self._condition.wait()
                if self._stopping:
                    return
                request = self._next()
            result = self._prepare(bridge, request)
            with self._condition:
                self._results[request] = result
                while len(self._results) > KEEP:
                    self._results.pop(next(iter(self._results)))
            self._notify()

    def _next(self):
        return next((request for request in self._wanted if request not in self._results), None)

    def _prepare(self, bridge, request: GameRequest | ImagesRequest | DrawingRequest | CardRequest):
        if bridge is None:
            return PrepareFailed(request, self.startup_error or "the game could not start its model side")
        try:
            if isinstance(request, ImagesRequest):
                return bridge.rebuild(request)
            if isinstance(request, DrawingRequest):
                return bridge.judge_drawing(request)
            if isinstance(request, CardRequest):
                return bridge.card(request)
            return Prepared(bridge.prepare(request))
        except Exception as error:  # CheckpointError, DataError, ValueError: all one line for the player
            return PrepareFailed(request, one_line(error))
