"""How good is a generator? Pure functions on features, logits and digits.

Everything here takes arrays or tensors and returns plain floats, so the
evaluator, the per-epoch quick score and the tests share one implementation:

- `fid`: Fréchet distance between Gaussians fitted to two feature sets
  (Heusel et al. 2017), here in the MNIST classifier's features;
- `inception_score` and `class_shares` from the classifier's logits;
- `precision_recall`: k-nearest-neighbour manifolds (Kynkäänniemi et al. 2019);
- `nearest_distances` and `memorized_share`: does the generator copy training digits?
- `c2st_accuracy`: a classifier two-sample test (Lopez-Paz and Oquab 2017), trained to convergence;
- `eye_figures`: background specks, soft edges and unsure digits, the marks a person's eye catches;
- `d_accuracy`: how often a discriminator's logits are on the right side of 0.5.

On the CPU each function gives the same number for the same inputs and seed.
"""

import contextlib
import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gan.models import from_uint8
from gan.speed import cpu_matrix_units


def _tensor(values) -> torch.Tensor:
    """Arrays, lists or tensors as a CPU tensor; read-only arrays (MNIST straight from its files) are copied."""
    if isinstance(values, torch.Tensor):
        return values.detach().cpu()
    values = np.asarray(values)
    return torch.from_numpy(values if values.flags.writeable else values.copy())


@contextlib.contextmanager
def single_thread():
    """Run small ops on one thread, then restore the caller's setting.

    A 256x256 eigen-decomposition is too small for threads to pay, and on a shared
    CPU (a training run beside us) threads that wait on each other at barriers make
    it many times slower than one thread.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _float64(values) -> torch.Tensor:
    return _tensor(values).double()


def _as_float32(values) -> torch.Tensor:
    return _tensor(values).float()


# ----------------------------------------------------------------------------- Fréchet distance


def gaussian_statistics(features) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, D) features -> (mean (D,), covariance (D, D)), float64, unbiased like numpy.cov."""
    features = _float64(features)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"need (N, D) features with N >= 2, got shape {tuple(features.shape)}")
    mean = features.mean(0)
    centered = features - mean
    return mean, centered.T @ centered / (features.shape[0] - 1)


def _sqrt_psd(matrix: torch.Tensor) -> torch.Tensor:
    """Square root of a symmetric positive semi-definite matrix; tiny negative eigenvalues are rounding."""
    eigenvalues, eigenvectors = torch.linalg.eigh((matrix + matrix.T) / 2)
    return (eigenvectors * eigenvalues.clamp(min=0).sqrt()) @ eigenvectors.T


def frechet_distance(mean_a, covariance_a, mean_b, covariance_b) -> float:
    """|m_a - m_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2)).

    tr((C_a C_b)^(1/2)) equals tr((S C_b S)^(1/2)) with S = C_a^(1/2), and S C_b S is
    symmetric, so two symmetric eigen-decompositions in float64 replace scipy's sqrtm
    and never produce the complex parts sqrtm has to be told to drop.
    """
    mean_a, mean_b = _float64(mean_a), _float64(mean_b)
    covariance_a, covariance_b = _float64(covariance_a), _float64(covariance_b)
    with single_thread():
        root_a = _sqrt_psd(covariance_a)
        middle = root_a @ covariance_b @ root_a
        trace_of_root = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()
    distance = (mean_a - mean_b).square().sum() + covariance_a.trace() + covariance_b.trace() - 2 * trace_of_root
    return max(float(distance), 0.0)


def fid(features_a, features_b) -> float:
    """Fréchet distance between two (N, D) feature sets; 0 for identical sets."""
    return frechet_distance(*gaussian_statistics(features_a), *gaussian_statistics(features_b))


# ----------------------------------------------------------------------------- classifier outputs


def inception_score(logits) -> float:
    """exp(E_x KL(p(y|x) || p(y))) over all samples in one split; 1 (all alike) to 10 (confident and balanced)."""
    log_probabilities = torch.log_softmax(_float64(logits), dim=1)  # (N, 10)
    probabilities = log_probabilities.exp()
    log_marginal = probabilities.mean(0).clamp(min=1e-300).log()  # (10,)
    kl = (probabilities * (log_probabilities - log_marginal)).sum(1)  # (N,)
    return float(kl.mean().exp())


def class_shares(logits, classes: int = 10) -> list[float]:
    """Share of samples the classifier puts in each class; a collapsing generator shows here first."""
    predicted = _float64(logits).argmax(1)
    counts = torch.bincount(predicted, minlength=classes).double()
    return [float(share) for share in counts / max(len(predicted), 1)]


# ----------------------------------------------------------------------------- precision and recall


def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(N, D), (M, D) float -> (N, M) Euclidean distances via |a|^2 + |b|^2 - 2ab (one matmul)."""
    squared = a.square().sum(1)[:, None] + b.square().sum(1)[None, :] - 2 * a @ b.T
    return squared.clamp(min=0).sqrt()


def knn_radii(features, k: int = 3, chunk: int = 2048) -> torch.Tensor:
    """(N, D) -> (N,) distance from each point to its k-th nearest other point of the same set."""
    features = _as_float32(features)
    if len(features) <= k:
        raise ValueError(f"need more than k={k} points for k-NN radii, got {len(features)}")
    norms = features.square().sum(1)
    radii = []
    for start in range(0, len(features), chunk):
        batch = features[start : start + chunk]
        # |f|^2 - 2 b.f in one fused product: the batch point's own |b|^2 is the same along its row, so it is added
        # after the ranking, and only the k-th distance of each row is square-rooted.
        partial = torch.addmm(norms[None, :], batch, features.T, alpha=-2)  # (chunk, N)
        # The point itself is at distance 0 and ranks first, so the k-th neighbour is the (k+1)-th smallest.
        kth = partial.topk(k + 1, dim=1, largest=False).values[:, k]
        radii.append((kth + norms[start : start + chunk]).clamp(min=0).sqrt())
    return torch.cat(radii)


def precision_recall(real_features, fake_features, k: int = 3, chunk: int = 2048) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    precision: share of fakes inside the real manifold, the union of balls around
    each real point reaching its k-th nearest real neighbour; recall: share of reals
    inside the fake manifold. Low precision = bad digits; low recall = kinds of
    digits the generator never makes.
    """
    real, fake = _as_float32(real_features), _as_float32(fake_features)
    real_radii, fake_radii = knn_radii(real, k, chunk), knn_radii(fake, k, chunk)
    fake_inside = []
    real_inside = torch.zeros(len(real), dtype=torch.bool)
    for start in range(0, len(fake), chunk):  # one pass over the fake-real distances serves both
        distances = pairwise_distances(fake[start : start + chunk], real)  # (chunk, N_real)
        fake_inside.append((distances <= real_radii[None, :]).any(1))
        real_inside |= (distances <= fake_radii[start : start + chunk, None]).any(0)
    return float(torch.cat(fake_inside).double().mean()), float(real_inside.double().mean())


# ----------------------------------------------------------------------------- memorization


def _centered_pixels(digits) -> torch.Tensor:
    """(N, 28, 28) uint8 -> (N, 784) int8 pixel - 128: distances do not change, and int8 matmuls are exact."""
    return (_tensor(digits).flatten(1).to(torch.int16) - 128).to(torch.int8)


def _exact_dot(queries: torch.Tensor, references_t: torch.Tensor) -> torch.Tensor:
    """(N, 784) int8 @ (784, M) int8 -> (N, M) int32, exact: `torch._int_mm` where the hardware multiplies int8
    matrices, float64 (also exact here) elsewhere: on a CPU without AMX or AVX-512 VNNI, `_int_mm` is emulated
    and far slower than the float64 product (README, "CPUs without matrix units")."""
    if queries.device.type != "cpu" or cpu_matrix_units("int8"):
        try:
            return torch._int_mm(queries, references_t)
        except (AttributeError, RuntimeError, NotImplementedError):
            pass
    return (queries.double() @ references_t.double()).round().to(torch.int32)


def nearest_distances(queries, references, chunk: int = 2048, reference_chunk: int = 16384) -> torch.Tensor:
    """(N, 28, 28) and (M, 28, 28) uint8 digits -> (N,) pixel distance to the nearest reference, pixels in [0, 1].

    Exact: with pixels shifted to int8 the squared distances are integers that fit
    int32 (784 * 255^2 < 2^31), so no float rounding hides an exact copy. The
    query's own norm is the same for every reference, so it is added after the min.
    """
    references = _centered_pixels(references)  # (M, 784)
    queries = _centered_pixels(queries)  # (N, 784)
    # Big blocks: int8 matmuls run much faster on large blocks than on many small ones.
    reference_blocks = [
        (block.T, block.to(torch.int32).square().sum(1))  # (784, m), (m,)
        for block in references.split(reference_chunk)
    ]
    nearest = []
    for batch in queries.split(chunk):
        best = torch.full((len(batch),), torch.iinfo(torch.int32).max, dtype=torch.int32)
        for block_t, block_norms in reference_blocks:
            partial = _exact_dot(batch, block_t).mul_(-2).add_(block_norms)  # (B, m): |r|^2 - 2 q.r
            best = torch.minimum(best, partial.min(1).values)
        nearest.append(best + batch.to(torch.int32).square().sum(1))
    if not nearest:
        return torch.zeros(0)
    return torch.cat(nearest).double().sqrt().float() / 255.0


def memorization_threshold(test_nearest, quantile: float = 0.001) -> float:
    """The distance to the nearest training digit that all but `quantile` of real test digits exceed."""
    return float(torch.quantile(_float64(test_nearest), quantile))


def memorized_share(sample_nearest, test_nearest, quantile: float = 0.001) -> float:
    """Share of samples closer to a training digit than all but `quantile` of real test digits are.

    A fresh real digit lands that close to a training digit 0.1% of the time, so a
    share far above 0.001 means the generator reproduces training digits.
    """
    threshold = memorization_threshold(test_nearest, quantile)
    return float((_float64(sample_nearest) < threshold).double().mean())


# ----------------------------------------------------------------------------- two-sample test


class CriticNet(nn.Module):
    """The two-sample critic: a digit's pixels and its MNIST-classifier features -> one logit, positive = real.

    Two views, as a careful viewer has: a small CNN over the pixels at full resolution
    (specks and stroke edges live in single pixels), and the features of a network that
    reads digits (malformed and hybrid digits lie off the manifold of real ones there).
    The classifier is frozen; its features are computed once and passed in.
    """

    def __init__(self, feature_dim: int, width: int = 16, hidden: int = 256):
        super().__init__()
        self.pixels = nn.Sequential(
            nn.Conv2d(1, width, 3, 1, 1),
            nn.LeakyReLU(0.2),
            # state size. (B, w, 28, 28)
            nn.Conv2d(width, width * 2, 4, 2, 1),
            nn.LeakyReLU(0.2),
            # state size. (B, 2w, 14, 14)
            nn.Conv2d(width * 2, width * 2, 4, 2, 1),
            nn.LeakyReLU(0.2),
            # state size. (B, 2w, 7, 7)
            nn.Flatten(),
            nn.Linear(width * 2 * 49, 64),
        )
        self.head = nn.Sequential(
            nn.Linear(feature_dim + 64, hidden),
            nn.LeakyReLU(0.2),
            nn.Dropout(0.3),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Dropout(0.3),
            nn.Linear(hidden, 1),
        )

    def forward(self, images: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([features, self.pixels(images)], 1)).view(-1)  # (B,)


def _digits_to_input(digits) -> torch.Tensor:
    return from_uint8(_tensor(digits))  # (N, 28, 28) uint8 -> (N, 1, 28, 28) in [-1, 1]


def _split(count: int, generator: torch.Generator, shares=(0.7, 0.1)) -> tuple[torch.Tensor, ...]:
    """Indices of (train, validation, held out) parts of `count` items, shuffled: each item in exactly one."""
    order = torch.randperm(count, generator=generator)
    train_end = int(round(count * shares[0]))
    validation_end = train_end + max(1, int(round(count * shares[1])))
    return order[:train_end], order[train_end:validation_end], order[validation_end:]


def _critic_logits(critic, images: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    critic.eval()
    with torch.no_grad():
        return torch.cat([critic(*batch) for batch in zip(images.split(1000), features.split(1000))])


def c2st_accuracy(
    real_digits,
    fake_digits,
    real_features,
    fake_features,
    seed: int = 0,
    max_epochs: int = 200,
    patience: int = 10,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
) -> float:
    """Held-out accuracy of a fresh critic trained to convergence to tell real from generated uint8 digits.

    `*_features` are each digit's classifier view, (N, F) (features and log-probabilities).
    The digits of each kind are split 70/10/20 into training, validation and held-out parts.
    The critic (`CriticNet`) trains until its validation loss has not improved for `patience`
    epochs, goes back to its best epoch, and is scored on the held-out part, which it never
    saw: 0.5 means the two sets could not be told apart, 1.0 that every held-out digit was
    called right.
    """
    count = min(len(real_digits), len(fake_digits))
    if count < 10:
        raise ValueError(f"need at least 10 digits of each kind for the two-sample test, got {count}")
    images = torch.cat([_digits_to_input(real_digits[:count]), _digits_to_input(fake_digits[:count])])
    features = torch.cat([_as_float32(real_features[:count]), _as_float32(fake_features[:count])])
    features = (features - features.mean(0)) / (features.std(0) + 1e-6)
    labels = torch.cat([torch.ones(count), torch.zeros(count)])
    with torch.random.fork_rng(devices=[]):  # a seeded critic; the caller's RNG stays as it was
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        parts = [_split(count, generator) for _ in range(2)]  # the same shares of reals and of fakes
        train, validation, held_out = (torch.cat([parts[0][i], parts[1][i] + count]) for i in range(3))
        critic = CriticNet(features.shape[1])
        optimizer = torch.optim.Adam(critic.parameters(), lr=learning_rate, weight_decay=1e-4)
        best_loss, best_state, waited = math.inf, None, 0
        for _ in range(max_epochs):
            critic.train()
            order = train[torch.randperm(len(train), generator=generator)]
            for batch in order.split(batch_size):
                loss = F.binary_cross_entropy_with_logits(critic(images[batch], features[batch]), labels[batch])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            logits = _critic_logits(critic, images[validation], features[validation])
            validation_loss = F.binary_cross_entropy_with_logits(logits, labels[validation]).item()
            if validation_loss < best_loss:
                best_loss, best_state, waited = validation_loss, copy.deepcopy(critic.state_dict()), 0
            else:
                waited += 1
                if waited >= patience:
                    break
        critic.load_state_dict(best_state)
        logits = _critic_logits(critic, images[held_out], features[held_out])
    is_real = labels[held_out] > 0
    return d_accuracy(logits[is_real], logits[~is_real])


def critic_features(features, logits) -> torch.Tensor:
    """What the critic is given of the classifier: its features and its log-probabilities, (N, F + 10)."""
    return torch.cat([_as_float32(features), torch.log_softmax(_as_float32(logits), 1)], 1)


# ----------------------------------------------------------------------------- what a person's eye sees

INK = 128  # a pixel this bright is part of a stroke
SPECK = 32  # a pixel brighter than this is visible on a black screen
SPECK_DISTANCE = 3  # a speck counts when it is further than this from every stroke pixel
MID_GREY = (64, 192)  # [low, high): neither background nor the stroke's core: soft edges


def eye_figures(digits, classifier_logits=None) -> dict:
    """Three figures a careful viewer uses, on (N, 28, 28) uint8 digits (compare them with real digits'):

    - `background_specks`: share of digits with a visible grey pixel (> 32) more than 3 pixels
      from any stroke pixel (>= 128); real MNIST backgrounds are black (compare `background_specks_real`);
    - `edge_softness`: share of mid-grey pixels (64-191) among the ink from 32 up: blurry strokes;
    - `unsure_share`: share of digits whose classifier probability of its likeliest digit is below 0.9,
      the hybrids between two digits (from `classifier_logits` (N, 10), when given).
    """
    pixels = _tensor(digits).float()  # (N, 28, 28)
    near_stroke = F.max_pool2d((pixels >= INK).float()[:, None], 2 * SPECK_DISTANCE + 1, 1, SPECK_DISTANCE)[:, 0] > 0
    specks = (pixels > SPECK) & ~near_stroke
    visible = pixels >= SPECK
    mid_grey = (pixels >= MID_GREY[0]) & (pixels < MID_GREY[1])
    figures = {
        "background_specks": float(specks.flatten(1).any(1).double().mean()),
        "edge_softness": float(mid_grey.sum() / visible.sum().clamp(min=1)),
    }
    if classifier_logits is not None:
        confidence = torch.softmax(_as_float32(classifier_logits), 1).max(1).values
        figures["unsure_share"] = float((confidence < 0.9).double().mean())
    return figures


def d_accuracy(real_logits, fake_logits) -> float:
    """Accuracy of a real/fake critic at threshold 0.5 (logit 0): reals above, fakes at or below.

    The mean of the two per-class accuracies, so that unequal set sizes do not tilt it.
    """
    real_logits, fake_logits = _float64(real_logits), _float64(fake_logits)
    if len(real_logits) == 0 or len(fake_logits) == 0:
        raise ValueError("d_accuracy needs at least one real and one fake logit")
    real_right = (real_logits > 0).double().mean()
    fake_right = (fake_logits <= 0).double().mean()
    return float((real_right + fake_right) / 2)
