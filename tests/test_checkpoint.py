import errno
import os

import pytest
import torch

from gan import checkpoint as checkpoint_module
from gan.checkpoint import CheckpointError, game_checkpoint, load_checkpoint, load_models, save_checkpoint
from gan.models import ModelConfig, build_models


def make_game_checkpoint(path, seed=0):
    torch.manual_seed(seed)
    config = ModelConfig(latent_dim=8, generator_width=4, discriminator_width=4)
    generator, discriminator = build_models(config)
    save_checkpoint(
        game_checkpoint(
            generator.state_dict(), discriminator.state_dict(), config, epoch=3, step=9, metrics={"fid": 1.5}
        ),
        path,
    )
    return generator.eval(), discriminator.eval()


def test_game_checkpoint_round_trip_gives_the_same_models(tmp_path):
    generator, discriminator = make_game_checkpoint(tmp_path / "g.pt")
    loaded_generator, loaded_discriminator, checkpoint = load_models(tmp_path / "g.pt")
    z = torch.randn(3, 8)
    assert torch.equal(loaded_generator(z), generator(z))
    assert torch.equal(loaded_discriminator(generator(z)), discriminator(generator(z)))
    assert checkpoint["epoch"] == 3 and checkpoint["metrics"] == {"fid": 1.5}
    assert "optimizer_g" not in checkpoint
    assert not loaded_generator.training


def test_checkpoint_is_a_plain_dict_loadable_with_weights_only(tmp_path):
    make_game_checkpoint(tmp_path / "g.pt")
    raw = torch.load(tmp_path / "g.pt", map_location="cpu", weights_only=True)
    assert raw["format_version"] == 1 and raw["kind"] == "game"
    assert isinstance(raw["model_config"], dict)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"", "not a readable checkpoint"),
        (b"this is not a checkpoint at all", "not a readable checkpoint"),
    ],
)
def test_missing_or_corrupt_files_raise_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.pt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message) as caught:
        load_models(path)
    assert "\n" not in str(caught.value)


def test_truncated_checkpoint_is_refused(tmp_path):
    make_game_checkpoint(tmp_path / "g.pt")
    data = (tmp_path / "g.pt").read_bytes()
    (tmp_path / "g.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError):
        load_models(tmp_path / "g.pt")


def test_other_formats_and_mismatched_weights_are_refused(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="no format_version"):
        load_checkpoint(tmp_path / "foreign.pt")
    torch.save({"format_version": 99}, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="format 99"):
        load_checkpoint(tmp_path / "future.pt")
    make_game_checkpoint(tmp_path / "g.pt")
    checkpoint = torch.load(tmp_path / "g.pt", weights_only=True)
    checkpoint["model_config"]["generator_width"] = 5
    torch.save(checkpoint, tmp_path / "mismatch.pt")
    with pytest.raises(CheckpointError, match="do not fit"):
        load_models(tmp_path / "mismatch.pt")


def test_pickled_code_in_a_checkpoint_is_never_run(tmp_path):
    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'ran'}",))

    torch.save({"format_version": 1, "payload": Payload()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "evil.pt")
    assert not (tmp_path / "ran").exists()


def test_a_full_disk_during_save_keeps_the_old_file(tmp_path, monkeypatch):
    make_game_checkpoint(tmp_path / "g.pt", seed=0)
    before = (tmp_path / "g.pt").read_bytes()

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint_module.os, "fsync", disk_full)
    with pytest.raises(CheckpointError, match="No space left on device"):
        make_game_checkpoint(tmp_path / "g.pt", seed=1)
    assert (tmp_path / "g.pt").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["g.pt"]  # no temporary file left behind
