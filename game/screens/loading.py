"""The loading screen: a spinner while the bridge prepares the rounds (torch loads the first time)."""

import math

import pygame

from game.screens.widgets import MUTED, TEXT, Painter, unit
from game.state import Game

SPOKES = 12
RADIANS_PER_SECOND = 5.0  # the spinner turns a little under once a second


def targets(game: Game, size) -> list:
    return []


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    width, height = surface.get_size()
    u = unit((width, height))
    center, radius = (width // 2, int(height * 0.42)), int(46 * u)
    draw_spinner(surface, center, radius, game.loading_seconds, u)
    name = game.opponent.title if game.opponent else "the opponent"
    below = center[1] + radius
    paint.text(surface, f"Getting {name} ready", 48 * u, TEXT, (width // 2, below + 40 * u), "midtop")
    why = "the first time, PyTorch takes a few seconds to load"
    if game.settings.detector:
        why = "training a fresh detector on its fakes: a few seconds, once per generator"
    paint.text(surface, why, 30 * u, MUTED, (width // 2, below + 92 * u), "midtop")
    paint.key_hint(surface, "Esc  back to the title", 26 * u, 10 * u)


def draw_spinner(surface, center, radius: int, seconds: float, u: float) -> None:
    angle = seconds * RADIANS_PER_SECOND
    for step in range(SPOKES):
        theta = angle + step * math.tau / SPOKES
        shade = 60 + int(195 * step / (SPOKES - 1))
        point = (center[0] + radius * math.cos(theta), center[1] + radius * math.sin(theta))
        pygame.draw.circle(surface, (shade, shade, shade), point, max(2, int(6 * u)))
