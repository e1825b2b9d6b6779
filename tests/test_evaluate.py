"""The evaluator: the CLI end to end, metrics that respond to what they should, the per-epoch QuickScorer."""

import json
import time

import numpy as np
import pytest
import torch
from conftest import assert_one_line_error, run_python, write_small_game_checkpoint
from torch import nn

from gan import metrics
from gan.classifier import DEFAULT_PATH as CLASSIFIER_PATH
from gan.evaluate import KEYS, QuickScorer, discriminator_logits, evaluate_generator, format_table, main
from gan.sample import TextbookGenerator


@pytest.fixture(scope="module")
def game_path(tmp_path_factory):
    return write_small_game_checkpoint(tmp_path_factory.mktemp("ckpt") / "game.pt", epoch=1, step=5)


@pytest.fixture(scope="module")
def mnist(data_dir):
    from gan.data import load_split

    train, _ = load_split(data_dir, "train", log=lambda message: None)
    test, _ = load_split(data_dir, "test", log=lambda message: None)
    return train, test


class Replay(nn.Module):
    """A 'generator' that hands out given digits in order: a perfect copycat of whatever it is fed."""

    latent_dim = 100

    def __init__(self, digits: np.ndarray):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))  # so that it has a device, like any module
        self.digits = torch.as_tensor(np.array(digits)).unsqueeze(1).float().div(127.5).sub(1.0)
        self.cursor = 0

    def forward(self, z, labels=None):
        batch = self.digits[self.cursor : self.cursor + len(z)]
        self.cursor += len(z)
        return batch


def test_cli_json_has_exactly_the_issue_keys_and_is_deterministic(game_path, data_dir, capsys):
    flags = [game_path, "--json", "--n", "300", "--seed", "3", "--data-dir", data_dir]
    result = run_python("-m", "gan.evaluate", *flags, check=True)
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert (
        tuple(values)
        == KEYS
        == (
            "fid",
            "fid_floor",
            "inception_score",
            "class_shares",
            "precision",
            "recall",
            "c2st_accuracy",
            "c2st_floor",
            "background_specks",
            "background_specks_real",
            "edge_softness",
            "edge_softness_real",
            "unsure_share",
            "unsure_share_real",
            "memorized",
            "d_accuracy",
        )
    )
    assert len(values["class_shares"]) == 10 and sum(values["class_shares"]) == pytest.approx(1.0)
    assert values["fid"] > 10 * values["fid_floor"]  # random weights make blobs, not digits
    assert values["c2st_accuracy"] > 0.9 and 0.35 < values["c2st_floor"] < 0.75
    assert 0.0 <= values["d_accuracy"] <= 1.0
    assert 1.0 <= values["inception_score"] <= 10.0
    assert main([str(flag) for flag in flags]) == 0  # in this process this time: the same numbers
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == values
    table = format_table(values, "game.pt", 300, 3, 1.0)
    for key in KEYS:
        assert key in table
    assert f"{values['fid']:10.3f}" in table and f"{values['recall']:10.3f}" in table


def test_training_digits_replayed_score_like_real_data_and_are_all_memorized(mnist, data_dir):
    train, _ = mnist
    n = 1000
    copycat = Replay(train[20000 : 20000 + n])
    result = evaluate_generator(copycat, None, n=n, seed=1, data_dir=data_dir, log=lambda message: None)
    assert result["memorized"] == 1.0
    assert result["d_accuracy"] is None
    assert result["fid"] < 3 * result["fid_floor"] + 1.0  # real digits are as close as the floor
    assert result["precision"] > 0.6 and result["recall"] > 0.6
    assert 0.4 < result["c2st_accuracy"] < 0.7  # real training digits: near the floor
    for name in ("background_specks", "edge_softness", "unsure_share"):  # what the eye sees: as in real digits
        assert result[name] == pytest.approx(result[f"{name}_real"], abs=0.03), name
    assert all(0.06 < share < 0.15 for share in result["class_shares"])
    assert result["inception_score"] > 9.0


def test_test_digits_replayed_are_not_memorized_and_one_digit_shows_in_class_shares(mnist, data_dir):
    _, test = mnist
    from gan.data import load_split

    _, labels = load_split(data_dir, "test", log=lambda message: None)
    ones = test[labels == 1][:600]
    result = evaluate_generator(Replay(ones), None, n=600, seed=0, data_dir=data_dir, log=lambda m: None, critic=False)
    assert result["c2st_accuracy"] is None and result["c2st_floor"] is None
    assert result["class_shares"][1] > 0.97
    assert result["inception_score"] < 1.5
    assert result["recall"] < 0.3  # only one kind of digit covers little of the real manifold
    assert result["memorized"] < 0.02


class CornerJudge(nn.Module):
    """A discriminator that calls a digit real when its top-left pixel is black, as in every MNIST digit."""

    def __init__(self, sign: float = 1.0):
        super().__init__()
        self.sign = sign

    def forward(self, images):
        return -self.sign * images[:, 0, 0, 0]  # (B,) logits: black corner (-1) -> +1


def test_the_checkpoints_discriminator_decides_d_accuracy(mnist, data_dir):
    _, test = mnist
    inverted = (255 - test[:200]).astype(np.uint8)  # white background: fake by the judge's rule
    result = evaluate_generator(
        Replay(inverted), CornerJudge(), n=200, seed=0, data_dir=data_dir, log=lambda m: None, critic=False
    )
    assert result["d_accuracy"] == 1.0
    contrary = metrics.d_accuracy(
        discriminator_logits(CornerJudge(-1.0), test[:50]), discriminator_logits(CornerJudge(-1.0), inverted[:50])
    )
    assert contrary == 0.0


def test_textbook_architecture_has_no_d_accuracy(tmp_path, data_dir, capsys):
    torch.manual_seed(0)
    path = tmp_path / "netG.pth"
    torch.save(TextbookGenerator().state_dict(), path)
    assert main([str(path), "--json", "--n", "100", "--data-dir", str(data_dir)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["d_accuracy"] is None


def test_bad_files_are_one_line_errors(tmp_path):
    missing = run_python("-m", "gan.evaluate", tmp_path / "missing.pt", "--json")
    assert "no such file" in assert_one_line_error(missing, status=1)
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"\x80\x02garbage" * 100)
    assert_one_line_error(run_python("-m", "gan.evaluate", corrupt), status=1)


@pytest.mark.parametrize("flags", [["--n", "0"], ["--n", "10001"], ["--n", "many"], ["--seed", "-2"], ["--jsn"]])
def test_bad_flags_are_one_line_errors(game_path, capsys, flags):
    with pytest.raises(SystemExit) as stopped:
        main([str(game_path), *flags])
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0]


def test_missing_classifier_is_a_one_line_error(game_path, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main([str(game_path), "--classifier", str(tmp_path / "none.pt")])
    assert stopped.value.code == 1
    assert "none.pt" in capsys.readouterr().err


@pytest.fixture(scope="module")
def quick_scorer(data_dir):
    return QuickScorer(data_dir, CLASSIFIER_PATH, samples=2000)


def test_quick_scorer_is_cheap_fixed_and_restores_the_mode(game_path, quick_scorer):
    from gan.checkpoint import load_models

    generator, _, _ = load_models(game_path)
    generator.train()
    started = time.time()
    first = quick_scorer(generator)
    seconds = time.time() - started
    assert generator.training
    assert set(first) == {"fid", "class_shares"}
    assert isinstance(first["fid"], float) and first["fid"] > 0
    assert len(first["class_shares"]) == 10 and sum(first["class_shares"]) == pytest.approx(1.0)
    generator.eval()
    assert quick_scorer(generator) == first  # same noise every call, and eval mode either way
    assert not generator.training
    assert seconds < 15, f"QuickScorer took {seconds:.1f} s for 2000 digits"


def test_quick_scorer_ranks_real_digits_far_above_blobs(mnist, game_path, quick_scorer):
    from gan.checkpoint import load_models

    train, _ = mnist
    real = quick_scorer(Replay(train[:2000]))["fid"]
    blobs = quick_scorer(load_models(game_path)[0])["fid"]
    assert real * 10 < blobs
