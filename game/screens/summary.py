"""The summary: your score against D's, the HYPE split, and every digit of the game with both answers."""

import math
from dataclasses import dataclass
from typing import NamedTuple

import pygame

from game.events import Action
from game.screens.widgets import MUTED, OUTLINE, PANEL_LIGHT, RIGHT, SELECTED, TEXT, WRONG, Painter, percent, unit
from game.state import Game

TILE_ASPECT = 1.32  # a tile is its digit over a row of two marks


class Heading(NamedTuple):
    name: str  # "REAL" or "FAKE"
    count: int
    rect: pygame.Rect


@dataclass(frozen=True)
class SummaryLayout:
    u: float  # the size unit
    stats: pygame.Rect  # the left panel of figures
    grid: pygame.Rect  # the review grid on the right
    tiles: list[pygame.Rect]  # one per round, in the order played
    images: list[pygame.Rect]  # the digit inside each tile
    tile: float  # a tile's width
    headings: list[Heading]  # above the real digits, then above the fakes
    bars: list[pygame.Rect]  # your accuracy bar, then D's
    again: pygame.Rect  # "Play again"
    back: pygame.Rect  # "Title"


def layout(game: Game, size) -> SummaryLayout:
    """Stats on the left; on the right every digit, the real ones above the fakes, so no tile needs a label."""
    width, height = size
    u = unit(size)
    margin, top = int(36 * u), int(height * 0.2)
    stats = pygame.Rect(margin, top, int(width * 0.42), int(height * 0.86) - top)
    grid = pygame.Rect(stats.right + int(30 * u), top, width - margin - stats.right - int(30 * u), stats.h)
    tiles, tile, headings = review_tiles(game, grid, u)
    images = []
    for rect in tiles:
        image = pygame.Rect(0, 0, int(tile * 0.74), int(tile * 0.74))
        image.midtop = (rect.centerx, rect.y + int(tile * 0.05))
        images.append(image)
    bar_width = stats.w - int(40 * u) - int(64 * u) - int(150 * u)
    bars = [
        pygame.Rect(stats.x + int(84 * u), stats.y + int(18 * u) + row * int(50 * u), bar_width, int(34 * u))
        for row in range(2)
    ]
    again, back = buttons(size)
    return SummaryLayout(u, stats, grid, tiles, images, tile, headings, bars, again, back)


def review_tiles(game: Game, grid: pygame.Rect, u: float) -> tuple[list[pygame.Rect], float, list[Heading]]:
    """The largest tiles that fit both groups, reals above fakes, in the same columns."""
    groups = [
        [i for i, r in enumerate(game.rounds) if r.is_real],
        [i for i, r in enumerate(game.rounds) if not r.is_real],
    ]
    heading, gap = int(34 * u), int(14 * u)
    largest = max(1, *(len(group) for group in groups))
    room = (grid.h - 2 * heading - gap) / 2
    columns, tile = 1, 0.0
    for count in range(1, largest + 1):
        size = min(grid.w / count, room / (math.ceil(largest / count) * TILE_ASPECT), 150 * u)
        if size > tile:
            columns, tile = count, size
    tiles: list = [None] * len(game.rounds)
    headings, y = [], grid.y
    for name, group in zip(("REAL", "FAKE"), groups):
        headings.append(Heading(name, len(group), pygame.Rect(grid.x, y, grid.w, heading)))
        y += heading
        left = grid.centerx - min(columns, max(1, len(group))) * tile / 2
        for position, index in enumerate(group):
            row, column = divmod(position, columns)
            x, top = int(left + column * tile), int(y + row * tile * TILE_ASPECT)
            tiles[index] = pygame.Rect(x, top, int(tile), int(tile * TILE_ASPECT))
        y += (math.ceil(len(group) / columns) if group else 1) * tile * TILE_ASPECT + gap
    return tiles, tile, headings


def buttons(size) -> tuple[pygame.Rect, pygame.Rect]:
    width, height = size
    u = unit(size)
    again = pygame.Rect(0, 0, int(260 * u), int(54 * u))
    back = pygame.Rect(0, 0, int(260 * u), int(54 * u))
    again.bottomright = (width // 2 - int(10 * u), height - int(16 * u))
    back.bottomleft = (width // 2 + int(10 * u), height - int(16 * u))
    return again, back


def targets(game: Game, size) -> list[tuple[pygame.Rect, object]]:
    again, back = buttons(size)
    return [(again, Action.START), (back, Action.BACK)]


# ----------------------------------------------------------------------------- drawing


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    shown = layout(game, surface.get_size())
    draw_heading(paint, surface, game, shown)
    paint.panel(surface, shown.stats, radius=int(14 * shown.u))
    y = draw_accuracy(paint, surface, game, shown)
    y = draw_split(paint, surface, game, shown, y)
    y = draw_time(paint, surface, game, shown, y)
    draw_best(paint, surface, game, shown, y)
    draw_review(paint, surface, game, shown)
    draw_buttons(paint, surface, game, shown, mouse)


def draw_heading(paint: Painter, surface, game: Game, shown: SummaryLayout) -> None:
    width, height = surface.get_size()
    u, result = shown.u, game.score
    if result.player_correct > result.d_correct:
        verdict = "You beat the discriminator!"
    elif result.player_correct < result.d_correct:
        verdict = "The discriminator wins this one."
    else:
        verdict = "A draw with the discriminator."
    paint.fit_text(surface, verdict, 60 * u, TEXT, (width // 2, height * 0.03), width * 0.9, "midtop")
    opponent = game.opponent.title if game.opponent else ""
    mode = "measurement mode" if game.settings.measurement else "practice mode"
    about = f"{len(game.rounds)} digits vs {opponent} · {mode} · seed {game.setup.request.seed}"
    paint.text(surface, about, 30 * u, MUTED, (width // 2, height * 0.03 + 54 * u), "midtop")


def draw_accuracy(paint: Painter, surface, game: Game, shown: SummaryLayout) -> float:
    """Your bar and D's, with the 50% line and your 95% interval; returns the y below them."""
    u, result = shown.u, game.score
    x, inner = shown.stats.x + 20 * u, shown.stats.w - 40 * u
    rows = (
        ("You", result.player_correct, result.player_accuracy, result.player_interval, TEXT),
        ("D", result.d_correct, result.d_accuracy, None, MUTED),
    )
    for bar, (name, correct, accuracy, interval, colour) in zip(shown.bars, rows):
        paint.text(surface, name, 40 * u, TEXT, (x, bar.centery), "midleft")
        pygame.draw.rect(surface, PANEL_LIGHT, bar, border_radius=int(4 * u))
        filled = pygame.Rect(bar.x, bar.y, int(bar.w * accuracy), bar.h)
        pygame.draw.rect(surface, colour, filled, border_radius=int(4 * u))
        chance = bar.x + bar.w // 2
        pygame.draw.line(surface, RIGHT, (chance, bar.y - 5 * u), (chance, bar.bottom + 5 * u), max(2, int(3 * u)))
        if interval:
            draw_whisker(surface, bar, interval, u)
        figure = f"{correct}/{result.answered}  {percent(accuracy)}"
        paint.text(surface, figure, 36 * u, TEXT, (x + inner, bar.centery), "midright")
    y = shown.bars[-1].bottom + 16 * u
    low, high = result.player_interval
    legend = paint.text(surface, "yellow: your 95% interval", 24 * u, SELECTED, (x, y))
    paint.text(surface, f"{percent(low)} to {percent(high)}", 24 * u, SELECTED, (legend.right + 8 * u, y))
    paint.text(surface, "blue: 50%, guessing", 24 * u, RIGHT, (x + inner, y), "topright")
    return y + 44 * u


def draw_whisker(surface, bar: pygame.Rect, interval: tuple[float, float], u: float) -> None:
    """The 95% interval as a whisker across the bar."""
    left_x, right_x = bar.x + bar.w * interval[0], bar.x + bar.w * interval[1]
    thickness = max(2, int(4 * u))
    pygame.draw.line(surface, SELECTED, (left_x, bar.centery), (right_x, bar.centery), thickness)
    for edge_x in (left_x, right_x):
        pygame.draw.line(surface, SELECTED, (edge_x, bar.y + 5 * u), (edge_x, bar.bottom - 5 * u), thickness)


def draw_split(paint: Painter, surface, game: Game, shown: SummaryLayout, y: float) -> float:
    """The HYPE split, for you and for D; returns the y below it."""
    u, result = shown.u, game.score
    x, inner = shown.stats.x + 20 * u, shown.stats.w - 40 * u
    column_you, column_d = x + inner - 150 * u, x + inner
    paint.text(surface, "you", 28 * u, MUTED, (column_you, y), "topright")
    paint.text(surface, "D", 28 * u, MUTED, (column_d, y), "topright")
    y += 30 * u
    rows = (
        ("Fakes called real", result.fakes, result.fakes_called_real, result.d_fakes_called_real),
        ("Reals called fake", result.reals, result.reals_called_fake, result.d_reals_called_fake),
    )
    for label, total, you, d in rows:
        paint.text(surface, label, 32 * u, TEXT, (x, y))
        paint.text(surface, f"{you}/{total}  {percent(you / max(1, total))}", 32 * u, TEXT, (column_you, y), "topright")
        paint.text(surface, f"{d}/{total}  {percent(d / max(1, total))}", 32 * u, MUTED, (column_d, y), "topright")
        y += 36 * u
    label = paint.hype_label(surface, 32 * u, TEXT, (x, y))
    paint.text(surface, "(their mean)", 26 * u, MUTED, (label.right + 8 * u, y + 4 * u))
    paint.text(surface, percent(result.hype_infinity), 32 * u, TEXT, (column_you, y), "topright")
    paint.text(surface, percent(result.d_hype_infinity), 32 * u, MUTED, (column_d, y), "topright")
    meaning = "HYPE: 50% means the generator's digits cannot be told from real ones."
    return paint.paragraph(surface, meaning, 24 * u, MUTED, x, y + 38 * u, int(inner))


def draw_time(paint: Painter, surface, game: Game, shown: SummaryLayout, y: float) -> float:
    seconds = game.score.median_seconds
    if seconds is None:
        return y
    u = shown.u
    took = f"You took {seconds:.1f} s per digit (median)."
    return paint.paragraph(surface, took, 28 * u, TEXT, shown.stats.x + 20 * u, y + 14 * u, int(shown.stats.w - 40 * u))


def draw_best(paint: Painter, surface, game: Game, shown: SummaryLayout, y: float) -> None:
    u, stats = shown.u, shown.stats
    x, inner = stats.x + 20 * u, stats.w - 40 * u
    y = max(y + 12 * u, stats.bottom - 52 * u)
    rounds, previous = len(game.rounds), game.previous_best
    if game.is_personal_best:
        opponent = game.opponent.title if game.opponent else ""
        message = (
            f"Personal best: your first {rounds}-round game vs {opponent}"
            if previous is None
            else f"New personal best! (was {previous}/{rounds})"
        )
        paint.tick(surface, (x + 14 * u, y + 12 * u), 26 * u, RIGHT)
        paint.fit_text(surface, message, 32 * u, RIGHT, (x + 38 * u, y), inner - 38 * u)
    elif game.score.player_correct == previous:
        paint.fit_text(surface, f"Equal to your best, {previous}/{rounds}", 32 * u, TEXT, (x, y), inner)
    else:
        paint.fit_text(surface, f"Your best here is still {previous}/{rounds}", 32 * u, TEXT, (x, y), inner)


def draw_review(paint: Painter, surface, game: Game, shown: SummaryLayout) -> None:
    u = shown.u
    for number, (name, count, rect) in enumerate(shown.headings):
        label = paint.text(surface, f"{count} {name}", 30 * u, TEXT, (rect.x, rect.centery), "midleft")
        what = "MNIST test digits" if name == "REAL" else "drawn by the generator"
        paint.text(surface, what, 24 * u, MUTED, (label.right + 10 * u, rect.centery + 1 * u), "midleft")
        if number == 0:
            marks = "marks under each: you, D"
            paint.text(surface, marks, 24 * u, MUTED, (rect.right, rect.centery + 1 * u), "midright")
    for image_rect, round_, answer in zip(shown.images, game.rounds, game.answers):
        pygame.draw.rect(surface, OUTLINE, image_rect.inflate(4, 4), width=2)
        surface.blit(paint.digit(round_.image, image_rect.w), image_rect)
        marks = (("you", answer.answer_real == round_.is_real), ("D", round_.d_correct))
        draw_tile_marks(paint, surface, image_rect, shown.tile, marks)


def draw_tile_marks(paint: Painter, surface, image_rect: pygame.Rect, tile: float, marks) -> None:
    """Under a review digit, your mark on the left half and D's on the right, labelled when there is room."""
    labelled = tile * 0.16 >= 14  # room for the words "you" and "D" beside the marks
    icon, font_size = tile * (0.2 if labelled else 0.26), tile * 0.16
    center_y = image_rect.bottom + tile * 0.2
    for side, (name, correct) in zip((-1, 1), marks):
        center_x = image_rect.centerx + side * tile / 4  # each mark centred in its half of the tile
        if not labelled:
            paint.mark(surface, correct, (center_x, center_y), icon)
            continue
        label_width = paint.font(font_size).size(name)[0]
        left = center_x - (label_width + icon * 1.3) / 2
        paint.text(surface, name, font_size, MUTED, (left, center_y), "midleft")
        paint.mark(surface, correct, (left + label_width + icon * 0.3 + icon / 2, center_y), icon)


def draw_buttons(paint: Painter, surface, game: Game, shown: SummaryLayout, mouse) -> None:
    again, back, u = shown.again, shown.back, shown.u
    paint.button(surface, again, "Play again", "Enter", again.collidepoint(mouse), label_size=again.h * 0.48)
    paint.button(surface, back, "Title", "Esc", back.collidepoint(mouse), label_size=back.h * 0.48)
    if game.save_notice:
        width, height = surface.get_size()
        paint.fit_text(surface, game.save_notice, 24 * u, WRONG, (12 * u, height - 90 * u), width - 24 * u)
