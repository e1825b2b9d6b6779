"""The round screen (a digit, REAL and FAKE) and the reveal that replaces its buttons after an answer.

The reveal's "next" button sits below where REAL and FAKE were, so the second
click of a double-click on an answer lands on an answer card, which does
nothing, rather than skipping the reveal. In glimpse mode the digit gives way
to a noise mask once its exposure is over; V on the reveal shows where the
judge looked, beside the digit.
"""

from dataclasses import dataclass

import numpy as np
import pygame

from game.events import Action
from game.screens.dview import draw_heat, hint
from game.screens.widgets import MUTED, OUTLINE, PANEL, PANEL_LIGHT, RIGHT, TEXT, WRONG, Painter, percent_real, unit
from game.state import FLASH_SECONDS, Game, Screen

_masks: dict[int, np.ndarray] = {}


def mask(seed: int) -> np.ndarray:
    """Glimpse's noise mask: (28, 28) uint8 of 2x2 blocks of random grey, the same for the same digit."""
    if seed not in _masks:
        if len(_masks) > 64:
            _masks.clear()
        blocks = np.random.default_rng(seed).integers(0, 256, (14, 14), dtype=np.uint8)
        _masks[seed] = np.ascontiguousarray(blocks.repeat(2, axis=0).repeat(2, axis=1))
    return _masks[seed]


@dataclass(frozen=True)
class PlayLayout:
    u: float  # the size unit
    digit: pygame.Rect  # the digit, a whole number of screen pixels per MNIST pixel
    real: pygame.Rect  # the REAL button; in the reveal, your answer's card
    fake: pygame.Rect  # the FAKE button; in the reveal, the judge's card
    small: pygame.Rect  # the digit at its actual 28x28 size
    next: pygame.Rect  # in the reveal, the button that goes on to the next digit (or the results)


def layout(size) -> PlayLayout:
    width, height = size
    u = unit(size)
    side = int(min(height * 0.48, width * 0.5))
    side -= side % 28 if side >= 56 else 0  # whole screen pixels per MNIST pixel: every digit pixel the same size
    digit = pygame.Rect(0, 0, side, side)
    digit.midtop = (width // 2, int(height * 0.2))
    button_width = int(min(width * 0.34, 420 * u))
    button_height = int(max(height * 0.14, 44))
    gap = int(max(width * 0.04, 24 * u))
    real = pygame.Rect(0, 0, button_width, button_height)
    fake = pygame.Rect(0, 0, button_width, button_height)
    buttons_top = digit.bottom + int(height * 0.03)
    real.topright = (width // 2 - gap // 2, buttons_top)
    fake.topleft = (width // 2 + gap // 2, buttons_top)
    small = pygame.Rect(0, 0, 28, 28)
    small.midleft = (digit.right + int(56 * u), digit.centery)
    next_digit = pygame.Rect(0, 0, int(min(width * 0.4, 380 * u)), max(30, min(int(60 * u), height - real.bottom - 16)))
    next_digit.midbottom = (width // 2, height - int(8 * u))
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
        draw_flash(surface, game, shown)
        draw_verdict(paint, surface, game, shown)
        draw_cards(paint, surface, game, shown)
        last = game.current + 1 == len(game.rounds)
        label, key = ("See the results", "Space or Enter") if last else ("Next digit", "Space or Enter")
        paint.button(surface, shown.next, label, key, shown.next.collidepoint(mouse), label_size=shown.next.h * 0.46)
    else:
        draw_question(paint, surface, shown, mouse)
    draw_corner_keys(paint, surface, game, shown.next, shown.u, game.screen == Screen.REVEAL)


def draw_corner_keys(paint: Painter, surface, game: Game, next_button: pygame.Rect, u: float, revealing: bool) -> None:
    """Esc and H in the bottom-left corner, and on a reveal V: shorter when the Next button leaves less room."""
    corner = (12 * u, surface.get_height() - 8 * u)
    choices = ["Esc  leave     H  help"]
    if revealing:
        choices = [f"Esc  leave     H  help     {hint(game.judge, game.d_view)}", "Esc  leave   H  help   V  heat map"]
    room = next_button.x - corner[0] - 8 * u
    keys = next((keys for keys in choices if paint.font(22 * u).size(keys)[0] <= room), choices[-1])
    paint.text(surface, keys, 22 * u, MUTED, corner, "bottomleft")


def draw_top_bar(paint: Painter, surface, game: Game, shown: PlayLayout) -> None:
    """Where we are, who we play, the running score, and the progress track."""
    width, height = surface.get_size()
    u, y = shown.u, int(height * 0.03)
    paint.text(surface, f"Round {game.current + 1} of {len(game.rounds)}", 44 * u, TEXT, (30 * u, y))
    if game.opponent:
        against = f"vs {game.opponent.title}"
        if game.rules.game == "glimpse":  # the staircase's exposure for this digit
            against += f" · glimpse {game.rules.exposure_ms} ms"
        paint.text(surface, against, 34 * u, MUTED, (width // 2, y + 4 * u), "midtop")
    if game.show_running_score:
        played = game.score
        running = f"You {played.player_correct}/{played.answered} · {game.judge} {played.d_correct}/{played.answered}"
        paint.text(surface, running, 40 * u, TEXT, (width - 30 * u, y), "topright")
    else:
        paint.text(surface, "measurement mode", 34 * u, MUTED, (width - 30 * u, y + 4 * u), "topright")

    track = pygame.Rect(int(30 * u), int(height * 0.1), width - int(60 * u), max(4, int(8 * u)))
    pygame.draw.rect(surface, PANEL, track, border_radius=track.h // 2)
    done = len(game.answers)
    if done:
        filled = pygame.Rect(track.x, track.y, int(track.w * done / len(game.rounds)), track.h)
        pygame.draw.rect(surface, TEXT, filled, border_radius=track.h // 2)


def draw_digit(paint: Painter, surface, game: Game, shown: PlayLayout) -> None:
    """The digit large (or glimpse's mask over it), and beside it at its actual size or where the judge looked."""
    if game.screen == Screen.ROUND and game.masked:
        paint.framed_digit(surface, mask(game.round.source), shown.digit)
        return
    paint.framed_digit(surface, game.round.image, shown.digit)
    small = shown.small
    if game.d_view_shown:  # three quarters of the digit's size, with room above for its title, below for a line
        u = shown.u
        x = shown.digit.right + int(24 * u)
        side = int(min(shown.digit.w * 0.75, surface.get_width() - x - 10 * u))
        side -= side % 28 if side >= 28 else 0
        heat = pygame.Rect(x, shown.digit.y + int(30 * u), side, side)
        draw_heat(paint, surface, game.round.saliency, heat, game.judge, u)
    elif game.screen == Screen.ROUND and game.rules.game == "glimpse":
        pass  # no second copy to look at once the mask is up
    elif small.right + 40 * shown.u < surface.get_width():
        pygame.draw.rect(surface, OUTLINE, small.inflate(6, 6), width=2)
        surface.blit(paint.digit(game.round.image, 28), small)
        paint.text(surface, "actual size", 22 * shown.u, MUTED, (small.centerx, small.bottom + 10 * shown.u), "midtop")


def draw_flash(surface, game: Game, shown: PlayLayout) -> None:
    """Blue or orange around the digit for a moment after the answer: the feel of right and wrong."""
    draw_flash_around(surface, game, shown.digit, game.round.is_right(game.answer), shown.u)


def draw_flash_around(surface, game: Game, rect: pygame.Rect, right: bool, u: float) -> None:
    left = 1.0 - game.screen_seconds / FLASH_SECONDS
    if left <= 0:
        return
    thickness = max(3, int(14 * u * left))
    pygame.draw.rect(surface, RIGHT if right else WRONG, rect.inflate(2 * thickness + 6, 2 * thickness + 6), thickness)


def draw_question(paint: Painter, surface, shown: PlayLayout, mouse) -> None:
    u, digit = shown.u, shown.digit
    paint.text(surface, "Real or fake?", 40 * u, MUTED, (digit.centerx, digit.y - 12 * u), "midbottom")
    paint.button(surface, shown.real, "REAL", "R  or  Left arrow", shown.real.collidepoint(mouse))
    paint.button(surface, shown.fake, "FAKE", "F  or  Right arrow", shown.fake.collidepoint(mouse))


def exposure(answer) -> str:
    """Glimpse mode: how long the digit was on screen, as measured."""
    return "" if answer is None or answer.shown_ms is None else f"; shown for {answer.shown_ms} ms"


def provenance(round_, short: bool = False) -> str:
    """Where the digit came from, in plain words; `short` for a caption over half the screen (pairs)."""
    if round_.is_real:
        digit = "" if round_.label is None else f"{'an' if round_.label == 8 else 'a'} {round_.label} "
        if short:
            return f"{digit}by a person (test no. {round_.test_index})"
        return f"{digit}written by a person (MNIST test digit no. {round_.test_index})"
    if short:
        return f"generated (seed {round_.noise_seed})"
    return f"drawn by the generator from random noise (seed {round_.noise_seed})"


def draw_verdict(paint: Painter, surface, game: Game, shown: PlayLayout) -> None:
    """ "It was REAL" above the digit, and beside it where the digit came from."""
    u, width = shown.u, surface.get_width()
    truth = f"It was {'REAL' if game.round.is_real else 'FAKE'}"
    where = provenance(game.round) + exposure(game.answer)
    truth_width = paint.font(48 * u).size(truth)[0]
    detail = min(paint.font(24 * u).size(where)[0], width - truth_width - 60 * u)
    left, baseline = (width - truth_width - 16 * u - detail) // 2, shown.digit.y - 12 * u
    paint.text(surface, truth, 48 * u, TEXT, (left, baseline), "bottomleft")
    at = (left + truth_width + 16 * u, baseline - 4 * u)
    paint.fit_text(surface, where, 24 * u, MUTED, at, detail + 1, "bottomleft")


def draw_cards(paint: Painter, surface, game: Game, shown: PlayLayout) -> None:
    """Your answer and the judge's, each outlined and marked right or wrong."""
    round_, answer, judge = game.round, game.answer, game.judge
    you_said = "You said " + ("REAL" if answer.answer_real else "FAKE")
    draw_card(paint, surface, shown.real, you_said, answer.answer_real == round_.is_real, shown.u)
    if round_.d_says_real is None:
        draw_card(paint, surface, shown.fake, f"{judge} gave no answer", None, shown.u)
        return
    judge_said = f"{judge} said " + ("REAL" if round_.d_says_real else "FAKE")
    draw_card(paint, surface, shown.fake, judge_said, round_.d_correct, shown.u)
    draw_probability(paint, surface, shown.fake, round_.d_prob_real, shown.u)


def draw_card(
    paint: Painter, surface, rect: pygame.Rect, label: str, correct: bool | None, u: float, why: str = "not a number"
) -> None:
    """A card outlined blue with a tick when right, orange with a cross when wrong, grey when there is no answer."""
    color = MUTED if correct is None else RIGHT if correct else WRONG
    paint.panel(surface, rect, PANEL, color, width=max(3, int(5 * u)))
    text_x = rect.x + rect.h * 0.85
    paint.fit_text(surface, label, rect.h * 0.3, TEXT, (text_x, rect.y + rect.h * 0.12), rect.right - text_x - 10 * u)
    if correct is None:
        paint.text(surface, why, rect.h * 0.26, MUTED, (text_x, rect.y + rect.h * 0.44))
        return
    paint.mark(surface, correct, (rect.x + rect.h * 0.45, rect.y + rect.h * 0.42), int(rect.h * 0.42))
    paint.text(surface, "RIGHT" if correct else "WRONG", rect.h * 0.28, color, (text_x, rect.y + rect.h * 0.42))


def draw_probability(paint: Painter, surface, rect: pygame.Rect, probability: float, u: float) -> None:
    """How sure the judge was that the digit is real, as words and as a bar with the 50% line."""
    at = (rect.right - 12 * u, rect.y + rect.h * 0.45)
    room = rect.w - rect.h * 0.85 - paint.font(rect.h * 0.28).size("WRONG")[0] - 24 * u
    words = [f"{percent_real(probability)} sure it is real", f"{percent_real(probability)} real"]
    fitting = next((w for w in words if paint.font(rect.h * 0.22).size(w)[0] <= room), words[-1])
    paint.text(surface, fitting, rect.h * 0.22, TEXT, at, "topright")
    bar = pygame.Rect(
        int(rect.x + rect.h * 0.2),
        int(rect.bottom - rect.h * 0.18),
        int(rect.w - rect.h * 0.4),
        max(4, int(rect.h * 0.07)),
    )
    pygame.draw.rect(surface, PANEL_LIGHT, bar)
    pygame.draw.rect(surface, MUTED, pygame.Rect(bar.x, bar.y, int(bar.w * probability), bar.h))
    pygame.draw.line(surface, TEXT, (bar.centerx, bar.y - 4), (bar.centerx, bar.bottom + 3), 2)
