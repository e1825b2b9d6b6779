"""The one pygame loop: input in, `Game` events out, the view drawn, the history written.

Each `frame` waits for input (or a wake-up from the preparer thread) at most
`wait_ms`, advances the game's clock, turns key presses and clicks into
`Action`s, hands finished rounds from the preparer to the game, appends
finished games to the history file, and draws. It sleeps on
`pygame.event.wait`, so an answer is handled the moment it arrives rather than
at the next tick of a fixed frame rate, and an idle window costs no CPU.
"""

import os
import sys
import time

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # must be set before pygame is imported

import pygame  # noqa: E402

from game import history, keys  # noqa: E402
from game.events import Action, Prepared, PrepareFailed, Saved  # noqa: E402
from game.state import Game, Screen  # noqa: E402
from game.view import View  # noqa: E402

WINDOW_SIZE = (1280, 720)
MINIMUM_SIZE = (640, 400)
IDLE_WAIT_MS = 500  # nothing moves on screen: wake only for input
ANIMATION_WAIT_MS = 33  # the loading spinner turns


class Loop:
    def __init__(
        self, game: Game, view: View, preparer, history_file=None, fullscreen: bool = False, size=WINDOW_SIZE, log=None
    ):
        self.game = game
        self.view = view
        self.preparer = preparer
        self.history_file = history_file  # None: the user's data folder (or REAL_OR_FAKE_HOME)
        self.fullscreen = fullscreen
        self.window_size = size
        self.log = log or (lambda message: print(message, file=sys.stderr))
        self.screen: pygame.Surface | None = None
        self.wake_event = None
        self.last_time = time.perf_counter()
        self.reported_failure = False
        self.frames = 0
        self.key_map: dict = {}  # the key table with pygame's key codes, once the display is up

    # ------------------------------------------------------------------ window

    def open(self) -> None:
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("Real or Fake?")
        pygame.display.set_icon(self.view.icon())
        self.wake_event = pygame.event.custom_type()
        self.key_map = keys.key_map(pygame.key.key_code)
        self._set_mode()
        pygame.key.set_repeat()  # a held key must not answer several digits

    def _set_mode(self) -> None:
        if self.fullscreen:
            self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        else:
            self.screen = pygame.display.set_mode(self.window_size, pygame.RESIZABLE)

    def toggle_fullscreen(self) -> None:
        if not self.fullscreen:
            self.window_size = self.screen.get_size()
        self.fullscreen = not self.fullscreen
        self._set_mode()

    def wake(self) -> None:
        """Called from the preparer thread: posting an event is how another thread wakes `event.wait`."""
        if self.wake_event is not None and pygame.display.get_init():
            try:
                pygame.event.post(pygame.event.Event(self.wake_event))
            except pygame.error:
                pass  # the window is closing

    @property
    def headless(self) -> bool:
        return pygame.display.get_driver() in ("dummy", "offscreen")

    # ------------------------------------------------------------------ one frame

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.game.handle(Action.QUIT)
        elif event.type == pygame.KEYDOWN:
            action = keys.action_for(self.key_map, event.key, self.game.focus)
            if action == Action.FULLSCREEN:
                self.toggle_fullscreen()
            elif action is not None:
                self.game.handle(action)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for rect, action in self.view.targets(self.game, self.screen.get_size()):
                if rect.collidepoint(event.pos):
                    self.game.handle(action)
                    break
        elif event.type == pygame.VIDEORESIZE and not self.fullscreen:
            width, height = max(MINIMUM_SIZE[0], event.w), max(MINIMUM_SIZE[1], event.h)
            self.window_size = (width, height)
            if (width, height) != (event.w, event.h):
                self.screen = pygame.display.set_mode(self.window_size, pygame.RESIZABLE)

    def sync_preparer(self) -> None:
        """Ask for what the game wants next, and hand over whatever is ready for it."""
        for _ in range(3):  # a delivery can change what the game wants (title -> round)
            request = self.game.wanted
            self.preparer.want(request)
            result = self.preparer.take(request)
            if result is None:
                return
            if isinstance(result, Prepared) and self.game.prepared is result.setup:
                return  # the game holds it already
            if isinstance(result, PrepareFailed) and self.game.failures.get(request.checkpoint) == result.message:
                return
            self.game.handle(result)

    def save_finished_games(self) -> None:
        for record in list(self.game.outbox):
            notices = history.append_game(record, self.history_file)
            for notice in notices:
                self.log(f"warning: {notice}")
            self.game.handle(Saved(record, tuple(notices)))

    def draw(self) -> None:
        self.screen = pygame.display.get_surface()
        mouse = pygame.mouse.get_pos() if pygame.mouse.get_focused() else (-1, -1)
        self.view.draw(self.screen, self.game, mouse)
        pygame.display.flip()
        self.frames += 1

    def frame(self, wait_ms: int = 0) -> None:
        events = []
        if wait_ms > 0:
            first = pygame.event.wait(wait_ms)
            if first.type != pygame.NOEVENT:
                events.append(first)
        events.extend(pygame.event.get())
        now = time.perf_counter()
        self.game.update(now - self.last_time)  # before the answers: their response time runs to now
        self.last_time = now
        for event in events:
            self.handle(event)
        self.sync_preparer()
        self.save_finished_games()
        if self.game.screen == Screen.FAILED and not self.reported_failure:
            self.reported_failure = True
            self.log(f"error: {self.game.failure or self.game.settings.fixed_checkpoint}")
        if not self.game.quit:
            self.draw()
        if self.game.screen == Screen.FAILED and self.headless:
            self.game.handle(Action.QUIT)  # no one can read the window or press a key in it

    def wait_ms(self) -> int:
        return ANIMATION_WAIT_MS if self.game.screen == Screen.LOADING else IDLE_WAIT_MS

    # ------------------------------------------------------------------ the whole run

    def start(self) -> None:
        """Window up and first frame drawn, then the preparer (and torch) behind it."""
        self.open()
        self.last_time = time.perf_counter()
        self.draw()
        self.preparer.start()

    def run(self) -> int:
        self.start()
        try:
            while not self.game.quit:
                self.frame(self.wait_ms())
        finally:
            self.close()
        return self.game.exit_code

    def close(self) -> None:
        self.preparer.stop()
        pygame.display.quit()
        pygame.quit()
        # Wait for a game being prepared (torch at work in the thread): a process that exits
        # under a running torch call can abort ("terminate called without an active exception").
        self.preparer.join(timeout=10)
