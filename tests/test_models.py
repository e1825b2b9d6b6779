import torch

from gan.models import Discriminator, Generator, ModelConfig, build_models, from_uint8, to_uint8


def test_shapes_follow_the_native_28x28_layout():
    config = ModelConfig(latent_dim=16, generator_width=8, discriminator_width=8)
    generator, discriminator = build_models(config)
    images = generator(torch.randn(5, 16))
    assert images.shape == (5, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1  # Tanh
    assert discriminator(images).shape == (5,)


def test_discriminator_returns_unbounded_logits():
    discriminator = Discriminator(ModelConfig())
    with torch.no_grad():
        discriminator.main[-1].bias.fill_(5.0)
    logits = discriminator(torch.zeros(2, 1, 28, 28))
    assert (logits > 1).all()  # a probability could never exceed 1


def test_dcgan_init_is_normal_with_std_0_02():
    generator, _ = build_models(ModelConfig())
    weight = generator.main[3].weight
    assert abs(weight.mean().item()) < 0.002 and abs(weight.std().item() - 0.02) < 0.002
    assert abs(generator.main[1].weight.mean().item() - 1.0) < 0.01


def test_uint8_conversion_round_trips():
    digits = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8)
    assert torch.equal(to_uint8(from_uint8(digits)), digits)
    assert Generator(ModelConfig()).latent_dim == 100
