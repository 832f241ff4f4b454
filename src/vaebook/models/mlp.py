"""A fully connected (MLP) encoder, the kind the local-decoder paper uses on MNIST.

Zhang et al. (2022) encode MNIST with a multilayer perceptron; chapter 3 uses one with two hidden
ReLU layers (784-400-400 by default) in front of the PixelCNN decoders of
:mod:`vaebook.models.pixelcnn` (``PixelVAE(..., encoder="mlp")``). With the book's small
convolutional encoder the local decoder's latent can lose the race against the autoregressive
path early in training (the "lagging encoder" of He et al. 2019); the MLP keeps up.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from vaebook.checks import check_images, check_int, model_dtype

__all__ = ["MLPEncoder"]


class MLPEncoder(nn.Module):
    """x: (B, C, H, W) in [0, 1] -> (mu, logvar), each (B, latent_dim).

    The image is flattened and passed through two hidden layers of ``hidden_dim`` ReLU units,
    then two linear heads give the mean and the log-variance of a diagonal Gaussian q(z | x).
    image_shape: (C, H, W) of the inputs; latent_dim, hidden_dim: positive ints.
    """

    def __init__(self, image_shape: tuple[int, int, int], latent_dim: int, hidden_dim: int = 400):
        super().__init__()
        if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, (list, tuple)):
            raise ValueError(f"image_shape must be three positive ints (C, H, W), "
                             f"got {image_shape!r}")
        image_shape = tuple(image_shape)
        if len(image_shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                                        for s in image_shape):
            raise ValueError(f"image_shape must be three positive ints (C, H, W), "
                             f"got {image_shape!r}")
        for name, value in (("latent_dim", latent_dim), ("hidden_dim", hidden_dim)):
            check_int(value, name, minimum=1)
        self.image_shape, self.latent_dim = image_shape, latent_dim
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(image_shape), hidden_dim),
                                  nn.ReLU(), nn.Linear(hidden_dim, hidden_dim), nn.ReLU())
        self.mu = nn.Linear(hidden_dim, latent_dim)
        self.logvar = nn.Linear(hidden_dim, latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_images(x, shape=self.image_shape, dtype=model_dtype(self))
        h = self.body(x)
        return self.mu(h), self.logvar(h)
