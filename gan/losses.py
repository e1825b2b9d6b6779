"""The GAN losses, on D's logits: the non-saturating loss of Goodfellow et al. (2014), and R1.

D's logits are (N,) for an unconditional D, or (N, heads) for a conditional one
(the image alone, and the image as its digit); each head gets the same loss and
the heads' losses are added.
"""

import torch
import torch.nn.functional as F


def _per_head(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy against `targets` (N,), averaged over the batch, summed over heads."""
    if logits.ndim == 1:
        return F.binary_cross_entropy_with_logits(logits, targets)
    heads = logits.shape[1]
    return heads * F.binary_cross_entropy_with_logits(logits, targets[:, None].expand_as(logits))


def discriminator_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """D's loss on one call over [real; fake]: targets are 1 (or 1 - smoothing) for real, 0 for fake."""
    return _per_head(logits.float(), targets)


def generator_loss(logits_fake: torch.Tensor, ones: torch.Tensor) -> torch.Tensor:
    """Non-saturating: G maximizes log D(G(z)) rather than minimizing log(1 - D(G(z))), which has no gradient early."""
    return _per_head(logits_fake.float(), ones)


def r1_penalty(logits_real: torch.Tensor, x_real: torch.Tensor, gamma: float) -> torch.Tensor:
    """gamma/2 * E||grad_x D(x)||^2 at real digits (Mescheder et al. 2018): keeps D smooth where the data is."""
    (gradient,) = torch.autograd.grad(logits_real.float().sum(), x_real, create_graph=True)
    return 0.5 * gamma * gradient.pow(2).flatten(1).sum(1).mean()
