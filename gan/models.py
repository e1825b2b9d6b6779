"""DCGAN generator and discriminator made for native 28x28 MNIST digits.

The textbook DCGAN resizes MNIST to 64x64, which costs five times the pixels for
nothing; here the generator grows 1x1 -> 7x7 -> 14x14 -> 28x28 and the
discriminator mirrors it. The discriminator returns logits: the loss uses
`binary_cross_entropy_with_logits`, and `sigmoid` is applied only where a
probability is shown or measured.
"""

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class ModelConfig:
    latent_dim: int = 100  # size of the noise vector z fed to the generator
    generator_width: int = 64  # channels of the generator's last hidden layer (2x that at 7x7)
    discriminator_width: int = 64  # channels of the discriminator's first layer (2x that at 7x7)
    spectral_norm: bool = False  # spectral normalization of D's convolutions (Miyato et al. 2018)

    def to_dict(self) -> dict:
        values = asdict(self)
        if not self.spectral_norm:  # written only when on, so such checkpoints stay readable by older versions
            del values["spectral_norm"]
        return values

    @classmethod
    def from_dict(cls, values: dict) -> "ModelConfig":
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown model_config keys {unknown}")
        return cls(**known)


class Generator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.latent_dim = config.latent_dim
        width = config.generator_width
        self.main = nn.Sequential(
            nn.ConvTranspose2d(config.latent_dim, width * 2, 7, 1, 0, bias=False),
            nn.BatchNorm2d(width * 2),
            nn.ReLU(inplace=True),
            # state size. (B, 2w, 7, 7)
            nn.ConvTranspose2d(width * 2, width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            # state size. (B, w, 14, 14)
            nn.ConvTranspose2d(width, 1, 4, 2, 1, bias=False),
            nn.Tanh(),
            # state size. (B, 1, 28, 28), values in [-1, 1]
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.view(z.shape[0], self.latent_dim, 1, 1))  # (B, latent) -> (B, 1, 28, 28)


class Discriminator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        width = config.discriminator_width
        # Spectral norm divides each weight by its largest singular value, estimated by one power
        # iteration per training forward; its vectors u, v are buffers in the state_dict. They are
        # first estimated for PyTorch's default init, before `init_weights` redraws the weight, and
        # catch up within the first steps (the shipped hard.pt was trained this way).
        normalize = nn.utils.parametrizations.spectral_norm if config.spectral_norm else (lambda conv: conv)
        self.main = nn.Sequential(
            normalize(nn.Conv2d(1, width, 4, 2, 1)),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (B, w, 14, 14)
            normalize(nn.Conv2d(width, width * 2, 4, 2, 1)),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (B, 2w, 7, 7)
            normalize(nn.Conv2d(width * 2, 1, 7, 1, 0)),
            # state size. (B, 1, 1, 1): one logit per image
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1)  # (B, 1, 28, 28) -> (B,) logits, positive means "real"


def init_weights(module: nn.Module) -> None:
    """N(0, 0.02) for convolutions and N(1, 0.02) for batch-norm scales, as in the DCGAN paper."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        if nn.utils.parametrize.is_parametrized(module, "weight"):  # spectral norm: init the raw weight
            nn.init.normal_(module.parametrizations.weight.original, 0.0, 0.02)
        else:
            nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def build_models(config: ModelConfig) -> tuple[Generator, Discriminator]:
    generator, discriminator = Generator(config), Discriminator(config)
    generator.apply(init_weights)
    discriminator.apply(init_weights)
    return generator, discriminator


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """(B, 1, 28, 28) in [-1, 1] -> (B, 28, 28) uint8, the way a PNG would store it."""
    return ((images.squeeze(1).clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def from_uint8(images: torch.Tensor) -> torch.Tensor:
    """(B, 28, 28) uint8 -> (B, 1, 28, 28) float in [-1, 1]; the inverse of `to_uint8`."""
    return images.unsqueeze(1).float().div(127.5).sub(1.0)
