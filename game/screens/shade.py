"""What every overlay starts with: the screen behind dimmed, and a panel in the middle."""

import pygame

from game.screens.widgets import OUTLINE, PANEL, Painter, unit


def dim(surface) -> None:
    shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
    shade.fill((8, 10, 18, 225))
    surface.blit(shade, (0, 0))


def box(size, width_share: float, height_share: float) -> pygame.Rect:
    width, height = size
    rect = pygame.Rect(0, 0, int(width * width_share), int(height * height_share))
    rect.center = (width // 2, height // 2)
    return rect


def dimmed_box(paint: Painter, surface, width_share: float, height_share: float) -> pygame.Rect:
    dim(surface)
    rect = box(surface.get_size(), width_share, height_share)
    paint.panel(surface, rect, PANEL, OUTLINE, radius=int(16 * unit(surface.get_size())))
    return rect
