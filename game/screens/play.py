"""The round screen (a digit, REAL and FAKE) and the reveal that replaces its buttons after an answer."""

from dataclasses import dataclass

import pygame

from game.events import Action
from game.screens.widgets import MUTED, OUTLINE, PANEL, PANEL_LIGHT, RIGHT, TEXT, WRONG, Painter, unit
from game.state import Game, Screen


@dataclass(frozen=True)
class PlayLayout:
    u: float  # the size unit
    digit: pygame.Rect  # the digit, a whole number of screen pixels per MNIST pixel
    real: pygame.Rect  # the REAL button; in the reveal, your answer's card
    fake: pygame.Rect  # the FAKE button; in the reveal, D's card
    small: pygame.Rect  # the digit at its actual 28x28 size
    next: pygame.Rect  # in the reveal, where a click goes on to the next digit


def layout(size) -> PlayLayout:
    width, height = size
    u = unit(size)
    side = int(min(height * 0.5, width * 0.5))
    side -= side % 28 if side >= 56 else 0  # whole screen pixels per MNIST pixel: every digit pixel the same size
    digit = pygame.Rect(0, 0, side, side)
    digit.midtop = (width // 2, int(height * 0.215))
    button_width = int(min(width * 0.34, 420 * u))
    button_height = int(max(height * 0.15, 44))
    gap = int(max(width * 0.04, 24 * u))
    real = pygame.Rect(0, 0, button_width, button_height)
    fake = pygame.Rect(0, 0, button_width, button_height)
    buttons_top = digit.bottom + int(height * 0.035)
    real.topright = (width // 2 - gap // 2, buttons_top)
    fake.topleft = (width // 2 + gap // 2, buttons_top)
    small = pygame.Rect(0, 0, 28, 28)
    small.midleft = (digit.right + int(56 * u), digit.centery)
    next_digit = pygame.Rect(real.left, real.top, fake.right - real.left, button_height)
    return PlayLayout(u=u, digit=digit, real=real, fake=fake, small=small, next=next_digit)


def targets(game: Game, size) -> list[tuple[pygame.Rect, object]]:
    shown = layout(size)
    if game.screen == Screen.REVEAL:
        return [(shown.next, Action.CONTINUE)]
    return [(shown.real, Action.REAL), (shown.fake, Action.FAKE)]


# ----------------------------------------------------------------------------- drawing


def draw(paint: Painter, surface, game: Game, mouse) -> None:
    if game.round is None:
        return
    shown = layout(surface.get_size())
    draw_top_bar(paint, surface, game, shown)
    draw_digit(paint, surface, game, shown)
    if game.screen == Screen.REVEAL:
        draw_verdict(paint, surface, game, shown)
        draw_cards(paint, surface, game, shown)
        paint.key_hint(surface, "Space  or  Enter  next digit      Esc  title", 28 * shown.u, 8 * shown.u, TEXT)
    else:
        draw_question(paint, surface, shown, mouse)


def draw_top_bar(paint: Painter, surface, game: Game, shown: PlayLayout) -> None:
    """Where we are, who we play, the running score, and the progress track."""
    width, height = surface.get_size()
    u, y = shown.u, int(height * 0.03)
    paint.text(surface, f"Round {game.current + 1} of {len(game.rounds)}", 44 * u, TEXT, (30 * u, y))
    if game.opponent:
        paint.text(surface, f"vs {game.opponent.title}", 34 * u, MUTED, (width // 2, y + 4 * u), "midtop")
    if game.show_running_score:
        played = game.score
        running = f"You {played.player_correct}/{played.answered} · D {played.d_correct}/{played.answered}"
        paint.text(surface, running, 44 * u, TEXT, (width - 30 * u, y), "topright")
    else:
        paint.text(surface, "measurement mode", 34 * u, MUTED, (width - 30 * u, y + 4 * u), "topright")
    track = pygame.Rect(int(30 * u), int(height * 0.1), width - int(60 * u), max(4, int(8 * u)))
    pygame.draw.rect(surface, PANEL, track, border_radius=track.h // 2)
    done = len(game.answers)
    if done:
        filled = pygame.Rect(track.x, track.y, int(track.w * done / len(game.rounds)), track.h)
        pygame.draw.rect(surface, TEXT, filled, border_radius=track.h // 2)


def draw_digit(paint: Painter, surface, game: Game, shown: PlayLayout) -> None:
    """The digit large, and beside it at its actual size when there is room."""
    paint.framed_digit(surface, game.round.image, shown.digit)
    small = shown.small
    if small.right + 40 * shown.u < surface.get_width():
        pygame.draw.rect(surface, OUTLINE, small.inflate(6, 6), width=2)
        surface.blit(paint.digit(game.round.image, 28), small)
        paint.text(surface, "actual size", 24 * shown.u, MUTED, (small.centerx, small.bottom + 10 * shown.u), "midtop")


def draw_question(paint: Painter, surface, shown: PlayLayout, mouse) -> None:
    u, digit = shown.u, shown.digit
    paint.text(surface, "Real or fake?", 40 * u, MUTED, (digit.centerx, digit.y - 12 * u), "midbottom")
    paint.button(surface, shown.real, "REAL", "R  or  Left arrow", shown.real.collidepoint(mouse))
    paint.button(surface, shown.fake, "FAKE", "F  or  Right arrow", shown.fake.collidepoint(mouse))
    paint.key_hint(surface, "Esc  title      H  help", 24 * u, 8 * u)


def draw_verdict(paint: Painter, surface, game: Game, shown: PlayLayout) -> None:
    """ "It was REAL" above the digit, with where the digit came from."""
    round_, u = game.round, shown.u
    truth = paint.font(52 * u).render(f"It was {'REAL' if round_.is_real else 'FAKE'}", True, TEXT)
    if round_.is_real:
        where = f"MNIST test digit #{round_.test_index}" + (f", a {round_.label}" if round_.label is not None else "")
    else:
        where = f"the generator's, from noise seed {round_.noise_seed}"
    detail = paint.font(28 * u).render(where, True, MUTED)
    gap = int(18 * u)
    left = surface.get_width() // 2 - (truth.get_width() + gap + detail.get_width()) // 2
    baseline = shown.digit.y - int(14 * u)
    surface.blit(truth, truth.get_rect(bottomleft=(left, baseline)))
    surface.blit(detail, detail.get_rect(bottomleft=(left + truth.get_width() + gap, baseline - 3 * u)))


def draw_cards(paint: Painter, surface, game: Game, shown: PlayLayout) -> None:
    """Your answer and D's, each outlined and marked right or wrong."""
    round_, answer = game.round, game.answer
    you_said = "You said " + ("REAL" if answer.answer_real else "FAKE")
    draw_card(paint, surface, shown.real, you_said, answer.answer_real == round_.is_real, shown.u)
    d_said = "D said " + ("REAL" if round_.d_says_real else "FAKE")
    draw_card(paint, surface, shown.fake, d_said, round_.d_correct, shown.u)
    draw_probability(paint, surface, shown.fake, round_.d_prob_real, shown.u)


def draw_card(paint: Painter, surface, rect: pygame.Rect, label: str, correct: bool, u: float) -> None:
    color = RIGHT if correct else WRONG
    paint.panel(surface, rect, PANEL, color, width=max(3, int(5 * u)))
    paint.mark(surface, correct, (rect.x + rect.h * 0.45, rect.y + rect.h * 0.42), int(rect.h * 0.42))
    text_x = rect.x + rect.h * 0.85
    paint.fit_text(surface, label, rect.h * 0.3, TEXT, (text_x, rect.y + rect.h * 0.14), rect.right - text_x - 10 * u)
    paint.text(surface, "RIGHT" if correct else "WRONG", rect.h * 0.3, color, (text_x, rect.y + rect.h * 0.44))


def draw_probability(paint: Painter, surface, rect: pygame.Rect, probability: float, u: float) -> None:
    """D's p(real) as a number and as a bar with the 50% line."""
    at = (rect.right - 14 * u, rect.y + rect.h * 0.47)
    paint.text(surface, f"p(real) {probability:.2f}", rect.h * 0.24, TEXT, at, "topright")
    bar = pygame.Rect(
        int(rect.x + rect.h * 0.2),
        int(rect.bottom - rect.h * 0.2),
        int(rect.w - rect.h * 0.4),
        max(4, int(rect.h * 0.07)),
    )
    pygame.draw.rect(surface, PANEL_LIGHT, bar)
    pygame.draw.rect(surface, MUTED, pygame.Rect(bar.x, bar.y, int(bar.w * probability), bar.h))
    pygame.draw.line(surface, TEXT, (bar.centerx, bar.y - 4), (bar.centerx, bar.bottom + 3), 2)
