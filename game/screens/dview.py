"""D's view: where the judge looked at a digit, as a heat map beside it, with one line on what it shows.

The map is the bridge's (`game.bridge.saliency`): the size of the gradient of
the judge's logit with respect to each pixel. Drawn with the heat palette,
scaled by whole pixels like the digits, so each square is one MNIST pixel.
"""

import pygame

from game.screens.widgets import HEAT_PALETTE, MUTED, OUTLINE, TEXT, Painter

EXPLANATION = "bright: the pixels where a change would move {judge}'s verdict most (the gradient of its score)"
SHORT = "bright: where a change moves {judge} most"


def draw_heat(paint: Painter, surface, saliency, rect: pygame.Rect, judge: str, u: float, caption=True) -> None:
    """The heat map in `rect` (a square), titled above, explained below when `caption` and there is room."""
    paint.text(surface, f"Where {judge} looked", 26 * u, TEXT, (rect.x, rect.y - 6 * u), "bottomleft")
    if saliency is None:
        pygame.draw.rect(surface, OUTLINE, rect, width=2)
        paint.fit_text(surface, "not available", 22 * u, MUTED, rect.center, rect.w - 8, "center")
        return
    pygame.draw.rect(surface, OUTLINE, rect.inflate(6, 6), width=3)
    surface.blit(paint.digit(saliency, rect.w, HEAT_PALETTE), rect)
    if caption:
        room = surface.get_width() - rect.x - 10 * u
        width = int(min(room, max(rect.w, 260 * u)))
        paint.paragraph(surface, EXPLANATION.format(judge=judge), 20 * u, MUTED, rect.x, rect.bottom + 8 * u, width)


def hint(judge: str, on: bool) -> str:
    return f"V  {'hide' if on else 'show'} where {judge} looked"
