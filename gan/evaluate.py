"""Score a generator checkpoint: FID and friends in the MNIST classifier's features.

    python -m gan.evaluate CHECKPOINT [--json] [--n 10000] [--seed S] [--data-dir data]

n generated digits are compared with real ones (see `gan.metrics` for each metric):

    fid              Fréchet distance to the 10,000 test digits, in classifier features
    fid_floor        the same for n real training digits: what a perfect generator scores
    inception_score  with the classifier; 10 is the most MNIST allows
    class_shares     share of each digit 0-9 among the samples, by the classifier
    precision        share of samples on the real manifold (k=3) of n test digits
    recall           share of those test digits on the samples' manifold
    c2st_accuracy    held-out accuracy of a critic trained to convergence to tell the samples from
                     n real test digits, on pixels and classifier features (0.5 = can't tell)
    c2st_floor       the same critic on n real training digits against the test digits: what a
                     perfect generator scores (MNIST's test writers differ a little from train's)
    background_specks  share of samples with a visible grey speck away from the strokes
    edge_softness    share of mid-grey pixels among the visible ones (soft, blurry strokes)
    unsure_share     share of samples the classifier gives less than 0.9 to any one digit (hybrids)
    *_real           each of those three on the n real test digits, for reference
    memorized        share of samples nearer (in pixels) a training digit than all but 0.1%
                     of the n test digits are to theirs; real test digits score 0.001
    d_accuracy       the checkpoint's own discriminator on n test digits and the n samples,
                     threshold 0.5 (null for a checkpoint with no discriminator)

The n test digits are all of the test split for n = 10000, else a seeded subset.
Digit i is the one `python -m gan.sample CHECKPOINT --seed S*10000 --n 10000` makes
as digit i, so the scored samples can be written out and checked with other tools.
Generated digits are rounded to uint8 first, as a PNG or the game would show them.
`--json` prints one JSON object with exactly the keys above as the last line.

`QuickScorer` is the cheap per-epoch version the training loop uses: FID and class
shares on a few thousand digits from a fixed noise batch.
"""

import functools
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from gan import metrics
from gan.checkpoint import CheckpointError
from gan.classifier import DEFAULT_PATH as CLASSIFIER_PATH
from gan.classifier import embed, load_classifier
from gan.cli import doc, one_line, one_line_errors, parse_config
from gan.data import DataError, load_split
from gan.files import atomic_write_text, check_writable_target, file_digest
from gan.models import from_uint8
from gan.sample import generate, generate_from_seeds, latents_for_seeds, load_generator

EYE_KEYS = ("background_specks", "edge_softness", "unsure_share")
KEYS = (
    "fid",
    "fid_floor",
    "inception_score",
    "class_shares",
    "precision",
    "recall",
    "c2st_accuracy",
    "c2st_floor",
    *(name + suffix for name in EYE_KEYS for suffix in ("", "_real")),
    "memorized",
    "d_accuracy",
)
MIN_N = 50  # below this the critic's held-out part and the k-NN manifolds have too few digits to mean anything
TEST_SIZE = 10_000  # the MNIST test split; n is capped there so that n real test digits exist
SEED_STRIDE = TEST_SIZE  # digit i of seed S uses noise seed S * SEED_STRIDE + i: seeds never share digits
QUICK_NOISE_SEED = 8_000_000  # noise seeds of the per-epoch quick score start here, apart from the evaluator's


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@torch.no_grad()
def discriminator_logits(discriminator, digits: np.ndarray, batch_size: int = 1000) -> torch.Tensor:
    """(N, 28, 28) uint8 -> (N,) logits of the checkpoint's discriminator."""
    batches = torch.as_tensor(np.array(digits)).split(batch_size)  # (B, 28, 28) uint8 each
    inputs = (from_uint8(batch).contiguous(memory_format=torch.channels_last) for batch in batches)
    return torch.cat([discriminator(images).float().view(-1) for images in inputs])


@dataclass
class Reference:
    """What every checkpoint is compared with: the classifier, both MNIST splits, the test split's features."""

    classifier: torch.nn.Module
    train_digits: np.ndarray  # (60000, 28, 28) uint8
    test_digits: np.ndarray  # (10000, 28, 28) uint8
    test_features: torch.Tensor  # (10000, feature_dim)
    test_logits: torch.Tensor  # (10000, 10)


def load_reference(data_dir: str | os.PathLike, classifier_path: str | os.PathLike) -> Reference:
    """The same for every checkpoint scored in one process, so it is made once (and again if the classifier changes)."""
    classifier_path = Path(classifier_path).resolve()
    stamp = classifier_path.stat().st_mtime_ns if classifier_path.exists() else None
    return _cached_reference(str(Path(data_dir).resolve()), str(classifier_path), stamp)


@functools.lru_cache(maxsize=2)
def _cached_reference(data_dir: str, classifier_path: str, stamp) -> Reference:
    classifier, _ = load_classifier(classifier_path)
    train_digits, _ = load_split(data_dir, "train", log=_stderr)  # says something only when it must fetch MNIST
    test_digits, _ = load_split(data_dir, "test", log=_stderr)
    test_features, test_logits = embed(classifier, test_digits)
    return Reference(classifier, train_digits, test_digits, test_features, test_logits)


def evaluate(
    checkpoint: str | os.PathLike,
    n: int = 10_000,
    seed: int = 0,
    data_dir: str = "data",
    classifier_path: str | os.PathLike = CLASSIFIER_PATH,
    log=_stderr,
) -> dict:
    """Every metric of the module docstring, as a dict with exactly `KEYS`. Raises CheckpointError, DataError."""
    generator, discriminator, _ = load_generator(checkpoint)
    return evaluate_generator(generator, discriminator, n, seed, data_dir, classifier_path, log)


def evaluate_generator(
    generator,
    discriminator=None,
    n: int = 10_000,
    seed: int = 0,
    data_dir: str = "data",
    classifier_path: str | os.PathLike = CLASSIFIER_PATH,
    log=_stderr,
    critic: bool = True,
) -> dict:
    """`evaluate` for models already loaded: any module mapping (B, latent_dim) noise to (B, 1, 28, 28) digits.

    `critic=False` leaves out the two-sample critic (`c2st_accuracy` and `c2st_floor` are None), the slow
    part, for callers that want the other figures quickly.
    """
    if not MIN_N <= n <= TEST_SIZE:
        raise ValueError(f"n must be between {MIN_N} and {TEST_SIZE}, got {n}")
    started = time.time()

    def stage(name: str) -> None:
        log(f"[{time.time() - started:6.1f} s] {name}")

    stage("classifier and MNIST")
    reference = load_reference(data_dir, classifier_path)
    classifier, train_digits, test_digits = reference.classifier, reference.train_digits, reference.test_digits
    picker = np.random.default_rng(seed)
    train_subset = train_digits[np.sort(picker.choice(len(train_digits), n, replace=False))]  # (n, 28, 28)
    test_index = np.sort(picker.choice(len(test_digits), n, replace=False))
    test_subset = test_digits[test_index]  # (n, 28, 28): the real side of precision/recall, c2st, memorized, D

    stage(f"generating {n} digits")
    fakes = generate_from_seeds(generator, seed * SEED_STRIDE + np.arange(n))  # (n, 28, 28) uint8

    stage("classifier features")
    test_features = reference.test_features
    train_features, train_logits = embed(classifier, train_subset)
    fake_features, fake_logits = embed(classifier, fakes)
    test_subset_features = test_features[torch.as_tensor(test_index)]
    test_subset_logits = reference.test_logits[torch.as_tensor(test_index)]
    result = {
        "fid": metrics.fid(fake_features, test_features),
        "fid_floor": metrics.fid(train_features, test_features),
        "inception_score": metrics.inception_score(fake_logits),
        "class_shares": metrics.class_shares(fake_logits),
    }

    stage("precision and recall")
    result["precision"], result["recall"] = metrics.precision_recall(test_subset_features, fake_features, k=3)

    result["c2st_accuracy"] = result["c2st_floor"] = None
    if critic:
        stage("two-sample critic: samples against real test digits")
        test_view = metrics.critic_features(test_subset_features, test_subset_logits)
        fake_view = metrics.critic_features(fake_features, fake_logits)
        result["c2st_accuracy"] = metrics.c2st_accuracy(test_subset, fakes, test_view, fake_view, seed=seed)
        stage("two-sample critic: real training digits against real test digits")
        train_view = metrics.critic_features(train_features, train_logits)
        result["c2st_floor"] = metrics.c2st_accuracy(test_subset, train_subset, test_view, train_view, seed=seed)

    stage("what the eye sees")
    for suffix, digits, logits in (("", fakes, fake_logits), ("_real", test_subset, test_subset_logits)):
        result.update({name + suffix: value for name, value in metrics.eye_figures(digits, logits).items()})

    stage("nearest training digits")
    nearest = metrics.nearest_distances(np.concatenate([test_subset, fakes]), train_digits)  # one pass over train
    test_nearest, fake_nearest = nearest[:n], nearest[n:]
    result["memorized"] = metrics.memorized_share(fake_nearest, test_nearest)

    if discriminator is None:
        result["d_accuracy"] = None
    else:
        stage("discriminator")
        result["d_accuracy"] = metrics.d_accuracy(
            discriminator_logits(discriminator, test_subset), discriminator_logits(discriminator, fakes)
        )
    stage("done")
    return {key: result[key] for key in KEYS}


def format_table(result: dict, checkpoint: str, n: int, seed: int, seconds: float) -> str:
    shares = result["class_shares"]
    d_accuracy = "n/a (no discriminator)" if result["d_accuracy"] is None else f"{result['d_accuracy']:.3f}"
    lines = [
        f"{checkpoint}: {n} generated digits, seed {seed}, {seconds:.0f} s",
        f"  fid              {result['fid']:10.3f}   lower is better",
        f"  fid_floor        {result['fid_floor']:10.3f}   {n} real training digits, what a perfect generator scores",
        f"  inception_score  {result['inception_score']:10.3f}   10 at most",
        f"  precision        {result['precision']:10.3f}   samples that look like real digits",
        f"  recall           {result['recall']:10.3f}   real digits the samples cover",
        f"  c2st_accuracy    {result['c2st_accuracy']:10.3f}   0.5 = a critic cannot tell them apart",
        f"  c2st_floor       {result['c2st_floor']:10.3f}   real digits against real ones: 0.5 give or take noise",
        *(
            f"  {name:<17}{result[name]:10.3f}   {what}; {name}_real {result[name + '_real']:.3f}"
            for name, what in zip(EYE_KEYS, ("digits with a grey speck", "soft stroke pixels", "no clear digit"))
        ),
        f"  memorized        {result['memorized']:10.4f}   copies of training digits; real test digits: 0.001",
        f"  d_accuracy       {d_accuracy:>10}   its own discriminator, threshold 0.5",
        "  class_shares     " + "  ".join(f"{digit}: {share:5.1%}" for digit, share in enumerate(shares)),
        f"                   rarest {min(shares):.1%}, commonest {max(shares):.1%} (10% each when balanced)",
    ]
    return "\n".join(lines)


@dataclass
class EvaluateConfig:
    checkpoint: str = field(
        default="", metadata=doc("a game or run checkpoint, or the textbook DCGAN anchor", positional=True)
    )
    n: int = field(
        default=10_000,
        metadata=doc("generated digits, and real ones to compare with", minimum=MIN_N, maximum=TEST_SIZE),
    )
    seed: int = field(
        default=0,
        metadata=doc("seed of the noise, the real subsets and the two-sample critic", minimum=0, maximum=2**40),
    )
    data_dir: str = field(default="data", metadata=doc("folder holding MNIST/raw"))
    classifier: str = field(
        default=str(CLASSIFIER_PATH), metadata=doc("the MNIST classifier checkpoint", metavar="PATH")
    )
    json: bool = field(default=False, metadata=doc("print one JSON object as the last line instead of a table"))
    record: str = field(
        default="",
        metadata=doc("also keep the result in this JSON file under the checkpoint's name (weights/scores.json)",
                     metavar="PATH"),
    )  # fmt: skip


def read_scores(path: str | os.PathLike) -> dict:
    """The scores file's entries ({} when there is none yet); ValueError when it is not one."""
    path = Path(path)
    try:
        scores = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not a readable scores file ({one_line(error)})") from error
    if not isinstance(scores, dict):
        raise ValueError(f"{path}: not a readable scores file (not a JSON object)")
    return scores


def record_scores(path: str | os.PathLike, checkpoint: str | os.PathLike, result: dict, n: int, seed: int) -> None:
    """Keep `result` in the scores file under the checkpoint's file name, with the SHA-256 it belongs to,
    so a reader (the game's opponent card) can tell when the file has changed since it was scored."""
    scores = read_scores(path)
    entry = {"sha256": file_digest(checkpoint), "n": n, "seed": seed, "evaluate": result}
    scores[Path(checkpoint).name] = entry
    atomic_write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n", path)


def main(argv=None) -> int:
    config, _ = parse_config(
        EvaluateConfig,
        argv,
        description="Score a generator checkpoint against real MNIST.",
        prog="python -m gan.evaluate",
    )
    checkpoint = config.checkpoint
    started = time.time()
    quiet = (lambda message: None) if config.json and not sys.stderr.isatty() else _stderr
    with one_line_errors(CheckpointError, DataError, ValueError):
        if config.record:  # minutes of scoring must not end in a file that cannot be read or written
            check_writable_target(config.record)
            read_scores(config.record)
        result = evaluate(checkpoint, config.n, config.seed, config.data_dir, config.classifier, log=quiet)
        if config.record:
            record_scores(config.record, checkpoint, result, config.n, config.seed)
    if config.json:
        print(json.dumps(result))
    else:
        print(format_table(result, checkpoint, config.n, config.seed, time.time() - started))
    return 0


# ----------------------------------------------------------------------------- during training


class QuickScorer:
    """Per-epoch FID and class shares on `samples` digits from one fixed noise batch.

    Loads the classifier and the real test split's feature statistics once; each
    call then costs one pass of the generator and the classifier over `samples`
    digits. FID from 2,000 digits sits above the 10,000-digit figure (the estimate
    is biased upward for small n) but ranks epochs the same way.
    """

    def __init__(self, data_dir, classifier_path, samples: int = 2000, device: torch.device = torch.device("cpu")):
        if samples < 2:
            raise ValueError(f"QuickScorer needs at least 2 samples, got {samples}")
        self.samples = samples
        self.device = torch.device(device)
        self.classifier, _ = load_classifier(classifier_path, self.device)
        test_digits, _ = load_split(data_dir, "test", log=lambda message: None)
        test_features, _ = embed(self.classifier, test_digits)
        self.test_statistics = metrics.gaussian_statistics(test_features)
        self.seeds = range(QUICK_NOISE_SEED, QUICK_NOISE_SEED + samples)
        self.latents = {}  # (latent_dim, classes) -> the same noise (and labels) every epoch, made once

    def __call__(self, generator) -> dict:
        with torch.no_grad():
            shape = (generator.latent_dim, getattr(generator, "classes", 0))
            if shape not in self.latents:
                self.latents[shape] = latents_for_seeds(self.seeds, *shape)
            digits = generate(generator, *self.latents[shape])  # restores the generator's train/eval mode
            features, logits = embed(self.classifier, digits)
            fid = metrics.frechet_distance(*metrics.gaussian_statistics(features), *self.test_statistics)
            return {"fid": fid, "class_shares": metrics.class_shares(logits)}


if __name__ == "__main__":
    sys.exit(main())
