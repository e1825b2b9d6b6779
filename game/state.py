"""The rules of Real or Fake?: screens, overlays and the game being played, in plain Python.

No pygame and no torch here. Everything that happens reaches the game through
`Game.handle` (see `game.events`); `Game.update(dt)` advances its clocks. The
view reads a `Game` and draws it. What the game needs done in the outside
world it leaves for the loop to pick up: `wanted` and `wanted_images` (for the
preparer), `outbox` (games to append to the history), `record_wanted` (a past
game to read back), `cues` (sounds to play, append-only) and `quit`.

    title --Enter--> loading --rounds ready--> round --answer--> reveal --Space--> round ... --> summary
    title --R--> records --Enter--> summary of a past game
    title --C--> the opponent card;  title (Draw for D) --Enter--> draw --Esc--> title
    (measurement mode skips the reveal; Esc mid-game asks before leaving; H shows help over any screen)

The title chooses the way to play (`Settings.game`): one digit at a time, a
glimpse of each (HYPE-time), a real and a fake side by side (pairs), or
drawing for D. A game of rounds is played by `Game` with the rules object of
its way to play (`game.modes`); a drawing session by `game.drawing`.

An answer counts only once its digit has been on screen for MIN_ANSWER_MS,
timed from the first frame that showed it (the loop says when, with
`DigitShown`); earlier presses are ignored and never recorded. In glimpse
mode the digit is masked once it has been up for its exposure (the loop
flips the mask and says so with `MaskShown`), and answers count from then.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

from game import records as record_format
from game.drawing import DrawSession
from game.events import (
    Action,
    CardReady,
    DigitShown,
    DrawingJudged,
    HistoryLoaded,
    ImagesReady,
    Kept,
    MaskShown,
    OpenDigit,
    OpponentsIdentified,
    Pen,
    Prepared,
    PrepareFailed,
    RecordOpened,
    Saved,
    Scroll,
    SelectGame,
    SelectOpponent,
    SelectRecord,
    SelectRounds,
    StatsReady,
    WindowClosed,
)
from game.modes import GlimpseRules, SingleRules, rules_for
from game.rounds import (  # noqa: F401  (re-exported: the rest of the game imports its data types from here)
    GAMES,
    MIN_ANSWER_MS,
    Answer,
    CardRequest,
    GameRequest,
    GameSetup,
    ImagesRequest,
    Opponent,
    Pair,
    PlayedGame,
    Round,
    judge_title,
)
from game.scoring import Score, best_key, best_scores, best_value
from game.scoring import score as score_of

ROUND_CHOICES = (10, 20, 50)  # the title's choices; --rounds takes any even number up to MAX_ROUNDS
MAX_ROUNDS = record_format.MAX_ROUNDS  # beyond this the summary's review grid has no room for the digits
FLASH_SECONDS = 0.35  # the reveal's flash of blue or orange around the digit
BAR_SECONDS = 0.5  # the summary's bars grow in
RECORDS_PAGE = 10  # Page Up / Down in the Records list


class Screen(Enum):
    """What fills the window; an `Overlay` may cover it."""

    TITLE = "title"
    LOADING = "loading"  # waiting for the bridge to hand over the rounds
    ROUND = "round"  # one digit: real or fake? (glimpse mode masks it after its exposure)
    REVEAL = "reveal"
    PAIR = "pair"  # pairs mode: a real and a fake side by side, pick the real one
    PAIR_REVEAL = "pair_reveal"
    SUMMARY = "summary"  # of the game just played, or of a past one reopened from the Records
    RECORDS = "records"
    DRAW = "draw"  # draw a digit for D
    CARD = "card"  # the chosen generator's opponent card
    FAILED = "failed"  # the checkpoint named on the command line cannot be played


class Overlay(Enum):
    """Drawn over a screen; while one is up, keys and clicks go to it, and the answer clock stops."""

    HELP = "help"
    LEAVE = "leave"  # "leave this game?" after Esc mid-game
    QUIT = "quit"  # "quit the game?" after Q mid-game
    DIGIT = "digit"  # one digit of a summary, enlarged
    NOTICES = "notices"  # every warning, in full


D_VIEW_PLACES = (Screen.REVEAL, Screen.PAIR_REVEAL, Screen.DRAW, Overlay.DIGIT)  # where V shows where D looked


@dataclass
class Settings:
    rounds: int = 10  # digits per game, half real and half fake
    measurement: bool = False  # hide the per-round reveal (and the running score) until the summary
    seed: int | None = None  # fixed seed for every game; None draws a fresh one per game
    fixed_checkpoint: str | None = None  # --weights: play this one, no pick
    muted: bool = False  # no sound; remembered between games and runs
    detector: bool = False  # a critic trained afresh on the generator's fakes answers instead of the GAN's D
    game: str = "single"  # the way to play: one of GAMES


@dataclass
class Game:
    opponents: list[Opponent]
    settings: Settings = field(default_factory=Settings)
    best: dict[str, int] = field(default_factory=dict)  # best_key -> best player_correct
    notices: list[str] = field(default_factory=list)  # one-line messages the title screen shows
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self):
        self.screen = Screen.TITLE
        self.overlay: Overlay | None = None
        self.custom_rounds = self.settings.rounds if self.settings.rounds not in ROUND_CHOICES else None
        self.selected = 0  # index into opponents
        self.next_seed = self._draw_seed()
        self.prepared: GameSetup | None = None  # rounds ready for the title's current choice
        self.failures: dict[str, str] = {}  # checkpoint -> why it cannot be played
        # checkpoint -> SHA-256 of its file as last read: the key of bests
        self.sha256_by_checkpoint: dict[str, str] = {}
        self.setup: GameSetup | None = None  # the game being played
        self.answers: list[Answer] = []
        self.current = 0  # index of the round on screen
        self.shown = False  # whether a frame has shown the current digit yet
        self.round_ms = 0.0  # time the current digit has been on screen
        self.loading_seconds = 0.0
        self.screen_seconds = 0.0  # time since the screen changed, for the reveal's flash and the summary's bars
        self.previous_best: int | None = None  # best before this game, for the summary
        self.played: PlayedGame | None = None  # what the summary shows: the game just played, or a reopened one
        self.reopened = False  # the summary is of a past game from the Records
        self.images_problem = ""  # why a reopened game's digits could not all be redrawn
        self.digit = 0  # the summary digit shown enlarged
        self.records: list = []  # GameSummary of every past game, oldest first
        self.shown_reals: frozenset = frozenset()  # test indices of the real digits the player has been shown
        self.records_loaded = False
        self.record_cursor = 0  # index into records of the highlighted past game
        self.record_wanted = None  # the GameSummary of a past game being read back
        self.record_problem = ""  # why the last past game asked for could not be read back
        self.stats: tuple = ()  # OpponentStats over finished single-digit measurement games
        self.pairs_stats: tuple = ()  # the same over pairs games
        self.glimpse_stats: tuple = ()  # ThresholdStats over finished glimpse measurement games
        self.outbox: list[dict] = []  # finished-game records for the loop to append to the history
        self.save_notice: str | None = None  # why the last finished game could not be saved, for its summary
        self.cues: list[str] = []  # sounds asked for, append-only: "answer", "right", "wrong", "end"
        self.rules: SingleRules = rules_for(self.settings.game)  # of the game being played
        self.d_view = False  # show where the judge looked beside the digits it can be shown for (V)
        self.drawing: DrawSession | None = None  # the drawing session on the Draw screen
        self.card = None  # game.card.OpponentCard of the chosen generator, once made
        self.card_problem = ""  # why the card could not be made
        self.keep: list[tuple[str, object]] = []  # (file name, image) of drawings that fooled D, append-only
        self.kept_folder = ""  # where the drawings that fooled D went, once one has
        self.quit = False
        self.exit_code = 0
        if self.settings.fixed_checkpoint:
            self._start()

    # --- what the outside world reads

    @property
    def focus(self) -> Screen | Overlay:
        """What keys and clicks go to: the overlay when one is up, else the screen."""
        return self.overlay or self.screen

    @property
    def opponent(self) -> Opponent | None:
        return self.opponents[self.selected] if self.opponents else None

    @property
    def round_choices(self) -> tuple[int, ...]:
        """10 / 20 / 50, and the --rounds given on the command line when it is none of those."""
        return tuple(sorted(set(ROUND_CHOICES) | {self.custom_rounds})) if self.custom_rounds else ROUND_CHOICES

    @property
    def checkpoint(self) -> str | None:
        """The checkpoint a game would be played against now."""
        return self.settings.fixed_checkpoint or (self.opponent.path if self.opponent else None)

    @property
    def wanted(self) -> GameRequest | None:
        """The rounds worth preparing now: the title's current choice, or the game being started."""
        if self.screen in (Screen.TITLE, Screen.LOADING, Screen.SUMMARY, Screen.RECORDS, Screen.CARD):
            checkpoint = self.checkpoint
            if checkpoint and checkpoint not in self.failures and self.settings.game != "draw":
                settings = self.settings
                avoid = self.shown_reals if settings.seed is None else frozenset()  # a fixed seed fixes the digits
                return GameRequest(checkpoint, settings.rounds, self.next_seed, settings.detector, settings.game, avoid)
        return None

    @property
    def wanted_drawing(self):
        """The drawing on the canvas, while D has not judged it (a `DrawingRequest`)."""
        if self.screen == Screen.DRAW and self.drawing is not None and self.drawing.verdict is None:
            return self.drawing.request
        return None

    @property
    def wanted_card(self) -> CardRequest | None:
        if self.screen == Screen.CARD and self.checkpoint and self.card is None and not self.card_problem:
            return CardRequest(self.checkpoint)
        return None

    @property
    def requests(self) -> tuple:
        """Everything the preparer should work on now, most wanted first."""
        return (self.wanted_drawing, self.wanted_card, self.wanted, self.wanted_images)

    @property
    def can_start(self) -> bool:
        """Whether the title's Play has something to play: rounds to prepare, or a D to draw for."""
        if self.settings.game == "draw":
            return bool(self.checkpoint) and self.checkpoint not in self.failures
        return self.wanted is not None

    @property
    def wanted_images(self) -> ImagesRequest | None:
        """The digits of the reopened game on screen, while they are missing."""
        if self.screen == Screen.SUMMARY and self.reopened and self.played.images_missing and not self.images_problem:
            return self.played.images_request()
        return None

    @property
    def ready(self) -> bool:
        """Whether Enter on the title would start at once."""
        if self.settings.game == "draw":
            return self.can_start
        return self.prepared is not None and self.prepared.request == self.wanted

    @property
    def rounds(self) -> tuple:
        return self.setup.rounds if self.setup else ()

    @property
    def round(self) -> Round | Pair | None:
        return self.rounds[self.current] if self.current < len(self.rounds) else None

    @property
    def round_screen(self) -> Screen:
        return Screen.PAIR if self.rules.game == "pairs" else Screen.ROUND

    @property
    def reveal_screen(self) -> Screen:
        return Screen.PAIR_REVEAL if self.rules.game == "pairs" else Screen.REVEAL

    @property
    def game_name(self) -> str:
        """The way to play of the game on screen (or of the summary's)."""
        if self.screen == Screen.SUMMARY and self.played is not None:
            return self.played.game
        return self.setup.request.game if self.setup else self.settings.game

    @property
    def masked(self) -> bool:
        """Glimpse mode: the digit's exposure is over, so the screen shows the mask (from the frame it is due)."""
        rules = self.rules
        return isinstance(rules, GlimpseRules) and (rules.masked or rules.mask_due(self.shown, self.round_ms))

    @property
    def awaiting_mask_frame(self) -> bool:
        """Glimpse mode: the exposure is over but no frame has shown the mask yet."""
        rules = self.rules
        return (
            self.screen == Screen.ROUND
            and self.overlay is None
            and isinstance(rules, GlimpseRules)
            and rules.mask_due(self.shown, self.round_ms)
        )

    @property
    def deadline_ms(self) -> float | None:
        """Milliseconds until the screen must change by itself (glimpse's mask); None when nothing is due."""
        if self.screen != Screen.ROUND or self.overlay is not None:
            return None
        return self.rules.deadline_ms(self.shown, self.round_ms)

    @property
    def d_view_shown(self) -> bool:
        """Where the judge looked is drawn beside the digit: V is on, and the screen is one that shows it."""
        return self.d_view and self.focus in D_VIEW_PLACES

    @property
    def answer(self) -> Answer | None:
        """The answer to the digit on screen, once given (what the reveal shows)."""
        return self.answers[self.current] if self.current < len(self.answers) else None

    @property
    def score(self) -> Score:
        """Of the game in play, or of the one the summary shows."""
        if self.screen == Screen.SUMMARY and self.played is not None:
            return self.played.score
        return score_of(self.rounds, self.answers)

    @property
    def judge(self) -> str:
        """Who judges beside the player in the game on screen: "D", or "Detector" in detector mode."""
        if self.screen == Screen.SUMMARY and self.played is not None:
            return judge_title(self.played.judge)
        return judge_title(self.setup.judge if self.setup else "critic" if self.settings.detector else "D")

    @property
    def show_running_score(self) -> bool:
        return not self.settings.measurement  # the score is feedback too

    @property
    def best_value(self) -> int | None:
        """The summary's game's score as bests compare them (see game.scoring.best_value)."""
        played = self.played
        if played is None:
            return None
        found = played.threshold
        ms, reversals = (None, 0) if found is None else (found.ms, found.reversals)
        return best_value(played.game, played.score.player_correct, ms, reversals)

    @property
    def is_personal_best(self) -> bool:
        """A better score than an earlier finished game of the same kind; a first game is no record."""
        value = self.best_value
        return self.previous_best is not None and value is not None and value > self.previous_best

    @property
    def failure(self) -> str | None:
        """Why the chosen (or named) checkpoint cannot be played, when it cannot."""
        return self.failures.get(self.checkpoint) if self.checkpoint else None

    @property
    def playable(self) -> list[int]:
        """Indices of the opponents not known to fail: what "choose another" can offer."""
        return [i for i, opponent in enumerate(self.opponents) if opponent.path not in self.failures]

    @property
    def awaiting_first_frame(self) -> bool:
        """A digit is up for an answer but no frame has shown it yet."""
        return self.screen in (Screen.ROUND, Screen.PAIR) and self.overlay is None and not self.shown

    @property
    def answer_open(self) -> bool:
        """Whether an answer to the digit on screen would count now."""
        return self.screen == self.round_screen and self.rules.answer_open(self.shown, self.round_ms)

    @property
    def animating(self) -> bool:
        """Something on screen moves by itself, so the loop should draw frames without waiting for input."""
        if self.overlay is not None:
            return False
        flashing = self.screen in (Screen.REVEAL, Screen.PAIR_REVEAL) and self.screen_seconds < FLASH_SECONDS
        growing = self.screen == Screen.SUMMARY and self.screen_seconds < BAR_SECONDS
        timelapse = self.screen == Screen.CARD and self.card is not None and len(self.card.timelapse) > 1
        waiting = self.screen == Screen.CARD and self.card is None and not self.card_problem
        return self.screen == Screen.LOADING or flashing or growing or timelapse or waiting

    @property
    def in_game(self) -> bool:
        return self.screen in (Screen.ROUND, Screen.REVEAL, Screen.PAIR, Screen.PAIR_REVEAL)

    @property
    def drawing_in_hand(self) -> bool:
        """A drawing on the canvas not yet handed to D: leaving would lose it."""
        return self.screen == Screen.DRAW and self.drawing is not None and not self.drawing.blank

    @property
    def asks_before_leaving(self) -> bool:
        """Answers of a game not finished, or a drawing in hand: Esc and Q ask before they go."""
        return (self.in_game and bool(self.answers)) or self.drawing_in_hand

    @property
    def opponent_sha256(self) -> str | None:
        """The SHA-256 of the title's chosen opponent's file, once read (no best can be shown before)."""
        return self.sha256_by_checkpoint.get(self.checkpoint) if self.checkpoint else None

    def best_for(
        self, weights_sha256: str | None, rounds: int, measurement: bool | None = None, game: str | None = None
    ) -> int | None:
        if not weights_sha256:
            return None
        measurement = self.settings.measurement if measurement is None else measurement
        return self.best.get(best_key(weights_sha256, rounds, measurement, game or self.settings.game))

    # --- input

    def handle(self, event) -> None:
        news = {
            Prepared: lambda: self._on_prepared(event.setup),
            PrepareFailed: lambda: self._on_failed(event),
            ImagesReady: lambda: self._on_images(event),
            Saved: lambda: self._on_saved(event),
            HistoryLoaded: lambda: self._on_history(event),
            OpponentsIdentified: lambda: self._on_identified(event),
            RecordOpened: lambda: self._on_record_opened(event),
            StatsReady: lambda: self._on_stats(event),
            DrawingJudged: lambda: self._on_drawing_judged(event),
            CardReady: lambda: self._on_card(event),
            Kept: lambda: self._on_kept(event),
            DigitShown: self._on_digit_shown,
            MaskShown: self._on_mask_shown,
            WindowClosed: self._on_window_closed,
        }
        if type(event) in news:
            news[type(event)]()
        elif event == Action.TOGGLE_SOUND:
            self.settings.muted = not self.settings.muted
        elif event == Action.TOGGLE_D_VIEW and self.focus in D_VIEW_PLACES:
            self.d_view = not self.d_view
        elif event == Action.HELP and self.overlay == Overlay.HELP:
            self._close_overlay()
        elif event == Action.HELP and self.overlay is None:
            self.overlay = Overlay.HELP
        elif self.overlay is not None:
            self._on_overlay(event)
        elif event == Action.QUIT and self.asks_before_leaving:
            self.overlay = Overlay.QUIT
        elif event == Action.QUIT:
            self._leave_drawing()
            self._quit()
        else:
            self._on_screen(event)

    def _on_screen(self, event) -> None:
        {
            Screen.TITLE: self._on_title,
            Screen.LOADING: self._on_loading,
            Screen.ROUND: self._on_round,
            Screen.REVEAL: self._on_reveal,
            Screen.PAIR: self._on_round,
            Screen.PAIR_REVEAL: self._on_reveal,
            Screen.SUMMARY: self._on_summary,
            Screen.RECORDS: self._on_records,
            Screen.DRAW: self._on_draw,
            Screen.CARD: self._on_card_screen,
            Screen.FAILED: self._on_failed_screen,
        }[self.screen](event)

    def _on_overlay(self, event) -> None:
        if self.overlay in (Overlay.LEAVE, Overlay.QUIT):
            if event in (Action.CONFIRM, Action.QUIT):
                quitting = self.overlay == Overlay.QUIT or event == Action.QUIT
                if self.screen == Screen.DRAW:
                    self._leave_drawing()
                    self._to_title()
                else:
                    self._leave_game()
                self.quit = quitting
            elif event in (Action.BACK, Action.CONTINUE):
                self._close_overlay()
        elif self.overlay == Overlay.DIGIT and event in (Action.PREVIOUS, Action.NEXT):
            step = -1 if event == Action.PREVIOUS else 1
            self.digit = (self.digit + step) % len(self.played.rounds)
        elif event in (Action.BACK, Action.CONTINUE, Action.START, Action.CONFIRM) or isinstance(event, OpenDigit):
            self._close_overlay()
        elif event == Action.QUIT and self.asks_before_leaving:
            self.overlay = Overlay.QUIT  # from the help over a game: ask, as without it
        elif event == Action.QUIT:
            self._quit()

    def _close_overlay(self) -> None:
        self.overlay = None
        if isinstance(self.rules, GlimpseRules) and self.screen == Screen.ROUND and not self.rules.masked:
            self.rules.restart_round()  # the overlay hid the digit mid-exposure: show it again, for all of it
            self.shown, self.round_ms = False, 0.0
        if self.screen == Screen.LOADING:  # the rounds may have come, or failed, while it was up
            if self.wanted is None:
                self._to_title()
            elif self.prepared is not None and self.prepared.request == self.wanted:
                self._begin(self.prepared)

    def update(self, dt: float) -> None:
        """Advance the clocks by `dt` seconds; a digit is timed only once shown, and never under an overlay."""
        if self.overlay is not None:
            return
        self.screen_seconds += dt
        if self.screen == self.round_screen and self.shown:
            self.round_ms += dt * 1000.0
        elif self.screen == Screen.LOADING:
            self.loading_seconds += dt
        elif self.screen == Screen.DRAW and self.drawing is not None:
            self.drawing.update(dt)

    # --- screens

    def _on_title(self, event) -> None:
        choosing = not self.settings.fixed_checkpoint and self.opponents
        if event == Action.START:
            self._start()
        elif event in (Action.PREVIOUS_OPPONENT, Action.NEXT_OPPONENT) and choosing:
            step = -1 if event == Action.PREVIOUS_OPPONENT else 1
            self.selected = (self.selected + step) % len(self.opponents)
        elif isinstance(event, SelectOpponent) and choosing and 0 <= event.index < len(self.opponents):
            self.selected = event.index
        elif event in (Action.FEWER_ROUNDS, Action.MORE_ROUNDS):
            choices = self.round_choices
            position = choices.index(self.settings.rounds)
            step = -1 if event == Action.FEWER_ROUNDS else 1
            self.settings.rounds = choices[max(0, min(len(choices) - 1, position + step))]
        elif isinstance(event, SelectRounds) and event.rounds in self.round_choices:
            self.settings.rounds = event.rounds
        elif event == Action.TOGGLE_MEASUREMENT:
            self.settings.measurement = not self.settings.measurement
        elif event == Action.TOGGLE_DETECTOR:
            self.settings.detector = not self.settings.detector
        elif event == Action.NEXT_GAME:
            self.settings.game = GAMES[(GAMES.index(self.settings.game) + 1) % len(GAMES)]
        elif isinstance(event, SelectGame) and event.game in GAMES:
            self.settings.game = event.game
        elif event == Action.CARD and self.checkpoint:
            self.card = None if self.card is None or self.card.checkpoint != self.checkpoint else self.card
            self.card_problem = ""
            self._show(Screen.CARD)
        elif event == Action.RECORDS:
            self._show(Screen.RECORDS)
            self.record_cursor = max(0, len(self.records) - 1)  # the newest game, at the top
        elif event == Action.NOTICES and self.notices:
            self.overlay = Overlay.NOTICES

    def _on_loading(self, event) -> None:
        if event == Action.BACK:
            self._to_title()

    def _on_round(self, event) -> None:
        if event in self.rules.choices:
            if not self.answer_open:
                return  # before the digit has been seen long enough to judge: a reflex, not an answer
            self.answers.append(self.rules.answer(event, int(round(self.round_ms))))
            if self.settings.measurement:
                self.cues.append("answer")
                self._next_round()
            else:
                right = self.round.is_right(self.answers[-1])
                self.cues.append("right" if right else "wrong")
                self._show(self.reveal_screen)
        elif event == Action.BACK and self.answers:
            self.overlay = Overlay.LEAVE
        elif event == Action.BACK:
            self._to_title()

    def _on_reveal(self, event) -> None:
        if event == Action.CONTINUE:
            self._next_round()
        elif event == Action.BACK:
            self.overlay = Overlay.LEAVE

    def _on_summary(self, event) -> None:
        if isinstance(event, OpenDigit) and 0 <= event.index < len(self.played.rounds):
            self.digit, self.overlay = event.index, Overlay.DIGIT
        elif self.reopened:
            if event in (Action.BACK, Action.CONTINUE):
                self._show(Screen.RECORDS)
        elif event == Action.START:  # play again, same opponent and length, fresh digits
            self._to_title()
            self._start()
        elif event in (Action.BACK, Action.CONTINUE):
            self._to_title()

    def _on_records(self, event) -> None:
        newest = len(self.records) - 1
        moves = {Action.PREVIOUS: 1, Action.NEXT: -1, Action.PAGE_UP: RECORDS_PAGE, Action.PAGE_DOWN: -RECORDS_PAGE}
        if event in moves or isinstance(event, Scroll):
            step = event.steps if isinstance(event, Scroll) else moves[event]  # the list shows newest first
            self.record_cursor = max(0, min(newest, self.record_cursor + step))
        elif isinstance(event, SelectRecord) and 0 <= event.index <= newest:
            self.record_cursor = event.index
            self.record_wanted = self.records[event.index]
        elif event in (Action.START, Action.CONTINUE) and self.records:
            self.record_wanted = self.records[self.record_cursor]
        elif event == Action.BACK:
            self._to_title()

    def _on_draw(self, event) -> None:
        drawing = self.drawing
        if isinstance(event, Pen):
            drawing.pen(event)
        elif event == Action.UNDO:
            drawing.undo()
        elif event == Action.CLEAR:
            drawing.clear()
        elif event in (Action.SUBMIT, Action.START):
            handed_in = drawing.submit()
            if handed_in is not None:
                self.cues.append("right" if handed_in.fooled else "wrong")
                if handed_in.kept:
                    self.keep.append((handed_in.kept, handed_in.image))
        elif event == Action.BACK and self.drawing_in_hand:
            self.overlay = Overlay.LEAVE
        elif event == Action.BACK:
            self._leave_drawing()
            self._to_title()

    def _on_card_screen(self, event) -> None:
        if event in (Action.BACK, Action.CONTINUE, Action.CARD):
            self._to_title()
        elif event == Action.START:
            self._to_title()
            self._start()

    def _on_failed_screen(self, event) -> None:
        if event == Action.START and self.playable:  # choose another opponent from weights/
            self.selected = self.playable[0]
            self.settings.fixed_checkpoint = None
            self.exit_code = 0
            self._to_title()
        elif isinstance(event, Action):
            self._quit()  # nothing else to do: the named checkpoint cannot be played

    # --- news from the outside world

    def _on_prepared(self, setup: GameSetup) -> None:
        self.failures.pop(setup.request.checkpoint, None)
        if setup.checkpoint_sha256:  # the weights as loaded: newer than what the history thread read
            self.sha256_by_checkpoint[setup.request.checkpoint] = setup.checkpoint_sha256
        if setup.request != self.wanted:
            return  # prepared for a choice the player has since changed
        self.prepared = setup
        if self.screen == Screen.LOADING and self.overlay is None:
            self._begin(setup)

    def _on_failed(self, event: PrepareFailed) -> None:
        if isinstance(event.request, ImagesRequest):
            self._on_images(ImagesReady(event.request, (), event.message))
            return
        if isinstance(event.request, CardRequest):
            if self.screen == Screen.CARD and event.request.checkpoint == self.checkpoint:
                self.card_problem = event.message
            return
        if not isinstance(event.request, GameRequest):  # a drawing: D's verdict says why
            self._on_drawing_judged(DrawingJudged(event.request, message=event.message))
            return
        self.failures[event.request.checkpoint] = event.message
        if self.settings.fixed_checkpoint and event.request.checkpoint == self.settings.fixed_checkpoint:
            self._show(Screen.FAILED)
            self.overlay, self.exit_code = None, 1
        elif self.screen == Screen.LOADING and self.overlay is None:
            self._to_title()

    def _on_images(self, event: ImagesReady) -> None:
        if self.reopened and self.played is not None and event.request == self.played.images_request():
            if event.images:
                self.played = self.played.with_images(event.images, event.saliencies, event.labels)
            self.images_problem = event.message or ("" if event.images else "the digits could not be redrawn")

    def _on_saved(self, event: Saved) -> None:
        if event.record in self.outbox:
            self.outbox.remove(event.record)
        if event.summary is not None and self.records_loaded:
            self.records.append(event.summary)
        self.notices.extend(event.notices)
        if event.notices:
            self.save_notice = event.notices[-1]

    def _on_history(self, event: HistoryLoaded) -> None:
        self.records = list(event.records)
        self.records_loaded = True
        self.shown_reals |= event.shown_reals
        self.record_cursor = max(0, len(self.records) - 1)
        for key, correct in best_scores(self.records).items():
            self.best[key] = max(self.best.get(key, correct), correct)
        self.notices.extend(event.notices)

    def _on_identified(self, event: OpponentsIdentified) -> None:
        for checkpoint, sha256 in event.digests:
            self.sha256_by_checkpoint.setdefault(checkpoint, sha256)  # a file already loaded keeps its loaded digest

    def _on_record_opened(self, event: RecordOpened) -> None:
        if event.summary is not self.record_wanted or self.screen != Screen.RECORDS:
            return  # the player has moved on
        self.record_wanted = None
        if event.played is None:
            self.record_problem = event.message
            return
        self.record_problem = ""
        self.played, self.reopened, self.images_problem = event.played, True, ""
        self.previous_best = None
        self._show(Screen.SUMMARY)

    def _on_stats(self, event: StatsReady) -> None:
        self.stats, self.pairs_stats, self.glimpse_stats = event.stats, event.pairs, event.glimpse

    def _on_digit_shown(self) -> None:
        if self.awaiting_first_frame:
            self.shown, self.round_ms = True, 0.0

    def _on_mask_shown(self) -> None:
        if self.awaiting_mask_frame:
            self.rules.mask_shown(self.round_ms)

    def _on_drawing_judged(self, event: DrawingJudged) -> None:
        if self.drawing is not None and event.request.checkpoint == self.drawing.checkpoint:
            self.drawing.judged(event)

    def _on_card(self, event: CardReady) -> None:
        if self.screen == Screen.CARD and event.request == CardRequest(self.checkpoint or ""):
            self.card = event.card

    def _on_kept(self, event: Kept) -> None:
        self.notices.extend(event.notices)
        if event.path:
            self.kept_folder = str(event.path).rsplit("/", 1)[0]

    def _on_window_closed(self) -> None:
        if self.in_game and self.answers:
            self._leave_game()
        self._leave_drawing()
        self._quit()

    # --- transitions

    def _show(self, screen: Screen) -> None:
        self.screen, self.screen_seconds = screen, 0.0

    def _quit(self) -> None:
        self.quit = True

    def _draw_seed(self) -> int:
        return self.settings.seed if self.settings.seed is not None else self.rng.randrange(2**31)

    def _start(self) -> None:
        if self.settings.game == "draw":
            if self.can_start:
                opponent_name = self.opponent.name if self.opponent else self.checkpoint
                self.drawing = DrawSession(self.checkpoint, opponent_name)
                self._show(Screen.DRAW)
            return
        request = self.wanted
        if request is None:
            return  # no opponent, or it cannot be loaded: the title says why
        self._show(Screen.LOADING)
        self.loading_seconds = 0.0
        if self.prepared is not None and self.prepared.request == request:
            self._begin(self.prepared)

    def _begin(self, setup: GameSetup) -> None:
        self.setup = setup
        self.prepared = None
        self.answers = []
        self.current = 0
        self.save_notice = None
        self.rules = rules_for(setup.request.game)
        self.previous_best = self.best_for(setup.checkpoint_sha256, len(setup.rounds), game=setup.request.game)
        self.next_seed = self._draw_seed()  # these digits are spent; the next game gets fresh ones
        self._to_round()

    def _to_round(self) -> None:
        self._show(self.round_screen)
        self.shown, self.round_ms = False, 0.0
        self.rules.start_round(self.rounds, self.answers)

    def _next_round(self) -> None:
        self.current += 1
        if self.current >= len(self.rounds):
            self._finish()
        else:
            self._to_round()

    def playing(self, finished: bool = True, now: datetime | None = None) -> PlayedGame:
        """The game in play as a `PlayedGame`."""
        setup = self.setup
        return PlayedGame(
            rounds=setup.rounds[: len(self.answers)] if not finished else setup.rounds,
            answers=tuple(self.answers),
            n_rounds=len(setup.rounds),
            opponent_name=setup.opponent_name,
            checkpoint=setup.request.checkpoint,
            checkpoint_sha256=setup.checkpoint_sha256,
            seed=setup.request.seed,
            measurement=self.settings.measurement,
            finished=finished,
            time=(now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
            epoch=setup.epoch,
            judge=setup.judge,
            game=setup.request.game,
        )

    def _finish(self) -> None:
        self.played, self.reopened = self.playing(), False
        self._show(Screen.SUMMARY)
        key = best_key(self.setup.checkpoint_sha256, len(self.rounds), self.settings.measurement, self.played.game)
        value = self.best_value
        if value is not None and self.setup.checkpoint_sha256:
            self.best[key] = max(self.best.get(key, value), value)
        self.outbox.append(record_format.record_of(self.played))
        self._remember_reals()
        self.cues.append("end")

    def _leave_drawing(self) -> None:
        """Out of Draw for D: the drawings handed in are saved as one session (game "draw")."""
        drawing, self.drawing = self.drawing, None
        if drawing is None or not drawing.drawings:
            return
        played = PlayedGame(
            rounds=tuple(drawing.drawings),
            answers=tuple(drawing.answers),
            n_rounds=len(drawing.drawings),
            opponent_name=drawing.opponent_name,
            checkpoint=drawing.checkpoint,
            checkpoint_sha256=drawing.checkpoint_sha256,
            seed=0,
            measurement=False,
            finished=True,
            time=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            game="draw",
        )
        self.outbox.append(record_format.record_of(played))

    def _leave_game(self) -> None:
        """Out of a game before its end: what was answered is saved, marked unfinished."""
        if self.answers:
            self.outbox.append(record_format.record_of(self.playing(finished=False)))
            self._remember_reals()
        self._to_title()

    def _remember_reals(self) -> None:
        """The real digits of the rounds answered, so that the next fresh games draw others."""
        answered = self.rounds[: len(self.answers)]
        reals = [round_.real if isinstance(round_, Pair) else round_ for round_ in answered]
        self.shown_reals |= {round_.test_index for round_ in reals if round_.is_real and round_.test_index is not None}

    def _to_title(self) -> None:
        self._show(Screen.TITLE)
        self.overlay = None
        self.record_wanted = None
        self.setup = None
        self.answers = []
        self.current = 0
        self.reopened = False
