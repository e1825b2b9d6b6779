"""The screen for a checkpoint named with --weights that cannot be played: why, and what to do instead."""

import pygame

from game.events import Action
from game.screens.widgets import MUTED, TEXT, WRONG, Painter, unit
from game.state import Game


def buttons(game: Game, size) -> tuple[pygame.Rect | None, pygame.Rect]:
    """(choose another opponent, when there is one; quit)."""
    width, height = size
    u = unit(size)
    quit_button = pygame.Rect(0, 0, int(300 * u), max(34, int(60 * u)))
    quit_button.midbottom = (width // 2, height - int(24 * u))
    if not game.playable:
        return None, quit_button
    other = quit_button.copy()
    other.w = int(420 * u)
    other.bottomright = (width // 2 - int(10 * u), quit_button.bottom)
    quit_button.bottomleft = (width // 2 + int(10 * u), quit_button.bottom)
    return other, quit_button


def targets(game: Game, size) -> list:
    other, quit_button = buttons(game, size)
    return ([(other, Action.START)] if other else []) + [(quit_button, Action.QUIT)]


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    width, height = surface.get_size()
    u = unit((width, height))
    paint.cross(surface, (width // 2, int(height * 0.16)), 70 * u, WRONG)
    paint.fit_text(
        surface, "This checkpoint cannot be played", 52 * u, TEXT, (width // 2, height * 0.26), width * 0.9, "midtop"
    )
    message = game.failure or "unknown error"
    y = paint.paragraph(surface, message, 30 * u, WRONG, width * 0.08, height * 0.38, int(width * 0.84))
    how = (
        "Game checkpoints are made by  python train.py  (it writes weights/<run>.pt); "
        "the shipped ones are weights/easy.pt, medium.pt and hard.pt."
    )
    paint.paragraph(surface, how, 26 * u, MUTED, width * 0.08, y + 18 * u, int(width * 0.84))
    other, quit_button = buttons(game, (width, height))
    if other:
        paint.button(surface, other, "Choose another generator", "Enter", other.collidepoint(mouse))
    paint.button(surface, quit_button, "Quit", "Q, Esc or any other key", quit_button.collidepoint(mouse))
