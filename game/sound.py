"""The game's four sounds, synthesized with numpy at start-up (no asset files): answer, right, wrong, game end.

Each is a few sine notes with a soft attack and an exponential decay. Without
an audio device (or under SDL's dummy driver) the mixer either plays into
nothing or does not start; either way the game goes on, silent, with no error.
"""

import os
import sys
from contextlib import contextmanager

import numpy as np
import pygame

VOLUME = 0.25
NOTES = {  # name -> (frequency in Hz, seconds) per note, played one after the other
    "answer": [(880.0, 0.045)],
    "right": [(660.0, 0.07), (990.0, 0.11)],
    "wrong": [(220.0, 0.09), (185.0, 0.16)],
    "end": [(523.3, 0.09), (659.3, 0.09), (784.0, 0.09), (1046.5, 0.22)],
}


def synthesize(notes, rate: int) -> np.ndarray:
    """(samples,) float in [-1, 1]: the notes in turn, each with a 5 ms attack and a decay to silence."""
    pieces = []
    for frequency, seconds in notes:
        t = np.arange(int(rate * seconds)) / rate
        envelope = np.minimum(1.0, t / 0.005) * np.exp(-5.0 * t / seconds)
        tone = np.sin(2 * np.pi * frequency * t) + 0.3 * np.sin(4 * np.pi * frequency * t)  # a little brighter
        pieces.append(tone / 1.3 * envelope)
    return np.concatenate(pieces)


@contextmanager
def quiet_stderr():
    """Hide what C libraries print while the mixer looks for a device (ALSA lists every card it cannot find)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        sys.stderr.flush()
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class Sounds:
    def __init__(self):
        self.effects: dict[str, pygame.mixer.Sound] = {}

    @property
    def enabled(self) -> bool:
        return bool(self.effects)

    def start(self) -> None:
        try:
            with quiet_stderr():
                pygame.mixer.init(44100, -16, 2, 512)
            rate, _, channels = pygame.mixer.get_init()
            for name, notes in NOTES.items():
                wave = (synthesize(notes, rate) * VOLUME * 32767).astype(np.int16)
                samples = np.ascontiguousarray(np.repeat(wave[:, None], channels, axis=1))  # (n, channels)
                self.effects[name] = pygame.sndarray.make_sound(samples)
        except (pygame.error, TypeError, ValueError):
            self.effects = {}  # no device: the game plays on in silence

    def play(self, name: str) -> None:
        if name in self.effects:
            self.effects[name].play()

    def close(self) -> None:
        if pygame.mixer.get_init():
            pygame.mixer.quit()
