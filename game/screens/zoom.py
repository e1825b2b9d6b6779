"""One digit of a summary, enlarged, with what it was and who said what; Left / Right step through the game."""

import pygame

from game.events import Action
from game.screens.play import provenance
from game.screens.shade import dimmed_box
from game.screens.widgets import MUTED, OUTLINE, RIGHT, TEXT, WRONG, Painter, unit
from game.state import Game


def targets(game: Game, size) -> list:
    return [(pygame.Rect((0, 0), size), Action.BACK)]


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    panel = dimmed_box(paint, surface, 0.8, 0.9)
    u = unit(surface.get_size())
    played = game.played
    round_, answer = played.rounds[game.digit], played.answers[game.digit]
    side = int(min(panel.h * 0.62, panel.w * 0.5))
    side -= side % 28 if side >= 56 else 0
    digit = pygame.Rect(panel.x + int(30 * u), panel.y + int(70 * u), side, side)
    title = f"Digit {game.digit + 1} of {len(played.rounds)}: {'REAL' if round_.is_real else 'FAKE'}"
    paint.text(surface, title, 44 * u, TEXT, (panel.x + 30 * u, panel.y + 18 * u))
    if round_.image is not None:
        paint.framed_digit(surface, round_.image, digit)
    else:
        pygame.draw.rect(surface, OUTLINE, digit, width=3)
        paint.text(surface, "?", side * 0.5, MUTED, digit.center, "center")
    x, width = digit.right + 30 * u, panel.right - digit.right - 60 * u
    y = paint.paragraph(surface, provenance(round_), 26 * u, MUTED, x, digit.y, int(width))
    you_right = answer.answer_real == round_.is_real
    said = f"You said {'REAL' if answer.answer_real else 'FAKE'}, after {answer.ms / 1000:.1f} s"
    y = answer_line(paint, surface, said, you_right, x, y + 20 * u, width, u)
    if round_.d_says_real is None:
        judged, judge_right = f"{game.judge} gave no answer", None
    else:
        judged = f"{game.judge} said {'REAL' if round_.d_says_real else 'FAKE'} ({100 * round_.d_prob_real:.0f}% real)"
        judge_right = round_.d_correct
    answer_line(paint, surface, judged, judge_right, x, y + 10 * u, width, u)
    hint = "Left / Right  the digit before / after      Esc or a click  close"
    paint.fit_text(surface, hint, 24 * u, MUTED, (panel.centerx, panel.bottom - 14 * u), panel.w - 40 * u, "midbottom")


def answer_line(paint: Painter, surface, text: str, correct, x: float, y: float, width: float, u: float) -> float:
    if correct is not None:
        paint.mark(surface, correct, (x + 12 * u, y + 14 * u), 24 * u)
    colour = MUTED if correct is None else RIGHT if correct else WRONG
    rect = paint.fit_text(surface, text, 28 * u, colour, (x + 34 * u, y), width - 34 * u)
    return rect.bottom
