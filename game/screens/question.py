"""The question after Esc (or Q) mid-game or with a drawing in hand: leave (answers kept as an unfinished game;
the drawing in hand lost), or play on."""

import pygame

from game.events import Action
from game.screens.shade import box, dimmed_box
from game.screens.widgets import MUTED, TEXT, Painter, counted, unit
from game.state import Game, Overlay


def buttons(size) -> tuple[pygame.Rect, pygame.Rect]:
    """(leave, keep playing) inside the question's box."""
    u, panel = unit(size), box(size, 0.6, 0.46)
    width, height = int(panel.w * 0.42), max(34, int(64 * u))
    leave = pygame.Rect(panel.x + int(panel.w * 0.06), panel.bottom - height - int(20 * u), width, height)
    stay = pygame.Rect(panel.right - int(panel.w * 0.06) - width, leave.y, width, height)
    return leave, stay


def targets(game: Game, size) -> list:
    leave, stay = buttons(size)
    return [(leave, Action.CONFIRM), (stay, Action.BACK)]


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    panel = dimmed_box(paint, surface, 0.6, 0.46)
    u, quitting = unit(surface.get_size()), game.overlay == Overlay.QUIT
    drawing = game.drawing_in_hand
    if drawing:
        question = "Quit Draw for D?" if quitting else "Leave Draw for D?"
        handed = len(game.drawing.drawings)
        before = {0: "nothing was handed in before it.", 1: "the one handed in before it is kept in your records."}
        kept = "The drawing on the canvas has not been handed to D and will be lost; " + before.get(
            handed, f"the {handed} handed in before it are kept in your records."
        )
    else:
        question = "Quit the game?" if quitting else "Leave this game?"
        answered = len(game.answers)
        kept = (
            f"Your {counted(answered, 'answer')} so far will be kept in your records "
            f"as an unfinished game (it does not count for bests or HYPE)."
        )
    paint.text(surface, question, 48 * u, TEXT, (panel.centerx, panel.y + 24 * u), "midtop")
    paint.paragraph(surface, kept, 26 * u, MUTED, panel.x + 30 * u, panel.y + 90 * u, int(panel.w - 60 * u))
    leave, stay = buttons(surface.get_size())
    paint.button(surface, leave, "Quit" if quitting else "Leave", "Enter or Y", leave.collidepoint(mouse))
    paint.button(surface, stay, "Keep drawing" if drawing else "Keep playing", "Esc or N", stay.collidepoint(mouse))
