"""The one pygame loop: input in, `Game` events out, the view drawn, sounds played.

Each `frame` waits for input (or a wake-up from a background thread) at most
`wait_ms`, advances the game's clock, turns key presses and clicks into
`Action`s, hands the preparer's and the recorder's finished work to the game,
passes finished games to the recorder, draws, and then tells the game when a
frame has shown a new digit (its answer clock starts at that flip) or, in
glimpse mode, the mask that ends its exposure: both times are taken as
`display.flip` returns, so an exposure is measured flip to flip. When the game
has a deadline (a mask due), the loop wakes for it, and spins the last
milliseconds rather than trust the event queue's timer. It sleeps
on `pygame.event.wait`, so an answer is handled the moment it arrives rather
than at the next tick of a fixed frame rate, and an idle window costs no CPU.
No file is read or written on this thread once the window is up.
"""

import os
import sys
import time
import warnings

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # must be set before pygame is imported
os.environ.setdefault("SDL_VIDEO_X11_WMCLASS", "real-or-fake")  # the taskbar's name for the window (X11)
os.environ.setdefault("SDL_APP_NAME", "Real or Fake?")
# Software frames straight to the window: no OpenGL for a 2D game. On Mesa's software GL, SDL would load
# its LLVM into the process, and the detector's first backward pass makes torch load Triton's own LLVM
# beside it, which crashes inside the loader (seen under Xvfb).
os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")

import pygame  # noqa: E402

from game import keys  # noqa: E402
from game.events import Action, DigitShown, MaskShown, Pen, Prepared, PrepareFailed, Scroll, WindowClosed  # noqa: E402
from game.sound import Sounds  # noqa: E402
from game.state import Game, Screen  # noqa: E402
from game.view import View  # noqa: E402

WINDOW_SIZE = (1280, 720)
MINIMUM_SIZE = (640, 400)
IDLE_WAIT_MS = 500  # nothing moves on screen: wake only for input
ANIMATION_WAIT_MS = 16  # the loading spinner turns, the reveal flashes
SPIN_MS = 2.0  # a deadline this close is waited for by spinning: the event queue's timer may oversleep
HEADLESS_DRIVERS = ("dummy", "offscreen")  # SDL's drivers that draw nowhere


class NoDisplay(Exception):
    """SDL found no display and fell back to drawing nowhere, which nobody asked for; the message is one line."""


class Loop:
    def __init__(
        self,
        game: Game,
        view: View,
        preparer,
        recorder=None,
        fullscreen: bool = False,
        size=WINDOW_SIZE,
        log=None,
    ):
        self.game = game
        self.view = view
        self.preparer = preparer
        self.recorder = recorder  # game.recorder.Recorder: the history, off this thread
        self.fullscreen = fullscreen
        self.window_size = size
        self.window_position = None  # where the window was before fullscreen, to put it back there
        self.log = log or (lambda message: print(message, file=sys.stderr))
        self.screen: pygame.Surface | None = None
        self.sounds = Sounds()
        self.wake_event = None
        self.last_time = time.perf_counter()
        self.reported_failure = False
        self.frames = 0
        self.key_map: dict = {}  # the key table with pygame's key codes, once the display is up
        self.sent: list[dict] = []  # records handed to the recorder, not yet confirmed saved
        self.asked_record = None  # the past game last asked of the recorder
        self.cues_played = len(game.cues)
        self.kept_sent = len(game.keep)  # drawings handed to the recorder to keep as PNGs
        self.muted_remembered = game.settings.muted

    # ------------------------------------------------------------------ window

    def open(self) -> None:
        try:
            pygame.display.init()
        except pygame.error as error:  # no video driver at all
            raise NoDisplay(f"no display to open the game window on ({error})") from None
        driver = pygame.display.get_driver()
        asked = [name.strip().lower() for name in os.environ.get("SDL_VIDEODRIVER", "").split(",")]  # SDL takes a list
        if driver in HEADLESS_DRIVERS and driver not in asked:
            pygame.display.quit()  # else the game would run on, invisible, until killed
            raise NoDisplay(
                "no display to open the game window on (SDL fell back to its "
                f"{driver} driver); play on a desktop, or under a virtual one: xvfb-run python -m game"
            )
        pygame.font.init()
        pygame.display.set_caption("Real or Fake?")
        pygame.display.set_icon(self.view.icon())
        self.wake_event = pygame.event.custom_type()
        self.key_map = keys.key_map(pygame.key.key_code)
        self._set_mode()
        pygame.key.set_repeat()  # a held key must not answer several digits
        self.sounds.start()

    def window(self):
        with warnings.catch_warnings():  # pygame-ce prefers Window's own surface; the display module's is ours
            warnings.simplefilter("ignore", DeprecationWarning)
            return pygame.Window.from_display_module()

    def _set_mode(self) -> None:
        if self.fullscreen:
            self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        else:
            self.screen = pygame.display.set_mode(self.window_size, pygame.RESIZABLE)
            self.window().minimum_size = MINIMUM_SIZE  # the window manager stops the shrink: no re-made window

    def toggle_fullscreen(self) -> None:
        """Switch the one window in place (a new window each time would wander across the desktop)."""
        window = self.window()
        if not self.fullscreen:
            self.window_size, self.window_position = self.screen.get_size(), window.position
            window.set_fullscreen(True)
        else:
            window.set_windowed()
            window.size = self.window_size
            if self.window_position is not None:
                window.position = self.window_position
        self.fullscreen = not self.fullscreen
        self.screen = pygame.display.get_surface()

    def wake(self) -> None:
        """Called from the background threads: posting an event is how another thread wakes `event.wait`."""
        if self.wake_event is not None and pygame.display.get_init():
            try:
                pygame.event.post(pygame.event.Event(self.wake_event))
            except pygame.error:
                pass  # the window is closing

    @property
    def headless(self) -> bool:
        return pygame.display.get_driver() in HEADLESS_DRIVERS

    # ------------------------------------------------------------------ one frame

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.game.handle(WindowClosed())
        elif event.type == pygame.KEYDOWN:
            action = keys.action_for(self.key_map, event.key, self.game.focus)
            if action == Action.FULLSCREEN:
                self.toggle_fullscreen()
            elif action is not None:
                self.game.handle(action)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if not self.pen("down", event.pos):
                self.click(event.pos)
        elif event.type == pygame.MOUSEMOTION and event.buttons[0]:
            self.pen("move", event.pos)
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.pen("up", event.pos)
        elif event.type == pygame.MOUSEWHEEL:
            self.game.handle(Scroll(event.y))
        elif event.type == pygame.VIDEORESIZE and not self.fullscreen:
            self.window_size = (max(MINIMUM_SIZE[0], event.w), max(MINIMUM_SIZE[1], event.h))

    def pen(self, kind: str, position) -> bool:
        """The mouse on Draw's canvas as a `Pen` event; False when it is not drawing there."""
        drawing = self.game.drawing
        if self.game.focus != Screen.DRAW or drawing is None or (kind != "down" and not drawing.pen_down):
            return False
        point = self.view.canvas_point(self.game, self.screen.get_size(), position, clamp=kind != "down")
        if point is None:
            return False
        self.game.handle(Pen(kind, *point))
        return True

    def click(self, position) -> None:
        for rect, action in self.view.targets(self.game, self.screen.get_size()):
            if rect.collidepoint(position):
                self.game.handle(action)
                return

    def sync_preparer(self) -> None:
        """Ask for what the game wants next, and hand over whatever is ready for it."""
        for _ in range(3):  # a delivery can change what the game wants (title -> round)
            wanted = self.game.requests
            self.preparer.want(*wanted)
            delivered = False
            for request in wanted:
                result = self.preparer.take(request)
                if result is None or self.already_has(result):
                    continue
                self.game.handle(result)
                delivered = True
            if not delivered:
                return

    def already_has(self, result) -> bool:
        if isinstance(result, Prepared):
            return self.game.prepared is result.setup
        if isinstance(result, PrepareFailed) and result.request == self.game.wanted:
            return self.game.failures.get(result.request.checkpoint) == result.message
        return False

    def take_recorder_news(self) -> None:
        """The history thread's answers to the game, and its warnings (a save that failed) to the terminal."""
        for event in self.recorder.take():
            self.game.handle(event)
            for notice in getattr(event, "notices", ()):
                self.log(f"warning: {notice}")

    def sync_recorder(self) -> None:
        """Hand the recorder's answers to the game; pass it finished games, past games to read, preferences."""
        if self.recorder is None:
            return
        self.take_recorder_news()
        self.sent = [record for record in self.sent if any(record is waiting for waiting in self.game.outbox)]
        for record in self.game.outbox:
            if not any(record is sent for sent in self.sent):
                self.recorder.save(record)
                self.sent.append(record)
        if self.game.record_wanted is not None and self.game.record_wanted is not self.asked_record:
            self.recorder.open(self.game.record_wanted)
        self.asked_record = self.game.record_wanted
        for name, image in self.game.keep[self.kept_sent :]:
            self.recorder.keep(name, image)
        self.kept_sent = len(self.game.keep)
        if self.game.settings.muted != self.muted_remembered:
            self.muted_remembered = self.game.settings.muted
            self.recorder.remember({"muted": self.muted_remembered})

    def play_sounds(self) -> None:
        for cue in self.game.cues[self.cues_played :]:
            if not self.game.settings.muted:
                self.sounds.play(cue)
        self.cues_played = len(self.game.cues)

    def draw(self) -> None:
        self.screen = pygame.display.get_surface()
        mouse = pygame.mouse.get_pos() if pygame.mouse.get_focused() else (-1, -1)
        self.view.draw(self.screen, self.game, mouse)
        pygame.display.flip()
        self.frames += 1

    def tick(self) -> None:
        now = time.perf_counter()
        self.game.update(now - self.last_time)
        self.last_time = now

    def frame(self, wait_ms: int = 0) -> None:
        events = []
        if wait_ms > 0:
            first = pygame.event.wait(wait_ms)
            if first.type != pygame.NOEVENT:
                events.append(first)
        events.extend(pygame.event.get())
        self.tick()  # before the answers: their response time runs to now
        for event in events:
            self.handle(event)
        self.sync_preparer()
        self.sync_recorder()
        self.play_sounds()
        if self.game.screen == Screen.FAILED and not self.reported_failure:
            self.reported_failure = True
            self.log(f"error: {self.game.failure or self.game.settings.fixed_checkpoint}")
        if not self.game.quit:
            showing_new_digit, showing_mask = self.game.awaiting_first_frame, self.game.awaiting_mask_frame
            self.draw()
            if showing_new_digit:
                self.tick()  # the time spent drawing is not the player's
                self.game.handle(DigitShown())
            elif showing_mask:
                self.tick()  # the exposure ends at this flip
                self.game.handle(MaskShown())
        if self.game.screen == Screen.FAILED and self.headless:
            self.game.handle(Action.QUIT)  # no one can read the window or press a key in it

    def wait_ms(self) -> int:
        wait = ANIMATION_WAIT_MS if self.game.animating else IDLE_WAIT_MS
        deadline = self.game.deadline_ms
        if deadline is not None:
            self.tick()
            deadline = self.game.deadline_ms
            if deadline is not None and deadline <= SPIN_MS:
                self.spin(deadline)
                return 0  # due now: draw without waiting
            wait = min(wait, max(1, int(deadline - SPIN_MS)))
        return wait

    def spin(self, milliseconds: float) -> None:
        """Wait this long by the clock itself (a thread switch would oversleep), then advance the game's clock."""
        until = time.perf_counter() + milliseconds / 1000
        while time.perf_counter() < until:
            pass
        self.tick()

    # ------------------------------------------------------------------ the whole run

    def start(self) -> None:
        """Window up and first frame drawn, then the background threads (torch, the history file) behind it."""
        self.open()
        self.last_time = time.perf_counter()
        self.draw()
        self.preparer.start()
        if self.recorder is not None:
            self.recorder.start()

    def run(self) -> int:
        """Frames until the game quits; its exit status, or 130 after Ctrl-C in the terminal."""
        self.start()
        interrupted = False
        try:
            while not self.game.quit:
                self.frame(self.wait_ms())
        except KeyboardInterrupt:
            # Python, not SDL, owns SIGINT, so Ctrl-C arrives here rather than as a closed window; leave
            # the same way, so that the answers of a game not finished are saved like any other.
            interrupted = True
            self.game.handle(WindowClosed())
        finally:
            self.close(wait_for_preparer=False)
        return 130 if interrupted else self.game.exit_code

    def close(self, wait_for_preparer: bool = True) -> None:
        """Window down at once; the history's pending saves always finish (they are the player's games)."""
        self.sync_recorder()
        self.preparer.stop()
        self.sounds.close()
        pygame.display.quit()
        pygame.quit()
        if self.recorder is not None:
            self.recorder.stop()
            self.take_recorder_news()  # the last saves' answers: a failed one must still be told
        if wait_for_preparer:
            # A process that exits under a running torch call can abort ("terminate called without an
            # active exception"); `python -m game` instead leaves with os._exit once this returns.
            self.preparer.join(timeout=10)
