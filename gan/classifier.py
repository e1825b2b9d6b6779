"""The project's MNIST classifier: the feature space that `gan.metrics` measures generators in.

ImageNet features (what FID usually uses) say little about handwritten digits, so
FID, inception score, class shares and precision/recall are computed with this
small CNN instead: `features` is its 256-d penultimate layer, `logits` its
10-way output. It trains on the 60,000 training digits with random shifts of up
to two pixels and is scored on the 10,000 test digits.

    python -m gan.classifier [--epochs 3] [--out weights/mnist_classifier.pt]

The shipped weights come from exactly that command with its defaults; its test
accuracy and training time are in weights/README.md.

The checkpoint is a plain dict like every other in the project:
{"format_version": 1, "kind": "classifier", "model_config": {...}, "model":
state_dict, "test_accuracy": float, "config": {...}, "seconds": float}.
"""

import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from gan.checkpoint import FORMAT_VERSION, CheckpointError, load_checkpoint, save_checkpoint
from gan.cli import doc, one_line, one_line_errors, parse_config
from gan.data import DataError, load_split
from gan.files import check_regular_target
from gan.models import from_uint8

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "weights" / "mnist_classifier.pt"


@dataclass
class ClassifierConfig:
    epochs: int = field(default=3, metadata=doc("passes over the 60,000 training digits", minimum=1, maximum=1000))
    batch_size: int = field(default=128, metadata=doc("digits per optimizer step", minimum=2, maximum=60_000))
    learning_rate: float = field(
        default=3e-3, metadata=doc("peak AdamW step size of the one-cycle schedule", above=0, below=1)
    )
    weight_decay: float = field(default=5e-4, metadata=doc("AdamW weight decay", minimum=0, below=1))
    shift: int = field(
        default=2, metadata=doc("augmentation: random shifts of up to this many pixels", minimum=0, maximum=8)
    )
    width: int = field(
        default=32, metadata=doc("channels of the first convolution (2x, 4x deeper)", minimum=1, maximum=512)
    )
    feature_dim: int = field(
        default=256, metadata=doc("size of the penultimate layer, the metric features", minimum=1, maximum=4096)
    )
    seed: int = field(default=0, metadata=doc("seed of the weights and the data order", minimum=0, maximum=2**62))
    limit: int = field(
        default=0,
        metadata=doc("train on the first N training digits only (smoke tests); 0 = all", minimum=0, maximum=60_000),
    )
    threads: int = field(
        default=1,
        metadata=doc("CPU threads; one is fastest beside another job (see the README)", minimum=1, maximum=512),
    )
    data_dir: str = field(default="data", metadata=doc("folder holding MNIST/raw"))
    out: str = field(
        default="weights/mnist_classifier.pt", metadata=doc("where to write the checkpoint", metavar="PATH")
    )

    def validate(self) -> None:
        if self.limit == 1:
            raise ValueError("--limit must be 0 (all) or at least 2 digits (batch norm needs two), got 1")


class MnistClassifier(nn.Module):
    """(B, 1, 28, 28) digits in [-1, 1] -> 256-d features -> 10 logits."""

    def __init__(self, width: int = 32, feature_dim: int = 256):
        super().__init__()
        self.width, self.feature_dim = width, feature_dim
        self.body = nn.Sequential(
            nn.Conv2d(1, width, 5, 2, 2, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            # state size. (B, w, 14, 14)
            nn.Conv2d(width, width * 2, 3, 1, 1, bias=False),
            nn.BatchNorm2d(width * 2),
            nn.ReLU(inplace=True),
            # state size. (B, 2w, 14, 14)
            nn.Conv2d(width * 2, width * 4, 3, 2, 1, bias=False),
            nn.BatchNorm2d(width * 4),
            nn.ReLU(inplace=True),
            # state size. (B, 4w, 7, 7)
            nn.Flatten(),
            nn.Linear(width * 4 * 49, feature_dim, bias=False),
            nn.BatchNorm1d(feature_dim),
            nn.ReLU(inplace=True),
            # state size. (B, feature_dim): the metric features
        )
        self.head = nn.Linear(feature_dim, 10)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)  # (B, 1, 28, 28) -> (B, feature_dim)

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(images))  # (B, 1, 28, 28) -> (B, 10)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.logits(images)

    def model_config(self) -> dict:
        return {"width": self.width, "feature_dim": self.feature_dim}


def load_classifier(path: str | os.PathLike = DEFAULT_PATH, device: torch.device = torch.device("cpu")):
    """Rebuild the classifier in eval mode; returns (model, checkpoint). Raises CheckpointError."""
    checkpoint = load_checkpoint(path)
    if checkpoint.get("kind") != "classifier":
        raise CheckpointError(f"{path}: a {checkpoint.get('kind')!r} checkpoint, not a classifier")
    try:
        model = MnistClassifier(**checkpoint["model_config"])
        model.load_state_dict(checkpoint["model"])
    except (KeyError, RuntimeError, TypeError) as error:
        raise CheckpointError(f"{path}: weights do not fit the classifier ({one_line(error, 120)})") from error
    model = model.to(device).eval()
    if device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)  # oneDNN's faster convolutions here
    return model, checkpoint


def as_tensor(digits: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Digits as a tensor; arrays read straight from the IDX files are read-only, so those are copied."""
    if isinstance(digits, np.ndarray) and not digits.flags.writeable:
        digits = digits.copy()
    return torch.as_tensor(digits)


def to_input(digits: torch.Tensor | np.ndarray) -> torch.Tensor:
    """(N, 28, 28) uint8 -> (N, 1, 28, 28) float in [-1, 1], as the generator makes them."""
    return from_uint8(as_tensor(digits))


@torch.no_grad()
def embed(
    model: MnistClassifier, digits: torch.Tensor | np.ndarray, batch_size: int = 1000
) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 28, 28) uint8 digits -> (features (N, feature_dim), logits (N, 10)), float32 on the CPU."""
    device = next(model.parameters()).device
    features, logits = [], []
    digits = as_tensor(digits)
    for start in range(0, len(digits), batch_size):
        batch = to_input(digits[start : start + batch_size]).to(device)
        if device.type == "cpu":
            batch = batch.contiguous(memory_format=torch.channels_last)
        hidden = model.features(batch)
        features.append(hidden.float().cpu())
        logits.append(model.head(hidden).float().cpu())
    if not features:
        return torch.zeros(0, model.feature_dim), torch.zeros(0, 10)
    return torch.cat(features), torch.cat(logits)


def accuracy(model: MnistClassifier, digits, labels) -> float:
    _, logits = embed(model, digits)
    return float((logits.argmax(1) == as_tensor(labels).long()).float().mean())


def random_shift(batch: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Move each digit by its own random offset of up to `shift` pixels, filling with background."""
    if shift == 0:
        return batch
    count = batch.shape[0]
    padded = F.pad(batch, (shift, shift, shift, shift), value=-1.0)  # (B, 1, 28 + 2s, 28 + 2s)
    offsets = torch.randint(0, 2 * shift + 1, (2, count), generator=generator)
    rows = offsets[0][:, None] + torch.arange(28)  # (B, 28)
    columns = offsets[1][:, None] + torch.arange(28)  # (B, 28)
    batch_index = torch.arange(count)[:, None, None]
    return padded[:, 0][batch_index, rows[:, :, None], columns[:, None, :]].unsqueeze(1)


def train(config: ClassifierConfig, log=print) -> dict:
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    images, labels = load_split(config.data_dir, "train", log=log)
    if config.limit:
        images, labels = images[: config.limit], labels[: config.limit]
    test_images, test_labels = load_split(config.data_dir, "test", log=log)
    inputs = to_input(images)  # (60000, 1, 28, 28)
    targets = as_tensor(labels).long()
    model = MnistClassifier(config.width, config.feature_dim).to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay, foreach=True
    )
    steps_per_epoch = math.ceil(len(inputs) / config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.learning_rate, total_steps=config.epochs * steps_per_epoch
    )
    order_generator = torch.Generator().manual_seed(config.seed)
    started = time.time()
    for epoch in range(config.epochs):
        model.train()
        order = torch.randperm(len(inputs), generator=order_generator)
        progress = tqdm(
            range(steps_per_epoch),
            desc=f"epoch {epoch + 1}/{config.epochs}",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
            leave=False,
        )
        for step in progress:
            index = order[step * config.batch_size : (step + 1) * config.batch_size]
            if len(index) < 2:  # a last batch of one digit: batch norm cannot normalize it
                continue
            batch = random_shift(inputs[index], config.shift, order_generator).contiguous(
                memory_format=torch.channels_last
            )
            loss = F.cross_entropy(model(batch), targets[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            if step % 50 == 0:
                progress.set_postfix(loss=f"{loss.item():.3f}")
        model.eval()
        test_accuracy = accuracy(model, test_images, test_labels)
        log(f"epoch {epoch + 1}/{config.epochs}: test accuracy {test_accuracy:.2%} ({time.time() - started:.0f} s)")
    return {
        "format_version": FORMAT_VERSION,
        "kind": "classifier",
        "model_config": model.model_config(),
        "model": {name: tensor.detach().cpu().contiguous().clone() for name, tensor in model.state_dict().items()},
        "test_accuracy": test_accuracy,
        "config": asdict(config),
        "seconds": round(time.time() - started, 1),
    }


def main(argv=None) -> int:
    config, _ = parse_config(
        ClassifierConfig,
        argv,
        prog="python -m gan.classifier",
        description="Train the MNIST classifier whose features the quality metrics use.",
    )
    with one_line_errors(DataError, CheckpointError):
        check_regular_target(config.out)  # before minutes of training, not after
        checkpoint = train(config)
        save_checkpoint(checkpoint, config.out)
    print(
        f"test accuracy {checkpoint['test_accuracy']:.2%} after {config.epochs} epochs "
        f"({checkpoint['seconds']:.0f} s); saved {config.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
