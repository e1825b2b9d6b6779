"""The opponent card: one generator's sample grid, its epoch and scores, and its training timelapse.

The figures are the model card's (`scores.json` beside the checkpoint) when
they vouch for these exact weights, else the trainer's quick ones; what
neither has is written "unknown". The digit shares are drawn as ten bars
against the 10% a balanced generator would give each digit.
"""

import math
from dataclasses import dataclass

import pygame

from game.card import FIGURES
from game.events import Action
from game.screens.widgets import MUTED, OUTLINE, PANEL, PANEL_LIGHT, RIGHT, SELECTED, TEXT, WRONG, Painter, unit
from game.state import Game

GRID_COLUMNS = 8


@dataclass(frozen=True)
class CardLayout:
    u: float
    samples: pygame.Rect  # the sample grid
    cell: int  # one digit of it, a whole multiple of 28 when it can be
    scores: pygame.Rect  # the figures and the digit shares
    timelapse: pygame.Rect
    play: pygame.Rect
    back: pygame.Rect


def layout(size) -> CardLayout:
    width, height = size
    u = unit(size)
    margin, top = int(30 * u), int(height * 0.17)
    bottom = height - int(80 * u)
    cell = int(min((width * 0.36) / GRID_COLUMNS, (bottom - top - 30 * u) / 5))
    cell = cell - cell % 28 if cell >= 56 else cell  # whole screen pixels per MNIST pixel once there is room
    samples = pygame.Rect(margin, top + int(30 * u), cell * GRID_COLUMNS, cell * 5)
    scores = pygame.Rect(samples.right + int(30 * u), top, int(width * 0.3), bottom - top)
    timelapse = pygame.Rect(scores.right + int(24 * u), top + int(30 * u), 0, 0)
    side = max(40, min(width - margin - timelapse.x, bottom - timelapse.y - int(24 * u)))
    timelapse.size = (side, side)
    play = pygame.Rect(0, 0, int(260 * u), max(30, int(54 * u)))
    back = play.copy()
    play.bottomright = (width // 2 - int(10 * u), height - int(14 * u))
    back.bottomleft = (width // 2 + int(10 * u), height - int(14 * u))
    return CardLayout(u, samples, cell, scores, timelapse, play, back)


def targets(game: Game, size) -> list[tuple[pygame.Rect, object]]:
    shown = layout(size)
    return [(shown.play, Action.START), (shown.back, Action.BACK)]


# ----------------------------------------------------------------------------- drawing


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    shown = layout(surface.get_size())
    u, width = shown.u, surface.get_width()
    opponent = game.opponent
    title = opponent.title if opponent else "Generator"
    paint.text(surface, f"{title}: the opponent card", 52 * u, TEXT, (30 * u, 14 * u))
    card = game.card
    about = [opponent.details] if opponent else []
    if card is not None:
        about = about[:1] or [f"epoch {card.epoch}" if card.epoch is not None else "epoch unknown"]
        about.append("told which digit to draw" if card.conditional else "draws any digit")
        about.append(f"SHA-256 {card.sha256[:12]}")
    paint.fit_text(surface, " · ".join(about), 26 * u, MUTED, (30 * u, 70 * u), width - 60 * u)
    if card is None:
        message = game.card_problem or "drawing its digits..."
        colour = WRONG if game.card_problem else MUTED
        paint.paragraph(surface, message, 30 * u, colour, 30 * u, shown.samples.y, int(width - 60 * u))
    else:
        draw_samples(paint, surface, card, shown)
        draw_scores(paint, surface, card, shown)
        draw_timelapse(paint, surface, game, card, shown)
    play_hovered = shown.play.collidepoint(mouse)
    paint.button(surface, shown.play, "Play", "Enter", play_hovered, label_size=shown.play.h * 0.46)
    back_hovered = shown.back.collidepoint(mouse)
    paint.button(surface, shown.back, "Title", "Esc or C", back_hovered, label_size=shown.back.h * 0.46)


def draw_samples(paint: Painter, surface, card, shown: CardLayout) -> None:
    u, box = shown.u, shown.samples
    paint.text(surface, "Its digits (noise seeds 0 to 39)", 26 * u, TEXT, (box.x, box.y - 6 * u), "bottomleft")
    pygame.draw.rect(surface, OUTLINE, box.inflate(6, 6), width=3)
    for index, sample in enumerate(card.samples[: GRID_COLUMNS * 5]):
        row, column = divmod(index, GRID_COLUMNS)
        surface.blit(paint.digit(sample, shown.cell), (box.x + column * shown.cell, box.y + row * shown.cell))


def draw_scores(paint: Painter, surface, card, shown: CardLayout) -> None:
    box, u = shown.scores, shown.u
    paint.panel(surface, box, PANEL, radius=int(12 * u))
    x, y, inner = box.x + 16 * u, box.y + 12 * u, box.w - 32 * u
    paint.text(surface, "Scores", 32 * u, TEXT, (x, y))
    y += 38 * u
    for key, label, form in FIGURES:
        value = card.scores.get(key)
        paint.text(surface, label, 24 * u, MUTED, (x, y))
        figure = "unknown" if value is None else form.format(value)
        paint.text(surface, figure, 24 * u, TEXT if value is not None else MUTED, (x + inner, y), "topright")
        y += 27 * u
    y = paint.paragraph(surface, card.scores_source, 20 * u, MUTED, x, y + 2 * u, int(inner)) + 6 * u
    paint.fit_text(surface, "Digit shares (line: 10%; yellow: 2 points off or more)", 24 * u, TEXT, (x, y), inner)
    draw_shares(
        paint, surface, card.scores.get("class_shares"), pygame.Rect(x, y + 30 * u, inner, box.bottom - y - 40 * u), u
    )


def share_scale(shares) -> float:
    """The share at the top of the bars: 20%, or the largest share rounded up to a step of 10%."""
    return max(0.2, math.ceil(max(shares) * 10 - 1e-9) / 10)


def draw_shares(paint: Painter, surface, shares, area: pygame.Rect, u: float) -> None:
    """Ten bars, one per digit, scaled so 20% reaches the top (or the largest share, in steps of 10%, so that no
    bar is cut off); the 10% line across them."""
    label_height = int(22 * u)
    bars = pygame.Rect(area.x, area.y, area.w, max(10, area.h - label_height))
    if shares is None:
        paint.text(surface, "unknown", 24 * u, MUTED, bars.center, "center")
        return
    step = bars.w / 10
    top = share_scale(shares)
    paint.text(surface, f"{100 * top:.0f}%", 18 * u, MUTED, (bars.x, bars.y), "topleft")
    for digit, share in enumerate(shares):
        height = int(bars.h * min(1.0, share / top))
        bar = pygame.Rect(int(bars.x + digit * step + step * 0.15), bars.bottom - height, int(step * 0.7), height)
        pygame.draw.rect(surface, PANEL_LIGHT if abs(share - 0.1) < 0.02 else SELECTED, bar)
        paint.text(surface, str(digit), 20 * u, MUTED, (bar.centerx, bars.bottom + 2 * u), "midtop")
    level = bars.bottom - int(bars.h * 0.1 / top)
    pygame.draw.line(surface, RIGHT, (bars.x, level), (bars.right, level), max(1, int(2 * u)))


def draw_timelapse(paint: Painter, surface, game: Game, card, shown: CardLayout) -> None:
    box, u = shown.timelapse, shown.u
    paint.text(surface, "Training timelapse", 26 * u, TEXT, (box.x, box.y - 6 * u), "bottomleft")
    if not card.timelapse:
        pygame.draw.rect(surface, OUTLINE, box, width=2)
        why = card.timelapse_note or "no timelapse"
        paint.paragraph(surface, why, 22 * u, MUTED, box.x + 10 * u, box.y + 10 * u, int(box.w - 20 * u))
        return
    frames = card.timelapse
    number = int(game.screen_seconds * 1000 / card.frame_ms) % len(frames)
    frame = frames[number]
    scale = min(box.w / frame.shape[1], box.h / frame.shape[0])
    size = (max(1, int(frame.shape[1] * scale)), max(1, int(frame.shape[0] * scale)))
    surface.blit(paint.picture(frame, size), box.topleft)
    epoch = f"frame {number + 1} of {len(frames)}"
    paint.text(surface, epoch, 20 * u, MUTED, (box.x, box.y + size[1] + 4 * u))
