"""Draws a `game.state.Game` onto a pygame surface; never changes the game.

Each screen and overlay has its own module under `game/screens/`; this one
picks the module for what is on screen, draws it, and draws the overlay on
top. Everything is laid out from the window's size, so the picture follows a
resize or fullscreen, and `View.targets` gives the clickable rectangles of the
same layouts `View.draw` paints, so what you click is what you see.
"""

import pygame

from game.screens import (
    card,
    draw_for_d,
    failed,
    loading,
    notices,
    pairs,
    play,
    question,
    records,
    summary,
    title,
    zoom,
)
from game.screens import help as help_overlay
from game.screens.widgets import BACKGROUND, Painter
from game.state import Game, Overlay, Screen

SCREENS = {
    Screen.TITLE: title,
    Screen.LOADING: loading,
    Screen.ROUND: play,
    Screen.REVEAL: play,
    Screen.PAIR: pairs,
    Screen.PAIR_REVEAL: pairs,
    Screen.SUMMARY: summary,
    Screen.RECORDS: records,
    Screen.DRAW: draw_for_d,
    Screen.CARD: card,
    Screen.FAILED: failed,
}
OVERLAYS = {
    Overlay.HELP: help_overlay,
    Overlay.LEAVE: question,
    Overlay.QUIT: question,
    Overlay.DIGIT: zoom,
    Overlay.NOTICES: notices,
}


class View:
    def __init__(self, history_location: str = ""):
        self.history_location = history_location  # shown on the help screen
        self.paint = Painter()

    def icon(self) -> pygame.Surface:
        return self.paint.icon()

    def draw(self, surface: pygame.Surface, game: Game, mouse=(-1, -1)) -> None:
        surface.fill(BACKGROUND)
        SCREENS[game.screen].draw(self.paint, surface, game, mouse if game.overlay is None else (-1, -1))
        if game.overlay == Overlay.HELP:
            help_overlay.draw(self.paint, surface, game, mouse, self.history_location)
        elif game.overlay is not None:
            OVERLAYS[game.overlay].draw(self.paint, surface, game, mouse)

    def canvas_point(self, game: Game, size, position, clamp: bool = False):
        """A screen position on Draw's canvas, in canvas pixels (0 to 28); None off the canvas unless `clamp`."""
        return draw_for_d.canvas_point(game, size, position, clamp)

    def targets(self, game: Game, size) -> list[tuple[pygame.Rect, object]]:
        """(rectangle, event) for every clickable thing on screen, the topmost first."""
        if game.overlay is not None:
            return OVERLAYS[game.overlay].targets(game, size)
        return SCREENS[game.screen].targets(game, size)
