"""The title screen: pick the generator, the way to play, the number of rounds, the mode and the judge, then play."""

from dataclasses import dataclass
from typing import NamedTuple

import pygame

from game.events import Action, SelectGame, SelectOpponent, SelectRounds
from game.rounds import GAME_TITLES, GAMES
from game.screens.widgets import (
    BACKGROUND,
    MUTED,
    OUTLINE,
    PANEL_LIGHT,
    RIGHT,
    SELECTED,
    TEXT,
    WRONG,
    Painter,
    unit,
)
from game.state import Game

SUBTITLE = "Tell real handwritten digits from a generator's fakes. {judge} judges too."
JUDGES = {False: "D, the discriminator trained beside it,", True: "A detector trained just now on its fakes"}
ABOUT = {
    "single": "Half the digits are real MNIST handwriting, half the generator's. Say R (real) or F (fake).",
    "glimpse": "Each digit shows for a moment, then a mask: real or fake? The exposure shortens as you get them "
    "right; your score is the exposure you need (HYPE-time).",
    "pairs": "A real digit and a fake side by side: pick the real one (Left / Right). D picks the one it finds "
    "likelier real.",
    "draw": "Draw a digit with the mouse. D says how sure it is that it is real, the classifier names it, and "
    "V shows where D looked. Drawings that fool D are kept as PNGs.",
}


class OpponentRow(NamedTuple):
    index: int  # into game.opponents
    rect: pygame.Rect


class RoundsButton(NamedTuple):
    rounds: int
    rect: pygame.Rect


TABS = {"single": "One", "glimpse": "Glimpse", "pairs": "Pairs", "draw": "Draw"}  # when the full names do not fit


class GameTab(NamedTuple):
    game: str  # one of GAMES
    rect: pygame.Rect


@dataclass(frozen=True)
class TitleLayout:
    u: float  # the size unit
    left: pygame.Rect  # the generators panel
    right: pygame.Rect  # the rounds, mode and judge panel
    rows: list[OpponentRow]  # the opponents that fit, scrolled so the chosen one shows
    games: list[GameTab]  # the ways to play
    rounds: list[RoundsButton]
    rounds_top: int  # the y of the Rounds heading
    mode: pygame.Rect
    judge: pygame.Rect
    start: pygame.Rect
    records: pygame.Rect
    card: pygame.Rect
    notices: pygame.Rect  # the warning line under the subtitle; a click shows them all
    hidden: int  # opponents scrolled out of view
    pad: int  # inner margin of both panels


def layout(game: Game, size) -> TitleLayout:
    width, height = size
    u = unit(size)
    margin, gap, pad = int(40 * u), int(24 * u), int(18 * u)
    top, bottom = int(height * 0.25), int(height * 0.80)
    left = pygame.Rect(margin, top, int(width * 0.52) - margin, bottom - top)
    right = pygame.Rect(left.right + gap, top, width - margin - left.right - gap, bottom - top)
    rows = opponent_rows(game, left, u)
    tab_gap = int(8 * u)
    tab_width = (right.w - 2 * pad - (len(GAMES) - 1) * tab_gap) // len(GAMES)
    tab_top, tab_height = right.y + int(14 * u), max(26, int(46 * u))
    games = [
        GameTab(name, pygame.Rect(right.x + pad + i * (tab_width + tab_gap), tab_top, tab_width, tab_height))
        for i, name in enumerate(GAMES)
    ]
    rounds_top = tab_top + tab_height + int(12 * u)
    row = max(26, int(52 * u))  # a two-state button: mode, judge
    mode = pygame.Rect(right.x + pad, rounds_top + int(124 * u), right.w - 2 * pad, row)
    judge = pygame.Rect(mode.x, mode.bottom + int(10 * u), mode.w, row)
    start = pygame.Rect(0, 0, int(min(width * 0.36, 460 * u)), max(34, int(72 * u)))
    start.midtop = (width // 2, bottom + int(18 * u))
    records = pygame.Rect(start.right + gap // 2, start.y, int(min(width * 0.13, 150 * u)), start.h)
    card = pygame.Rect(records.right + gap // 2, start.y, records.w, start.h)
    notices = pygame.Rect(margin, int(height * 0.205), width - 2 * margin, max(18, int(26 * u)))
    return TitleLayout(
        u=u,
        left=left,
        right=right,
        rows=rows,
        games=games,
        rounds=rounds_buttons(game, right, pad, u, rounds_top),
        rounds_top=rounds_top,
        mode=mode,
        judge=judge,
        start=start,
        records=records,
        card=card,
        notices=notices,
        hidden=listed(game) - len(rows),
        pad=pad,
    )


def listed(game: Game) -> int:
    """How many opponents the list holds: with --weights only the named one (first), which cannot be changed."""
    return min(1, len(game.opponents)) if game.settings.fixed_checkpoint else len(game.opponents)


def opponent_rows(game: Game, panel: pygame.Rect, u: float) -> list[OpponentRow]:
    row_height = max(30, int(62 * u))
    list_top = panel.y + int(58 * u)
    visible = max(1, (panel.bottom - list_top - max(20, int(40 * u))) // row_height)
    first = min(max(0, game.selected - visible + 1), max(0, listed(game) - visible))
    shown = range(first, min(listed(game), first + visible))
    left, width = panel.x + int(14 * u), panel.w - int(28 * u)
    return [
        OpponentRow(index, pygame.Rect(left, list_top + position * row_height, width, row_height - int(6 * u)))
        for position, index in enumerate(shown)
    ]


def rounds_buttons(game: Game, panel: pygame.Rect, pad: int, u: float, top: int) -> list[RoundsButton]:
    gap, choices = int(14 * u), game.round_choices
    button_width = (panel.w - 2 * pad - (len(choices) - 1) * gap) // len(choices)
    top += int(40 * u)
    return [
        RoundsButton(choice, pygame.Rect(panel.x + pad + i * (button_width + gap), top, button_width, int(46 * u)))
        for i, choice in enumerate(choices)
    ]


def targets(game: Game, size) -> list[tuple[pygame.Rect, object]]:
    shown = layout(game, size)
    found = [(row.rect, SelectOpponent(row.index)) for row in shown.rows]
    found += [(tab.rect, SelectGame(tab.game)) for tab in shown.games]
    if game.settings.game != "draw":  # drawing has no rounds, no measurement and one judge
        found += [(button.rect, SelectRounds(button.rounds)) for button in shown.rounds]
        found += [(shown.mode, Action.TOGGLE_MEASUREMENT), (shown.judge, Action.TOGGLE_DETECTOR)]
    found += [(shown.start, Action.START), (shown.records, Action.RECORDS), (shown.card, Action.CARD)]
    return found + ([(shown.notices, Action.NOTICES)] if game.notices else [])


# ----------------------------------------------------------------------------- drawing


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    shown = layout(game, surface.get_size())
    draw_heading(paint, surface, game, shown)
    draw_opponents(paint, surface, game, shown, mouse)
    draw_games(paint, surface, game, shown, mouse)
    if game.settings.game == "draw":
        draw_about(paint, surface, game, shown, shown.rounds_top)
    else:
        draw_rounds(paint, surface, game, shown, mouse)
        draw_mode_and_judge(paint, surface, game, shown, mouse)
    draw_start(paint, surface, game, shown, mouse)
    draw_notices(paint, surface, game, shown, mouse)


def draw_heading(paint: Painter, surface, game: Game, shown: TitleLayout) -> None:
    width, height = surface.get_size()
    u = shown.u
    paint.text(surface, "Real or Fake?", height * 0.13, TEXT, (width // 2, height * 0.035), "midtop")
    detector = game.settings.detector and game.settings.game != "draw"  # a drawing is always judged by D
    subtitle = SUBTITLE.format(judge=JUDGES[detector])
    paint.fit_text(surface, subtitle, height * 0.038, MUTED, (width // 2, height * 0.155), width * 0.94, "midtop")
    sound = "S  sound: off" if game.settings.muted else "S  sound: on"
    hints = f"H  help      G  way to play      C  card      R  records      {sound}      Q  quit      F11  fullscreen"
    paint.fit_text(surface, hints, 24 * u, MUTED, (width // 2, height - 8 * u), width - 20 * u, "midbottom")


def draw_opponents(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    left, pad, u = shown.left, shown.pad, shown.u
    paint.panel(surface, left, radius=int(14 * u))
    paint.text(surface, "Generator", 40 * u, TEXT, (left.x + pad, left.y + 16 * u))
    corner = "from --weights" if game.settings.fixed_checkpoint else "Up / Down" if listed(game) > 1 else ""
    paint.text(surface, corner, 24 * u, MUTED, (left.right - pad, left.y + 22 * u), "topright")
    if not game.opponents:
        draw_no_opponents(paint, surface, shown)
    for row in shown.rows:
        draw_opponent_row(paint, surface, game, row, mouse, u)
    footer_at = (left.centerx, left.bottom - 10 * u)
    opponent = game.opponent
    if shown.hidden > 0:
        footer = f"{listed(game)} generators: Up / Down to see the rest"
    elif opponent is not None and opponent.fid is not None:
        footer = f"{opponent.title}: quick FID {opponent.fid:.1f} (the trainer's check; lower is closer to real digits)"
    elif game.opponents and not game.settings.fixed_checkpoint and all(o.difficulty for o in game.opponents):
        footer = "Your own show up here after   python train.py"
    else:
        footer = ""
    paint.fit_text(surface, footer, 22 * u, MUTED, footer_at, left.w - 2 * pad, "midbottom")


def draw_no_opponents(paint: Painter, surface, shown: TitleLayout) -> None:
    left, pad, u = shown.left, shown.pad, shown.u
    why = "No generators yet: there is no game checkpoint in weights/."
    y = paint.paragraph(surface, why, 32 * u, TEXT, left.x + pad, left.y + 70 * u, left.w - 2 * pad)
    how = (
        "The shipped ones, weights/easy.pt, medium.pt and hard.pt, come with the "
        "repository. Or train your own with   python train.py   which saves "
        "weights/<run>.pt, and it shows up here."
    )
    paint.paragraph(surface, how, 28 * u, MUTED, left.x + pad, y + 14 * u, left.w - 2 * pad, bottom=left.bottom)


def draw_opponent_row(paint: Painter, surface, game: Game, row: OpponentRow, mouse, u: float) -> None:
    opponent, rect = game.opponents[row.index], row.rect
    chosen = row.index == game.selected
    if chosen or rect.collidepoint(mouse):
        paint.panel(surface, rect, PANEL_LIGHT, SELECTED if chosen else OUTLINE, radius=int(8 * u))
    if chosen:
        arrow = [
            (rect.x + 10 * u, rect.centery - 9 * u),
            (rect.x + 22 * u, rect.centery),
            (rect.x + 10 * u, rect.centery + 9 * u),
        ]
        pygame.draw.polygon(surface, SELECTED, arrow)
    name_at = (rect.x + 32 * u, rect.centery)
    paint.fit_text(surface, opponent.title, rect.h * 0.62, TEXT, name_at, rect.w * 0.45, "midleft")
    failed = opponent.path in game.failures
    details = "cannot be loaded" if failed else opponent.details
    details_at = (rect.right - 12 * u, rect.centery)
    paint.fit_text(surface, details, rect.h * 0.45, WRONG if failed else MUTED, details_at, rect.w * 0.5, "midright")


def draw_games(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    """The ways to play, as tabs across the top of the right panel."""
    paint.panel(surface, shown.right, radius=int(14 * shown.u))
    for name, rect in shown.games:
        chosen = name == game.settings.game
        label = GAME_TITLES[name] if paint.font(rect.h * 0.5).size(GAME_TITLES[name])[0] < rect.w * 0.9 else TABS[name]
        paint.button(surface, rect, label, "", rect.collidepoint(mouse), chosen, rect.h * 0.5)


def draw_about(paint: Painter, surface, game: Game, shown: TitleLayout, y: float) -> None:
    right, pad, u = shown.right, shown.pad, shown.u
    text = ABOUT[game.settings.game]
    paint.paragraph(surface, text, 24 * u, MUTED, right.x + pad, y, right.w - 2 * pad, bottom=right.bottom - 4 * u)


def draw_rounds(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    """The round counts, with the best score so far under each (of this mode: practice is not measurement)."""
    right, pad, u, top = shown.right, shown.pad, shown.u, shown.rounds_top
    heading = "Pairs" if game.settings.game == "pairs" else "Rounds"
    paint.text(surface, heading, 34 * u, TEXT, (right.x + pad, top))
    paint.text(surface, "Left / Right", 22 * u, MUTED, (right.right - pad, top + 6 * u), "topright")
    for choice, rect in shown.rounds:
        chosen = choice == game.settings.rounds
        paint.button(surface, rect, str(choice), "", rect.collidepoint(mouse), chosen, rect.h * 0.62)
        best = game.best_for(game.opponent_sha256, choice)
        if best is None:
            label = "no best yet"
        elif game.settings.game == "glimpse":
            label = f"best {-best} ms"
        else:
            label = f"best {best}/{choice}"
        colour = TEXT if best is not None else MUTED
        paint.fit_text(surface, label, 24 * u, colour, (rect.centerx, rect.bottom + 6 * u), rect.w, "midtop")


def draw_mode_and_judge(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    right, mode, judge, pad, u = shown.right, shown.mode, shown.judge, shown.pad, shown.u
    if game.settings.measurement:
        label, hint = "Mode: measurement", "M · no answers shown until the summary"
    else:
        label, hint = "Mode: practice", "M · see the truth and the judge's guess after each digit"
    paint.button(surface, mode, label, hint, mode.collidepoint(mouse), game.settings.measurement, mode.h * 0.46)
    if game.settings.detector:
        label, hint = "Judge: a fresh detector", "D · a critic trained now on these fakes, not the GAN's"
    else:
        label, hint = "Judge: D, the GAN's own", "D · the discriminator trained beside this generator"
    paint.button(surface, judge, label, hint, judge.collidepoint(mouse), game.settings.detector, judge.h * 0.46)
    y, width = judge.bottom + 12 * u, right.w - 2 * pad
    failure, opponent = game.failure, game.opponent
    if failure:
        message = f"{opponent.title} cannot be loaded: {failure}"
        paint.paragraph(surface, message, 22 * u, WRONG, right.x + pad, y, width, bottom=right.bottom - 4 * u)
    else:
        text = ABOUT[game.settings.game]
        paint.paragraph(surface, text, 22 * u, MUTED, right.x + pad, y, width, bottom=right.bottom - 4 * u)


def draw_start(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    start, records, card, u = shown.start, shown.records, shown.card, shown.u
    paint.button(surface, records, "Records", "R", records.collidepoint(mouse), label_size=records.h * 0.42)
    paint.button(surface, card, "Card", "C", card.collidepoint(mouse), label_size=card.h * 0.42)
    if not game.can_start:
        paint.button(surface, start, "Nothing to play yet", "", False, False, start.h * 0.45)
        return
    paint.panel(surface, start, TEXT if start.collidepoint(mouse) else RIGHT, radius=int(12 * u))
    word = "Draw" if game.settings.game == "draw" else "Play"
    paint.text(surface, word, start.h * 0.6, BACKGROUND, (start.centerx - 36 * u, start.centery), "center")
    paint.text(surface, "Enter", start.h * 0.34, BACKGROUND, (start.centerx + 50 * u, start.centery + 2 * u), "center")
    if not game.ready:
        waiting = "training the detector..." if game.settings.detector else "getting ready..."
        paint.text(surface, waiting, 22 * u, MUTED, (start.x - 14 * u, start.centery), "midright")


def draw_notices(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    """The first warning in full width; a click (or W) shows every one."""
    if not game.notices:
        return
    line, u = shown.notices, shown.u
    more = f"   (+{len(game.notices) - 1} more: W or click to read)" if len(game.notices) > 1 else ""
    room = line.w
    if more:
        colour = TEXT if line.collidepoint(mouse) else WRONG
        room -= paint.text(surface, more, 22 * u, colour, (line.right, line.centery), "midright").w
    message = "! " + game.notices[0]
    paint.fit_text(surface, message, 22 * u, WRONG, (line.x + room // 2, line.centery), room, "center")
