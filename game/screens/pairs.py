"""Pairs mode's round and reveal: a real digit and a fake side by side; which one is real?

A click on a digit (or on the button under it) picks it. The reveal names each
digit, then says who picked right: your pick and D's (the digit it found
likelier real, with both its figures). With V, where the judge looked shows
beside each digit, on its outer side.
"""

from dataclasses import dataclass

import pygame

from game.events import Action
from game.screens.dview import EXPLANATION, draw_heat
from game.screens.play import draw_card, draw_corner_keys, draw_flash_around, draw_top_bar, provenance
from game.screens.widgets import MUTED, RIGHT, TEXT, WRONG, Painter, percents, unit
from game.state import Game, Screen


@dataclass(frozen=True)
class PairsLayout:
    u: float
    left: pygame.Rect  # the left digit
    right: pygame.Rect
    pick_left: pygame.Rect  # the button under the left digit; in the reveal, your card
    pick_right: pygame.Rect  # in the reveal, the judge's card
    next: pygame.Rect  # in the reveal: on to the next pair (or the results)
    heat_left: pygame.Rect  # where the judge looked, outside the left digit
    heat_right: pygame.Rect


def layout(size) -> PairsLayout:
    width, height = size
    u = unit(size)
    side = int(min(height * 0.42, width * 0.3))
    side -= side % 28 if side >= 56 else 0
    gap = int(max(width * 0.05, 40 * u))
    left, right = pygame.Rect(0, 0, side, side), pygame.Rect(0, 0, side, side)
    left.topright = (width // 2 - gap // 2, int(height * 0.2))
    right.topleft = (width // 2 + gap // 2, left.y)
    button_height = int(max(height * 0.13, 44))
    button_width = int(min(width * 0.34, 420 * u))
    pick_left = pygame.Rect(0, 0, button_width, button_height)
    pick_right = pygame.Rect(0, 0, button_width, button_height)
    pick_left.topright = (width // 2 - gap // 2, left.bottom + int(height * 0.04))
    pick_right.topleft = (width // 2 + gap // 2, pick_left.y)
    next_height = max(30, min(int(60 * u), height - pick_left.bottom - 16))
    next_pair = pygame.Rect(0, 0, int(min(width * 0.4, 380 * u)), next_height)
    next_pair.midbottom = (width // 2, height - int(8 * u))
    room = left.x - int(40 * u)  # beside each digit, on its outer side
    heat_side = max(28, min(side - int(30 * u), room))  # its title above it, and no lower than the digits
    heat_side -= heat_side % 28
    heat_left = pygame.Rect(0, 0, heat_side, heat_side)
    heat_left.topright = (left.x - int(24 * u), left.y + int(30 * u))
    heat_right = pygame.Rect(0, 0, heat_side, heat_side)
    heat_right.topleft = (right.right + int(24 * u), heat_left.y)
    return PairsLayout(u, left, right, pick_left, pick_right, next_pair, heat_left, heat_right)


def targets(game: Game, size) -> list[tuple[pygame.Rect, object]]:
    shown = layout(size)
    if game.screen == Screen.PAIR_REVEAL:
        return [(shown.next, Action.CONTINUE)]
    return [
        (shown.left, Action.PICK_LEFT),
        (shown.right, Action.PICK_RIGHT),
        (shown.pick_left, Action.PICK_LEFT),
        (shown.pick_right, Action.PICK_RIGHT),
    ]


# ----------------------------------------------------------------------------- drawing


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    pair = game.round
    if pair is None:
        return
    shown = layout(surface.get_size())
    u = shown.u
    draw_top_bar(paint, surface, game, shown)
    revealing = game.screen == Screen.PAIR_REVEAL
    for rect, digit in ((shown.left, pair.left), (shown.right, pair.right)):
        hovered = not revealing and rect.collidepoint(mouse)
        paint.framed_digit(surface, digit.image, rect)
        if hovered:
            pygame.draw.rect(surface, TEXT, rect.inflate(10, 10), width=3)
    if revealing:
        draw_reveal(paint, surface, game, shown, mouse)
    else:
        at = (surface.get_width() // 2, shown.left.y - 12 * u)
        paint.text(surface, "Which one is real?", 40 * u, MUTED, at, "midbottom")
        paint.button(surface, shown.pick_left, "This one", "Left arrow  or  1", shown.pick_left.collidepoint(mouse))
        paint.button(surface, shown.pick_right, "This one", "Right arrow  or  2", shown.pick_right.collidepoint(mouse))
    draw_corner_keys(paint, surface, game, shown.next, u, revealing)


def draw_reveal(paint: Painter, surface, game: Game, shown: PairsLayout, mouse) -> None:
    pair, answer, u = game.round, game.answer, shown.u
    right = pair.is_right(answer)
    picked = shown.left if answer.pick_left else shown.right
    draw_flash_around(surface, game, picked, right, u)
    for rect, digit in ((shown.left, pair.left), (shown.right, pair.right)):
        label = "REAL" if digit.is_real else "FAKE"
        paint.text(surface, label, 40 * u, RIGHT if digit.is_real else WRONG, (rect.x, rect.y - 34 * u), "bottomleft")
        where = provenance(digit, short=True)
        paint.fit_text(surface, where, 20 * u, MUTED, (rect.x, rect.y - 10 * u), rect.w, "bottomleft")
    side = "left" if answer.pick_left else "right"
    draw_card(paint, surface, shown.pick_left, f"You: the {side}-hand digit", right, u)
    judge = game.judge
    if pair.d_picks_left is None:
        tied = pair.left.d_prob_real is not None and pair.right.d_prob_real is not None
        why = "the same p(real) for both" if tied else "no number for one of them"
        draw_card(paint, surface, shown.pick_right, f"{judge} could not pick", None, u, why)
    else:
        side = "left" if pair.d_picks_left else "right"
        draw_card(paint, surface, shown.pick_right, f"{judge}: the {side}-hand digit", pair.d_correct, u)
        figures = "p(real): left {}, right {}".format(*percents(pair.left.d_prob_real, pair.right.d_prob_real))
        card = shown.pick_right
        paint.text(surface, figures, card.h * 0.22, TEXT, (card.right - 12 * u, card.bottom - 8 * u), "bottomright")
    if game.d_view_shown:
        draw_heat(paint, surface, pair.left.saliency, shown.heat_left, judge, u, caption=False)
        draw_heat(paint, surface, pair.right.saliency, shown.heat_right, judge, u, caption=False)
        line = EXPLANATION.format(judge=judge)
        at = (surface.get_width() // 2, shown.pick_left.y - 4 * u)
        paint.fit_text(surface, line, 20 * u, MUTED, at, surface.get_width() * 0.9, "midbottom")
    last = game.current + 1 == len(game.rounds)
    label = "See the results" if last else "Next pair"
    hovered = shown.next.collidepoint(mouse)
    paint.button(surface, shown.next, label, "Space or Enter", hovered, label_size=shown.next.h * 0.46)
