"""The summary: your score against the judge's, the HYPE split, and every digit of the game with both answers.

It shows `game.played`: the game just finished, or a past one reopened from
the Records (then its digits are redrawn from their test indices and noise
seeds, and appear when the preparer has them). A click on a digit shows it
large. The review grid starts under its headings, spare width spreading its columns; its digits are
scaled by whole screen pixels per MNIST pixel whenever they are 28 or larger.

Each way to play adds its own figures: glimpse mode the threshold exposure
with its interval and the staircase; pairs mode its wrong picks and which side
you favoured; a drawing session how many drawings fooled D. A pair's tile
holds both its digits, the real one framed in blue.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import pygame

from game.events import Action, OpenDigit
from game.glimpse import LEVELS_MS, replay
from game.screens.widgets import (
    MUTED,
    OUTLINE,
    PANEL,
    PANEL_LIGHT,
    RIGHT,
    SELECTED,
    TEXT,
    WRONG,
    Painter,
    counted,
    percent,
    percent_real,
    unit,
)
from game.state import BAR_SECONDS, Game

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
    images: list[pygame.Rect]  # the digits inside each tile (what a click enlarges)
    pictures: list[list[pygame.Rect]]  # each digit's square in each tile: one, or a pair's two
    tile: float  # a tile's width
    headings: list[Heading]  # above the real digits, then above the fakes
    bars: list[pygame.Rect]  # your accuracy bar, then the judge's
    again: pygame.Rect  # "Play again" (a reopened game has none)
    back: pygame.Rect  # "Title", or "Records" for a reopened game


def layout(game: Game, size) -> SummaryLayout:
    """Stats on the left; on the right every digit, the real ones above the fakes, so no tile needs a label."""
    width, height = size
    u = unit(size)
    margin, top = int(36 * u), int(height * 0.2)
    stats = pygame.Rect(margin, top, int(width * 0.42), int(height * 0.86) - top)
    grid = pygame.Rect(stats.right + int(30 * u), top, width - margin - stats.right - int(30 * u), stats.h)
    tiles, tile, headings = review_tiles(game, grid, u)
    across = 2 if game.played is not None and game.played.game == "pairs" else 1
    pictures = [[thumbnail(rect, tile, column) for column in range(across)] for rect in tiles]
    images = [found[0].unionall(found[1:]) for found in pictures]
    bar_width = stats.w - int(40 * u) - int(64 * u) - int(150 * u)
    bars = [
        pygame.Rect(stats.x + int(84 * u), stats.y + int(18 * u) + row * int(50 * u), bar_width, int(34 * u))
        for row in range(2)
    ]
    again, back = buttons(game, size)
    return SummaryLayout(u, stats, grid, tiles, images, pictures, tile, headings, bars, again, back)


def thumbnail(tile_rect: pygame.Rect, tile: float, column: int = 0) -> pygame.Rect:
    """A digit's square in its tile: a whole multiple of 28 pixels when at least 28, so every pixel is alike."""
    across = max(1, round(tile_rect.w / tile))
    side = int(tile * (0.74 if across == 1 else 0.9))  # a pair's two digits share their marks: more room
    side = side - side % 28 if side >= 28 else side
    image = pygame.Rect(0, 0, side, side)
    if across == 1:
        image.midtop = (tile_rect.centerx, tile_rect.y + int(tile * 0.05))
    else:  # a pair: the two squares side by side, touching, centred in the tile
        image.topleft = (tile_rect.centerx - side + column * side, tile_rect.y + int(tile * 0.05))
    return image


def review_groups(played) -> list[tuple[str, str, list[int]]]:
    """(heading, what it holds, indices of its rounds) for each group of the review grid."""
    rounds = played.rounds[: len(played.answers)] if played else ()
    if played is not None and played.game == "pairs":
        return [("PAIRS", "the real one framed in blue", list(range(len(rounds))))]
    if played is not None and played.game == "draw":
        fooled = [i for i, drawing in enumerate(rounds) if drawing.fooled]
        return [
            ("FOOLED D", "D called them real", fooled),
            ("CAUGHT", "D called them fake", [i for i in range(len(rounds)) if i not in fooled]),
        ]
    return [
        ("REAL", "written by people", [i for i, r in enumerate(rounds) if r.is_real]),
        ("FAKE", "drawn by the generator", [i for i, r in enumerate(rounds) if not r.is_real]),
    ]


def review_tiles(game: Game, grid: pygame.Rect, u: float) -> tuple[list[pygame.Rect], float, list[Heading]]:
    """The largest tiles that fit every group (reals above fakes), in the same columns from the headings' left."""
    groups = review_groups(game.played)
    across = 2 if game.played is not None and game.played.game == "pairs" else 1  # digits per tile
    heading, gap = max(20, int(34 * u)), int(14 * u)
    largest = max(1, *(len(indices) for _, _, indices in groups))
    room = (grid.h - len(groups) * heading - (len(groups) - 1) * gap) / len(groups)
    columns, tile = 1, 0.0
    for count in range(1, largest + 1):
        size = min(grid.w / (count * across), room / (math.ceil(largest / count) * TILE_ASPECT), 150 * u)
        if size > tile:
            columns, tile = count, size
    # Width the tiles leave spare spreads their columns, up to half a tile apart (a few tiles stay together).
    pitch = max(tile * across, min(grid.w / columns, tile * across * 1.5))
    tiles: list = [None] * sum(len(indices) for _, _, indices in groups)
    headings, y = [], grid.y
    for name, _, group in groups:
        headings.append(Heading(name, len(group), pygame.Rect(grid.x, y, grid.w, heading)))
        y += heading
        for position, index in enumerate(group):
            row, column = divmod(position, columns)
            x, top = int(grid.x + column * pitch), int(y + row * tile * TILE_ASPECT)
            tiles[index] = pygame.Rect(x, top, int(tile * across), int(tile * TILE_ASPECT))
        y += (math.ceil(len(group) / columns) if group else 1) * tile * TILE_ASPECT + gap
    return tiles, tile, headings


def buttons(game: Game, size) -> tuple[pygame.Rect, pygame.Rect]:
    width, height = size
    u = unit(size)
    again = pygame.Rect(0, 0, int(260 * u), max(30, int(54 * u)))
    back = pygame.Rect(0, 0, int(260 * u), max(30, int(54 * u)))
    again.bottomright = (width // 2 - int(10 * u), height - int(16 * u))
    back.bottomleft = (width // 2 + int(10 * u), height - int(16 * u))
    if game.reopened:
        back.midbottom = (width // 2, height - int(16 * u))
    return again, back


def targets(game: Game, size) -> list[tuple[pygame.Rect, object]]:
    shown = layout(game, size)
    found = [(image, OpenDigit(index)) for index, image in enumerate(shown.images)]
    if not game.reopened:
        found.append((shown.again, Action.START))
    return found + [(shown.back, Action.BACK)]


# ----------------------------------------------------------------------------- drawing


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    if game.played is None:
        return
    shown = layout(game, surface.get_size())
    draw_heading(paint, surface, game, shown)
    paint.panel(surface, shown.stats, radius=int(14 * shown.u))
    y = draw_accuracy(paint, surface, game, shown)
    y = {"glimpse": draw_threshold, "pairs": draw_picks, "draw": draw_drawings}.get(game.played.game, draw_split)(
        paint, surface, game, shown, y
    )
    y = draw_time(paint, surface, game, shown, y)
    draw_best(paint, surface, game, shown, y)
    draw_review(paint, surface, game, shown, mouse)
    draw_buttons(paint, surface, game, shown, mouse)


def draw_heading(paint: Painter, surface, game: Game, shown: SummaryLayout) -> None:
    width, height = surface.get_size()
    u, result, judge, played = shown.u, game.score, game.judge, game.played
    rival = "the discriminator" if judge == "D" else "the detector"
    if played.game == "draw":
        verdict = f"{result.player_correct} of {counted(result.answered, 'drawing')} fooled D"
    elif not played.finished:  # no one wins a game left early: its few answers say little
        verdict = "Left before the end."
    elif result.player_correct > result.d_correct:
        verdict = f"You beat {rival}!"
    elif result.player_correct < result.d_correct:
        verdict = f"{rival.capitalize()} wins this one."
    else:
        verdict = f"A draw with {rival}."
    paint.fit_text(surface, verdict, 56 * u, TEXT, (width // 2, height * 0.03), width * 0.9, "midtop")
    digits = (
        f"{len(played.answers)} of {played.n_rounds} digits" if not played.finished else f"{played.n_rounds} digits"
    )
    mode = "measurement" if played.measurement else "practice"
    way = {"glimpse": "glimpse", "pairs": "pairs", "draw": "Draw for D"}.get(played.game)
    if played.game == "pairs":
        digits = digits.replace("digits", "pairs")
    about = [digits, f"vs {played.opponent_title}", *([way] if way else []), mode, f"seed {played.seed}"]
    if played.game == "draw":
        about = [counted(len(played.answers), "drawing"), f"for {played.opponent_title}'s D"]
    if game.reopened:
        about.append(when(played.time))
    elif judge == "D":
        about.append("D is the discriminator trained beside this generator")
    else:
        about.append("the detector was trained just now on its fakes")
    at = (width // 2, height * 0.03 + 52 * u)
    paint.fit_text(surface, " · ".join(about), 26 * u, MUTED, at, width * 0.94, "midtop")


def when(time: str, short: bool = False) -> str:
    """ "29 Nov 2026, 05:12" in the player's time zone, from the record's UTC time ("29 Nov 05:12" when short)."""
    try:
        moment = datetime.fromisoformat(time).astimezone()
    except (ValueError, OverflowError):
        return time[:16]
    if short:
        return moment.strftime("%d %b %H:%M" if moment.year == datetime.now().year else "%d %b %Y")
    return moment.strftime("%d %b %Y, %H:%M")


def draw_accuracy(paint: Painter, surface, game: Game, shown: SummaryLayout) -> float:
    """Your bar and the judge's, growing in, with the 50% line and your 95% interval; returns the y below them."""
    u, result = shown.u, game.score
    x, inner = shown.stats.x + 20 * u, shown.stats.w - 40 * u
    grown = min(1.0, game.screen_seconds / BAR_SECONDS)
    rows = (
        ("You", result.player_correct, result.player_accuracy, result.player_interval, TEXT),
        (game.judge, result.d_correct, result.d_accuracy, None, MUTED),
    )
    drawing = game.played.game == "draw"
    if drawing:  # the bars say who won each drawing: it fooled D, or D caught it; no 50% to guess at
        rows = (("You", *rows[0][1:]), ("D", *rows[1][1:]))
    for bar, (name, correct, accuracy, interval, colour) in zip(shown.bars, rows):
        paint.fit_text(surface, name, 40 * u, TEXT, (x, bar.centery), bar.x - x - 4 * u, "midleft")
        pygame.draw.rect(surface, PANEL_LIGHT, bar, border_radius=int(4 * u))
        filled = pygame.Rect(bar.x, bar.y, int(bar.w * accuracy * grown), bar.h)
        pygame.draw.rect(surface, colour, filled, border_radius=int(4 * u))
        chance = bar.x + bar.w // 2
        if not drawing:
            pygame.draw.line(surface, RIGHT, (chance, bar.y - 5 * u), (chance, bar.bottom + 5 * u), max(2, int(3 * u)))
        if interval and grown >= 1.0:
            draw_whisker(surface, bar, interval, u)
        figure = f"{correct}/{result.answered}  {percent(accuracy)}"
        paint.text(surface, figure, 34 * u, TEXT, (x + inner, bar.centery), "midright")
    y = shown.bars[-1].bottom + 14 * u
    low, high = result.player_interval
    interval = f"yellow: your 95% interval, {percent(low)} to {percent(high)}"
    legend = paint.text(surface, interval, 22 * u, SELECTED, (x, y))
    if drawing:
        words = "You: drawings that fooled D. D: those it caught."
        return paint.paragraph(surface, words, 22 * u, MUTED, x, legend.bottom + 2 * u, int(inner)) + 16 * u
    guessing = "blue: 50%, guessing"
    if legend.right + 16 * u + paint.font(22 * u).size(guessing)[0] > x + inner:
        legend = paint.text(surface, guessing, 22 * u, RIGHT, (x, legend.bottom + 2 * u))  # no room beside it
    else:
        paint.text(surface, guessing, 22 * u, RIGHT, (x + inner, y), "topright")
    return legend.bottom + 16 * u


def draw_whisker(surface, bar: pygame.Rect, interval: tuple[float, float], u: float) -> None:
    """The 95% interval as a whisker across the bar."""
    left_x, right_x = bar.x + bar.w * interval[0], bar.x + bar.w * interval[1]
    thickness = max(2, int(4 * u))
    pygame.draw.line(surface, SELECTED, (left_x, bar.centery), (right_x, bar.centery), thickness)
    for edge_x in (left_x, right_x):
        pygame.draw.line(surface, SELECTED, (edge_x, bar.y + 5 * u), (edge_x, bar.bottom - 5 * u), thickness)


def draw_split(paint: Painter, surface, game: Game, shown: SummaryLayout, y: float) -> float:
    """The HYPE split, for you and for the judge; returns the y below it."""
    u, result = shown.u, game.score
    x, inner = shown.stats.x + 20 * u, shown.stats.w - 40 * u
    column_you, column_d = x + inner - 150 * u, x + inner
    paint.text(surface, "you", 26 * u, MUTED, (column_you, y), "topright")
    paint.text(surface, game.judge, 26 * u, MUTED, (column_d, y), "topright")
    y += 28 * u
    rows = (
        ("Fakes called real", result.fakes, result.fakes_called_real, result.d_fakes_called_real),
        ("Reals called fake", result.reals, result.reals_called_fake, result.d_reals_called_fake),
    )
    for label, total, you, d in rows:
        paint.text(surface, label, 30 * u, TEXT, (x, y))
        paint.text(surface, f"{you}/{total}  {percent(you / max(1, total))}", 30 * u, TEXT, (column_you, y), "topright")
        paint.text(surface, f"{d}/{total}  {percent(d / max(1, total))}", 30 * u, MUTED, (column_d, y), "topright")
        y += 34 * u
    label = paint.hype_label(surface, 30 * u, TEXT, (x, y))
    paint.text(surface, "(their mean)", 24 * u, MUTED, (label.right + 8 * u, y + 4 * u))
    paint.text(surface, percent(result.hype_infinity), 30 * u, TEXT, (column_you, y), "topright")
    paint.text(surface, percent(result.d_hype_infinity), 30 * u, MUTED, (column_d, y), "topright")
    meaning = "HYPE: the share of mistakes; 50% means the fakes cannot be told from real digits."
    if result.d_unanswered:
        meaning += f" {game.judge} gave no answer on {result.d_unanswered} (counted as wrong)."
    return paint.paragraph(surface, meaning, 22 * u, MUTED, x, y + label.h + 10 * u, int(inner))


def draw_threshold(paint: Painter, surface, game: Game, shown: SummaryLayout, y: float) -> float:
    """Glimpse mode: the threshold exposure with its 95% interval, and the staircase that found it."""
    u, found = shown.u, game.played.threshold
    x, inner = shown.stats.x + 20 * u, shown.stats.w - 40 * u
    if found.ms is None:
        where = LEVELS_MS[replay(corrects_of(game.played)).level]
        words = f"No threshold yet: the staircase never turned (next exposure {where} ms). Play more digits."
        y = paint.paragraph(surface, words, 28 * u, TEXT, x, y, int(inner))
    else:
        label = paint.text(surface, "Your threshold", 30 * u, TEXT, (x, y))
        figure = f"{found.ms:.0f} ms"
        paint.text(surface, figure, 40 * u, SELECTED, (x + inner, y - 4 * u), "topright")
        if found.low is None:
            interval = f"from {found.reversals} reversal: too few for an interval, or to count as a best"
        else:
            interval = f"95% interval {found.low:.0f} to {found.high:.0f} ms, from {found.reversals} reversals"
        y = paint.paragraph(surface, interval, 22 * u, MUTED, x, label.bottom + 6 * u, int(inner))
    meaning = "The exposure at which you are right about 4 times in 5 (HYPE-time: shorter is sharper eyes)."
    if found.floor:
        meaning = "You reached 100 ms, the shortest exposure: your threshold is that or less."
    elif found.ceiling and found.ms is None:
        meaning = "Even at 1000 ms, the longest exposure, you could not tell them apart."
    elif found.ceiling:  # it turned earlier, then climbed to the top: the estimate is from the turns before
        meaning = "The staircase ended at 1000 ms, the longest exposure: your threshold may be longer than this."
    y = paint.paragraph(surface, meaning, 22 * u, MUTED, x, y + 4 * u, int(inner))
    return draw_staircase(paint, surface, game, pygame.Rect(x, y + 8 * u, inner, 70 * u), u)


def corrects_of(played) -> list[bool]:
    return [round_.is_right(answer) for round_, answer in zip(played.rounds, played.answers)]


def draw_staircase(paint: Painter, surface, game: Game, area: pygame.Rect, u: float) -> float:
    """Each digit's measured exposure on a log scale from 100 to 1,000 ms: blue when right, orange when wrong."""
    answers = game.played.answers
    if not answers or area.h < 20:
        return area.y
    bottom = area.bottom
    pygame.draw.rect(surface, PANEL_LIGHT, area, width=1)
    for label, at in (("1 s", area.y + 2 * u), ("0.1 s", area.bottom - 2 * u)):
        paint.text(
            surface,
            label,
            max(15, 18 * u),
            MUTED,
            (area.right - 4 * u, at),
            "topright" if label == "1 s" else "bottomright",
        )
    paint.text(
        surface,
        "each digit's exposure: blue right, orange wrong",
        max(15, 18 * u),
        MUTED,
        (area.x, area.bottom + 4 * u),
    )
    area = area.inflate(-int(70 * u), 0).move(-int(35 * u), 0)
    step = area.w / max(1, len(answers))
    for number, (answer, right) in enumerate(zip(answers, corrects_of(game.played))):
        exposure = answer.shown_ms or answer.exposure_ms or 100
        height = math.log10(min(1000, max(100, exposure)) / 100)  # 0 at 100 ms, 1 at 1,000 ms
        centre = (int(area.x + (number + 0.5) * step), int(area.bottom - 4 * u - height * (area.h - 8 * u)))
        pygame.draw.circle(surface, RIGHT if right else WRONG, centre, max(2, int(min(step * 0.35, 5 * u))))
    return bottom + 28 * u


def draw_picks(paint: Painter, surface, game: Game, shown: SummaryLayout, y: float) -> float:
    """Pairs mode: wrong picks (each both a fake called real and a real called fake), and the side you favoured."""
    u, result, played = shown.u, game.score, game.played
    x, inner = shown.stats.x + 20 * u, shown.stats.w - 40 * u
    pairs = result.answered
    paint.text(surface, "Wrong picks", 30 * u, TEXT, (x, y))
    you = f"you {result.fakes_called_real}/{pairs}"
    judge = f"{game.judge} {result.d_fakes_called_real}/{pairs}"
    paint.text(surface, f"{you}   {judge}", 30 * u, TEXT, (x + inner, y), "topright")
    y += 38 * u
    lefts = sum(bool(answer.pick_left) for answer in played.answers)
    real_lefts = sum(pair.real_left for pair in played.rounds[:pairs])
    side = f"You picked the left one in {lefts} of {pairs} pairs; the real one was on the left in {real_lefts}."
    y = paint.paragraph(surface, side, 24 * u, MUTED, x, y, int(inner))
    meaning = "HYPE here is your share of wrong picks; 50% means you could not tell which was real."
    label = paint.hype_label(surface, 30 * u, TEXT, (x, y + 6 * u))
    paint.text(surface, percent(result.hype_infinity), 30 * u, TEXT, (x + inner, y + 6 * u), "topright")
    return paint.paragraph(surface, meaning, 22 * u, MUTED, x, label.bottom + 6 * u, int(inner))


def draw_drawings(paint: Painter, surface, game: Game, shown: SummaryLayout, y: float) -> float:
    """A drawing session: how many fooled D, the best, and where they were kept."""
    u, played = shown.u, game.played
    x, inner = shown.stats.x + 20 * u, shown.stats.w - 40 * u
    judged = [drawing for drawing in played.rounds if drawing.d_prob_real is not None]
    if judged:
        best = max(judged, key=lambda drawing: drawing.d_prob_real)
        line = f"Your best: D was {percent_real(best.d_prob_real)} sure it was real."
        y = paint.paragraph(surface, line, 28 * u, TEXT, x, y, int(inner))
    kept = [drawing.kept for drawing in played.rounds if drawing.kept]
    if kept:
        kept_as = (
            "The one that fooled D is kept as a PNG"
            if len(kept) == 1
            else f"The {len(kept)} that fooled D are kept as PNGs"
        )
        where = f"{kept_as} in the drawings folder beside your history."
        y = paint.paragraph(surface, where, 22 * u, MUTED, x, y + 6 * u, int(inner))
    return y


def draw_time(paint: Painter, surface, game: Game, shown: SummaryLayout, y: float) -> float:
    seconds = game.score.median_seconds
    if seconds is None:
        return y
    u = shown.u
    each = {"draw": "drawing", "pairs": "pair"}.get(game.played.game, "digit")
    took = f"You took {seconds:.1f} s per {each} (median)."
    return paint.paragraph(surface, took, 26 * u, TEXT, shown.stats.x + 20 * u, y + 8 * u, int(shown.stats.w - 40 * u))


def draw_best(paint: Painter, surface, game: Game, shown: SummaryLayout, y: float) -> None:
    u, stats, played = shown.u, shown.stats, game.played
    x, inner = stats.x + 20 * u, stats.w - 40 * u
    y = max(y + 8 * u, stats.bottom - 46 * u)
    rounds, previous, mode = played.n_rounds, game.previous_best, "measurement" if played.measurement else "practice"
    units = "pair" if played.game == "pairs" else "digit"
    mode = f"glimpse {mode}" if played.game == "glimpse" else mode
    best = f"{-previous} ms" if played.game == "glimpse" and previous is not None else f"{previous}/{rounds}"
    if game.reopened:
        state = "finished" if played.finished else f"left after {len(played.answers)} of {rounds}"
        paint.fit_text(surface, f"Played {when(played.time)}, {state}.", 28 * u, TEXT, (x, y), inner)
    elif game.best_value is None:
        return  # nothing to compare: a drawing session, or a glimpse threshold with no interval (0 or 1 reversal)
    elif game.is_personal_best:
        paint.tick(surface, (x + 14 * u, y + 12 * u), 26 * u, RIGHT)
        message = f"New personal best! (was {best})"
        paint.fit_text(surface, message, 30 * u, RIGHT, (x + 38 * u, y), inner - 38 * u)
    elif previous is None:
        message = f"Your first {rounds}-{units} {mode} game against {played.opponent_title}."
        paint.fit_text(surface, message, 28 * u, TEXT, (x, y), inner)
    elif game.best_value == previous:
        paint.fit_text(surface, f"Equal to your best, {best}", 30 * u, TEXT, (x, y), inner)
    else:
        paint.fit_text(surface, f"Your best here is still {best}", 30 * u, TEXT, (x, y), inner)


def draw_review(paint: Painter, surface, game: Game, shown: SummaryLayout, mouse) -> None:
    u, played = shown.u, game.played
    groups = review_groups(played)
    for number, ((name, count, rect), (_, what, _)) in enumerate(zip(shown.headings, groups)):
        label = paint.text(surface, f"{count} {name}", 28 * u, TEXT, (rect.x, rect.centery), "midleft")
        what = paint.text(surface, what, 22 * u, MUTED, (label.right + 10 * u, rect.centery + 1 * u), "midleft")
        room = rect.right - what.right - 20 * u
        if number == 0 and room > 120 * u:
            under = {"draw": "D's p(real)", "pairs": f"your pick, {game.judge}'s"}.get(
                played.game, f"you, {game.judge}"
            )
            # The click hint goes first where the line is short of room: the marks' key is what reading needs.
            marks = [f"under each: {under}; click to enlarge", f"under each: {under}", under]
            paint.fit_first(surface, marks, 22 * u, MUTED, (rect.right, rect.centery + 1 * u), room, "midright")
    for image_rect, pictures, round_, answer in zip(shown.images, shown.pictures, played.rounds, played.answers):
        hovered = image_rect.collidepoint(mouse)
        pygame.draw.rect(surface, TEXT if hovered else OUTLINE, image_rect.inflate(4, 4), width=2)
        for picture, digit in zip(pictures, (round_.left, round_.right) if played.game == "pairs" else (round_,)):
            if digit.image is not None:
                surface.blit(paint.digit(digit.image, picture.w), picture)
            else:
                pygame.draw.rect(surface, PANEL, picture)
                paint.text(surface, "?", picture.h * 0.6, MUTED, picture.center, "center")
            if played.game == "pairs" and digit.is_real:  # the real one of the pair, framed in blue
                pygame.draw.rect(surface, RIGHT, picture.inflate(2, 2), width=2)
        if played.game == "draw":
            figure = "no answer" if round_.d_prob_real is None else f"{percent_real(round_.d_prob_real)} real"
            at = (image_rect.centerx, image_rect.bottom + shown.tile * 0.08)
            paint.fit_text(
                surface, figure, shown.tile * 0.18, RIGHT if round_.fooled else MUTED, at, shown.tile, "midtop"
            )
            continue
        marks = (("you", round_.is_right(answer)), (game.judge, round_.d_correct))
        draw_tile_marks(paint, surface, image_rect, shown.tile, marks)
    at = (shown.grid.x, shown.grid.bottom)
    if game.images_problem:
        paint.fit_text(surface, game.images_problem, 20 * u, WRONG, at, shown.grid.w, "bottomleft")
    elif game.wanted_images is not None:  # a reopened game's digits on their way: say why the boxes are empty
        waiting = ["redrawing the digits..."]
        if game.wanted_images.detector:  # seconds, not a blink: its heat maps need the detector trained again
            waiting.insert(0, "redrawing the digits: the detector is trained again for its heat maps, a few seconds")
        paint.fit_first(surface, waiting, 20 * u, MUTED, at, shown.grid.w, "bottomleft")


def draw_tile_marks(paint: Painter, surface, image_rect: pygame.Rect, tile: float, marks) -> None:
    """Under a review digit, your mark on the left half and the judge's on the right, labelled when there is room."""
    labelled = tile * 0.16 >= 14  # room for the words "you" and "D" (or "det") beside the marks
    icon, font_size = tile * (0.2 if labelled else 0.26), tile * 0.16
    center_y = image_rect.bottom + tile * 0.2
    # Each mark centred in its half of the tile; under a pair, side by side at its middle, so that they read as
    # your pick and the judge's, not as one verdict under each digit.
    offset = icon * 0.75 if image_rect.w > image_rect.h * 1.5 and not labelled else tile / 4
    for side, (name, correct) in zip((-1, 1), marks):
        center_x = image_rect.centerx + side * offset
        if not labelled:
            paint.mark(surface, correct, (center_x, center_y), icon)
            continue
        name = "det" if name == "Detector" else name  # short under a tile, and never "D": that is the GAN's own
        label_width = paint.font(font_size).size(name)[0]
        left = center_x - (label_width + icon * 1.3) / 2
        paint.text(surface, name, font_size, MUTED, (left, center_y), "midleft")
        paint.mark(surface, correct, (left + label_width + icon * 0.3 + icon / 2, center_y), icon)


def draw_buttons(paint: Painter, surface, game: Game, shown: SummaryLayout, mouse) -> None:
    again, back, u = shown.again, shown.back, shown.u
    if game.reopened:
        paint.button(surface, back, "Records", "Esc", back.collidepoint(mouse), label_size=back.h * 0.46)
    else:
        paint.button(surface, again, "Play again", "Enter", again.collidepoint(mouse), label_size=again.h * 0.46)
        paint.button(surface, back, "Title", "Esc", back.collidepoint(mouse), label_size=back.h * 0.46)
    if game.save_notice and not game.reopened:
        width, height = surface.get_size()
        at = (12 * u, again.y - 6 * u)
        paint.fit_text(surface, game.save_notice, 22 * u, WRONG, at, width - 24 * u, "bottomleft")
