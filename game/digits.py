"""The MNIST test split that ships with the game, read with numpy alone (no torch).

Real digits come from here for every game (the networks never trained on
them), and a reopened record rebuilds its real digits from their test-set
indices. The files ship in `game/assets/` (gzip IDX), so a fresh clone
plays with no data folder and no network.
"""

from pathlib import Path

import numpy as np

from gan.data import DataError, read_idx

ASSETS = Path(__file__).resolve().parent / "assets"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"


def load_test_digits(folder: Path = ASSETS) -> tuple[np.ndarray, np.ndarray]:
    """(images (10000, 28, 28) uint8, labels (10000,) uint8) of MNIST's test split."""
    try:
        images = read_idx((folder / TEST_IMAGES).read_bytes(), TEST_IMAGES)
        labels = read_idx((folder / TEST_LABELS).read_bytes(), TEST_LABELS)
    except OSError as error:
        raise DataError(
            f"{folder}: the game's test digits are missing ({error.strerror or error}); "
            "reinstall or `git checkout game/assets`"
        ) from error
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise DataError(f"{folder}: test digits have shape {images.shape}, labels {labels.shape}")
    return images, labels
