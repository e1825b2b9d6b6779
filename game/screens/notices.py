"""Every warning in full: files skipped in weights/, history lines set aside, games that could not be saved."""

import pygame

from game.events import Action
from game.screens.shade import dimmed_box
from game.screens.widgets import MUTED, TEXT, WRONG, Painter, counted, unit
from game.state import Game


def targets(game: Game, size) -> list:
    return [(pygame.Rect((0, 0), size), Action.BACK)]


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    panel = dimmed_box(paint, surface, 0.9, 0.9)
    u = unit(surface.get_size())
    count = len(game.notices)
    paint.text(surface, counted(count, "warning"), 44 * u, TEXT, (panel.x + 30 * u, panel.y + 18 * u))
    y, bottom = panel.y + 76 * u, panel.bottom - 44 * u
    for number, notice in enumerate(game.notices):
        if y + 24 * u > bottom:
            left = count - number
            paint.text(
                surface, f"... and {left} more (also printed in the terminal)", 24 * u, MUTED, (panel.x + 30 * u, y)
            )
            break
        y = paint.paragraph(
            surface, f"! {notice}", 24 * u, WRONG, panel.x + 30 * u, y, int(panel.w - 60 * u), bottom=bottom
        )
        y += 8 * u
    closing = "Esc, Enter or a click  close"
    paint.text(surface, closing, 24 * u, MUTED, (panel.centerx, panel.bottom - 14 * u), "midbottom")
