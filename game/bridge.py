"""The one place the game touches torch: a checkpoint plus the MNIST test digits -> rounds.

A game of n rounds is n/2 real test digits and n/2 generated ones, in an order
shuffled by `random.Random(seed)`; the same request gives the same digits in
the same order. Real and fake digits take the same path to the screen: both
become (28, 28) uint8 images, and D's probability is computed on exactly those
uint8 images (a fake is rounded to uint8 before D sees it, as it is before the
player sees it), so D and the player judge the same pixels. A probability
that is not a number (a checkpoint with NaN weights) becomes "no answer".

Detector mode replaces the GAN's own D with a critic trained afresh, in a few
seconds, to tell this generator's fakes from real digits: a rival that is
about as good as a small network can be at this, where a GAN's D is only as
good as the balance of training left it. The critic learns from the second
half of the test split and from noise seeds of the upper half of the range;
games in detector mode draw from the other halves, so it never saw a digit
it judges.

The real digits are MNIST's test split (`game.digits`), which the networks
never trained on.
"""

import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

from game.digits import load_test_digits
from game.events import ImagesReady
from game.files import check_regular
from game.opponents import PeekError, peek
from game.rounds import GameRequest, GameSetup, ImagesRequest, Round, d_probability, sane_epoch
from game.state import MAX_ROUNDS
from gan.checkpoint import CheckpointError, load_models
from gan.files import file_digest
from gan.models import from_uint8
from gan.sample import generate_from_seeds

NOISE_SEEDS = 2**31  # a fake's noise seed is drawn from [0, 2^31)
CRITIC_EXAMPLES = 5000  # real and as many fake digits the detector learns from
CRITIC_EPOCHS = 8


def probability_real(judge, images: np.ndarray) -> np.ndarray:
    """The judge's probability that each (28, 28) uint8 image is real: sigmoid of its logit."""
    with torch.inference_mode():
        logits = judge(from_uint8(torch.from_numpy(np.ascontiguousarray(images))))  # (B,)
    return torch.sigmoid(logits.float()).numpy()


class Critic(nn.Module):
    """A small CNN that answers "real?" with a logit, like D: (B, 1, 28, 28) in [-1, 1] -> (B,)."""

    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, 16, 4, 2, 1),  # (B, 16, 14, 14)
            nn.LeakyReLU(0.2),
            nn.Conv2d(16, 32, 4, 2, 1),  # (B, 32, 7, 7)
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, 1),
        )

    def forward(self, x):
        return self.main(x).squeeze(1)


def train_critic(generator, real_images: np.ndarray, seed: int = 0) -> Critic:
    """A fresh critic for this generator, the same for the same weights (fixed seed)."""
    rng = np.random.default_rng(seed)
    reals = real_images[rng.choice(len(real_images), CRITIC_EXAMPLES, replace=False)]
    seeds = (NOISE_SEEDS // 2 + rng.choice(NOISE_SEEDS // 2, CRITIC_EXAMPLES, replace=False)).tolist()
    fakes = generate_from_seeds(generator, seeds)
    x = from_uint8(torch.from_numpy(np.concatenate([reals, fakes])))  # (2N, 1, 28, 28)
    y = torch.cat([torch.ones(CRITIC_EXAMPLES), torch.zeros(CRITIC_EXAMPLES)])
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        critic = Critic()
        optimizer = torch.optim.Adam(critic.parameters(), lr=2e-3)
        for _ in range(CRITIC_EPOCHS):
            for batch in torch.randperm(len(x)).split(128):
                loss = nn.functional.binary_cross_entropy_with_logits(critic(x[batch]), y[batch])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
    return critic.eval()


class Bridge:
    """Holds the test digits and the loaded opponents; turns requests into `GameSetup`s."""

    def __init__(self, test_digits: tuple[np.ndarray, np.ndarray] | None = None):
        # A game's digits are a small batch; more threads would only fight the window for the CPU.
        torch.set_num_threads(1)
        self.images, self.labels = test_digits if test_digits is not None else load_test_digits()
        self._models: dict[tuple, tuple] = {}
        self._critics: dict[str, Critic] = {}  # by checkpoint SHA-256

    def opponent(self, checkpoint: str):
        """(generator, discriminator, epoch, sha256), loaded once per file version."""
        path = Path(checkpoint)
        try:
            stat = check_regular(path)  # a FIFO or a device is never opened: it could hang the preparer
        except FileNotFoundError:
            raise CheckpointError(f"{checkpoint}: no such file") from None
        except OSError as error:
            raise CheckpointError(f"{checkpoint}: {error.strerror or error}") from None
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in self._models:
            try:
                kind = peek(path).get("kind")
            except PeekError as error:
                raise CheckpointError(str(error)) from None  # our one line, not the unpickler's
            if kind is not None and kind not in ("game", "run"):
                raise CheckpointError(f"{checkpoint}: a {kind} checkpoint, not a game opponent")
            generator, discriminator, content = load_models(path)
            models = (generator, discriminator, sane_epoch(content.get("epoch")), file_digest(path, "sha256"))
            self._models = {key: models}  # keep one: memory stays flat
        return self._models[key]

    def critic(self, generator, sha256: str) -> Critic:
        if sha256 not in self._critics:
            self._critics = {sha256: train_critic(generator, self.images[len(self.images) // 2 :])}
        return self._critics[sha256]

    def prepare(self, request: GameRequest) -> GameSetup:
        if request.rounds < 2 or request.rounds % 2 or request.rounds > MAX_ROUNDS:
            raise ValueError(f"a game has an even number of rounds from 2 to {MAX_ROUNDS}, not {request.rounds}")
        generator, discriminator, epoch, sha256 = self.opponent(request.checkpoint)
        judge = self.critic(generator, sha256) if request.detector else discriminator
        rng = random.Random(request.seed)
        half = request.rounds // 2
        pool = len(self.images) // 2 if request.detector else len(self.images)  # the critic learned from the rest
        real_indices = rng.sample(range(pool), half)  # distinct: no digit twice in a game
        noise_seeds = rng.sample(range(NOISE_SEEDS // 2 if request.detector else NOISE_SEEDS), half)
        fakes = generate_from_seeds(generator, noise_seeds)  # (half, 28, 28) uint8, as gan.sample makes them
        shown = np.concatenate([self.images[real_indices], fakes])  # (n, 28, 28) uint8, reals first
        probabilities = probability_real(judge, shown)
        order = list(range(request.rounds))
        rng.shuffle(order)
        rounds = []
        for position in order:
            is_real = position < half
            rounds.append(
                Round(
                    image=frozen(shown[position]),
                    is_real=is_real,
                    d_prob_real=d_probability(probabilities[position]),
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
            judge="critic" if request.detector else "D",
        )

    def rebuild(self, request: ImagesRequest) -> ImagesReady:
        """A past game's digits: reals from the test split; fakes redrawn when the same weights are still there."""
        images = [frozen(self.images[source]) if is_real else None for is_real, source in request.sources]
        seeds = [source for is_real, source in request.sources if not is_real]
        message = ""
        try:
            generator, _, _, sha256 = self.opponent(request.checkpoint)
        except CheckpointError as error:
            generator, message = None, f"fakes not redrawn: {error}"
        if generator is not None and request.checkpoint_sha256 and sha256 != request.checkpoint_sha256:
            generator, message = None, f"fakes not redrawn: {request.checkpoint} has changed since this game"
        if generator is not None and seeds:
            fakes = iter(generate_from_seeds(generator, seeds))
            images = [image if image is not None else frozen(next(fakes)) for image in images]
        return ImagesReady(request, tuple(images), message)


def frozen(image: np.ndarray) -> np.ndarray:
    """A private, read-only copy: what a judge scored cannot change before it is drawn."""
    image = image.copy()
    image.setflags(write=False)
    return image
