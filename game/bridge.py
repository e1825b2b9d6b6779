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

Pairs mode pairs each real digit with a fake, the real one on the left in
exactly half the pairs (one more on one side when the count is odd), the sides
shuffled by the same seed.

Where the judge looked (D's view) is the size of the gradient of its logit on
the image alone, `discriminator(x)`, with respect to each pixel: the pixels
whose change would move its verdict most. It is worked out for every digit
while the rounds are prepared, so a reveal never waits for it.

Draw for D judges a drawing with D and names its digit with the project's
classifier (`gan.classifier`), loaded the first time it is needed. The
opponent card draws a grid from fixed noise seeds and reads the scores and the
timelapse (`game.card`).

The real digits are MNIST's test split (`game.digits`), which the networks
never trained on.
"""

import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

from game import card as card_files
from game.digits import load_test_digits
from game.events import CardReady, DrawingJudged, ImagesReady
from game.files import check_regular
from game.opponents import PeekError, peek
from game.records import NOISE_SEEDS  # a fake's noise seed is drawn from [0, NOISE_SEEDS)
from game.rounds import (
    CardRequest,
    DrawingRequest,
    GameRequest,
    GameSetup,
    ImagesRequest,
    Pair,
    Round,
    d_probability,
    sane_epoch,
)
from game.state import MAX_ROUNDS
from gan.checkpoint import CheckpointError, load_models
from gan.cli import one_line
from gan.files import file_digest
from gan.models import from_uint8
from gan.sample import generate_from_seeds

CRITIC_EXAMPLES = 5000  # real and as many fake digits the detector learns from
CRITIC_EPOCHS = 8
CARD_SAMPLES = 40  # the opponent card's grid: noise seeds 0 to 39
SALIENCY_TOP = 99.5  # a heat map's full brightness is this percentile of its digit's gradient, not one hot pixel


def probability_real(judge, images: np.ndarray) -> np.ndarray:
    """The judge's probability that each (28, 28) uint8 image is real: sigmoid of its logit."""
    with torch.inference_mode():
        logits = judge(from_uint8(torch.from_numpy(np.ascontiguousarray(images))))  # (B,)
    return torch.sigmoid(logits.float()).numpy()


def saliency(judge, images: np.ndarray) -> np.ndarray:
    """(B, 28, 28) uint8 maps of where the judge looked: |d logit / d pixel| of the image alone, 255 = most."""
    x = from_uint8(torch.from_numpy(np.array(images, dtype=np.uint8))).requires_grad_(True)  # (B, 1, 28, 28)
    with torch.enable_grad():
        (gradient,) = torch.autograd.grad(judge(x).sum(), x)  # the image-alone logit, even for a conditional D
    size = gradient[:, 0].abs().numpy()  # (B, 28, 28)
    top = np.percentile(size.reshape(len(size), -1), SALIENCY_TOP, axis=1)[:, None, None]
    size = np.where(np.isfinite(size), size, 0.0) / np.where(np.isfinite(top) & (top > 0), top, 1.0)
    return np.round(np.clip(size, 0.0, 1.0) * 255).astype(np.uint8)


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
        self._classifier = None  # gan.classifier's model, loaded for the first drawing

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
            header = {key: content.get(key) for key in ("metrics", "train_config", "step")}
            models = (generator, discriminator, sane_epoch(content.get("epoch")), file_digest(path, "sha256"), header)
            self._models = {key: models}  # keep one: memory stays flat
        return self._models[key][:4]

    def header(self, checkpoint: str) -> dict:
        """The loaded checkpoint's metrics, train_config and step."""
        self.opponent(checkpoint)
        return next(iter(self._models.values()))[4]

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
        half = request.rounds if request.game == "pairs" else request.rounds // 2  # a pair is one of each
        pool = len(self.images) // 2 if request.detector else len(self.images)  # the critic learned from the rest
        # Distinct: no digit twice in a game, and none the player has seen before while any are left.
        unseen = [index for index in range(pool) if index not in request.avoid] if request.avoid else range(pool)
        if len(unseen) >= half:
            real_indices = rng.sample(unseen, half)
        else:  # every unseen one, and seen ones to make up the game
            seen = [index for index in range(pool) if index in request.avoid]
            real_indices = rng.sample(list(unseen) + rng.sample(seen, half - len(unseen)), half)
        noise_seeds = rng.sample(range(NOISE_SEEDS // 2 if request.detector else NOISE_SEEDS), half)
        fakes = generate_from_seeds(generator, noise_seeds)  # (half, 28, 28) uint8, as gan.sample makes them
        shown = np.concatenate([self.images[real_indices], fakes])  # (2 half, 28, 28) uint8, reals first
        probabilities = probability_real(judge, shown)
        maps = saliency(judge, shown)
        digits = [
            Round(
                image=frozen(shown[position]),
                is_real=position < half,
                d_prob_real=d_probability(probabilities[position]),
                test_index=int(real_indices[position]) if position < half else None,
                noise_seed=None if position < half else int(noise_seeds[position - half]),
                label=int(self.labels[real_indices[position]]) if position < half else None,
                saliency=frozen(maps[position]),
            )
            for position in range(2 * half)
        ]
        if request.game == "pairs":
            sides = [index < (half + rng.randrange(2)) // 2 for index in range(half)]  # balanced: half on the left
            rng.shuffle(sides)
            rounds = [Pair(digits[index], digits[half + index], real_left) for index, real_left in enumerate(sides)]
        else:
            order = list(range(request.rounds))
            rng.shuffle(order)
            rounds = [digits[position] for position in order]
        return GameSetup(
            request=request,
            rounds=tuple(rounds),
            opponent_name=Path(request.checkpoint).stem,
            checkpoint_sha256=sha256,
            epoch=epoch,
            judge="critic" if request.detector else "D",
        )

    def rebuild(self, request: ImagesRequest) -> ImagesReady:
        """A past game's digits: reals from the test split; fakes redrawn when the same weights are still there.

        Where the judge looked comes with them while those weights are here (the detector's is trained again).
        """
        images = [frozen(self.images[source]) if is_real else None for is_real, source in request.sources]
        labels = tuple(int(self.labels[source]) if is_real else None for is_real, source in request.sources)
        seeds = [source for is_real, source in request.sources if not is_real]
        message = ""
        try:
            generator, discriminator, _, sha256 = self.opponent(request.checkpoint)
        except CheckpointError as error:
            generator, message = None, f"fakes not redrawn: {error}"
        if generator is not None and request.checkpoint_sha256 and sha256 != request.checkpoint_sha256:
            generator, message = None, f"fakes not redrawn: {request.checkpoint} has changed since this game"
        if generator is not None and seeds:
            fakes = iter(generate_from_seeds(generator, seeds))
            images = [image if image is not None else frozen(next(fakes)) for image in images]
        maps: tuple = ()
        if generator is not None and images:
            judge = self.critic(generator, sha256) if request.detector else discriminator
            maps = tuple(frozen(found) for found in saliency(judge, np.stack(images)))
        return ImagesReady(request, tuple(images), message, maps, labels)

    def judge_drawing(self, request: DrawingRequest) -> DrawingJudged:
        """D's p(real) of a drawing, where it looked, and the digit the classifier reads in it."""
        _, discriminator, _, sha256 = self.opponent(request.checkpoint)
        image = np.frombuffer(request.pixels, dtype=np.uint8).reshape(1, 28, 28).copy()
        probability = d_probability(probability_real(discriminator, image)[0])
        digit = digit_prob = None
        message = ""
        try:
            if self._classifier is None:
                from gan.classifier import DEFAULT_PATH, load_classifier

                self._classifier = load_classifier(DEFAULT_PATH)[0]
            from gan.classifier import embed

            _, logits = embed(self._classifier, image)  # (1, 10)
            chances = torch.softmax(logits[0], 0)
            digit, digit_prob = int(chances.argmax()), float(chances.max())
        except (CheckpointError, OSError) as error:
            message = f"the classifier could not be loaded: {one_line(error, 80)}"
        looked = frozen(saliency(discriminator, image)[0])
        return DrawingJudged(request, probability, digit, digit_prob, looked, message, sha256)

    def card(self, request: CardRequest) -> CardReady:
        """The opponent card: a grid from noise seeds 0, 1, ..., the scores, and the timelapse when at hand."""
        generator, _, epoch, sha256 = self.opponent(request.checkpoint)
        header = self.header(request.checkpoint)
        path = Path(request.checkpoint)
        scores, source = card_files.scores_for(path, sha256, header.get("metrics") or {})
        train_config = header.get("train_config") if isinstance(header.get("train_config"), dict) else {}
        run_dir = train_config.get("run_dir") if isinstance(train_config.get("run_dir"), str) else ""
        frames, frame_ms, note = card_files.timelapse_for(run_dir, path, epoch, header.get("step"), sha256)
        samples = generate_from_seeds(generator, list(range(CARD_SAMPLES)))
        found = card_files.OpponentCard(
            checkpoint=request.checkpoint,
            name=path.stem,
            sha256=sha256,
            epoch=epoch,
            samples=tuple(frozen(sample) for sample in samples),
            scores=scores,
            scores_source=source,
            conditional=bool(getattr(generator, "classes", 0)),
            run_dir=run_dir,
            timelapse=frames,
            frame_ms=frame_ms,
            timelapse_note=note,
        )
        return CardReady(request, found)


def frozen(image: np.ndarray) -> np.ndarray:
    """A private, read-only copy: what a judge scored cannot change before it is drawn."""
    image = image.copy()
    image.setflags(write=False)
    return image
