"""Draw for D: a 28x28 canvas drawn with the mouse, what D sees of it, and D's and the classifier's verdicts.

The canvas shows the drawing's own 28x28 pixels, enlarged by whole pixels, so
the brush looks as it will to D. Beside it, the drawing as D gets it (centred
as MNIST's were), D's p(real), the digit the classifier reads, and with V
where D looked. Under them, the drawings handed in this session.
"""

from dataclasses import dataclass

import pygame

from game.events import Action
from game.screens.dview import draw_heat, hint
from game.screens.widgets import (
    MUTED,
    OUTLINE,
    PANEL,
    PANEL_LIGHT,
    RIGHT,
    TEXT,
    WRONG,
    Painter,
    percent,
    percent_real,
    unit,
)
from game.state import Game

STRIP = 12  # handed-in drawings shown under the verdict, newest last


@dataclass(frozen=True)
class DrawLayout:
    u: float
    canvas: pygame.Rect  # the 28x28 canvas, whole screen pixels per canvas pixel
    seen: pygame.Rect  # the drawing as D gets it
    heat: pygame.Rect  # where D looked, beside it
    verdict: pygame.Rect  # D's and the classifier's words
    strip: list[pygame.Rect]  # the handed-in drawings
    undo: pygame.Rect
    clear: pygame.Rect
    submit: pygame.Rect
    back: pygame.Rect


def layout(size) -> DrawLayout:
    width, height = size
    u = unit(size)
    margin = int(30 * u)
    side = int(min(height * 0.66, width * 0.42))
    side -= side % 28 if side >= 56 else 0
    canvas = pygame.Rect(margin + int(10 * u), int(height * 0.15), side, side)
    x = canvas.right + int(50 * u)
    small = max(28, int(min(height * 0.22, (width - x - margin) * 0.3)))
    small -= small % 28
    seen = pygame.Rect(x, canvas.y + int(34 * u), small, small)
    heat = pygame.Rect(seen.right + int(30 * u), seen.y, small, small)
    verdict = pygame.Rect(x, seen.bottom + int(16 * u), width - margin - x, int(height * 0.2))
    thumb = max(20, int(min(44 * u, (width - margin - x) / STRIP - 6 * u)))
    strip = [
        pygame.Rect(x + i * (thumb + int(6 * u)), verdict.bottom + int(30 * u), thumb, thumb) for i in range(STRIP)
    ]
    row = max(30, int(54 * u))
    gap = int(12 * u)
    button = (side - 2 * gap) // 3
    undo = pygame.Rect(canvas.x, canvas.bottom + int(18 * u), button, row)
    clear = pygame.Rect(undo.right + gap, undo.y, button, row)
    submit = pygame.Rect(clear.right + gap, undo.y, button, row)
    back = pygame.Rect(0, 0, int(200 * u), row)
    back.bottomright = (width - margin, height - int(12 * u))
    return DrawLayout(u, canvas, seen, heat, verdict, strip, undo, clear, submit, back)


def targets(game: Game, size) -> list[tuple[pygame.Rect, object]]:
    shown = layout(size)
    return [
        (shown.undo, Action.UNDO),
        (shown.clear, Action.CLEAR),
        (shown.submit, Action.SUBMIT),
        (shown.back, Action.BACK),
    ]


def canvas_point(game: Game, size, position, clamp: bool = False) -> tuple[float, float] | None:
    """A screen position in canvas pixels (0 to 28); None outside the canvas unless `clamp`."""
    canvas = layout(size).canvas
    if not clamp and not canvas.collidepoint(position):
        return None
    scale = canvas.w / 28
    return (position[0] - canvas.x) / scale, (position[1] - canvas.y) / scale


# ----------------------------------------------------------------------------- drawing


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    drawing = game.drawing
    if drawing is None:
        return
    shown = layout(surface.get_size())
    u, width = shown.u, surface.get_width()
    judge = "D"
    paint.text(surface, "Draw for D", 48 * u, TEXT, (shown.canvas.x, 14 * u))
    against = f"Can your handwriting fool {opponent_title(game)}'s discriminator?"
    paint.fit_text(surface, against, 26 * u, MUTED, (shown.canvas.x, 60 * u), width - shown.canvas.x - 20 * u)
    draw_canvas(paint, surface, drawing, shown)
    paint.text(surface, "What D sees", 26 * u, TEXT, (shown.seen.x, shown.seen.y - 6 * u), "bottomleft")
    paint.framed_digit(surface, drawing.image, shown.seen)
    verdict = drawing.verdict
    if game.d_view_shown and not drawing.blank:
        draw_heat(paint, surface, None if verdict is None else verdict.saliency, shown.heat, judge, u, caption=False)
    draw_verdict(paint, surface, drawing, shown, game.d_view_shown)
    draw_strip(paint, surface, game, shown)
    for rect, label, key in (
        (shown.undo, "Undo", "Backspace"),
        (shown.clear, "Clear", "Delete"),
        (shown.submit, "Hand in", "Enter"),
        (shown.back, "Title", "Esc"),
    ):
        paint.button(surface, rect, label, key, rect.collidepoint(mouse), label_size=rect.h * 0.42)
    keys = f"{hint(judge, game.d_view)}     H  help"
    paint.text(surface, keys, 22 * u, MUTED, (shown.canvas.x, surface.get_height() - 8 * u), "bottomleft")


def opponent_title(game: Game) -> str:
    return game.opponent.title if game.opponent else game.drawing.opponent_name


def draw_canvas(paint: Painter, surface, drawing, shown: DrawLayout) -> None:
    canvas, u = shown.canvas, shown.u
    paint.framed_digit(surface, drawing.raw, canvas)
    box = pygame.Rect(0, 0, canvas.w * 20 // 28, canvas.h * 20 // 28)
    box.center = canvas.center
    if drawing.blank:  # MNIST's 20x20 box, as a guide to the size to draw at
        pygame.draw.rect(surface, PANEL_LIGHT, box, width=1)
        paint.text(surface, "draw a digit here with the mouse", 26 * u, MUTED, canvas.center, "center")


def draw_verdict(paint: Painter, surface, drawing, shown: DrawLayout, heat_shown: bool) -> None:
    box, u = shown.verdict, shown.u
    x, y, width = box.x, box.y, box.w
    verdict = drawing.verdict
    if drawing.blank:
        lines = [("Each stroke you finish goes to D.", TEXT), ("It is centred first, as MNIST's digits were.", MUTED)]
    elif verdict is None:
        lines = [("D is looking..." if not drawing.pen_down else "", MUTED)]
    elif verdict.d_prob_real is None:
        lines = [(f"D gave no answer: {verdict.message}" if verdict.message else "D gave no answer", WRONG)]
    else:
        fooled = verdict.d_prob_real >= 0.5
        said = "It would fool D." if fooled else "D is not fooled."  # nothing is handed in until Enter
        lines = [(f"D: {percent_real(verdict.d_prob_real)} sure it is real. {said}", RIGHT if fooled else WRONG)]
        if verdict.digit is not None:
            lines.append((f"The classifier reads a {verdict.digit} ({percent(verdict.digit_prob)} sure).", TEXT))
        elif verdict.message:
            lines.append((verdict.message, MUTED))
        lines.append(("Enter hands it in; one that fools D is kept as a PNG.", MUTED))
    if heat_shown and not drawing.blank:
        lines.append(("Heat: where a change would move D's verdict most.", MUTED))
    for text, colour in lines:
        y = paint.paragraph(surface, text, 26 * u, colour, x, y, int(width)) + 2 * u


def draw_strip(paint: Painter, surface, game: Game, shown: DrawLayout) -> None:
    drawing, u = game.drawing, shown.u
    handed = drawing.drawings[-STRIP:]
    first = shown.strip[0]
    fooled = sum(d.fooled for d in drawing.drawings)
    title = f"Handed in: {len(drawing.drawings)}, {fooled} fooled D"
    best = drawing.best
    if best is not None:
        title += f"; your best {percent_real(best.d_prob_real)} real"
    paint.fit_text(surface, title, 24 * u, TEXT, (first.x, first.y - 6 * u), shown.verdict.w, "bottomleft")
    for rect, handed_in in zip(shown.strip, handed):
        pygame.draw.rect(surface, RIGHT if handed_in.fooled else OUTLINE, rect.inflate(4, 4), width=2)
        surface.blit(paint.digit(handed_in.image, rect.w), rect)
        figure = "-" if handed_in.d_prob_real is None else percent_real(handed_in.d_prob_real)[:-1]
        colour = RIGHT if handed_in.fooled else MUTED
        paint.text(surface, figure, 18 * u, colour, (rect.centerx, rect.bottom + 3 * u), "midtop")
    if not handed:
        pygame.draw.rect(surface, PANEL, first.inflate(4, 4), width=1)
    if game.kept_folder:
        kept = f"Kept in {game.kept_folder}"
        at = (first.x, first.bottom + 26 * u)
        paint.fit_text(surface, kept, 20 * u, MUTED, at, surface.get_width() - first.x - 20 * u)
