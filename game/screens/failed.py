"""The screen for a checkpoint named with --weights that cannot be played."""

import pygame

from game.events import Action
from game.screens.widgets import MUTED, TEXT, WRONG, Painter, unit
from game.state import Game


def targets(game: Game, size) -> list:
    return [(pygame.Rect((0, 0), size), Action.QUIT)]


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    width, height = surface.get_size()
    u = unit((width, height))
    paint.cross(surface, (width // 2, int(height * 0.2)), 80 * u, WRONG)
    paint.text(surface, "This checkpoint cannot be played", 56 * u, TEXT, (width // 2, height * 0.3), "midtop")
    message = game.failure or "unknown error"
    y = paint.paragraph(surface, message, 32 * u, WRONG, width * 0.1, height * 0.42, int(width * 0.8))
    how = (
        "Game checkpoints are made by  python train.py  (it writes weights/<run>.pt); "
        "the shipped ones are weights/easy.pt, medium.pt and hard.pt."
    )
    paint.paragraph(surface, how, 28 * u, MUTED, width * 0.1, y + 24 * u, int(width * 0.8))
    paint.text(surface, "Press any key to quit", 32 * u, TEXT, (width // 2, height - 20 * u), "midbottom")
