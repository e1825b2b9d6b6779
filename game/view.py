"""Draws a `game.state.Game` onto a pygame surface; never changes the game.

Everything is laid out from the window's size, so the picture follows a
resize or fullscreen. `View.targets` gives the clickable rectangles of the
same layout `View.draw` paints, so what you click is what you see.

Colours are the Okabe-Ito palette's sky blue and orange, which people with
every common colour-vision deficiency can tell apart; right and wrong are also
a tick and a cross and the words RIGHT and WRONG, never colour alone. Digits
are scaled with nearest-neighbour (`pygame.transform.scale`), so the player
sees the 28x28 pixels themselves, not a smoothed guess.
"""

import math

import pygame

from game.state import Action, Game, Phase, SelectOpponent, SelectRounds

BACKGROUND = (17, 21, 34)
PANEL = (30, 36, 56)
PANEL_LIGHT = (45, 53, 82)
OUTLINE = (78, 90, 128)
TEXT = (238, 241, 246)
MUTED = (152, 162, 188)
RIGHT = (86, 180, 233)  # Okabe-Ito sky blue
WRONG = (230, 159, 0)  # Okabe-Ito orange
SELECTED = (240, 228, 66)  # Okabe-Ito yellow, for "this is chosen" only
GREY_PALETTE = [(value, value, value) for value in range(256)]

KEY_HELP = [
    ("Enter", "play (title), play again (summary)"),
    ("R  or  Left", "this digit is real"),
    ("F  or  Right", "this digit is fake"),
    ("Space  or  Enter", "next digit, after a reveal"),
    ("Up / Down", "choose the opponent (title)"),
    ("Left / Right", "10, 20 or 50 rounds (title)"),
    ("M", "measurement mode on / off (title)"),
    ("Esc", "back to the title"),
    ("F11", "fullscreen"),
    ("H", "this help"),
    ("Q", "quit"),
]


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


class View:
    def __init__(self, history_location: str = ""):
        self.history_location = history_location  # shown on the help screen
        self._fonts: dict[int, pygame.font.Font] = {}
        self._digits: dict[int, tuple[object, dict[int, pygame.Surface]]] = {}

    # ------------------------------------------------------------------ resources

    def font(self, size: float) -> pygame.font.Font:
        size = max(10, int(size))
        if size not in self._fonts:
            self._fonts[size] = pygame.font.Font(None, size)  # pygame's bundled font: nothing to install
        return self._fonts[size]

    def digit(self, image, side: int) -> pygame.Surface:
        """The (28, 28) uint8 image, scaled by whole pixels with no smoothing, cached per size."""
        key = id(image)
        if key not in self._digits:
            if len(self._digits) > 400:
                self._digits.clear()
            source = pygame.image.frombuffer(bytes(image.tobytes()), (28, 28), "P")
            source.set_palette(GREY_PALETTE)
            self._digits[key] = (image, {28: source.convert() if pygame.display.get_surface() else source})
        sizes = self._digits[key][1]
        side = max(28, int(side))
        if side not in sizes:
            sizes[side] = pygame.transform.scale(sizes[28], (side, side))
        return sizes[side]

    def icon(self) -> pygame.Surface:
        """The window icon: a question mark on the game's background."""
        surface = pygame.Surface((64, 64))
        surface.fill(BACKGROUND)
        pygame.draw.rect(surface, RIGHT, surface.get_rect().inflate(-6, -6), width=5, border_radius=12)
        self.text(surface, "?", 66, TEXT, (32, 35), "center")
        return surface

    # ------------------------------------------------------------------ drawing helpers

    def text(self, surface, string, size, color, position, anchor="topleft") -> pygame.Rect:
        image = self.font(size).render(string, True, color)
        rect = image.get_rect(**{anchor: (int(position[0]), int(position[1]))})
        surface.blit(image, rect)
        return rect

    def fit_text(self, surface, string, size, color, position, max_width, anchor="topleft") -> pygame.Rect:
        """Like `text`, shrinking the font until the line fits `max_width`."""
        while size > 12 and self.font(size).size(string)[0] > max_width:
            size *= 0.92
        return self.text(surface, string, size, color, position, anchor)

    def wrap(self, string: str, size: float, width: int) -> list[str]:
        font, lines = self.font(size), []
        for paragraph in string.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}".strip()
                if line and font.size(candidate)[0] > width:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return lines

    def paragraph(self, surface, string, size, color, x, y, width, spacing=1.25) -> int:
        """Wrapped text from (x, y); returns the y below it."""
        step = int(self.font(size).get_height() * spacing)
        for line in self.wrap(string, size, width):
            self.text(surface, line, size, color, (x, y))
            y += step
        return y

    @staticmethod
    def panel(surface, rect, color=PANEL, border=None, width=2, radius=None) -> None:
        radius = int(min(rect.w, rect.h) * 0.08) if radius is None else radius
        pygame.draw.rect(surface, color, rect, border_radius=radius)
        if border:
            pygame.draw.rect(surface, border, rect, width=max(1, width), border_radius=radius)

    @staticmethod
    def tick(surface, center, size, color) -> None:
        x, y, s = center[0], center[1], size / 2
        points = [(x - s, y), (x - s * 0.3, y + s * 0.7), (x + s, y - s * 0.75)]
        pygame.draw.lines(surface, color, False, points, max(2, int(size / 5)))

    @staticmethod
    def cross(surface, center, size, color) -> None:
        x, y, s = center[0], center[1], size * 0.42
        width = max(2, int(size / 5))
        pygame.draw.line(surface, color, (x - s, y - s), (x + s, y + s), width)
        pygame.draw.line(surface, color, (x - s, y + s), (x + s, y - s), width)

    def mark(self, surface, correct: bool, center, size) -> None:
        (self.tick if correct else self.cross)(surface, center, size, RIGHT if correct else WRONG)

    def button(self, surface, rect, label, hint, hovered=False, selected=False, label_size=None) -> None:
        color = PANEL_LIGHT if hovered else PANEL
        border = SELECTED if selected else (TEXT if hovered else OUTLINE)
        self.panel(surface, rect, color, border, width=max(2, rect.h // 25))
        label_size = label_size or rect.h * 0.5
        if hint:
            self.fit_text(
                surface, label, label_size, TEXT, (rect.centerx, rect.centery - rect.h * 0.13), rect.w * 0.9, "center"
            )
            self.fit_text(
                surface,
                hint,
                max(11, rect.h * 0.28),
                MUTED,
                (rect.centerx, rect.bottom - rect.h * 0.2),
                rect.w * 0.9,
                "center",
            )
        else:
            self.fit_text(surface, label, label_size, TEXT, rect.center, rect.w * 0.9, "center")

    def framed_digit(self, surface, image, rect) -> None:
        pygame.draw.rect(surface, OUTLINE, rect.inflate(6, 6), width=3)
        surface.blit(self.digit(image, rect.w), rect)

    # ------------------------------------------------------------------ layouts (shared by draw and targets)

    @staticmethod
    def unit(size) -> float:
        width, height = size
        return max(0.35, min(width / 1280, height / 720))

    def title_layout(self, game: Game, size) -> dict:
        width, height = size
        u = self.unit(size)
        margin = int(40 * u)
        top = int(height * 0.25)
        bottom = int(height * 0.80)
        left = pygame.Rect(margin, top, int(width * 0.52) - margin, bottom - top)
        right = pygame.Rect(left.right + int(24 * u), top, width - margin - left.right - int(24 * u), bottom - top)
        row_height = max(30, int(62 * u))
        list_top = left.y + int(58 * u)
        visible = max(1, (left.bottom - list_top - int(40 * u)) // row_height)
        first = min(max(0, game.selected - visible + 1), max(0, len(game.opponents) - visible))
        rows = []
        for position, index in enumerate(range(first, min(len(game.opponents), first + visible))):
            rows.append(
                (
                    index,
                    pygame.Rect(
                        left.x + int(14 * u),
                        list_top + position * row_height,
                        left.w - int(28 * u),
                        row_height - int(6 * u),
                    ),
                )
            )
        pad = int(18 * u)
        button_gap = int(14 * u)
        choices = game.round_choices
        button_width = (right.w - 2 * pad - (len(choices) - 1) * button_gap) // len(choices)
        rounds_top = right.y + int(58 * u)
        rounds = [
            (
                choice,
                pygame.Rect(right.x + pad + i * (button_width + button_gap), rounds_top, button_width, int(56 * u)),
            )
            for i, choice in enumerate(choices)
        ]
        mode = pygame.Rect(right.x + pad, rounds_top + int(150 * u), right.w - 2 * pad, int(70 * u))
        start = pygame.Rect(0, 0, int(min(width * 0.42, 520 * u)), int(72 * u))
        start.midtop = (width // 2, bottom + int(20 * u))
        return {
            "left": left,
            "right": right,
            "rows": rows,
            "rounds": rounds,
            "mode": mode,
            "start": start,
            "first": first,
            "hidden": len(game.opponents) - len(rows),
            "pad": pad,
        }

    def play_layout(self, size) -> dict:
        width, height = size
        u = self.unit(size)
        side = int(min(height * 0.5, width * 0.5))
        side -= side % 28 if side >= 56 else 0  # whole screen pixels per MNIST pixel: every digit pixel the same size
        digit = pygame.Rect(0, 0, side, side)
        digit.midtop = (width // 2, int(height * 0.215))
        button_width = int(min(width * 0.34, 420 * u))
        button_height = int(max(height * 0.15, 44))
        gap = int(max(width * 0.04, 24 * u))
        real = pygame.Rect(0, 0, button_width, button_height)
        fake = pygame.Rect(0, 0, button_width, button_height)
        buttons_top = digit.bottom + int(height * 0.035)
        real.topright = (width // 2 - gap // 2, buttons_top)
        fake.topleft = (width // 2 + gap // 2, buttons_top)
        small = pygame.Rect(0, 0, 28, 28)
        small.midleft = (digit.right + int(56 * u), digit.centery)
        return {
            "digit": digit,
            "real": real,
            "fake": fake,
            "small": small,
            "next": pygame.Rect(real.left, real.top, fake.right - real.left, button_height),
        }

    def summary_layout(self, game: Game, size) -> dict:
        """Stats on the left; on the right every digit, the real ones above the fakes, so no tile needs a label."""
        width, height = size
        u = self.unit(size)
        margin = int(36 * u)
        top = int(height * 0.2)
        stats = pygame.Rect(margin, top, int(width * 0.42), int(height * 0.86) - top)
        grid = pygame.Rect(stats.right + int(30 * u), top, width - margin - stats.right - int(30 * u), stats.h)
        groups = [
            [i for i, r in enumerate(game.rounds) if r.is_real],
            [i for i, r in enumerate(game.rounds) if not r.is_real],
        ]
        heading, gap, aspect = int(34 * u), int(14 * u), 1.32  # a tile is its digit over a row of two marks
        largest = max(1, *(len(group) for group in groups))
        room = (grid.h - 2 * heading - gap) / 2
        best = (1, 1, 0.0)
        for columns in range(1, largest + 1):
            rows = math.ceil(largest / columns)
            tile = min(grid.w / columns, room / (rows * aspect), 150 * u)
            if tile > best[2]:
                best = (columns, rows, tile)
        columns, rows, tile = best
        tiles: list = [None] * len(game.rounds)
        headings = []
        y = grid.y
        for name, group in zip(("REAL", "FAKE"), groups):
            headings.append((name, len(group), pygame.Rect(grid.x, y, grid.w, heading)))
            y += heading
            used = math.ceil(len(group) / columns) if group else 1
            left = grid.centerx - min(columns, max(1, len(group))) * tile / 2
            for position, index in enumerate(group):
                row, column = divmod(position, columns)
                tiles[index] = pygame.Rect(
                    int(left + column * tile), int(y + row * tile * aspect), int(tile), int(tile * aspect)
                )
            y += used * tile * aspect + gap
        images = []
        for rect in tiles:
            image = pygame.Rect(0, 0, int(tile * 0.74), int(tile * 0.74))
            image.midtop = (rect.centerx, rect.y + int(tile * 0.05))
            images.append(image)
        inner = stats.w - int(40 * u)
        bar_width = inner - int(64 * u) - int(150 * u)
        bars = [
            pygame.Rect(stats.x + int(84 * u), stats.y + int(18 * u) + row * int(50 * u), bar_width, int(34 * u))
            for row in range(2)
        ]
        return {
            "stats": stats,
            "grid": grid,
            "tiles": tiles,
            "images": images,
            "tile": tile,
            "headings": headings,
            "bars": bars,
        }

    # ------------------------------------------------------------------ what a click does

    def targets(self, game: Game, size) -> list[tuple[pygame.Rect, object]]:
        phase = game.phase
        if phase == Phase.TITLE:
            layout = self.title_layout(game, size)
            found = [(rect, SelectOpponent(index)) for index, rect in layout["rows"]]
            found += [(rect, SelectRounds(choice)) for choice, rect in layout["rounds"]]
            found += [(layout["mode"], Action.TOGGLE_MEASUREMENT), (layout["start"], Action.START)]
            return found
        if phase == Phase.ROUND:
            layout = self.play_layout(size)
            return [(layout["real"], Action.REAL), (layout["fake"], Action.FAKE)]
        if phase == Phase.REVEAL:
            return [(self.play_layout(size)["next"], Action.CONTINUE)]
        if phase == Phase.SUMMARY:
            return [(self.summary_buttons(size)[0], Action.START), (self.summary_buttons(size)[1], Action.BACK)]
        if phase in (Phase.HELP, Phase.FAILED):
            return [(pygame.Rect((0, 0), size), Action.BACK if phase == Phase.HELP else Action.QUIT)]
        return []

    def summary_buttons(self, size) -> tuple[pygame.Rect, pygame.Rect]:
        width, height = size
        u = self.unit(size)
        again = pygame.Rect(0, 0, int(260 * u), int(54 * u))
        title = pygame.Rect(0, 0, int(260 * u), int(54 * u))
        again.bottomright = (width // 2 - int(10 * u), height - int(16 * u))
        title.bottomleft = (width // 2 + int(10 * u), height - int(16 * u))
        return again, title

    # ------------------------------------------------------------------ screens

    def draw(self, surface: pygame.Surface, game: Game, mouse=(-1, -1)) -> None:
        surface.fill(BACKGROUND)
        phase = game.help_from if game.phase == Phase.HELP else game.phase
        {
            Phase.TITLE: self.draw_title,
            Phase.LOADING: self.draw_loading,
            Phase.ROUND: self.draw_round,
            Phase.REVEAL: self.draw_round,
            Phase.SUMMARY: self.draw_summary,
            Phase.FAILED: self.draw_failed,
        }[phase](surface, game, mouse)
        if game.phase == Phase.HELP:
            self.draw_help(surface, game)

    def draw_title(self, surface, game: Game, mouse) -> None:
        width, height = surface.get_size()
        u = self.unit((width, height))
        self.text(surface, "Real or Fake?", height * 0.13, TEXT, (width // 2, height * 0.045), "midtop")
        self.fit_text(
            surface,
            "Tell real handwritten digits from a GAN's fakes, and beat its own discriminator.",
            height * 0.04,
            MUTED,
            (width // 2, height * 0.165),
            width * 0.92,
            "midtop",
        )
        layout = self.title_layout(game, (width, height))
        left, right, pad = layout["left"], layout["right"], layout["pad"]
        self.panel(surface, left, radius=int(14 * u))
        self.panel(surface, right, radius=int(14 * u))

        # opponents
        self.text(surface, "Opponent", 40 * u, TEXT, (left.x + pad, left.y + 16 * u))
        if game.settings.fixed_checkpoint:
            self.text(surface, "from --weights", 26 * u, MUTED, (left.right - pad, left.y + 22 * u), "topright")
        elif len(game.opponents) > 1:
            self.text(surface, "Up / Down", 26 * u, MUTED, (left.right - pad, left.y + 22 * u), "topright")
        if not game.opponents:
            y = self.paragraph(
                surface,
                "No opponents yet: there is no game checkpoint in weights/.",
                32 * u,
                TEXT,
                left.x + pad,
                left.y + 70 * u,
                left.w - 2 * pad,
            )
            self.paragraph(
                surface,
                "The shipped ones, weights/easy.pt, medium.pt and hard.pt, come with the "
                "repository. Or train your own with   python train.py   which saves "
                "weights/<run>.pt, and it shows up here.",
                28 * u,
                MUTED,
                left.x + pad,
                y + 14 * u,
                left.w - 2 * pad,
            )
        for index, rect in layout["rows"]:
            opponent = game.opponents[index]
            chosen = index == game.selected
            hovered = rect.collidepoint(mouse)
            if chosen or hovered:
                self.panel(surface, rect, PANEL_LIGHT, SELECTED if chosen else OUTLINE, radius=int(8 * u))
            if chosen:
                pygame.draw.polygon(
                    surface,
                    SELECTED,
                    [
                        (rect.x + 10 * u, rect.centery - 9 * u),
                        (rect.x + 22 * u, rect.centery),
                        (rect.x + 10 * u, rect.centery + 9 * u),
                    ],
                )
            self.fit_text(
                surface, opponent.title, rect.h * 0.62, TEXT, (rect.x + 32 * u, rect.centery), rect.w * 0.45, "midleft"
            )
            failure = game.failures.get(opponent.path)
            details = "cannot be loaded" if failure else opponent.details
            self.fit_text(
                surface,
                details,
                rect.h * 0.45,
                WRONG if failure else MUTED,
                (rect.right - 12 * u, rect.centery),
                rect.w * 0.5,
                "midright",
            )
        if layout["hidden"] > 0:
            self.text(
                surface,
                f"{len(game.opponents)} opponents: Up / Down to see the rest",
                24 * u,
                MUTED,
                (left.centerx, left.bottom - 12 * u),
                "midbottom",
            )
        elif game.opponents and not game.settings.fixed_checkpoint and all(o.difficulty for o in game.opponents):
            self.fit_text(
                surface,
                "Your own show up here after   python train.py",
                24 * u,
                MUTED,
                (left.centerx, left.bottom - 12 * u),
                left.w - 2 * pad,
                "midbottom",
            )

        # rounds, with the best score so far under each choice
        self.text(surface, "Rounds", 40 * u, TEXT, (right.x + pad, right.y + 16 * u))
        self.text(surface, "Left / Right", 26 * u, MUTED, (right.right - pad, right.y + 22 * u), "topright")
        opponent = game.opponent
        for choice, rect in layout["rounds"]:
            self.button(
                surface, rect, str(choice), "", rect.collidepoint(mouse), choice == game.settings.rounds, rect.h * 0.62
            )
            best = game.best_for(opponent.name, choice) if opponent else None
            self.text(
                surface,
                f"best {best}/{choice}" if best is not None else "no best yet",
                26 * u,
                TEXT if best is not None else MUTED,
                (rect.centerx, rect.bottom + 10 * u),
                "midtop",
            )
        mode = layout["mode"]
        self.text(surface, "Mode", 40 * u, TEXT, (right.x + pad, mode.y - 46 * u))
        self.text(surface, "M", 26 * u, MUTED, (right.right - pad, mode.y - 40 * u), "topright")
        if game.settings.measurement:
            label, hint = "Measurement", "no answers shown until the summary"
        else:
            label, hint = "Practice", "see the truth and D's guess after each digit"
        self.button(surface, mode, label, hint, mode.collidepoint(mouse), game.settings.measurement, mode.h * 0.5)
        failure = game.failures.get(opponent.path) if opponent else None
        if failure:
            y = mode.bottom + 18 * u
            for line in self.wrap(f"{opponent.title} cannot be loaded: {failure}", 26 * u, right.w - 2 * pad)[:4]:
                self.text(surface, line, 26 * u, WRONG, (right.x + pad, y))
                y += 24 * u
        else:
            self.paragraph(
                surface,
                "Half the digits are real MNIST handwriting, half are the generator's. "
                "Say R (real) or F (fake); the discriminator D answers too.",
                26 * u,
                MUTED,
                right.x + pad,
                mode.bottom + 20 * u,
                right.w - 2 * pad,
            )

        start = layout["start"]
        can_start = game.wanted is not None
        hovered = start.collidepoint(mouse) and can_start
        if can_start:
            self.panel(surface, start, TEXT if hovered else RIGHT, radius=int(12 * u))
            self.text(surface, "Play", start.h * 0.6, BACKGROUND, (start.centerx - 40 * u, start.centery), "center")
            self.text(
                surface, "Enter", start.h * 0.36, BACKGROUND, (start.centerx + 50 * u, start.centery + 2 * u), "center"
            )
        else:
            self.button(surface, start, "Nothing to play yet", "", False, False, start.h * 0.45)
        if can_start and not game.ready:
            self.text(surface, "getting ready...", 24 * u, MUTED, (start.right + 16 * u, start.centery), "midleft")
        self.text(
            surface,
            "H  help      Q  quit      F11  fullscreen",
            26 * u,
            MUTED,
            (width // 2, height - 10 * u),
            "midbottom",
        )
        if game.notices:  # one line between the subtitle and the panels; all of them went to stderr too
            more = f"   (+{len(game.notices) - 1} more, see the terminal)" if len(game.notices) > 1 else ""
            self.fit_text(
                surface,
                "! " + game.notices[0] + more,
                24 * u,
                WRONG,
                (width // 2, layout["left"].y - 8 * u),
                width - 24 * u,
                "midbottom",
            )

    def draw_loading(self, surface, game: Game, mouse) -> None:
        width, height = surface.get_size()
        u = self.unit((width, height))
        center = (width // 2, int(height * 0.42))
        radius = int(46 * u)
        angle = game.loading_seconds * 5.0
        for step in range(12):
            theta = angle + step * math.tau / 12
            shade = 60 + int(195 * step / 11)
            point = (center[0] + radius * math.cos(theta), center[1] + radius * math.sin(theta))
            pygame.draw.circle(surface, (shade, shade, shade), point, max(2, int(6 * u)))
        opponent = game.opponent
        name = opponent.title if opponent else "the opponent"
        self.text(surface, f"Getting {name} ready", 48 * u, TEXT, (width // 2, center[1] + radius + 40 * u), "midtop")
        self.text(
            surface,
            "the first time, PyTorch takes a few seconds to load",
            30 * u,
            MUTED,
            (width // 2, center[1] + radius + 92 * u),
            "midtop",
        )
        self.text(surface, "Esc  back to the title", 26 * u, MUTED, (width // 2, height - 10 * u), "midbottom")

    def draw_failed(self, surface, game: Game, mouse) -> None:
        width, height = surface.get_size()
        u = self.unit((width, height))
        checkpoint = game.settings.fixed_checkpoint or ""
        self.cross(surface, (width // 2, int(height * 0.2)), 80 * u, WRONG)
        self.text(surface, "This checkpoint cannot be played", 56 * u, TEXT, (width // 2, height * 0.3), "midtop")
        message = game.failures.get(checkpoint, "unknown error")
        y = self.paragraph(surface, message, 32 * u, WRONG, width * 0.1, height * 0.42, int(width * 0.8))
        self.paragraph(
            surface,
            "Game checkpoints are made by  python train.py  (it writes weights/<run>.pt); "
            "the shipped ones are weights/easy.pt, medium.pt and hard.pt.",
            28 * u,
            MUTED,
            width * 0.1,
            y + 24 * u,
            int(width * 0.8),
        )
        self.text(surface, "Press any key to quit", 32 * u, TEXT, (width // 2, height - 20 * u), "midbottom")

    def draw_round(self, surface, game: Game, mouse) -> None:
        width, height = surface.get_size()
        u = self.unit((width, height))
        layout = self.play_layout((width, height))
        round_ = game.round
        if round_ is None:
            return
        total = len(game.rounds)
        revealing = game.phase == Phase.REVEAL or (game.phase == Phase.HELP and game.help_from == Phase.REVEAL)

        # top bar: where we are, who we play, the running score
        bar_y = int(height * 0.03)
        self.text(surface, f"Round {game.current + 1} of {total}", 44 * u, TEXT, (30 * u, bar_y))
        if game.opponent:
            self.text(surface, f"vs {game.opponent.title}", 34 * u, MUTED, (width // 2, bar_y + 4 * u), "midtop")
        if game.show_running_score:
            played = game.score
            self.text(
                surface,
                f"You {played.player_correct}/{played.answered} · D {played.d_correct}/{played.answered}",
                44 * u,
                TEXT,
                (width - 30 * u, bar_y),
                "topright",
            )
        else:
            self.text(surface, "measurement mode", 34 * u, MUTED, (width - 30 * u, bar_y + 4 * u), "topright")
        track = pygame.Rect(int(30 * u), int(height * 0.1), width - int(60 * u), max(4, int(8 * u)))
        pygame.draw.rect(surface, PANEL, track, border_radius=track.h // 2)
        done = game.current + (1 if revealing else 0)
        if done:
            filled = track.copy()
            filled.w = int(track.w * done / total)
            pygame.draw.rect(surface, TEXT, filled, border_radius=track.h // 2)

        digit, small = layout["digit"], layout["small"]
        self.framed_digit(surface, round_.image, digit)
        if small.right + 40 * u < width:
            pygame.draw.rect(surface, OUTLINE, small.inflate(6, 6), width=2)
            surface.blit(self.digit(round_.image, 28), small)
            self.text(surface, "actual size", 24 * u, MUTED, (small.centerx, small.bottom + 10 * u), "midtop")

        if not revealing:
            self.text(surface, "Real or fake?", 40 * u, MUTED, (digit.centerx, digit.y - 12 * u), "midbottom")
            self.button(surface, layout["real"], "REAL", "R  or  Left arrow", layout["real"].collidepoint(mouse))
            self.button(surface, layout["fake"], "FAKE", "F  or  Right arrow", layout["fake"].collidepoint(mouse))
            self.text(surface, "Esc  title      H  help", 24 * u, MUTED, (width // 2, height - 8 * u), "midbottom")
            return
        self.draw_reveal(surface, game, layout, u)

    def draw_reveal(self, surface, game: Game, layout, u) -> None:
        width, height = surface.get_size()
        round_, answer = game.round, game.answers[game.current]
        digit = layout["digit"]
        truth = self.font(52 * u).render(f"It was {'REAL' if round_.is_real else 'FAKE'}", True, TEXT)
        where = (
            f"MNIST test digit #{round_.index}" + (f", a {round_.label}" if round_.label is not None else "")
            if round_.is_real
            else f"the generator's, from noise seed {round_.index}"
        )
        detail = self.font(28 * u).render(where, True, MUTED)
        gap = int(18 * u)
        left = width // 2 - (truth.get_width() + gap + detail.get_width()) // 2
        baseline = digit.y - int(14 * u)
        surface.blit(truth, truth.get_rect(bottomleft=(left, baseline)))
        surface.blit(detail, detail.get_rect(bottomleft=(left + truth.get_width() + gap, baseline - 3 * u)))

        you_right = answer.answer_real == round_.is_real
        cards = [
            (layout["real"], "You said " + ("REAL" if answer.answer_real else "FAKE"), you_right, None),
            (
                layout["fake"],
                "D said " + ("REAL" if round_.d_says_real else "FAKE"),
                round_.d_correct,
                round_.d_prob_real,
            ),
        ]
        for rect, label, correct, probability in cards:
            color = RIGHT if correct else WRONG
            self.panel(surface, rect, PANEL, color, width=max(3, int(5 * u)))
            icon = int(rect.h * 0.42)
            self.mark(surface, correct, (rect.x + rect.h * 0.45, rect.y + rect.h * 0.42), icon)
            text_x = rect.x + rect.h * 0.85
            self.fit_text(
                surface, label, rect.h * 0.3, TEXT, (text_x, rect.y + rect.h * 0.14), rect.right - text_x - 10 * u
            )
            self.text(surface, "RIGHT" if correct else "WRONG", rect.h * 0.3, color, (text_x, rect.y + rect.h * 0.44))
            if probability is not None:
                self.text(
                    surface,
                    f"p(real) {probability:.2f}",
                    rect.h * 0.24,
                    TEXT,
                    (rect.right - 14 * u, rect.y + rect.h * 0.47),
                    "topright",
                )
                bar = pygame.Rect(
                    int(rect.x + rect.h * 0.2),
                    int(rect.bottom - rect.h * 0.2),
                    int(rect.w - rect.h * 0.4),
                    max(4, int(rect.h * 0.07)),
                )
                pygame.draw.rect(surface, PANEL_LIGHT, bar)
                filled = bar.copy()
                filled.w = int(bar.w * probability)
                pygame.draw.rect(surface, MUTED, filled)
                pygame.draw.line(surface, TEXT, (bar.centerx, bar.y - 4), (bar.centerx, bar.bottom + 3), 2)
        self.text(
            surface,
            "Space  or  Enter  next digit      Esc  title",
            28 * u,
            TEXT,
            (width // 2, height - 8 * u),
            "midbottom",
        )

    def hype_label(self, surface, size, color, position) -> pygame.Rect:
        """ "HYPE" with a drawn infinity sign as its subscript: the bundled font has no U+221E."""
        rect = self.text(surface, "HYPE", size, color, position)
        radius = max(3, int(size * 0.12))
        width = max(2, int(size / 14))
        y = rect.bottom - radius * 1.4
        for x in (rect.right + radius * 1.4, rect.right + radius * 3.2):
            pygame.draw.circle(surface, color, (int(x), int(y)), radius, width)
        return rect.union(pygame.Rect(rect.right, rect.y, int(radius * 4.8), rect.h))

    def draw_summary(self, surface, game: Game, mouse) -> None:
        width, height = surface.get_size()
        u = self.unit((width, height))
        result = game.score
        layout = self.summary_layout(game, (width, height))
        stats = layout["stats"]
        if result.player_correct > result.d_correct:
            verdict = "You beat the discriminator!"
        elif result.player_correct < result.d_correct:
            verdict = "The discriminator wins this one."
        else:
            verdict = "A draw with the discriminator."
        self.fit_text(surface, verdict, 60 * u, TEXT, (width // 2, height * 0.03), width * 0.9, "midtop")
        opponent = game.opponent.title if game.opponent else ""
        mode = "measurement mode" if game.settings.measurement else "practice mode"
        self.text(
            surface,
            f"{len(game.rounds)} digits vs {opponent} · {mode} · seed {game.setup.request.seed}",
            30 * u,
            MUTED,
            (width // 2, height * 0.03 + 54 * u),
            "midtop",
        )

        self.panel(surface, stats, radius=int(14 * u))
        x, y, inner = stats.x + 20 * u, stats.y + 18 * u, stats.w - 40 * u
        low, high = result.player_interval
        for bar, (name, correct, accuracy, interval) in zip(
            layout["bars"],
            (
                ("You", result.player_correct, result.player_accuracy, (low, high)),
                ("D", result.d_correct, result.d_accuracy, None),
            ),
        ):
            self.text(surface, name, 40 * u, TEXT, (x, bar.centery), "midleft")
            pygame.draw.rect(surface, PANEL_LIGHT, bar, border_radius=int(4 * u))
            filled = bar.copy()
            filled.w = int(bar.w * accuracy)
            pygame.draw.rect(surface, TEXT if name == "You" else MUTED, filled, border_radius=int(4 * u))
            chance = bar.x + bar.w // 2
            pygame.draw.line(surface, RIGHT, (chance, bar.y - 5 * u), (chance, bar.bottom + 5 * u), max(2, int(3 * u)))
            if interval:  # the 95% interval as a whisker across the bar
                left_x, right_x = bar.x + bar.w * interval[0], bar.x + bar.w * interval[1]
                thickness = max(2, int(4 * u))
                pygame.draw.line(surface, SELECTED, (left_x, bar.centery), (right_x, bar.centery), thickness)
                for edge_x in (left_x, right_x):
                    pygame.draw.line(
                        surface, SELECTED, (edge_x, bar.y + 5 * u), (edge_x, bar.bottom - 5 * u), thickness
                    )
            self.text(
                surface,
                f"{correct}/{result.answered}  {percent(accuracy)}",
                36 * u,
                TEXT,
                (x + inner, bar.centery),
                "midright",
            )
        y = layout["bars"][-1].bottom + 16 * u
        legend = self.text(surface, "yellow: your 95% interval", 24 * u, SELECTED, (x, y))
        self.text(surface, f"{percent(low)} to {percent(high)}", 24 * u, SELECTED, (legend.right + 8 * u, y))
        self.text(surface, "blue: 50%, guessing", 24 * u, RIGHT, (x + inner, y), "topright")
        y += 44 * u

        # the HYPE split, for you and for D
        column_you, column_d = x + inner - 150 * u, x + inner
        self.text(surface, "you", 28 * u, MUTED, (column_you, y), "topright")
        self.text(surface, "D", 28 * u, MUTED, (column_d, y), "topright")
        y += 30 * u
        d_fakes_called_real = sum(not r.is_real and r.d_says_real for r in game.rounds[: result.answered])
        d_reals_called_fake = sum(r.is_real and not r.d_says_real for r in game.rounds[: result.answered])
        fakes, reals = max(1, result.fakes), max(1, result.reals)
        rows = [
            (
                "Fakes called real",
                f"{result.fakes_called_real}/{result.fakes}  {percent(result.fake_error)}",
                f"{d_fakes_called_real}/{result.fakes}  {percent(d_fakes_called_real / fakes)}",
            ),
            (
                "Reals called fake",
                f"{result.reals_called_fake}/{result.reals}  {percent(result.real_error)}",
                f"{d_reals_called_fake}/{result.reals}  {percent(d_reals_called_fake / reals)}",
            ),
        ]
        for label, you, d in rows:
            self.text(surface, label, 32 * u, TEXT, (x, y))
            self.text(surface, you, 32 * u, TEXT, (column_you, y), "topright")
            self.text(surface, d, 32 * u, MUTED, (column_d, y), "topright")
            y += 36 * u
        label = self.hype_label(surface, 32 * u, TEXT, (x, y))
        self.text(surface, "(their mean)", 26 * u, MUTED, (label.right + 8 * u, y + 4 * u))
        d_hype = (d_fakes_called_real / fakes + d_reals_called_fake / reals) / 2
        self.text(surface, percent(result.hype_infinity), 32 * u, TEXT, (column_you, y), "topright")
        self.text(surface, percent(d_hype), 32 * u, MUTED, (column_d, y), "topright")
        y += 38 * u
        y = self.paragraph(
            surface,
            "HYPE: 50% means the generator's digits cannot be told from real ones.",
            24 * u,
            MUTED,
            x,
            y,
            int(inner),
        )
        if game.answers:
            seconds = sorted(answer.ms for answer in game.answers)[len(game.answers) // 2] / 1000
            y = self.paragraph(
                surface, f"You took {seconds:.1f} s per digit (median).", 28 * u, TEXT, x, y + 14 * u, int(inner)
            )
        y = max(y + 12 * u, stats.bottom - 52 * u)
        if game.is_personal_best:
            first = game.previous_best is None
            message = (
                f"Personal best: your first {len(game.rounds)}-round game vs {opponent}"
                if first
                else f"New personal best! (was {game.previous_best}/{len(game.rounds)})"
            )
            self.tick(surface, (x + 14 * u, y + 12 * u), 26 * u, RIGHT)
            self.fit_text(surface, message, 32 * u, RIGHT, (x + 38 * u, y), inner - 38 * u)
        elif result.player_correct == game.previous_best:
            self.fit_text(
                surface, f"Equal to your best, {game.previous_best}/{len(game.rounds)}", 32 * u, TEXT, (x, y), inner
            )
        else:
            self.fit_text(
                surface, f"Your best here is still {game.previous_best}/{len(game.rounds)}", 32 * u, TEXT, (x, y), inner
            )

        self.draw_review(surface, game, layout, u)
        again, back = self.summary_buttons((width, height))
        self.button(surface, again, "Play again", "Enter", again.collidepoint(mouse), label_size=again.h * 0.48)
        self.button(surface, back, "Title", "Esc", back.collidepoint(mouse), label_size=back.h * 0.48)
        if game.notices and any("save" in notice for notice in game.notices):
            self.fit_text(surface, game.notices[-1], 24 * u, WRONG, (12 * u, height - 90 * u), width - 24 * u)

    def draw_review(self, surface, game: Game, layout, u) -> None:
        tile = layout["tile"]
        for number, (name, count, rect) in enumerate(layout["headings"]):
            label = self.text(surface, f"{count} {name}", 30 * u, TEXT, (rect.x, rect.centery), "midleft")
            what = "MNIST test digits" if name == "REAL" else "drawn by the generator"
            self.text(surface, what, 24 * u, MUTED, (label.right + 10 * u, rect.centery + 1 * u), "midleft")
            if number == 0:
                self.text(
                    surface, "marks under each: you, D", 24 * u, MUTED, (rect.right, rect.centery + 1 * u), "midright"
                )
        labelled = tile * 0.16 >= 14  # room for the words "you" and "D" beside the marks
        icon = tile * (0.2 if labelled else 0.26)
        font_size = tile * 0.16
        for image_rect, round_, answer in zip(layout["images"], game.rounds, game.answers):
            pygame.draw.rect(surface, OUTLINE, image_rect.inflate(4, 4), width=2)
            surface.blit(self.digit(round_.image, image_rect.w), image_rect)
            center_y = image_rect.bottom + tile * 0.2
            you_right = answer.answer_real == round_.is_real
            for side, name, correct in ((-1, "you", you_right), (1, "D", round_.d_correct)):
                center_x = image_rect.centerx + side * tile / 4  # each mark centred in its half of the tile
                if labelled:
                    label_width = self.font(font_size).size(name)[0]
                    group = label_width + icon * 0.3 + icon
                    left = center_x - group / 2
                    self.text(surface, name, font_size, MUTED, (left, center_y), "midleft")
                    self.mark(surface, correct, (left + label_width + icon * 0.3 + icon / 2, center_y), icon)
                else:
                    self.mark(surface, correct, (center_x, center_y), icon)

    def draw_help(self, surface, game: Game) -> None:
        width, height = surface.get_size()
        u = self.unit((width, height))
        shade = pygame.Surface((width, height), pygame.SRCALPHA)
        shade.fill((8, 10, 18, 225))
        surface.blit(shade, (0, 0))
        box = pygame.Rect(0, 0, int(width * 0.9), int(height * 0.9))
        box.center = (width // 2, height // 2)
        self.panel(surface, box, PANEL, OUTLINE, radius=int(16 * u))
        self.text(surface, "How to play", 52 * u, TEXT, (box.x + 30 * u, box.y + 22 * u))
        column = int(box.w * 0.5 - 45 * u)
        y = self.paragraph(
            surface,
            "Half of the digits are real handwriting from the MNIST test set, which the networks never "
            "trained on; the other half were drawn by the generator. Say which is which. The "
            "discriminator D, the network trained to catch the generator, answers too: can you beat it?",
            29 * u,
            TEXT,
            box.x + 30 * u,
            box.y + 80 * u,
            column,
        )
        y = self.paragraph(
            surface,
            "Measurement mode hides the truth until the end, because seeing the answers teaches you "
            "as you play. The summary scores you the HYPE way: fakes called real and reals called fake; "
            "their mean is 50% when the fakes cannot be told apart.",
            29 * u,
            MUTED,
            box.x + 30 * u,
            y + 14 * u,
            column,
        )
        if self.history_location:
            self.paragraph(
                surface,
                f"Every finished game is saved to {self.history_location}",
                24 * u,
                MUTED,
                box.x + 30 * u,
                y + 14 * u,
                column,
            )
        key_x = box.centerx + 15 * u
        self.text(surface, "Keys", 40 * u, TEXT, (key_x, box.y + 30 * u))
        y = box.y + 80 * u
        step = min(38 * u, (box.bottom - 60 * u - y) / len(KEY_HELP))
        for key, meaning in KEY_HELP:
            self.text(surface, key, 28 * u, SELECTED, (key_x, y))
            self.fit_text(surface, meaning, 28 * u, TEXT, (key_x + 190 * u, y), box.right - key_x - 210 * u)
            y += step
        self.text(
            surface,
            "H  or  Esc  close this help     mouse works too",
            26 * u,
            MUTED,
            (box.centerx, box.bottom - 16 * u),
            "midbottom",
        )
