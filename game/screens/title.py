"""The title screen: pick the opponent, the number of rounds and the mode, then play."""

from dataclasses import dataclass
from typing import NamedTuple

import pygame

from game.events import Action, SelectOpponent, SelectRounds
from game.screens.widgets import BACKGROUND, MUTED, OUTLINE, PANEL_LIGHT, RIGHT, SELECTED, TEXT, WRONG, Painter, unit
from game.state import Game


class OpponentRow(NamedTuple):
    index: int  # into game.opponents
    rect: pygame.Rect


class RoundsButton(NamedTuple):
    rounds: int
    rect: pygame.Rect


@dataclass(frozen=True)
class TitleLayout:
    u: float  # the size unit
    left: pygame.Rect  # the opponents panel
    right: pygame.Rect  # the rounds and mode panel
    rows: list[OpponentRow]  # the opponents that fit, scrolled so the chosen one shows
    rounds: list[RoundsButton]
    mode: pygame.Rect
    start: pygame.Rect
    hidden: int  # opponents scrolled out of view
    pad: int  # inner margin of both panels


def layout(game: Game, size) -> TitleLayout:
    width, height = size
    u = unit(size)
    margin, gap = int(40 * u), int(24 * u)
    top, bottom = int(height * 0.25), int(height * 0.80)
    left = pygame.Rect(margin, top, int(width * 0.52) - margin, bottom - top)
    right = pygame.Rect(left.right + gap, top, width - margin - left.right - gap, bottom - top)
    pad = int(18 * u)
    rows = opponent_rows(game, left, u)
    return TitleLayout(
        u=u,
        left=left,
        right=right,
        rows=rows,
        rounds=rounds_buttons(game, right, pad, u),
        mode=pygame.Rect(right.x + pad, right.y + int(208 * u), right.w - 2 * pad, int(70 * u)),
        start=start_button(size, bottom, u),
        hidden=len(game.opponents) - len(rows),
        pad=pad,
    )


def opponent_rows(game: Game, panel: pygame.Rect, u: float) -> list[OpponentRow]:
    row_height = max(30, int(62 * u))
    list_top = panel.y + int(58 * u)
    visible = max(1, (panel.bottom - list_top - int(40 * u)) // row_height)
    first = min(max(0, game.selected - visible + 1), max(0, len(game.opponents) - visible))
    shown = range(first, min(len(game.opponents), first + visible))
    return [
        OpponentRow(
            index,
            pygame.Rect(
                panel.x + int(14 * u), list_top + position * row_height, panel.w - int(28 * u), row_height - int(6 * u)
            ),
        )
        for position, index in enumerate(shown)
    ]


def rounds_buttons(game: Game, panel: pygame.Rect, pad: int, u: float) -> list[RoundsButton]:
    gap, choices = int(14 * u), game.round_choices
    button_width = (panel.w - 2 * pad - (len(choices) - 1) * gap) // len(choices)
    top = panel.y + int(58 * u)
    return [
        RoundsButton(choice, pygame.Rect(panel.x + pad + i * (button_width + gap), top, button_width, int(56 * u)))
        for i, choice in enumerate(choices)
    ]


def start_button(size, bottom: int, u: float) -> pygame.Rect:
    width, _ = size
    start = pygame.Rect(0, 0, int(min(width * 0.42, 520 * u)), int(72 * u))
    start.midtop = (width // 2, bottom + int(20 * u))
    return start


def targets(game: Game, size) -> list[tuple[pygame.Rect, object]]:
    shown = layout(game, size)
    found = [(row.rect, SelectOpponent(row.index)) for row in shown.rows]
    found += [(button.rect, SelectRounds(button.rounds)) for button in shown.rounds]
    return found + [(shown.mode, Action.TOGGLE_MEASUREMENT), (shown.start, Action.START)]


# ----------------------------------------------------------------------------- drawing


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    shown = layout(game, surface.get_size())
    draw_heading(paint, surface)
    draw_opponents(paint, surface, game, shown, mouse)
    draw_rounds(paint, surface, game, shown, mouse)
    draw_mode(paint, surface, game, shown, mouse)
    draw_start(paint, surface, game, shown, mouse)
    draw_notices(paint, surface, game, shown)


def draw_heading(paint: Painter, surface) -> None:
    width, height = surface.get_size()
    paint.text(surface, "Real or Fake?", height * 0.13, TEXT, (width // 2, height * 0.045), "midtop")
    subtitle = "Tell real handwritten digits from a GAN's fakes, and beat its own discriminator."
    paint.fit_text(surface, subtitle, height * 0.04, MUTED, (width // 2, height * 0.165), width * 0.92, "midtop")
    hints = "H  help      Q  quit      F11  fullscreen"
    paint.key_hint(surface, hints, 26 * unit((width, height)), 10 * unit((width, height)))


def draw_opponents(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    left, pad, u = shown.left, shown.pad, shown.u
    paint.panel(surface, left, radius=int(14 * u))
    paint.text(surface, "Opponent", 40 * u, TEXT, (left.x + pad, left.y + 16 * u))
    corner = "from --weights" if game.settings.fixed_checkpoint else "Up / Down" if len(game.opponents) > 1 else ""
    paint.text(surface, corner, 26 * u, MUTED, (left.right - pad, left.y + 22 * u), "topright")
    if not game.opponents:
        draw_no_opponents(paint, surface, shown)
    for row in shown.rows:
        draw_opponent_row(paint, surface, game, row, mouse, u)
    footer_at = (left.centerx, left.bottom - 12 * u)
    if shown.hidden > 0:
        rest = f"{len(game.opponents)} opponents: Up / Down to see the rest"
        paint.text(surface, rest, 24 * u, MUTED, footer_at, "midbottom")
    elif game.opponents and not game.settings.fixed_checkpoint and all(o.difficulty for o in game.opponents):
        own = "Your own show up here after   python train.py"
        paint.fit_text(surface, own, 24 * u, MUTED, footer_at, left.w - 2 * pad, "midbottom")


def draw_no_opponents(paint: Painter, surface, shown: TitleLayout) -> None:
    left, pad, u = shown.left, shown.pad, shown.u
    why = "No opponents yet: there is no game checkpoint in weights/."
    y = paint.paragraph(surface, why, 32 * u, TEXT, left.x + pad, left.y + 70 * u, left.w - 2 * pad)
    how = (
        "The shipped ones, weights/easy.pt, medium.pt and hard.pt, come with the "
        "repository. Or train your own with   python train.py   which saves "
        "weights/<run>.pt, and it shows up here."
    )
    paint.paragraph(surface, how, 28 * u, MUTED, left.x + pad, y + 14 * u, left.w - 2 * pad)


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


def draw_rounds(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    """The round counts, with the best score so far under each."""
    right, pad, u = shown.right, shown.pad, shown.u
    paint.panel(surface, right, radius=int(14 * u))
    paint.text(surface, "Rounds", 40 * u, TEXT, (right.x + pad, right.y + 16 * u))
    paint.text(surface, "Left / Right", 26 * u, MUTED, (right.right - pad, right.y + 22 * u), "topright")
    opponent = game.opponent
    for choice, rect in shown.rounds:
        chosen = choice == game.settings.rounds
        paint.button(surface, rect, str(choice), "", rect.collidepoint(mouse), chosen, rect.h * 0.62)
        best = game.best_for(opponent.name, choice) if opponent else None
        label = f"best {best}/{choice}" if best is not None else "no best yet"
        colour = TEXT if best is not None else MUTED
        paint.text(surface, label, 26 * u, colour, (rect.centerx, rect.bottom + 10 * u), "midtop")


def draw_mode(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    right, mode, pad, u = shown.right, shown.mode, shown.pad, shown.u
    paint.text(surface, "Mode", 40 * u, TEXT, (right.x + pad, mode.y - 46 * u))
    paint.text(surface, "M", 26 * u, MUTED, (right.right - pad, mode.y - 40 * u), "topright")
    if game.settings.measurement:
        label, hint = "Measurement", "no answers shown until the summary"
    else:
        label, hint = "Practice", "see the truth and D's guess after each digit"
    paint.button(surface, mode, label, hint, mode.collidepoint(mouse), game.settings.measurement, mode.h * 0.5)
    failure, opponent = game.failure, game.opponent
    if failure:
        y = mode.bottom + 18 * u
        for line in paint.wrap(f"{opponent.title} cannot be loaded: {failure}", 26 * u, right.w - 2 * pad)[:4]:
            paint.text(surface, line, 26 * u, WRONG, (right.x + pad, y))
            y += 24 * u
        return
    about = (
        "Half the digits are real MNIST handwriting, half are the generator's. "
        "Say R (real) or F (fake); the discriminator D answers too."
    )
    paint.paragraph(surface, about, 26 * u, MUTED, right.x + pad, mode.bottom + 20 * u, right.w - 2 * pad)


def draw_start(paint: Painter, surface, game: Game, shown: TitleLayout, mouse) -> None:
    start, u = shown.start, shown.u
    if game.wanted is None:
        paint.button(surface, start, "Nothing to play yet", "", False, False, start.h * 0.45)
        return
    paint.panel(surface, start, TEXT if start.collidepoint(mouse) else RIGHT, radius=int(12 * u))
    paint.text(surface, "Play", start.h * 0.6, BACKGROUND, (start.centerx - 40 * u, start.centery), "center")
    paint.text(surface, "Enter", start.h * 0.36, BACKGROUND, (start.centerx + 50 * u, start.centery + 2 * u), "center")
    if not game.ready:
        paint.text(surface, "getting ready...", 24 * u, MUTED, (start.right + 16 * u, start.centery), "midleft")


def draw_notices(paint: Painter, surface, game: Game, shown: TitleLayout) -> None:
    """One line between the subtitle and the panels; all of them went to stderr too."""
    if not game.notices:
        return
    width, u = surface.get_width(), shown.u
    more = f"   (+{len(game.notices) - 1} more, see the terminal)" if len(game.notices) > 1 else ""
    at = (width // 2, shown.left.y - 8 * u)
    paint.fit_text(surface, "! " + game.notices[0] + more, 24 * u, WRONG, at, width - 24 * u, "midbottom")
