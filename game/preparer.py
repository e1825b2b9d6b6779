"""Prepares games in a background thread, so the window never waits for torch.

Importing torch takes longer than the whole startup budget (see the README's
performance table), so the loop draws the title first and this thread imports `game.bridge` (and with it
torch), loads the test digits, and then prepares whatever game the title
currently points at. By the time the player presses Enter the rounds are
usually ready; if not, the loading screen waits for them.

Results are kept per request (a few), and `notify` is called after each one so
the loop can wake up; the loop then asks for the result of the request it
wants. Nothing here imports torch at module level.
"""

import threading

from game.events import Prepared, PrepareFailed
from game.state import GameRequest, GameSetup

KEEP = 4  # results kept; the title can flip between a few choices without redoing them


def one_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Preparer:
    def __init__(self, notify=lambda: None, make_bridge=None):
        self._notify = notify
        self._make_bridge = make_bridge  # for tests; default builds game.bridge.Bridge in the thread
        self._condition = threading.Condition()
        self._wanted: GameRequest | None = None
        self._results: dict[GameRequest, Prepared | PrepareFailed] = {}
        self._stopping = False
        self.startup_error: str | None = None  # torch or the test digits could not be loaded
        self.ready = threading.Event()  # set once torch and the digits are loaded
        self._thread = threading.Thread(target=self._run, name="prepare-rounds", daemon=True)

    def start(self) -> "Preparer":
        self._thread.start()
        return self

    def want(self, request: GameRequest | None) -> None:
        with self._condition:
            if request != self._wanted:
                self._wanted = request
                self._condition.notify()

    def take(self, request: GameRequest | None):
        """The Prepared / PrepareFailed event for `request`, or None while it is not done."""
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
                while not self._stopping and (self._wanted is None or self._wanted in self._results):
                    self._condition.wait()
                if self._stopping:
                    return
                request = self._wanted
            result = self._prepare(bridge, request)
            with self._condition:
                self._results[request] = result
                while len(self._results) > KEEP:
                    self._results.pop(next(iter(self._results)))
            self._notify()

    def _prepare(self, bridge, request: GameRequest):
        if bridge is None:
            return PrepareFailed(request, self.startup_error or "the game could not start its model side")
        try:
            setup: GameSetup = bridge.prepare(request)
        except Exception as error:  # CheckpointError, DataError, ValueError: all one line for the player
            return PrepareFailed(request, one_line(error))
        return Prepared(setup)
