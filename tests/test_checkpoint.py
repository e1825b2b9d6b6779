import errno
import os

import pytest
import torch
from conftest import small_models, write_small_game_checkpoint

from gan import checkpoint as checkpoint_module
from gan.checkpoint import CheckpointError, load_checkpoint, load_models
from gan.models import ModelConfig

TINY = ModelConfig(latent_dim=8, generator_width=4, discriminator_width=4)


def make_game_checkpoint(path, seed=0):
    write_small_game_checkpoint(path, epoch=3, step=9, seed=seed, config=TINY, metrics={"fid": 1.5})
    generator, discriminator, _ = small_models(TINY, seed)  # the same weights again, from the same seed
    return generator, discriminator


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
    torch.save({"format_version": 1, "kind": "classifier", "model": {}}, tmp_path / "classifier.pt")
    with pytest.raises(CheckpointError, match="a classifier checkpoint, not a generator's"):
        load_models(tmp_path / "classifier.pt")  # named for what it is, not for a key a generator would have


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


def test_a_conditional_game_checkpoint_round_trips_into_the_games_rounds(tmp_path):
    """The model options travel in model_config; the game's bridge plays the rebuilt models as any others."""
    from game.bridge import Bridge
    from game.state import GameRequest

    config = ModelConfig(latent_dim=8, generator_width=4, discriminator_width=4, spectral_norm=True, classes=10)
    write_small_game_checkpoint(tmp_path / "conditional.pt", epoch=2, step=8, config=config)
    generator, discriminator, _ = small_models(config)
    assert load_checkpoint(tmp_path / "conditional.pt")["model_config"] == {
        "latent_dim": 8, "generator_width": 4, "discriminator_width": 4, "classes": 10, "spectral_norm": True
    }  # fmt: skip
    loaded_generator, loaded_discriminator, _ = load_models(tmp_path / "conditional.pt")
    z, labels = torch.randn(3, 8), torch.tensor([0, 4, 9])
    assert torch.equal(loaded_generator(z, labels), generator(z, labels))
    images = generator(z, labels)
    assert torch.equal(loaded_discriminator(images), discriminator(images))  # the image alone: (B,)
    assert loaded_discriminator(images, labels).shape == (3, 2)  # and with the projection head
    threads = torch.get_num_threads()
    try:
        setup = Bridge().prepare(GameRequest(str(tmp_path / "conditional.pt"), rounds=6, seed=1))
    finally:
        torch.set_num_threads(threads)  # the game's bridge keeps to one thread; the other tests do not
    assert sorted(round_.is_real for round_ in setup.rounds) == [False] * 3 + [True] * 3
    assert all(0.0 <= round_.d_prob_real <= 1.0 for round_ in setup.rounds)


def test_model_configs_from_files_are_checked_before_anything_is_built():
    from gan.models import ModelConfig

    for values, message in [
        ({"discriminator_width": 5000}, "discriminator_width must be from 1 to 1024"),
        ({"latent_dim": 0}, "latent_dim must be from 1 to 1024"),
        ({"classes": 7}, "classes must be 0"),
        ({"generator_width": 64.5}, "not a int"),
        ({"spectral_norm": "yes"}, "not a bool"),
        ({"colour": True}, "unknown model_config keys"),
    ]:
        with pytest.raises(ValueError, match=message):
            ModelConfig.from_dict(values)
    with pytest.raises(ValueError, match="not a dict"):
        ModelConfig.from_dict(["latent_dim", 100])


def test_the_textbook_fallback_keeps_the_archive_guard(tmp_path, monkeypatch):
    """A file the guard refuses is refused as the textbook generator too, not handed to torch.load after all."""
    from gan.sample import TextbookGenerator, load_generator

    path = tmp_path / "netG.pth"
    torch.save(TextbookGenerator().state_dict(), path)
    assert load_generator(path)[2]["kind"] == "textbook-dcgan"
    monkeypatch.setattr(checkpoint_module, "MAX_UNPACKED_BYTES", 1000)  # stands in for a zip that unpacks to TBs
    with pytest.raises(CheckpointError, match="would unpack"):
        load_generator(path)
    legacy = tmp_path / "legacy.pth"  # torch's pre-zip format: pickle framing that the guard never lets through
    torch.save(TextbookGenerator().state_dict(), legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="not a PyTorch zip archive"):
        load_generator(legacy)
