"""Watches a training run for the ways GANs die, so the progress bar and the log say so while there is time to act."""

import math

import numpy as np


class Health:
    D_WINS_STEPS = 500  # consecutive logged steps' worth of D winning outright before we call it

    def __init__(self, best_fid: float = math.inf):
        self.d_winning_since = None
        self.best_fid = best_fid

    def check_step(self, step: int, d_real: float, d_fake: float, loss_d: float, loss_g: float) -> list[str]:
        problems = []
        if not (math.isfinite(loss_d) and math.isfinite(loss_g)):
            problems.append("non-finite loss")
        if d_real > 0.99 and d_fake < 0.01:
            self.d_winning_since = step if self.d_winning_since is None else self.d_winning_since
            if step - self.d_winning_since >= self.D_WINS_STEPS:
                problems.append(f"D winning outright since step {self.d_winning_since}")
        else:
            self.d_winning_since = None
        return problems

    def check_epoch(
        self, samples: np.ndarray, reference_diversity: float, fid: float | None, check_diversity: bool = True
    ) -> list[str]:
        """After the first epoch a healthy G's samples differ about as much as real digits do."""
        problems = []
        diversity = sample_diversity(samples)
        if check_diversity and diversity < 0.5 * reference_diversity:
            problems.append(f"samples alike (diversity {diversity:.2f} vs real {reference_diversity:.2f})")
        if fid is not None:
            if not math.isfinite(fid):
                problems.append("non-finite FID")
            elif fid > 2 * self.best_fid + 5:
                problems.append(f"FID {fid:.1f} far above its best {self.best_fid:.1f}")
            self.best_fid = min(self.best_fid, fid)
        return problems


def sample_diversity(digits: np.ndarray) -> float:
    """Mean pixel distance between pairs of digits (uint8 -> [0, 1]); a collapsed G scores near 0."""
    flat = digits.reshape(len(digits), -1).astype(np.float32) / 255.0
    squared = (flat * flat).sum(1)
    distances = squared[:, None] + squared[None, :] - 2 * flat @ flat.T
    count = len(flat)
    return float(np.sqrt(np.clip(distances, 0, None)).sum() / (count * (count - 1)))
