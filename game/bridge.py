"""The one place the game touches torch: a checkpoint plus the MNIST test digits -> rounds.

A game of n rounds is n/2 real test digits and n/2 generated ones, in an order
shuffled by `random.Random(seed)`; the same request gives the same digits in
the same order. Real and fake digits take the same path to the screen: both
become (28, 28) uint8 images, and D's probability is computed on exactly those
uint8 images (a fake is rounded to uint8 before D sees it, as it is before the
player sees it), so D and the player judge the same pixels.

The real digits are MNIST's test split (`game.digits`), which the networks
never trained on.
"""

import random
from pathlib import Path

import numpy as np
import torch

from game.digits import load_test_digits
from game.opponents import PeekError, peek
from game.state import MAX_ROUNDS, GameRequest, GameSetup, Round
from gan.checkpoint import CheckpointError, load_models
from gan.files import file_digest
from gan.models import from_uint8
from gan.sample import generate_from_seeds

NOISE_SEEDS = 2**31  # a fake's noise seed is drawn from [0, 2^31)


def probability_real(discriminator, images: np.ndarray) -> np.ndarray:
    """D's probability that each (28, 28) uint8 image is real: sigmoid of its logit."""
    with torch.inference_mode():
        logits = discriminator(from_uint8(torch.from_numpy(np.ascontiguousarray(images))))  # (B,)
    return torch.sigmoid(logits.float()).numpy()


class Bridge:
    """Holds the test digits and the loaded opponents; turns requests into `GameSetup`s."""

    def __init__(self, test_digits: tuple[np.ndarray, np.ndarray] | None = None):
        # A game's digits are a small batch; more threads would only fight the window for the CPU.
        torch.set_num_threads(1)
        self.images, self.labels = test_digits if test_digits is not None else load_test_digits()
        self._models: dict[tuple, tuple] = {}

    def opponent(self, checkpoint: str):
        """(generator, discriminator, epoch, sha256), loaded once per file version."""
        path = Path(checkpoint)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise CheckpointError(f"{checkpoint}: no such file") from None
        except OSError as error:
            raise CheckpointError(f"{checkpoint}: {error.strerror or error}") from None
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in self._models:
            try:
                kind = peek(path).get("kind")
            except PeekError:
                kind = None  # load_models says what is wrong with it
            if kind is not None and kind not in ("game", "run"):
                raise CheckpointError(f"{checkpoint}: a {kind} checkpoint, not a game opponent")
            generator, discriminator, content = load_models(path)
            epoch = content.get("epoch") if isinstance(content.get("epoch"), int) else None
            self._models = {
                key: (generator, discriminator, epoch, file_digest(path, "sha256"))
            }  # keep one: memory stays flat
        return self._models[key]

    def prepare(self, request: GameRequest) -> GameSetup:
        if request.rounds < 2 or request.rounds % 2 or request.rounds > MAX_ROUNDS:
            raise ValueError(f"a game has an even number of rounds from 2 to {MAX_ROUNDS}, not {request.rounds}")
        generator, discriminator, epoch, sha256 = self.opponent(request.checkpoint)
        rng = random.Random(request.seed)
        half = request.rounds // 2
        real_indices = rng.sample(range(len(self.images)), half)  # distinct: no digit twice in a game
        noise_seeds = rng.sample(range(NOISE_SEEDS), half)
        fakes = generate_from_seeds(generator, noise_seeds)  # (half, 28, 28) uint8, as gan.sample makes them
        shown = np.concatenate([self.images[real_indices], fakes])  # (n, 28, 28) uint8, reals first
        probabilities = probability_real(discriminator, shown)
        order = list(range(request.rounds))
        rng.shuffle(order)
        rounds = []
        for position in order:
            image = shown[position].copy()
            image.setflags(write=False)
            is_real = position < half
            rounds.append(
                Round(
                    image=image,
                    is_real=is_real,
                    d_prob_real=float(probabilities[position]),
                    test_index=int(real_indices[position]) if is_real else None,
                    noise_seed=None if is_real else int(noise_seeds[position - half]),
                    label=int(self.labels[real_indices[position]]) if is_real else None,
                )
            )
        return GameSetup(
            request=request,
            rounds=tuple(rounds),
            opponent_name=Path(request.checkpoint).stem,
            checkpoint_sha256=sha256,
            epoch=epoch,
        )
