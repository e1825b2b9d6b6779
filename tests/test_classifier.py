"""The MNIST classifier behind the metrics: its shapes, its training script, and the shipped weights."""

import re

import pytest
import torch
from conftest import ROOT, assert_one_line_error, run_python

from gan.classifier import DEFAULT_PATH, MnistClassifier, accuracy, embed, load_classifier, random_shift

CARD = ROOT / "weights" / "README.md"


def test_features_and_logits_shapes():
    model = MnistClassifier(width=8, feature_dim=32).eval()
    images = torch.rand(5, 1, 28, 28) * 2 - 1
    assert model.features(images).shape == (5, 32)
    assert model.logits(images).shape == (5, 10)
    assert torch.equal(model(images), model.head(model.features(images)))
    features, logits = embed(model, torch.randint(0, 256, (7, 28, 28), dtype=torch.uint8), batch_size=3)
    assert features.shape == (7, 32) and logits.shape == (7, 10)


def test_random_shift_moves_digits_without_changing_them():
    generator = torch.Generator().manual_seed(0)
    digit = torch.full((1, 1, 28, 28), -1.0)
    digit[0, 0, 10:18, 12:16] = 1.0  # a bright bar away from the borders
    batch = digit.repeat(64, 1, 1, 1)
    shifted = random_shift(batch, 2, generator)
    assert shifted.shape == batch.shape
    assert torch.equal((shifted == 1).sum((1, 2, 3)), (batch == 1).sum((1, 2, 3)))  # nothing cut off
    assert not torch.equal(shifted, batch)  # but moved
    top_rows = (shifted[:, 0] == 1).any(2).float().argmax(1)  # (64,) first row of the bar in each digit
    assert set(top_rows.tolist()) == {8, 9, 10, 11, 12}  # every shift of up to 2 rows occurs in 64 draws
    assert torch.equal(random_shift(batch, 0, generator), batch)


def test_training_script_writes_a_loadable_classifier(tmp_path, data_dir):
    out = tmp_path / "tiny.pt"
    result = run_python(
        "-m",
        "gan.classifier",
        "--epochs",
        "1",
        "--limit",
        "512",
        "--width",
        "4",
        "--feature-dim",
        "16",
        "--data-dir",
        data_dir,
        "--out",
        out,
        check=True,
    )
    assert "test accuracy" in result.stdout
    model, checkpoint = load_classifier(out)
    assert checkpoint["kind"] == "classifier" and checkpoint["format_version"] == 1
    assert checkpoint["config"]["limit"] == 512 and model.feature_dim == 16
    assert 0.0 <= checkpoint["test_accuracy"] <= 1.0


def test_bad_flags_are_one_line_errors(tmp_path):
    assert_one_line_error(run_python("-m", "gan.classifier", "--epochs", "0", "--out", tmp_path / "x.pt"), status=2)
    assert not (tmp_path / "x.pt").exists()


@pytest.fixture(scope="module")
def shipped():
    assert DEFAULT_PATH.exists(), "weights/mnist_classifier.pt is missing: python -m gan.classifier makes it"
    return load_classifier(DEFAULT_PATH)


def test_shipped_classifier_scores_what_its_checkpoint_says(shipped, data_dir):
    from gan.data import load_split

    model, checkpoint = shipped
    images, labels = load_split(data_dir, "test", log=lambda message: None)
    measured = accuracy(model, images, labels)
    assert measured == pytest.approx(checkpoint["test_accuracy"], abs=1e-4)
    assert measured >= 0.993


def test_model_card_quotes_the_shipped_accuracy(shipped):
    assert "mnist_classifier.pt" in CARD.read_text()
    _, checkpoint = shipped
    quoted = {float(number) for number in re.findall(r"(\d{2}\.\d+)\s*%", CARD.read_text())}
    assert round(checkpoint["test_accuracy"] * 100, 2) in {round(number, 2) for number in quoted}
