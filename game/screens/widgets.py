"""The drawing kit every screen shares: colours, the size unit, fonts, text, panels, marks, buttons, digits.

Colours are the Okabe-Ito palette's sky blue and orange, which people with
every common colour-vision deficiency can tell apart; right and wrong are also
a tick and a cross and the words RIGHT and WRONG, never colour alone. Digits
are scaled with nearest-neighbour (`pygame.transform.scale`), so the player
sees the 28x28 pixels themselves, not a smoothed guess.
"""

import pygame

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
# A heat map's colours, dark to bright (black, purple, red, orange, pale yellow, like matplotlib's inferno):
# brightness rises with the value, so it reads in greyscale and for every colour vision too.
HEAT_STOPS = ((0, (0, 0, 4)), (64, (87, 16, 110)), (128, (188, 55, 84)), (192, (249, 142, 9)), (255, (252, 255, 164)))
HEAT_PALETTE = [
    tuple(
        int(round(low_colour[channel] + (high_colour[channel] - low_colour[channel]) * (value - low) / (high - low)))
        for channel in range(3)
    )
    for value in range(256)
    for (low, low_colour), (high, high_colour) in zip(HEAT_STOPS, HEAT_STOPS[1:])
    if low <= value <= high and (value < high or high == 255)
]
MIN_TEXT = 15  # pixels: pygame's bundled font drops spaces and slashes below this ("best 9910")


def unit(size) -> float:
    """One layout unit in pixels: 1 at 1280x720, shrinking with the window (never below 0.35)."""
    width, height = size
    return max(0.35, min(width / 1280, height / 720))


def counted(count: int, noun: str) -> str:
    """ "1 drawing", "2 drawings"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def percent_real(probability: float) -> str:
    """D's probability that a digit is real, with decimals where a whole 50% would hide which side of the
    line its verdict fell on (0.496 is FAKE: "49.6%", never "50%")."""
    for decimals in range(4):
        text = f"{100 * probability:.{decimals}f}"
        if float(text) != 50 or probability == 0.5:
            return f"{text}%"
    return f"{100 * probability}%"


def percents(first: float, second: float) -> tuple[str, str]:
    """Two shares as percentages, with a decimal when whole ones would look equal (D's pair of figures)."""
    if percent(first) != percent(second):
        return percent(first), percent(second)
    return f"{100 * first:.1f}%", f"{100 * second:.1f}%"


def printable(string: str) -> str:
    """Text the font can draw: a file name that is not valid UTF-8 arrives with surrogates, shown as "?"."""
    return string.encode("utf-8", "replace").decode("utf-8")


class Painter:
    """Fonts and scaled digits, cached; text and shapes drawn onto a surface."""

    def __init__(self):
        self._fonts: dict[int, pygame.font.Font] = {}
        self._digits: dict[int, tuple[object, dict[int, pygame.Surface]]] = {}

    # ------------------------------------------------------------------ resources

    def font(self, size: float) -> pygame.font.Font:
        size = max(MIN_TEXT, int(size))
        if size not in self._fonts:
            self._fonts[size] = pygame.font.Font(None, size)  # pygame's bundled font: nothing to install
        return self._fonts[size]

    def digit(self, image, side: int, palette=GREY_PALETTE) -> pygame.Surface:
        """The (28, 28) uint8 image, scaled by whole pixels with no smoothing, cached per size (and palette)."""
        key = (id(image), id(palette))
        if key not in self._digits:
            if len(self._digits) > 400:
                self._digits.clear()
            source = pygame.image.frombuffer(bytes(image.tobytes()), (28, 28), "P")
            source.set_palette(palette)
            self._digits[key] = (image, {28: source.convert() if pygame.display.get_surface() else source})
        sizes = self._digits[key][1]
        side = max(1, int(side))
        if side not in sizes:
            sizes[side] = pygame.transform.scale(sizes[28], (side, side))
        return sizes[side]

    def picture(self, image, size: tuple[int, int]) -> pygame.Surface:
        """An (H, W) uint8 greyscale picture of any size (a timelapse frame), scaled to `size` with no smoothing."""
        key = ("picture", id(image))
        if key not in self._digits:
            if len(self._digits) > 400:
                self._digits.clear()
            height, width = image.shape
            source = pygame.image.frombuffer(bytes(image.tobytes()), (width, height), "P")
            source.set_palette(GREY_PALETTE)
            self._digits[key] = (image, {(width, height): source})
        sizes = self._digits[key][1]
        if size not in sizes:
            sizes[size] = pygame.transform.scale(next(iter(sizes.values())), size)
        return sizes[size]

    def icon(self) -> pygame.Surface:
        """The window icon: a question mark on the game's background."""
        surface = pygame.Surface((64, 64))
        surface.fill(BACKGROUND)
        pygame.draw.rect(surface, RIGHT, surface.get_rect().inflate(-6, -6), width=5, border_radius=12)
        self.text(surface, "?", 66, TEXT, (32, 35), "center")
        return surface

    # ------------------------------------------------------------------ text

    def text(self, surface, string, size, color, position, anchor="topleft") -> pygame.Rect:
        image = self.font(size).render(printable(string), True, color)
        rect = image.get_rect(**{anchor: (int(position[0]), int(position[1]))})
        surface.blit(image, rect)
        return rect

    def fit_text(self, surface, string, size, color, position, max_width, anchor="topleft") -> pygame.Rect:
        """Like `text`, shrinking the font until the line fits `max_width`, and cutting it short at the smallest."""
        string = printable(string)
        while size > MIN_TEXT and self.font(size).size(string)[0] > max_width:
            size *= 0.92
        font = self.font(size)
        if font.size(string)[0] > max_width:
            while string and font.size(string + "...")[0] > max_width:
                string = string[:-1]
            string = string.rstrip() + "..."
        return self.text(surface, string, size, color, position, anchor)

    def fit_first(self, surface, strings, size, color, position, max_width, anchor="topleft") -> pygame.Rect:
        """`fit_text` of the first of `strings`, longest first, that fits `max_width` at `size`; else of the last."""
        chosen = next((string for string in strings if self.font(size).size(printable(string))[0] <= max_width), None)
        return self.fit_text(surface, chosen or strings[-1], size, color, position, max_width, anchor)

    def wrap(self, string: str, size: float, width: int) -> list[str]:
        font, lines = self.font(size), []
        for paragraph in printable(string).split("\n"):
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

    def paragraph(self, surface, string, size, color, x, y, width, spacing=1.25, bottom=None) -> int:
        """Wrapped text from (x, y), stopping before a line would cross `bottom`; returns the y below it."""
        height = self.font(size).get_height()
        for line in self.wrap(string, size, width):
            if bottom is not None and y + height > bottom:
                break
            self.text(surface, line, size, color, (x, y))
            y += int(height * spacing)
        return y

    # ------------------------------------------------------------------ shapes

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
        if not hint or rect.h < 2.3 * MIN_TEXT:  # no room for a second line: the label alone
            self.fit_text(surface, label, label_size, TEXT, rect.center, rect.w * 0.9, "center")
            return
        label_at = (rect.centerx, rect.centery - rect.h * 0.13)
        self.fit_text(surface, label, label_size, TEXT, label_at, rect.w * 0.9, "center")
        hint_at = (rect.centerx, rect.bottom - rect.h * 0.2)
        self.fit_text(surface, hint, max(11, rect.h * 0.28), MUTED, hint_at, rect.w * 0.9, "center")

    def framed_digit(self, surface, image, rect) -> None:
        pygame.draw.rect(surface, OUTLINE, rect.inflate(6, 6), width=3)
        surface.blit(self.digit(image, rect.w), rect)

    def hype_label(self, surface, size, color, position) -> pygame.Rect:
        """ "HYPE" with a drawn infinity sign as its subscript: the bundled font has no U+221E."""
        rect = self.text(surface, "HYPE", size, color, position)
        radius = max(3, int(size * 0.12))
        width = max(2, int(size / 14))
        y = rect.bottom - radius * 1.4
        for x in (rect.right + radius * 1.4, rect.right + radius * 3.2):
            pygame.draw.circle(surface, color, (int(x), int(y)), radius, width)
        return rect.union(pygame.Rect(rect.right, rect.y, int(radius * 4.8), rect.h))

    def key_hint(self, surface, string, size, margin, color=MUTED) -> None:
        """A line of key hints centred along the bottom edge."""
        width, height = surface.get_size()
        self.text(surface, string, size, color, (width // 2, height - margin), "midbottom")
