"""The sampler: grids, .npz with per-digit seeds, folders of PNGs, the textbook anchor, bad inputs."""

from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import assert_one_line_error, run_python, write_small_game_checkpoint
from PIL import Image

from gan.checkpoint import save_checkpoint
from gan.sample import TextbookGenerator, generate_from_seeds, load_generator, main

ANCHOR = Path(__file__).resolve().parents[2] / "shared" / "anchors" / "textbook-dcgan-netG-epoch4.pth"


@pytest.fixture(scope="module")
def game_path(tmp_path_factory) -> Path:
    """A small game checkpoint with random weights: the sampler must not care how good G is."""
    return write_small_game_checkpoint(tmp_path_factory.mktemp("ckpt") / "game.pt", epoch=3, step=10)


def test_png_grid(game_path, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main([str(game_path), "--out", str(out), "--n", "16"]) == 0
    image = Image.open(out)
    assert image.mode == "L"
    assert image.size == ((4 * 30 + 2) * 2, (4 * 30 + 2) * 2)  # 4 x 4 cells of 28 + 2 padding, scaled 2x
    assert "16 digits" in capsys.readouterr().out


def test_npz_holds_digits_and_seeds_that_remake_each_digit(game_path, tmp_path):
    out = tmp_path / "digits.npz"
    assert main([str(game_path), "--out", str(out), "--n", "12", "--seed", "40"]) == 0
    saved = np.load(out)
    digits, seeds = saved["digits"], saved["seeds"]
    assert digits.shape == (12, 28, 28) and digits.dtype == np.uint8
    assert seeds.tolist() == list(range(40, 52))
    assert (tmp_path / "digits.png").exists()  # the grid beside it
    assert len({digit.tobytes() for digit in digits}) == 12  # different noise, different digits

    # Each digit alone, from its own seed, through the CLI and through the function.
    single = tmp_path / "one.npz"
    assert main([str(game_path), "--out", str(single), "--n", "1", "--seed", str(seeds[7])]) == 0
    alone = np.load(single)["digits"][0]
    assert np.abs(alone.astype(int) - digits[7].astype(int)).max() <= 1  # batch size may move a rounding
    generator, _, _ = load_generator(game_path)
    again = generate_from_seeds(generator, [seeds[3]])[0]
    assert np.abs(again.astype(int) - digits[3].astype(int)).max() <= 1


def test_folder_holds_one_png_per_digit_and_the_grid_beside_it(game_path, tmp_path):
    folder = tmp_path / "fid_samples"
    assert main([str(game_path), "--out", str(folder), "--n", "10", "--seed", "5"]) == 0
    files = sorted(folder.iterdir())
    assert len(files) == 10 and all(path.suffix == ".png" for path in files)  # nothing else for pytorch-fid to read
    assert (tmp_path / "fid_samples.png").exists()
    first = np.array(Image.open(files[0]))
    assert first.shape == (28, 28) and first.dtype == np.uint8
    reference = tmp_path / "ref.npz"
    assert main([str(game_path), "--out", str(reference), "--n", "10", "--seed", "5"]) == 0
    stacked = np.stack([np.array(Image.open(path)) for path in files])
    assert np.array_equal(stacked, np.load(reference)["digits"])


def test_generator_mode_is_restored(game_path):
    generator, _, _ = load_generator(game_path)
    generator.train()
    generate_from_seeds(generator, [1, 2, 3])
    assert generator.training
    generator.eval()
    generate_from_seeds(generator, [1])
    assert not generator.training


def test_textbook_state_dict_is_recognised(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "netG_epoch_4.pth"
    torch.save(TextbookGenerator().state_dict(), path)  # keys main.0.weight ..., as pytorch/examples saves them
    generator, discriminator, description = load_generator(path)
    assert discriminator is None and description["kind"] == "textbook-dcgan"
    assert not generator.training
    digits = generate_from_seeds(generator, range(4))
    assert digits.shape == (4, 28, 28) and digits.dtype == np.uint8


@pytest.mark.skipif(not ANCHOR.exists(), reason="the shared textbook anchor is not on this machine")
def test_the_real_textbook_anchor_makes_digits(tmp_path):
    out = tmp_path / "anchor.npz"
    assert main([str(ANCHOR), "--out", str(out), "--n", "8"]) == 0
    digits = np.load(out)["digits"]
    assert digits.shape == (8, 28, 28)
    assert 0.05 < (digits > 127).mean() < 0.4  # white strokes on black, like MNIST


def exit_status_and_message(argv, capsys) -> tuple[int, str]:
    """Run main() in-process (a subprocess per case would cost seconds of torch import each)."""
    with pytest.raises(SystemExit) as stopped:
        main([str(arg) for arg in argv])
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0], lines
    return stopped.value.code, lines[0]


def test_bad_files_are_one_line_errors_without_traceback(tmp_path):
    missing = run_python("-m", "gan.sample", tmp_path / "nope.pt", "--out", tmp_path / "x.png")
    assert "no such file" in assert_one_line_error(missing, status=1)
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a checkpoint at all" * 10)
    assert_one_line_error(run_python("-m", "gan.sample", corrupt, "--out", tmp_path / "x.png"), status=1)
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("flags", [["--out", "x.jpg"], ["--n", "0"], ["--n", "ten"], ["--seed", "-1"], ["--bogus"]])
def test_bad_flags_are_one_line_errors(game_path, tmp_path, capsys, flags):
    assert exit_status_and_message([game_path, *flags], capsys)[0] == 2


def test_a_folder_or_other_kind_of_checkpoint_is_refused(tmp_path, capsys):
    status, message = exit_status_and_message([tmp_path, "--out", tmp_path / "x.png"], capsys)
    assert status == 1 and "folder" in message
    other = tmp_path / "other.pt"
    save_checkpoint({"format_version": 1, "kind": "classifier", "model": {}}, other)
    status, message = exit_status_and_message([other, "--out", tmp_path / "x.png"], capsys)
    assert status == 1 and "a classifier checkpoint, not a generator" in message
