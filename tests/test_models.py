import pytest
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


def test_a_clamped_output_can_draw_exact_black_where_tanh_leaves_a_haze():
    """MNIST's backgrounds are exactly 0; tanh only approaches -1, so its near-black rounds to 1, 2, 3..."""
    for output, black in (("tanh", False), ("clamp", True)):
        generator, _ = build_models(ModelConfig(latent_dim=8, generator_width=4, discriminator_width=4, output=output))
        before_activation = torch.linspace(-4.0, -1.5, 28 * 28).view(1, 1, 28, 28)  # G says: black, firmly
        digits = to_uint8(generator.main[-1](before_activation))
        assert (digits == 0).all().item() is black, output
    config = ModelConfig(output="clamp")
    assert config.to_dict()["output"] == "clamp" and "output" not in ModelConfig().to_dict()
    assert ModelConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("layout", [torch.channels_last, torch.contiguous_format])
def test_the_heads_and_the_latent_projection_compute_their_layers_in_the_models_own_layout(layout):
    """The latent projection and D's two heads run as matrix products over rows in the models' memory
    layout (channels-last on the CPU, plain elsewhere); they must give what the layers they stand for
    give (their state_dict is those layers'), and their results and the gradient flowing back into D's
    features must keep that layout (in the other one, every op behind them converted at each step)."""
    torch.manual_seed(0)
    config = ModelConfig(latent_dim=6, generator_width=4, discriminator_width=4, classes=10, spectral_norm=False)
    generator, discriminator = (model.to(memory_format=layout) for model in build_models(config))
    z, labels = torch.randn(5, 6), torch.tensor([0, 3, 9, 3, 1])
    projection = generator.main[0]
    latent = torch.cat([z, torch.nn.functional.one_hot(labels, 10).float()], 1)
    expected = torch.nn.functional.conv_transpose2d(latent[:, :, None, None], projection.weight)
    produced = projection(latent)
    assert torch.allclose(produced, expected, atol=1e-6)
    assert produced.is_contiguous(memory_format=layout)

    images = torch.randn(5, 1, 28, 28).to(memory_format=layout)
    seen = []
    discriminator.main[-2].register_forward_hook(lambda module, inputs, output: seen.append(output))
    both = discriminator(images, labels)
    features = seen[0]  # (5, 2w, 7, 7), what both heads read
    assert features.is_contiguous(memory_format=layout)
    gradients = []
    features.register_hook(gradients.append)
    image_logits = discriminator.main[-1](features).view(-1)
    embedding = discriminator.class_embedding.weight[labels]  # (5, 2w * 7 * 7) in (channel, row, column) order
    expected = torch.stack([image_logits, image_logits + (features.flatten(1) * embedding).sum(1)], 1)
    assert torch.allclose(both, expected, atol=1e-5)
    assert torch.allclose(discriminator(images), expected[:, 0], atol=1e-5)
    both.sum().backward()
    assert gradients[0].is_contiguous(memory_format=layout)
