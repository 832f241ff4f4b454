"""The vanilla VAE (Kingma & Welling 2014): a convolutional encoder q(z|x) = N(mu(x), diag sigma^2(x)),
a deconvolutional decoder p(x|z), a standard-normal prior, and the ELBO

    ELBO(x) = E_q(z|x)[log p(x|z)] - KL(q(z|x) || N(0, I)).

The same model with a weight ``beta`` on the KL is the beta-VAE (Higgins et al. 2017).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from vaebook.checks import (
    check_choice,
    check_codes,
    check_generator,
    check_images,
    check_int,
    check_int_sequence,
    check_number,
    check_tensor,
    model_dtype,
)
from vaebook.losses import (
    bernoulli_log_likelihood,
    gaussian_log_likelihood,
    kl_standard_normal,
    reparameterize,
)

__all__ = ["ConvEncoder", "ConvDecoder", "VAE", "VAEOutput", "LIKELIHOODS"]

LIKELIHOODS = ("bernoulli", "gaussian")


def _check_architecture(image_shape: tuple[int, int, int], latent_dim: int,
                        channels: tuple[int, ...], hidden_dim: int) -> None:
    if len(image_shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                                    for s in image_shape):
        raise ValueError(f"image_shape must be (C, H, W) of positive ints, got {image_shape}")
    check_int(latent_dim, "latent_dim", minimum=1)
    if not channels or any(isinstance(c, bool) or not isinstance(c, int) or c < 1
                           for c in channels):
        raise ValueError(f"channels must be a non-empty tuple of positive ints, got {channels}")
    check_int(hidden_dim, "hidden_dim", minimum=1)
    factor = 2 ** len(channels)
    _, h, w = image_shape
    if h % factor or w % factor:
        raise ValueError(f"image height and width must be divisible by 2**len(channels) = {factor}"
                         f" (one stride-2 layer per entry of channels), got {h}x{w}")


def _shape_tuple(value: object, name: str) -> tuple:
    """A tuple from a list or tuple argument (image_shape, channels); anything else raises."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        check_int_sequence(value, name)  # raises with the message
    return tuple(value)


class ConvEncoder(nn.Module):
    """x: (B, C, H, W) -> (mu, logvar), each (B, latent_dim).

    One stride-2 4x4 convolution per entry of ``channels`` (each halves H and W), then a hidden
    fully connected layer and two linear heads.
    """

    def __init__(self, image_shape: tuple[int, int, int] = (1, 28, 28), latent_dim: int = 16,
                 channels: tuple[int, ...] = (32, 64), hidden_dim: int = 256):
        super().__init__()
        image_shape, channels = _shape_tuple(image_shape, "image_shape"), _shape_tuple(channels,
                                                                                     "channels")
        _check_architecture(image_shape, latent_dim, channels, hidden_dim)
        self.image_shape, self.latent_dim = image_shape, latent_dim
        c, h, w = image_shape
        layers: list[nn.Module] = []
        for out in channels:
            layers += [nn.Conv2d(c, out, kernel_size=4, stride=2, padding=1), nn.ReLU()]
            c = out
        scale = 2 ** len(channels)
        self.conv = nn.Sequential(*layers, nn.Flatten())
        self.hidden = nn.Sequential(nn.Linear(c * (h // scale) * (w // scale), hidden_dim),
                                    nn.ReLU())
        self.mu = nn.Linear(hidden_dim, latent_dim)
        self.logvar = nn.Linear(hidden_dim, latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_tensor(x, "x", shape=(None, *self.image_shape), dtype=model_dtype(self),
                     finite=False)
        h = self.hidden(self.conv(x))
        return self.mu(h), self.logvar(h)


class ConvDecoder(nn.Module):
    """z: (B, latent_dim) -> decoder outputs (B, C, H, W): Bernoulli logits or Gaussian means.

    The mirror of :class:`ConvEncoder`: fully connected layers, then one stride-2 transposed
    convolution per entry of ``channels`` (in reverse order), each doubling H and W.
    """

    def __init__(self, image_shape: tuple[int, int, int] = (1, 28, 28), latent_dim: int = 16,
                 channels: tuple[int, ...] = (32, 64), hidden_dim: int = 256):
        super().__init__()
        image_shape, channels = _shape_tuple(image_shape, "image_shape"), _shape_tuple(channels,
                                                                                     "channels")
        _check_architecture(image_shape, latent_dim, channels, hidden_dim)
        self.latent_dim = latent_dim
        c, h, w = image_shape
        scale = 2 ** len(channels)
        self.start_shape = (channels[-1], h // scale, w // scale)
        self.fc = nn.Sequential(
            nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
            nn.Linear(hidden_dim, channels[-1] * (h // scale) * (w // scale)), nn.ReLU())
        layers: list[nn.Module] = []
        rev = list(reversed(channels))
        for i, ch in enumerate(rev):
            out = rev[i + 1] if i + 1 < len(rev) else c
            layers.append(nn.ConvTranspose2d(ch, out, kernel_size=4, stride=2, padding=1))
            if i + 1 < len(rev):
                layers.append(nn.ReLU())
        self.deconv = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_tensor(z, "z", shape=(None, self.latent_dim), dtype=model_dtype(self), finite=False)
        return self.deconv(self.fc(z).view(-1, *self.start_shape))


class VAEOutput(NamedTuple):
    params: torch.Tensor  # decoder outputs (B, C, H, W): logits or means
    mu: torch.Tensor  # (B, D)
    logvar: torch.Tensor  # (B, D)
    z: torch.Tensor  # (B, D), a reparameterised sample


class VAE(nn.Module):
    """A convolutional VAE with a Bernoulli or Gaussian likelihood and a KL weight ``beta``.

    image_shape: (C, H, W); latent_dim: D; channels: conv widths (one stride-2 layer each);
    likelihood: "bernoulli" (binary or grey pixels as soft targets) or "gaussian" (fixed
    ``gaussian_std``); beta: weight of the KL term (1 is the ELBO; beta > 1 is the beta-VAE).
    """

    def __init__(self, image_shape: tuple[int, int, int] = (1, 28, 28), latent_dim: int = 16,
                 channels: tuple[int, ...] = (32, 64), hidden_dim: int = 256,
                 likelihood: str = "bernoulli", beta: float = 1.0, gaussian_std: float = 0.1):
        super().__init__()
        check_choice(likelihood, "likelihood", LIKELIHOODS)
        check_number(beta, "beta", minimum=0, expected="a non-negative number")
        check_number(gaussian_std, "gaussian_std", minimum=0, strict_min=True,
                     expected="positive")
        image_shape, channels = _shape_tuple(image_shape, "image_shape"), _shape_tuple(channels,
                                                                                     "channels")
        self.config = dict(image_shape=tuple(image_shape), latent_dim=latent_dim,
                           channels=tuple(channels), hidden_dim=hidden_dim, likelihood=likelihood,
                           beta=float(beta), gaussian_std=float(gaussian_std))
        self.image_shape = tuple(image_shape)
        self.latent_dim = latent_dim
        self.likelihood = likelihood
        self.beta = float(beta)
        self.gaussian_std = float(gaussian_std)
        self.encoder = ConvEncoder(image_shape, latent_dim, channels, hidden_dim)
        self.decoder = ConvDecoder(image_shape, latent_dim, channels, hidden_dim)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (B, C, H, W) in [0, 1] -> (mu, logvar), each (B, D)."""
        check_images(x, shape=self.image_shape, dtype=model_dtype(self))
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z: (B, D) -> decoder outputs (B, C, H, W) (logits or means)."""
        check_codes(z, self.latent_dim, dtype=model_dtype(self))
        return self.decoder(z)

    def mean_image(self, params: torch.Tensor) -> torch.Tensor:
        """The decoder's mean pixel values in [0, 1] from its outputs."""
        check_tensor(params, "params", shape=(None, *self.image_shape), finite=False)
        if self.likelihood == "bernoulli":
            return torch.sigmoid(params)
        return params.clamp(0, 1)

    def log_likelihood(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """log p(x | z) for each example, summed over pixels: (B,)."""
        if self.likelihood == "bernoulli":
            return bernoulli_log_likelihood(params, x)
        return gaussian_log_likelihood(params, x, self.gaussian_std)

    def forward(self, x: torch.Tensor) -> VAEOutput:
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar)
        return VAEOutput(self.decode(z), mu, logvar, z)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """One-sample ELBO terms, averaged over the batch.

        Returns ``loss`` (rec + beta * kl, what training minimises), ``rec`` (-log p(x|z)),
        ``kl`` (KL to the prior, nats), ``elbo`` (-(rec + kl), the bound itself) and
        ``kl_per_dim`` (D,).
        """
        out = self(x)
        rec = -self.log_likelihood(out.params, x).mean()
        kl_per_dim = kl_standard_normal(out.mu, out.logvar).mean(0)
        kl = kl_per_dim.sum()
        return dict(loss=rec + self.beta * kl, rec=rec, kl=kl, elbo=-(rec + kl),
                    kl_per_dim=kl_per_dim)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images decoded from z ~ N(0, I), as mean pixel values: (n, C, H, W) in [0, 1]."""
        check_int(n, "n", minimum=1)
        check_generator(generator)
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent_dim, generator=generator).to(device)
        return self.mean_image(self.decode(z))

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Decode the posterior mean of each x: (B, C, H, W) in [0, 1]."""
        mu, _ = self.encode(x)
        return self.mean_image(self.decode(mu))
