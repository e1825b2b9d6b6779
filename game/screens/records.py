"""The Records screen: every past game, newest first (any one reopens as its summary), and per generator
your HYPE and error split over all finished measurement games, with 95% intervals (bootstrap over games);
beside them, per generator, your glimpse threshold and your pairs HYPE, when you have played those."""

from dataclasses import dataclass
from typing import NamedTuple

import pygame

from game.events import Action, SelectRecord
from game.rounds import DIFFICULTIES, judge_title, opponent_title
from game.screens.summary import when
from game.screens.widgets import MUTED, OUTLINE, PANEL_LIGHT, SELECTED, TEXT, WRONG, Painter, counted, percent, unit
from game.state import Game


class RecordRow(NamedTuple):
    index: int  # into game.records (oldest first)
    rect: pygame.Rect


@dataclass(frozen=True)
class RecordsLayout:
    u: float
    games: pygame.Rect  # the list of past games
    opponents: pygame.Rect  # the per-generator figures
    rows: list[RecordRow]  # the games that fit, scrolled so the highlighted one shows
    back: pygame.Rect


def layout(game: Game, size) -> RecordsLayout:
    width, height = size
    u = unit(size)
    margin, top = int(30 * u), int(height * 0.17)
    games = pygame.Rect(margin, top, int(width * 0.55), int(height * 0.83) - top)
    opponents = pygame.Rect(games.right + int(20 * u), top, width - margin - games.right - int(20 * u), games.h)
    row_height = max(22, int(40 * u))
    list_top = games.y + int(12 * u)
    visible = max(1, (games.bottom - list_top - int(8 * u)) // row_height)
    newest = len(game.records) - 1
    position = newest - game.record_cursor  # the list shows the newest game first
    first = min(max(0, position - visible + 1), max(0, len(game.records) - visible))
    rows = [
        RecordRow(
            newest - shown,
            pygame.Rect(
                games.x + int(8 * u), list_top + (shown - first) * row_height, games.w - int(16 * u), row_height - 2
            ),
        )
        for shown in range(first, min(len(game.records), first + visible))
    ]
    back = pygame.Rect(0, 0, int(240 * u), max(30, int(50 * u)))
    back.midbottom = (width // 2, height - int(12 * u))
    return RecordsLayout(u, games, opponents, rows, back)


def targets(game: Game, size) -> list[tuple[pygame.Rect, object]]:
    shown = layout(game, size)
    return [(row.rect, SelectRecord(row.index)) for row in shown.rows] + [(shown.back, Action.BACK)]


# ----------------------------------------------------------------------------- drawing


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    shown = layout(game, surface.get_size())
    width, u = surface.get_width(), shown.u
    paint.text(surface, "Records", 56 * u, TEXT, (width // 2, 14 * u), "midtop")
    how = "Your past games, newest first: Up / Down and Enter, or a click, reopens one as its summary."
    paint.fit_text(surface, how, 24 * u, MUTED, (width // 2, 72 * u), width - 40 * u, "midtop")
    draw_games(paint, surface, game, shown, mouse)
    draw_opponents(paint, surface, game, shown)
    if game.record_problem:
        at = (shown.games.x, shown.back.y - 6 * u)
        paint.fit_text(surface, game.record_problem, 22 * u, WRONG, at, shown.games.w, "bottomleft")
    paint.button(surface, shown.back, "Title", "Esc", shown.back.collidepoint(mouse), label_size=shown.back.h * 0.46)


def draw_games(paint: Painter, surface, game: Game, shown: RecordsLayout, mouse) -> None:
    u = shown.u
    paint.panel(surface, shown.games, radius=int(12 * u))
    inside = (shown.games.x + 20 * u, shown.games.y + 20 * u)
    if not game.records_loaded:
        paint.text(surface, "Reading your records...", 28 * u, MUTED, inside)
    elif not game.records:
        paint.text(surface, "No games yet: every game you finish or leave is kept here.", 26 * u, MUTED, inside)
    for row in shown.rows:
        draw_game_row(paint, surface, game, row, row.rect.collidepoint(mouse), u)


def draw_game_row(paint: Painter, surface, game: Game, row: RecordRow, hovered: bool, u: float) -> None:
    summary, rect = game.records[row.index], row.rect
    chosen = row.index == game.record_cursor
    if chosen or hovered:
        paint.panel(surface, rect, PANEL_LIGHT, SELECTED if chosen else OUTLINE, radius=int(6 * u))
    size, y = rect.h * 0.55, rect.centery
    columns = [0.02, 0.25, 0.45, 0.72]  # date, generator, mode, scores (shares of the row's width)
    x = [rect.x + rect.w * share for share in columns]
    paint.fit_text(surface, when(summary.time, short=True), size, MUTED, (x[0], y), x[1] - x[0] - 6, "midleft")
    paint.fit_text(surface, opponent_title(summary.opponent_name), size, TEXT, (x[1], y), x[2] - x[1] - 6, "midleft")
    # Each column's words, longest first: a narrow window gets a shorter form rather than a cut one.
    left = "" if summary.finished else f", left {summary.answered}/{summary.n_rounds}"
    modes = ["measurement", "meas."] if summary.measurement else ["practice", "prac."]
    if summary.game == "draw":
        modes = ["Draw for D" + left]
    else:
        way = f"{summary.game}, " if summary.game in ("glimpse", "pairs") else ""
        modes = [f"{way}{mode}{left}" for mode in modes]
    paint.fit_first(surface, modes, size, MUTED, (x[2], y), x[3] - x[2] - 6, "midleft")
    you, judged = f"{summary.player_correct}/{summary.answered}", f"{summary.d_correct}/{summary.answered}"
    judges = [judge_title(summary.judge), "det" if summary.judge == "critic" else "D"]
    scores = [f"you {you} · {judge} {judged}" for judge in judges]
    if summary.game == "draw":
        scores = [f"{summary.player_correct} of {summary.answered} fooled D"]
    elif summary.game == "glimpse":
        threshold = "no threshold" if summary.threshold_ms is None else f"{summary.threshold_ms:.0f} ms"
        scores = [f"{threshold} · you {you}", threshold]
    paint.fit_first(surface, scores, size, TEXT, (rect.right - 8 * u, y), rect.right - x[3] - 8 * u, "midright")


def draw_opponents(paint: Painter, surface, game: Game, shown: RecordsLayout) -> None:
    """Per generator: games, HYPE with its interval, and the two errors, over finished measurement games."""
    box, u = shown.opponents, shown.u
    paint.panel(surface, box, radius=int(12 * u))
    x, width = box.x + 18 * u, box.w - 36 * u
    paint.text(surface, "Your HYPE per generator", 32 * u, TEXT, (x, box.y + 14 * u))
    note = "finished measurement games; [95% interval, games resampled]"
    y = paint.paragraph(surface, note, 20 * u, MUTED, x, box.y + 50 * u, int(width))
    if not (game.stats or game.pairs_stats or game.glimpse_stats):
        none_yet = "No finished measurement game yet: choose Measurement (M) on the title, and play one to the end."
        paint.paragraph(surface, none_yet, 24 * u, MUTED, x, y + 10 * u, int(width), bottom=box.bottom)
        return
    names = [stats.opponent_name for stats in game.stats]
    for stats in sorted(game.stats, key=listing_order):
        if y + 80 * u > box.bottom:
            break
        twice = names.count(stats.opponent_name) > 1  # two weights under one name: tell them apart
        y = draw_opponent_stats(paint, surface, stats, twice, x, y + 10 * u, width, u)
    for stats, way, figure in other_ways(game):
        if y + 30 * u > box.bottom:
            break
        name = f"{opponent_title(stats.opponent_name)}, {way}"
        labels = [f"{name} ({counted(stats.games, 'game')})", name]  # the count goes first where room is short
        y = draw_figure_line(paint, surface, labels, figure, x, y + 8 * u, width, u)


def other_ways(game: Game):
    """(statistics, way to play, its figure as text) for the glimpse and pairs games, each way in listing order."""
    for stats in sorted(game.glimpse_stats, key=listing_order):
        estimate = stats.threshold_ms
        yield stats, "glimpse", f"{estimate.value:.0f} ms  {estimate.interval(lambda ms: f'{ms:.0f}')}"
    for stats in sorted(game.pairs_stats, key=listing_order):
        estimate = stats.hype_infinity
        yield stats, "pairs", f"HYPE {percent(estimate.value)}  {estimate.interval(percent)}"


def draw_figure_line(paint: Painter, surface, names: list[str], figure: str, x, y, width, u) -> float:
    """One opponent's figure of another way to play, on one line: its name on the left (the longest of `names`
    that fits), the figure on the right."""
    right = paint.text(surface, figure, 22 * u, SELECTED, (x + width, y), "topright")
    paint.fit_first(surface, names, 22 * u, TEXT, (x, y), right.x - x - 8 * u)
    return y + 24 * u


def listing_order(stats) -> tuple:
    """The shipped generators first, easy to hard, as the title lists them; then the player's own by name."""
    shipped = stats.opponent_name in DIFFICULTIES
    return (not shipped, DIFFICULTIES.index(stats.opponent_name) if shipped else 0, stats.opponent_name)


def draw_opponent_stats(
    paint: Painter, surface, stats, twice: bool, x: float, y: float, width: float, u: float
) -> float:
    games = f"{counted(stats.games, 'game')}, {counted(stats.digits, 'digit')}"
    name = opponent_title(stats.opponent_name) + (f" {stats.checkpoint_sha256[:8]}" if twice else "")
    paint.fit_text(surface, f"{name}  ({games})", 26 * u, TEXT, (x, y), width)
    y += 28 * u
    for label, estimate in (
        ("HYPE", stats.hype_infinity),
        ("fakes called real", stats.fake_error),
        ("reals called fake", stats.real_error),
    ):
        figure = f"{percent(estimate.value)}  {estimate.interval(percent)}"
        paint.text(surface, label, 22 * u, MUTED, (x + 12 * u, y))
        paint.text(surface, figure, 22 * u, SELECTED if label == "HYPE" else TEXT, (x + width, y), "topright")
        y += 22 * u
    return y + 4 * u
