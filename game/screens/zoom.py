"""One round of a summary, enlarged, with what it was and who said what; Left / Right step through the game.

A pair shows both its digits; a drawing D's verdict and the classifier's
reading. V shows where the judge looked, beside each digit.
"""

import pygame

from game.events import Action
from game.screens.dview import EXPLANATION, draw_heat, hint
from game.screens.play import exposure, provenance
from game.screens.shade import dimmed_box
from game.screens.widgets import MUTED, OUTLINE, RIGHT, TEXT, WRONG, Painter, percent, percent_real, percents, unit
from game.state import Game


def targets(game: Game, size) -> list:
    return [(pygame.Rect((0, 0), size), Action.BACK)]


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    panel = dimmed_box(paint, surface, 0.8, 0.9)
    u = unit(surface.get_size())
    played = game.played
    round_, answer = played.rounds[game.digit], played.answers[game.digit]
    kind = {"pairs": "Pair", "draw": "Drawing"}.get(played.game, "Digit")
    what = "" if played.game in ("pairs", "draw") else f": {'REAL' if round_.is_real else 'FAKE'}"
    title = f"{kind} {game.digit + 1} of {len(played.rounds)}{what}"
    paint.text(surface, title, 44 * u, TEXT, (panel.x + 30 * u, panel.y + 18 * u))
    top = panel.y + int(74 * u)
    if played.game == "pairs":
        draw_pair(paint, surface, game, round_, answer, panel, top, u)
    else:
        draw_one(paint, surface, game, round_, answer, panel, top, u)
    keys = f"Left / Right  the one before / after      {hint(game.judge, game.d_view)}      Esc or a click  close"
    paint.fit_text(surface, keys, 24 * u, MUTED, (panel.centerx, panel.bottom - 14 * u), panel.w - 40 * u, "midbottom")


def square(side: float) -> int:
    side = int(side)
    return side - side % 28 if side >= 56 else side


def draw_digit(paint: Painter, surface, image, rect: pygame.Rect) -> None:
    if image is not None:
        paint.framed_digit(surface, image, rect)
    else:
        pygame.draw.rect(surface, OUTLINE, rect, width=3)
        paint.text(surface, "?", rect.h * 0.5, MUTED, rect.center, "center")


def draw_one(paint: Painter, surface, game: Game, round_, answer, panel: pygame.Rect, top: int, u: float) -> None:
    heat_on = game.d_view_shown
    side = square(min(panel.h * 0.62, panel.w * (0.3 if heat_on else 0.5)))
    digit = pygame.Rect(panel.x + int(30 * u), top, side, side)
    draw_digit(paint, surface, round_.image, digit)
    x = digit.right + 30 * u
    if heat_on:
        heat = pygame.Rect(int(x), top + int(26 * u), side, side)
        draw_heat(paint, surface, round_.saliency, heat, game.judge, u, caption=False)
        x = heat.right + 30 * u
    width = panel.right - x - 30 * u
    if game.played.game == "draw":
        y = draw_drawing_lines(paint, surface, round_, answer, x, digit.y, width, u)
    else:
        y = paint.paragraph(surface, provenance(round_) + exposure(answer), 26 * u, MUTED, x, digit.y, int(width))
        said = f"You said {'REAL' if answer.answer_real else 'FAKE'}, after {answer.ms / 1000:.1f} s"
        y = answer_line(paint, surface, said, round_.is_right(answer), x, y + 20 * u, width, u)
        if round_.d_says_real is None:
            judged, judge_right = f"{game.judge} gave no answer", None
        else:
            real = f"{'REAL' if round_.d_says_real else 'FAKE'} ({percent_real(round_.d_prob_real)} real)"
            judged, judge_right = f"{game.judge} said {real}", round_.d_correct
        y = answer_line(paint, surface, judged, judge_right, x, y + 10 * u, width, u)
    if heat_on:
        paint.paragraph(surface, EXPLANATION.format(judge=game.judge), 22 * u, MUTED, x, y + 16 * u, int(width))


def draw_drawing_lines(paint: Painter, surface, drawing, answer, x, y, width, u) -> float:
    if drawing.d_prob_real is None:
        y = answer_line(paint, surface, "D gave no answer", None, x, y, width, u)
    else:
        said = f"D: {percent_real(drawing.d_prob_real)} sure it is real"
        y = answer_line(paint, surface, said, drawing.fooled, x, y, width, u)
        y = paint.paragraph(
            surface, "fooled D" if drawing.fooled else "D caught it", 24 * u, MUTED, x + 34 * u, y, int(width)
        )
    if drawing.digit is not None:
        reads = f"The classifier reads a {drawing.digit} ({percent(drawing.digit_prob or 0)} sure)"
        y = paint.paragraph(surface, reads, 26 * u, TEXT, x, y + 14 * u, int(width))
    took = f"drawn in {answer.ms / 1000:.1f} s" + (f"; kept as {drawing.kept}" if drawing.kept else "")
    return paint.paragraph(surface, took, 22 * u, MUTED, x, y + 10 * u, int(width))


def draw_pair(paint: Painter, surface, game: Game, pair, answer, panel: pygame.Rect, top: int, u: float) -> None:
    heat_on = game.d_view_shown
    side = square(min(panel.h * (0.4 if heat_on else 0.5), panel.w * 0.2))
    x = panel.x + int(30 * u)
    for digit in (pair.left, pair.right):
        rect = pygame.Rect(x, top + int(28 * u), side, side)
        label = "REAL" if digit.is_real else "FAKE"
        paint.text(surface, label, 30 * u, RIGHT if digit.is_real else WRONG, (rect.x, rect.y - 4 * u), "bottomleft")
        draw_digit(paint, surface, digit.image, rect)
        if heat_on:
            heat = pygame.Rect(rect.x, rect.bottom + int(40 * u), side, side)
            draw_heat(paint, surface, digit.saliency, heat, game.judge, u, caption=False)
        x = rect.right + int(24 * u)
    x += 10 * u
    width = panel.right - x - 30 * u
    y = top + 28 * u
    side_picked = "left" if answer.pick_left else "right"
    said = f"You picked the {side_picked}-hand digit, after {answer.ms / 1000:.1f} s"
    y = answer_line(paint, surface, said, pair.is_right(answer), x, y, width, u)
    if pair.d_picks_left is None:
        y = answer_line(paint, surface, f"{game.judge} could not pick", None, x, y + 10 * u, width, u)
    else:
        judged = f"{game.judge} picked the {'left' if pair.d_picks_left else 'right'}-hand digit"
        y = answer_line(paint, surface, judged, pair.d_correct, x, y + 10 * u, width, u)
        left, right = percents(pair.left.d_prob_real, pair.right.d_prob_real)
        figures = f"p(real): left {left}, right {right}"
        y = paint.paragraph(surface, figures, 24 * u, MUTED, x + 34 * u, y + 4 * u, int(width - 34 * u))
    for side, digit in (("left", pair.left), ("right", pair.right)):  # in the order they are shown
        y = paint.paragraph(surface, f"{side}: {provenance(digit)}", 22 * u, MUTED, x, y + 8 * u, int(width))
    if heat_on:
        paint.paragraph(surface, EXPLANATION.format(judge=game.judge), 22 * u, MUTED, x, y + 16 * u, int(width))


def answer_line(paint: Painter, surface, text: str, correct, x: float, y: float, width: float, u: float) -> float:
    if correct is not None:
        paint.mark(surface, correct, (x + 12 * u, y + 14 * u), 24 * u)
    colour = MUTED if correct is None else RIGHT if correct else WRONG
    rect = paint.fit_text(surface, text, 28 * u, colour, (x + 34 * u, y), width - 34 * u)
    return rect.bottom
