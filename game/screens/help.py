"""The help overlay: what the game is, what its words mean, and every key (this screen's first) from the key table."""

import pygame

from game.events import Action
from game.keys import help_lines
from game.screens.shade import dimmed_box
from game.screens.widgets import MUTED, SELECTED, TEXT, Painter, unit
from game.state import Game

ABOUT = (
    "Half of the digits are real handwriting from the MNIST test set, which the networks never trained on; "
    "the other half were drawn by a generator, a network that turns random noise (its seed is shown) into a "
    "digit. Say which is which. D, the discriminator trained beside the generator to catch it, answers too; "
    "its figure is how sure it is that the digit is real. Or choose a fresh detector: a small network trained "
    "just now on this generator's fakes."
)
WORDS = (
    "Measurement mode hides the truth until the end, because seeing the answers teaches you as you play; "
    "only it counts towards your HYPE in the Records. HYPE is your share of mistakes, the mean of fakes "
    "called real and reals called fake: 50% means you cannot tell the fakes from real digits. FID is the "
    "trainer's measure of how far the generator's digits are from real ones: lower is closer."
)


def targets(game: Game, size) -> list:
    return [(pygame.Rect((0, 0), size), Action.BACK)]


def draw(paint: Painter, surface, game: Game, mouse, history_location: str = "") -> None:
    box = dimmed_box(paint, surface, 0.94, 0.94)
    u = unit(surface.get_size())
    draw_about(paint, surface, box, history_location, u)
    draw_keys(paint, surface, box, game.screen, u)
    closing = "H  or  Esc  close this help     mouse works too"
    paint.text(surface, closing, 22 * u, MUTED, (box.centerx, box.bottom - 10 * u), "midbottom")


def draw_about(paint: Painter, surface, box: pygame.Rect, history_location: str, u: float) -> None:
    x, column, bottom = box.x + 24 * u, int(box.w * 0.52 - 40 * u), box.bottom - 36 * u
    paint.text(surface, "How to play", 46 * u, TEXT, (x, box.y + 16 * u))
    y = paint.paragraph(surface, ABOUT, 24 * u, TEXT, x, box.y + 66 * u, column, 1.2, bottom)
    y = paint.paragraph(surface, WORDS, 24 * u, MUTED, x, y + 10 * u, column, 1.2, bottom)
    if history_location:
        saved = f"Every game is saved to {history_location}"
        paint.paragraph(surface, saved, 20 * u, MUTED, x, y + 10 * u, column, 1.2, bottom)


def draw_keys(paint: Painter, surface, box: pygame.Rect, screen, u: float) -> None:
    """The keys that work on the screen under the help first, bright; the others below them, dimmed."""
    key_x = box.x + box.w * 0.55
    paint.text(surface, "Keys", 40 * u, TEXT, (key_x, box.y + 22 * u))
    lines = help_lines(screen=screen)
    here = [line for line in lines if line.works_here]
    elsewhere = [line for line in lines if not line.works_here]
    y = box.y + 70 * u
    step = min(34 * u, (box.bottom - 40 * u - y) / (len(lines) + (1.5 if elsewhere else 0)))
    key_width = max(paint.font(24 * u).size(keys)[0] for keys, _, _ in lines) + 14 * u
    width = box.right - key_x - key_width - 16 * u
    for keys, meaning, _ in here:
        paint.text(surface, keys, 24 * u, SELECTED, (key_x, y))
        paint.fit_text(surface, meaning, 24 * u, TEXT, (key_x + key_width, y), width)
        y += step
    if elsewhere:
        y += step * 0.5
        paint.text(surface, "on other screens", 20 * u, MUTED, (key_x, y + step * 0.1))
        y += step
    for keys, meaning, _ in elsewhere:
        paint.text(surface, keys, 24 * u, MUTED, (key_x, y))
        paint.fit_text(surface, meaning, 24 * u, MUTED, (key_x + key_width, y), width)
        y += step
