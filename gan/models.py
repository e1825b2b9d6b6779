"""DCGAN generator and discriminator made for native 28x28 MNIST digits.

The textbook DCGAN resizes MNIST to 64x64, which costs five times the pixels for
nothing; here the generator grows 1x1 -> 7x7 -> 14x14 -> 28x28 and the
discriminator mirrors it. The discriminator returns logits: the loss uses
`binary_cross_entropy_with_logits`, and `sigmoid` is applied only where a
probability is shown or measured.

With `classes = 10` the pair is class-conditional: the generator is told which
digit to draw (a one-hot label beside z), which removes the hybrids an
unconditional generator draws between two digits. The discriminator keeps its
head that judges the image alone, which the game and the metrics use, and adds a
projection head (Miyato and Koyama 2018) that judges the image as the digit it
claims to be; both are trained.
"""

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from gan.cli import check_ranges, doc

# G's last activation. Most of an MNIST digit's pixels are exactly black: tanh reaches -1 only in the
# limit, so a tanh G leaves a faint grey haze around its strokes that a careful viewer sees (the model card
# has the figures); clamped, G can draw exact black wherever its output falls below -1.
OUTPUTS = {"tanh": nn.Tanh, "clamp": nn.Hardtanh}
MAX_WIDTH = 1024  # far above what trains well here; bounds memory before a config from a file allocates anything
MAX_LATENT_DIM = 1024


@dataclass
class ModelConfig:
    latent_dim: int = field(default=100, metadata=doc("size of the noise z", minimum=1, maximum=MAX_LATENT_DIM))
    generator_width: int = field(
        default=64, metadata=doc("generator channels at 14x14 (twice that at 7x7)", minimum=1, maximum=MAX_WIDTH)
    )
    discriminator_width: int = field(
        default=64, metadata=doc("discriminator channels at 14x14 (twice that at 7x7)", minimum=1, maximum=MAX_WIDTH)
    )
    spectral_norm: bool = False  # spectral normalization of D's layers (Miyato et al. 2018)
    classes: int = field(default=0, metadata=doc("digit classes G is told to draw; 0 = unconditional", minimum=0))
    output: str = (
        "tanh"  # G's last activation: "tanh", or "clamp" (linear, clamped to [-1, 1]: exact black is reachable)
    )

    def __post_init__(self):
        check_ranges(self, describe=lambda name: f"model_config {name}")
        if self.classes not in (0, 10):
            raise ValueError(
                f"model_config classes must be 0 (unconditional) or 10 (MNIST's digits), got {self.classes}"
            )
        if self.output not in OUTPUTS:
            raise ValueError(f"model_config output must be one of {', '.join(OUTPUTS)}, got {self.output!r}")

    def to_dict(self) -> dict:
        # Options are written only when on, so checkpoints without them stay readable by older versions.
        values = asdict(self)
        for name, off in (("spectral_norm", False), ("classes", 0), ("output", "tanh")):
            if values[name] == off:
                del values[name]
        return values

    @classmethod
    def from_dict(cls, values: dict) -> "ModelConfig":
        if not isinstance(values, dict):
            raise ValueError(f"model_config is a {type(values).__name__}, not a dict")
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        unknown = sorted(set(values) - set(known), key=str)
        if unknown:
            raise ValueError(f"unknown model_config keys {unknown}")
        for name, value in known.items():
            expected = {"spectral_norm": bool, "output": str}.get(name, int)
            if type(value) is not expected:
                raise ValueError(f"model_config {name} is {value!r}, not a {expected.__name__}")
        return cls(**known)


def channels_last(tensor: torch.Tensor) -> bool:
    """Whether a (N, C, H, W) tensor is laid out channels-last (and not also plainly contiguous)."""
    return tensor.is_contiguous(memory_format=torch.channels_last) and not tensor.is_contiguous()


def flat_rows(tensor: torch.Tensor, channels_last_order: bool) -> torch.Tensor:
    """(N, C, H, W) -> (N, C * H * W) in the given order: a view when that is the tensor's own layout."""
    return tensor.permute(0, 2, 3, 1).flatten(1) if channels_last_order else tensor.flatten(1)


class LatentProjection(nn.ConvTranspose2d):
    """z -> (B, C, 7, 7): a 7x7 transposed convolution of a 1x1 input, which is one matrix product.

    It is computed as that product: the weights, the state_dict and the result are
    the transposed convolution's, but oneDNN runs its transposed-convolution kernel
    on a 1x1 input many times slower than a matrix product.
    """

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # The product's rows come out in the memory layout the model was put in (gan.speed makes it
        # channels-last on the CPU): in the other one, the batch norm and ReLU behind this layer and
        # every layer after it would convert layouts at each step.
        order = channels_last(self.weight)
        product = z.flatten(1) @ flat_rows(self.weight, order)  # (B, 7 * 7 * C)
        if order:
            return product.view(z.shape[0], *self.kernel_size, self.out_channels).permute(0, 3, 1, 2)
        return product.view(z.shape[0], self.out_channels, *self.kernel_size)


class Generator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.latent_dim = config.latent_dim
        self.classes = config.classes
        width = config.generator_width
        self.main = nn.Sequential(
            LatentProjection(config.latent_dim + config.classes, width * 2, 7, 1, 0, bias=False),
            nn.BatchNorm2d(width * 2),
            nn.ReLU(inplace=True),
            # state size. (B, 2w, 7, 7)
            nn.ConvTranspose2d(width * 2, width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            # state size. (B, w, 14, 14)
            nn.ConvTranspose2d(width, 1, 4, 2, 1, bias=False),
            OUTPUTS[config.output](),
            # state size. (B, 1, 28, 28), values in [-1, 1]
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """(B, latent_dim) noise, and (B,) digit labels for a conditional G -> (B, 1, 28, 28) in [-1, 1]."""
        if self.classes:
            if labels is None:
                raise ValueError("this generator is class-conditional: it needs a digit label per noise vector")
            # A gather from the identity, not F.one_hot: on a CPU one_hot reads the labels back to check them,
            # and the training step is checked on a CPU for any such host sync (a CUDA graph cannot hold one).
            one_hot = torch.eye(self.classes, dtype=z.dtype, device=z.device)[labels]
            z = torch.cat([z, one_hot], 1)  # (B, latent_dim + classes)
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        width = config.discriminator_width
        # Spectral norm divides each weight by its largest singular value, estimated by one power
        # iteration per training forward; its vectors u, v are buffers in the state_dict. They are
        # first estimated for PyTorch's default init, before `init_weights` redraws the weight, and
        # catch up within the first steps (the shipped hard.pt was trained this way).
        normalize = nn.utils.parametrizations.spectral_norm if config.spectral_norm else (lambda layer: layer)
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
        self.classes = config.classes
        if config.classes:  # one vector per digit, matched against the (2w, 7, 7) features
            self.class_embedding = normalize(nn.Embedding(config.classes, width * 2 * 7 * 7))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 1, 28, 28) -> (B,) logits of the image alone, positive means "real".

        With labels (a conditional D in training): (B, 2), column 0 the image alone and
        column 1 the image as that digit (the projection head).
        """
        features = self.main[:-1](x)  # (B, 2w, 7, 7)
        # Both heads are matrix products over the features' values in their own memory order (a view,
        # no copy): the 7x7 image head is one (its weights and state_dict stay the convolution's), and
        # the projection, <embedding of the label, features>, is one for every digit at once
        # (B, classes), of which the label's column is taken. One product for both keeps the gradient
        # that flows back into the features in the features' layout: in the other one, every
        # activation behind it converted at each step.
        order = channels_last(features)
        head = self.main[-1]
        flat = flat_rows(features, order)  # (B, 7 * 7 * 2w)
        weights = flat_rows(head.weight, order)  # (1, 7 * 7 * 2w)
        if labels is not None:
            embedding = self.class_embedding.weight.view(self.classes, *features.shape[1:])
            weights = torch.cat([weights, flat_rows(embedding, order)])  # (1 + classes, 7 * 7 * 2w)
        scores = flat @ weights.T.to(flat.dtype)
        image_logits = scores[:, 0] + head.bias.to(scores.dtype)
        if labels is None:
            return image_logits
        projection = scores[:, 1:].gather(1, labels[:, None]).squeeze(1)
        return torch.stack([image_logits, image_logits + projection], 1)


def init_weights(module: nn.Module) -> None:
    """N(0, 0.02) for (transposed) convolutions and embeddings, N(1, 0.02) for batch-norm scales, as in DCGAN."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Embedding)):
        if nn.utils.parametrize.is_parametrized(module, "weight"):  # spectral norm: init the raw weight
            nn.init.normal_(module.parametrizations.weight.original, 0.0, 0.02)
        else:
            nn.init.normal_(module.weight, 0.0, 0.02)
        if getattr(module, "bias", None) is not None:
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
