"""The help overlay: what the game is, and every key (from the one key table)."""

import pygame

from game.events import Action
from game.keys import help_lines
from game.screens.widgets import MUTED, OUTLINE, PANEL, SELECTED, TEXT, Painter, unit
from game.state import Game

ABOUT = (
    "Half of the digits are real handwriting from the MNIST test set, which the networks never "
    "trained on; the other half were drawn by the generator. Say which is which. The "
    "discriminator D, the network trained to catch the generator, answers too: can you beat it?"
)
MODES = (
    "Measurement mode hides the truth until the end, because seeing the answers teaches you "
    "as you play. The summary scores you the HYPE way: fakes called real and reals called fake; "
    "their mean is 50% when the fakes cannot be told apart."
)


def targets(game: Game, size) -> list:
    return [(pygame.Rect((0, 0), size), Action.BACK)]


def draw(paint: Painter, surface, game: Game, mouse, history_location: str = "") -> None:
    width, height = surface.get_size()
    u = unit((width, height))
    shade = pygame.Surface((width, height), pygame.SRCALPHA)
    shade.fill((8, 10, 18, 225))
    surface.blit(shade, (0, 0))
    box = pygame.Rect(0, 0, int(width * 0.9), int(height * 0.9))
    box.center = (width // 2, height // 2)
    paint.panel(surface, box, PANEL, OUTLINE, radius=int(16 * u))
    draw_about(paint, surface, box, history_location, u)
    draw_keys(paint, surface, box, u)
    closing = "H  or  Esc  close this help     mouse works too"
    paint.text(surface, closing, 26 * u, MUTED, (box.centerx, box.bottom - 16 * u), "midbottom")


def draw_about(paint: Painter, surface, box: pygame.Rect, history_location: str, u: float) -> None:
    x, column = box.x + 30 * u, int(box.w * 0.5 - 45 * u)
    paint.text(surface, "How to play", 52 * u, TEXT, (x, box.y + 22 * u))
    y = paint.paragraph(surface, ABOUT, 29 * u, TEXT, x, box.y + 80 * u, column)
    y = paint.paragraph(surface, MODES, 29 * u, MUTED, x, y + 14 * u, column)
    if history_location:
        saved = f"Every finished game is saved to {history_location}"
        paint.paragraph(surface, saved, 24 * u, MUTED, x, y + 14 * u, column)


def draw_keys(paint: Painter, surface, box: pygame.Rect, u: float) -> None:
    key_x = box.centerx + 15 * u
    paint.text(surface, "Keys", 40 * u, TEXT, (key_x, box.y + 30 * u))
    lines = help_lines()
    y = box.y + 80 * u
    step = min(38 * u, (box.bottom - 60 * u - y) / len(lines))
    for keys, meaning in lines:
        paint.text(surface, keys, 28 * u, SELECTED, (key_x, y))
        paint.fit_text(surface, meaning, 28 * u, TEXT, (key_x + 190 * u, y), box.right - key_x - 210 * u)
        y += step
