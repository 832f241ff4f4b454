"""The plain deterministic autoencoder: the non-latent-variable baseline of chapter 2.

The same convolutional encoder and decoder as :class:`vaebook.models.vae.VAE`, but the code is
a deterministic function of the input, z = mu(x): no sampling, no KL term, no prior. Training
minimises the reconstruction loss -log p(x | z) alone (Bernoulli or Gaussian, summed over
pixels), so it is the VAE's objective with beta = 0 and the posterior variance removed.
"""

from __future__ import annotations

import torch
from torch import nn

from vaebook.checks import (
    check_choice,
    check_codes,
    check_images,
    check_int,
    check_number,
    model_dtype,
)
from vaebook.losses import bernoulli_log_likelihood, gaussian_log_likelihood
from vaebook.models.vae import LIKELIHOODS, ConvDecoder, ConvEncoder, _shape_tuple

__all__ = ["Autoencoder"]


class Autoencoder(nn.Module):
    """x: (B, C, H, W) in [0, 1] -> code z = mu(x): (B, D) -> decoder outputs (B, C, H, W).

    The encoder is the VAE's :class:`ConvEncoder` with only its mean head used (its log-variance
    head is removed), the decoder the VAE's :class:`ConvDecoder`; arguments as for ``VAE``.
    """

    def __init__(self, image_shape: tuple[int, int, int] = (1, 28, 28), latent_dim: int = 16,
                 channels: tuple[int, ...] = (32, 64), hidden_dim: int = 256,
                 likelihood: str = "bernoulli", gaussian_std: float = 0.1):
        super().__init__()
        check_choice(likelihood, "likelihood", LIKELIHOODS)
        check_number(gaussian_std, "gaussian_std", minimum=0, strict_min=True,
                     expected="positive")
        image_shape, channels = (_shape_tuple(image_shape, "image_shape"),
                                 _shape_tuple(channels, "channels"))
        self.config = dict(image_shape=tuple(image_shape), latent_dim=latent_dim,
                           channels=tuple(channels), hidden_dim=hidden_dim, likelihood=likelihood,
                           gaussian_std=float(gaussian_std))
        self.image_shape = tuple(image_shape)
        self.latent_dim = latent_dim
        self.likelihood = likelihood
        self.gaussian_std = float(gaussian_std)
        self.encoder = ConvEncoder(image_shape, latent_dim, channels, hidden_dim)
        del self.encoder.logvar  # a deterministic code has no variance: drop the unused head
        self.decoder = ConvDecoder(image_shape, latent_dim, channels, hidden_dim)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, C, H, W) in [0, 1] -> codes z: (B, D)."""
        check_images(x, shape=self.image_shape, dtype=model_dtype(self))
        enc = self.encoder
        return enc.mu(enc.hidden(enc.conv(x)))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z: (B, D) -> decoder outputs (B, C, H, W) (logits or means)."""
        check_codes(z, self.latent_dim, dtype=model_dtype(self))
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, C, H, W) -> decoder outputs (B, C, H, W)."""
        return self.decode(self.encode(x))

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Reconstruction loss averaged over the batch: ``loss`` = ``rec`` = -log p(x | z)."""
        params = self(x)
        if self.likelihood == "bernoulli":
            rec = -bernoulli_log_likelihood(params, x).mean()
        else:
            rec = -gaussian_log_likelihood(params, x, self.gaussian_std).mean()
        return dict(loss=rec, rec=rec)

    @torch.no_grad()
    def codes(self, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
        """Codes of a whole dataset in eval mode, batch by batch: (N, D) on the CPU."""
        check_int(batch_size, "batch_size", minimum=1)
        check_images(x, shape=self.image_shape, dtype=model_dtype(self))
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        out = torch.cat([self.encode(x[i:i + batch_size].to(device)).cpu()
                         for i in range(0, len(x), batch_size)])
        self.train(was_training)
        return out

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstructions as mean pixel values: (B, C, H, W) in [0, 1]."""
        params = self(x)
        return torch.sigmoid(params) if self.likelihood == "bernoulli" else params.clamp(0, 1)
