"""The metric functions on cases with known answers."""

import numpy as np
import pytest
import torch

from gan import metrics


def gaussian_cloud(count, dim, seed, mean=0.0, scale=1.0):
    return np.random.default_rng(seed).normal(mean, scale, size=(count, dim))


# ----------------------------------------------------------------------------- FID


def test_fid_of_identical_sets_is_zero():
    features = gaussian_cloud(2000, 32, seed=0)
    assert metrics.fid(features, features) == pytest.approx(0.0, abs=1e-6)


def test_fid_grows_with_a_shifted_mean_by_its_square():
    features = gaussian_cloud(4000, 8, seed=1)
    shifted = features + np.array([3.0] + [0.0] * 7)
    assert metrics.fid(features, shifted) == pytest.approx(9.0, rel=1e-6)  # same covariance: |shift|^2 exactly


def test_frechet_distance_matches_the_closed_form_for_diagonal_covariances():
    variances_a, variances_b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    expected = ((np.sqrt(variances_a) - np.sqrt(variances_b)) ** 2).sum()  # 1 + 1 + 0
    zero = np.zeros(3)
    assert metrics.frechet_distance(zero, np.diag(variances_a), zero, np.diag(variances_b)) == pytest.approx(expected)


def test_frechet_distance_agrees_with_eigenvalues_of_the_product_for_general_covariances():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    covariance_a, covariance_b = a @ a.T + 0.1 * np.eye(6), b @ b.T + 0.1 * np.eye(6)
    mean_a, mean_b = rng.normal(size=6), rng.normal(size=6)
    # C_a C_b is similar to a symmetric PSD matrix, so its eigenvalues are real and >= 0.
    trace_root = np.sqrt(np.linalg.eigvals(covariance_a @ covariance_b).real.clip(min=0)).sum()
    expected = ((mean_a - mean_b) ** 2).sum() + np.trace(covariance_a) + np.trace(covariance_b) - 2 * trace_root
    assert metrics.frechet_distance(mean_a, covariance_a, mean_b, covariance_b) == pytest.approx(expected, rel=1e-9)


def test_fid_needs_at_least_two_points():
    with pytest.raises(ValueError):
        metrics.fid(np.zeros((1, 4)), np.zeros((5, 4)))


# ----------------------------------------------------------------------------- classifier outputs


def confident_logits(labels, margin=30.0):
    logits = torch.zeros(len(labels), 10)
    logits[torch.arange(len(labels)), torch.as_tensor(labels)] = margin
    return logits


def test_inception_score_is_ten_for_confident_balanced_and_one_for_a_single_class():
    balanced = confident_logits(np.arange(1000) % 10)
    assert metrics.inception_score(balanced) == pytest.approx(10.0, rel=1e-3)
    assert metrics.inception_score(confident_logits(np.full(1000, 7))) == pytest.approx(1.0, abs=1e-6)
    assert metrics.inception_score(torch.zeros(100, 10)) == pytest.approx(1.0)  # unsure about everything


def test_class_shares_of_only_ones_puts_everything_in_class_one():
    shares = metrics.class_shares(confident_logits(np.ones(500, dtype=int)))
    assert len(shares) == 10
    assert shares[1] == pytest.approx(1.0)
    assert sum(shares) == pytest.approx(1.0)
    mixed = metrics.class_shares(confident_logits([0, 0, 3, 9]))
    assert mixed[0] == 0.5 and mixed[3] == 0.25 and mixed[9] == 0.25


# ----------------------------------------------------------------------------- precision and recall


def test_knn_radii_skip_the_point_itself():
    points = np.array([[0.0], [1.0], [3.0], [7.0], [15.0]])
    # Neighbours of 0: 1, 3, 7 -> third nearest at 7. Of 7: 3, 1, 0 (4, 6, 7 away) -> 7.
    assert metrics.knn_radii(points, k=3).tolist() == pytest.approx([7.0, 6.0, 4.0, 7.0, 14.0])


def test_precision_recall_of_the_same_distribution_is_high():
    real, fake = gaussian_cloud(2000, 2, seed=3), gaussian_cloud(2000, 2, seed=4)
    precision, recall = metrics.precision_recall(real, fake, k=3)
    assert precision > 0.9 and recall > 0.9


def test_precision_recall_of_disjoint_clouds_is_zero():
    real, fake = gaussian_cloud(500, 2, seed=5), gaussian_cloud(500, 2, seed=6, mean=50.0)
    assert metrics.precision_recall(real, fake, k=3) == (0.0, 0.0)


def test_a_collapsed_generator_has_precision_but_no_recall():
    real = np.random.default_rng(7).uniform(0, 1, size=(2000, 2))
    corner = np.random.default_rng(8).uniform(0, 0.2, size=(2000, 2))  # every fake in one corner of the real square
    precision, recall = metrics.precision_recall(real, corner, k=3)
    assert precision > 0.95
    assert recall < 0.1


def test_a_spread_out_generator_has_recall_but_little_precision():
    real = np.random.default_rng(9).uniform(0, 1, size=(2000, 2))
    wide = np.random.default_rng(10).uniform(-2, 3, size=(2000, 2))  # covers the real square and far beyond
    precision, recall = metrics.precision_recall(real, wide, k=3)
    assert precision < 0.1
    assert recall > 0.9


# ----------------------------------------------------------------------------- memorization, on real MNIST


@pytest.fixture(scope="module")
def mnist(data_dir):
    from gan.data import load_split

    train, _ = load_split(data_dir, "train", log=lambda message: None)
    test, _ = load_split(data_dir, "test", log=lambda message: None)
    return train, test


def test_training_digits_count_as_memorized_and_test_digits_do_not(mnist):
    train, test = mnist
    test_nearest = metrics.nearest_distances(test[:3000], train)
    copied = metrics.nearest_distances(train[5000:5500], train)
    fresh = metrics.nearest_distances(test[3000:4500], train)
    assert copied.max() == 0.0  # each is its own nearest neighbour, exactly
    assert metrics.memorized_share(copied, test_nearest) == 1.0
    assert metrics.memorized_share(fresh, test_nearest) < 0.01  # 0.001 expected
    assert 0.0 < metrics.memorization_threshold(test_nearest) < float(test_nearest.median())


def test_nearest_distances_are_euclidean_in_unit_pixels():
    references = np.zeros((3, 28, 28), np.uint8)
    references[1, 0, 0] = 255
    references[2] = 255
    queries = np.zeros((2, 28, 28), np.uint8)
    queries[1, :2, :2] = 255  # four white pixels: nearest is the one-pixel reference, sqrt(3) away
    assert metrics.nearest_distances(queries, references).tolist() == pytest.approx([0.0, 3**0.5], abs=1e-4)


def test_a_cpu_without_int8_matrix_units_never_calls_int_mm_and_stays_exact(monkeypatch):
    """Emulated, torch._int_mm is about 1 GOP/s: such a CPU takes the float64 product, exact at the extremes too."""
    generator = torch.Generator().manual_seed(0)
    queries = torch.randint(-128, 128, (40, 784), dtype=torch.int8, generator=generator)
    references = torch.randint(-128, 128, (784, 24), dtype=torch.int8, generator=generator)
    queries[0], references[:, 0], references[:, 1] = -128, -128, 127  # |dot| at its largest: 784 * 128^2
    exact = queries.to(torch.int64) @ references.to(torch.int64)
    assert torch.equal(metrics._exact_dot(queries, references).to(torch.int64), exact)  # this CPU's own path

    def emulated(*_):
        raise AssertionError("torch._int_mm called on a CPU without int8 matrix units")

    monkeypatch.setattr(metrics, "cpu_matrix_units", lambda kind: False)
    monkeypatch.setattr(torch, "_int_mm", emulated)
    assert torch.equal(metrics._exact_dot(queries, references).to(torch.int64), exact)


# ----------------------------------------------------------------------------- two-sample test and D accuracy


@pytest.fixture(scope="module")
def classifier():
    from gan.classifier import DEFAULT_PATH, load_classifier

    return load_classifier(DEFAULT_PATH)[0]


def critic_view(classifier, digits):
    from gan.classifier import embed

    return metrics.critic_features(*embed(classifier, digits))


def blurred(digits: np.ndarray) -> np.ndarray:
    """Real digits through a 3x3 box blur: the soft strokes a weak generator draws."""
    pixels = torch.from_numpy(digits.astype(np.float32))[:, None]
    return torch.nn.functional.avg_pool2d(pixels, 3, 1, 1)[:, 0].round().to(torch.uint8).numpy()


def c2st(classifier, real, fake, **options):
    view = lambda digits: critic_view(classifier, digits)  # noqa: E731
    return metrics.c2st_accuracy(real, fake, view(real), view(fake), **options)


@pytest.mark.slow
def test_c2st_cannot_tell_real_from_real_but_tells_real_from_blurred_or_noise(mnist, classifier):
    _, test = mnist
    real, other_real = test[:1000], test[1000:2000]
    options = dict(max_epochs=15, patience=3)
    assert 0.4 < c2st(classifier, real, other_real, **options) < 0.6
    assert c2st(classifier, real, blurred(test[3000:4000]), **options) > 0.95
    noise = np.random.default_rng(0).integers(0, 256, size=(1000, 28, 28)).astype(np.uint8)
    assert c2st(classifier, real, noise, **options) > 0.99


def test_c2st_is_deterministic_for_a_seed_and_leaves_the_global_rng_alone(mnist, classifier):
    _, test = mnist
    real, fake = test[:400], np.flip(test[400:800], axis=2).copy()  # mirrored digits
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = c2st(classifier, real, fake, seed=5, max_epochs=3)
    after = torch.rand(1)
    assert before == after
    assert c2st(classifier, real, fake, seed=5, max_epochs=3) == first


def test_eye_figures_on_digits_with_known_answers():
    clean = np.zeros((4, 28, 28), np.uint8)
    clean[:, 8:20, 13:15] = 255  # a hard-edged stroke: no mid-grey at all
    specked = clean.copy()
    specked[0, 2, 2] = 80  # far from the stroke: a speck
    specked[1, 10, 16] = 80  # one pixel from the stroke: part of its edge, not a speck
    soft = clean.copy()
    soft[:, 8:20, 12] = 128  # a mid-grey edge beside the 24 white pixels of each stroke
    assert metrics.eye_figures(clean) == {"background_specks": 0.0, "edge_softness": 0.0}
    assert metrics.eye_figures(specked)["background_specks"] == 0.25  # one digit of four
    assert metrics.eye_figures(soft)["edge_softness"] == pytest.approx(12 / 36)
    sure, torn = torch.tensor([[9.0] + [0.0] * 9]), torch.tensor([[2.0, 2.0] + [0.0] * 8])
    logits = torch.cat([sure, sure, torn, sure])
    assert metrics.eye_figures(clean, logits)["unsure_share"] == 0.25


def test_d_accuracy_counts_reals_above_and_fakes_at_or_below_one_half():
    real_logits, fake_logits = torch.tensor([2.0, 1.0, -1.0, 0.5]), torch.tensor([-3.0, 0.0, 4.0, -0.1])
    # reals: 3 of 4 above 0; fakes: 3 of 4 at or below 0
    assert metrics.d_accuracy(real_logits, fake_logits) == pytest.approx(0.75)
    assert metrics.d_accuracy(torch.ones(10), -torch.ones(3)) == 1.0
    assert metrics.d_accuracy(torch.zeros(5), torch.zeros(5)) == 0.5  # D at exactly 0.5 calls everything fake


def test_precision_recall_match_a_direct_count_whatever_the_chunking():
    rng = np.random.default_rng(11)
    real, fake = rng.normal(size=(60, 3)), rng.normal(0.5, 1.2, size=(50, 3))

    def radii(points):  # 3rd nearest other point, by sorting full distance rows
        distances = np.linalg.norm(points[:, None] - points[None], axis=2)
        return np.sort(distances, axis=1)[:, 3]

    cross = np.linalg.norm(fake[:, None] - real[None], axis=2)  # (50, 60)
    precision = (cross <= radii(real)[None, :]).any(1).mean()
    recall = (cross.T <= radii(fake)[None, :]).any(1).mean()
    assert 0 < precision < 1 and 0 < recall < 1  # a case where both counts matter
    for chunk in (7, 1024):
        assert metrics.precision_recall(real, fake, k=3, chunk=chunk) == pytest.approx((precision, recall), abs=1e-9)
