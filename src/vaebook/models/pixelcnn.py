"""Autoregressive (PixelCNN-style) decoders with an explicit receptive field, and their VAE.

Zhang et al. (2022) give a VAE a decoder that sees only a small causal window of pixels,

    p(x | z) = prod_i p(x_i | x_{N_l(i)}, z),

where N_l(i) is the part of the (2l+1) x (2l+1) window around pixel i that comes before i in
raster order: l(2l+1) + l = 2l^2 + 2l pixels (4, 12, 24 for l = 1, 2, 3). Local texture can be
explained from the neighbours, so the latent is left with the global structure. A full-context
PixelCNN (van den Oord et al. 2016) can model nearly everything without z; a factorised decoder
(no pixels visible) must put everything, local detail included, into z.

One parameter selects the decoder, so all arms share the same network:

- ``context=0``: factorised; the local path is a mask-'A' 1x1 convolution, whose mask is empty,
  so the pixels contribute nothing (only its bias remains);
- ``context=l >= 1``: local; one mask-'A' (2l+1)x(2l+1) convolution on x, and every later layer
  is 1x1, so exactly 2l^2 + 2l pixels are visible;
- ``context="full"``: a 7x7 mask-'A' convolution followed by ``full_layers`` residual 3x3
  mask-'B' convolutions (the classic PixelCNN stack, with its blind spot).

The latent reaches every pixel through a deconvolutional pathway (z -> per-pixel feature maps)
that is concatenated with the pixel path and mixed by 1x1 layers.

Likelihoods: Bernoulli for binarised images and the 256-level discretised mixture of logistics
(Salimans et al. 2017), channel-independent given the past pixels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vaebook.checks import (
    InputTypeError,
    check_codes,
    check_generator,
    check_images,
    check_int,
    check_number,
    check_tensor,
    model_dtype,
)
from vaebook.losses import bernoulli_log_likelihood, kl_standard_normal, reparameterize
from vaebook.models.mlp import MLPEncoder
from vaebook.models.vae import ConvEncoder, VAEOutput

__all__ = ["MaskedConv2d", "PixelCNNDecoder", "PixelVAE", "MLPEncoder", "ENCODERS",
           "visible_pixels", "check_context",
           "discretized_logistic_mixture_log_likelihood", "sample_discretized_logistic_mixture",
           "PIXEL_LIKELIHOODS", "FULL_KERNEL"]

PIXEL_LIKELIHOODS = ("bernoulli", "logistic_mixture")
ENCODERS = ("conv", "mlp")
FULL_KERNEL = 7  # kernel of the first (mask 'A') layer of the full-context PixelCNN
_LEVELS = 256  # grey levels of the discretised likelihood


class MaskedConv2d(nn.Conv2d):
    """A 'same'-padded convolution that only sees pixels before the centre in raster order.

    mask_type "A" hides the centre pixel too (the first layer: output i never sees input i);
    "B" lets the centre through (later layers, whose input at i already depends only on < i).
    The mask is spatial and shared by all channels, so channels are modelled independently
    given the past pixels. x: (B, in_channels, H, W) -> (B, out_channels, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, mask_type: str):
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
        if check_int(kernel_size, "kernel_size", minimum=1) % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd int, got {kernel_size!r}")
        check_int(in_channels, "in_channels", minimum=1)
        check_int(out_channels, "out_channels", minimum=1)
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        c = kernel_size // 2
        mask = torch.zeros(kernel_size, kernel_size)
        mask[:c] = 1.0  # every row above the centre
        mask[c, :c] = 1.0  # the centre row, left of the centre
        if mask_type == "B":
            mask[c, c] = 1.0
        self.mask_type = mask_type
        self.register_buffer("mask", mask[None, None].clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", shape=(None, self.in_channels, None, None), dtype=self.weight.dtype,
                     finite=False)
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


def check_context(context: int | str) -> None:
    """Raise unless ``context`` is 0 (factorised), a radius l >= 1 (local), or "full"."""
    if context == "full":
        return
    if isinstance(context, bool) or not isinstance(context, int) or context < 0:
        raise ValueError(f"context must be 0 (factorised), a local radius l >= 1, or 'full'; "
                         f"got {context!r}")


def visible_pixels(context: int) -> int:
    """How many pixels a local decoder of radius l sees: l(2l+1) rows above + l to the left."""
    check_context(context)
    if context == "full":
        raise ValueError("the full-context PixelCNN has no closed-form count; measure it")
    return 2 * context * context + 2 * context


class _FullStack(nn.Module):
    """A 7x7 mask-'A' convolution, then residual 3x3 mask-'B' ones: (B, C, H, W) -> (B, h, H, W)."""

    def __init__(self, in_channels: int, hidden: int, num_layers: int):
        super().__init__()
        self.first = MaskedConv2d(in_channels, hidden, FULL_KERNEL, "A")
        self.layers = nn.ModuleList(MaskedConv2d(hidden, hidden, 3, "B") for _ in range(num_layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.first(x)
        for layer in self.layers:
            h = h + layer(F.relu(h))
        return h


class PixelCNNDecoder(nn.Module):
    """p(x | z) with a receptive field set by ``context`` (0, a radius l >= 1, or "full").

    forward(x, z): x (B, C, H, W) in [0, 1], z (B, D) -> parameters (B, P, H, W), where
    P = C for "bernoulli" (logits) and P = 3 * num_mixtures * C for "logistic_mixture"
    (per channel: mixture logits, means in [-1, 1] space, log scales).
    """

    def __init__(self, image_shape: tuple[int, int, int] = (1, 28, 28), latent_dim: int = 2,
                 context: int | str = 1, likelihood: str = "bernoulli", num_mixtures: int = 5,
                 hidden_channels: int = 32, full_layers: int = 4):
        super().__init__()
        check_context(context)
        if likelihood not in PIXEL_LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {PIXEL_LIKELIHOODS}, got {likelihood!r}")
        if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, (list, tuple)):
            raise ValueError(f"image_shape must be (C, H, W) of positive ints, got {image_shape!r}")
        image_shape = tuple(image_shape)
        if len(image_shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                                        for s in image_shape):
            raise ValueError(f"image_shape must be (C, H, W) of positive ints, got {image_shape}")
        c, h, w = image_shape
        if h % 4 or w % 4:
            raise ValueError(f"image_shape: height and width must be divisible by 4 (two stride-2 "
                             f"layers in the z pathway), got {h}x{w}")
        for name, value in (("latent_dim", latent_dim), ("num_mixtures", num_mixtures),
                            ("hidden_channels", hidden_channels)):
            check_int(value, name, minimum=1)
        check_int(full_layers, "full_layers", minimum=0)
        self.image_shape, self.latent_dim, self.context = image_shape, latent_dim, context
        self.likelihood, self.num_mixtures = likelihood, num_mixtures
        self.out_channels = c if likelihood == "bernoulli" else 3 * num_mixtures * c
        hc = hidden_channels
        # the latent pathway: z -> hc feature maps of the image's size
        self.z_start = (hc, h // 4, w // 4)
        self.z_fc = nn.Linear(latent_dim, hc * (h // 4) * (w // 4))
        self.z_deconv = nn.Sequential(
            nn.ReLU(), nn.ConvTranspose2d(hc, hc, 4, stride=2, padding=1),
            nn.ReLU(), nn.ConvTranspose2d(hc, hc, 4, stride=2, padding=1))
        # the pixel pathway: what the decoder may see of x
        if context == "full":
            self.pixels: nn.Module = _FullStack(c, hc, full_layers)
            self.reach = FULL_KERNEL // 2 + full_layers  # rows above a pixel that it can see
        else:
            self.pixels = MaskedConv2d(c, hc, 2 * context + 1, "A")
            self.reach = context
        # 1x1 layers mix the two pathways at each pixel (they do not widen the receptive field)
        self.head = nn.Sequential(
            nn.ReLU(), nn.Conv2d(2 * hc, hc, 1), nn.ReLU(), nn.Conv2d(hc, hc, 1), nn.ReLU(),
            nn.Conv2d(hc, self.out_channels, 1))

    def z_features(self, z: torch.Tensor) -> torch.Tensor:
        """z: (B, D) -> per-pixel features (B, hidden_channels, H, W)."""
        check_codes(z, self.latent_dim, dtype=model_dtype(self))
        return self.z_deconv(self.z_fc(z).view(-1, *self.z_start))

    def combine(self, x: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """Parameters from pixels x (B, C, h, W) and z features (B, hidden, h, W), any height h."""
        c, _, w = self.image_shape
        check_tensor(x, "x", shape=(None, c, None, w), finite=False)
        check_tensor(features, "features", shape=(x.shape[0], self.z_start[0], x.shape[2], w),
                     finite=False)
        return self.head(torch.cat([self.pixels(2 * x - 1), features], dim=1))

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        check_images(x, shape=self.image_shape, dtype=model_dtype(self))
        features = self.z_features(z)
        if features.shape[0] != x.shape[0]:
            raise ValueError(f"x and z must have the same batch size, got {x.shape[0]} and "
                             f"{features.shape[0]}")
        return self.combine(x, features)


def _check_mixture_params(params: torch.Tensor, x: torch.Tensor, num_mixtures: int) -> None:
    if not isinstance(params, torch.Tensor) or not isinstance(x, torch.Tensor):
        raise InputTypeError(f"params and x must be torch tensors, got {type(params).__name__} "
                             f"and {type(x).__name__}")
    check_int(num_mixtures, "num_mixtures", minimum=1)
    if x.dim() != 4 or params.dim() != 4:
        raise ValueError(f"x and params must be (B, C, H, W) and (B, P, H, W), got "
                         f"{tuple(x.shape)} and {tuple(params.shape)}")
    b, c, h, w = x.shape
    if params.shape != (b, 3 * num_mixtures * c, h, w):
        raise ValueError(f"params must have shape (B, 3 * num_mixtures * C, H, W) = "
                         f"{(b, 3 * num_mixtures * c, h, w)}, got {tuple(params.shape)}")
    check_tensor(params, "params")
    check_tensor(x, "x")


def _split_mixture(params: torch.Tensor, channels: int, num_mixtures: int):
    b, _, h, w = params.shape
    p = params.view(b, channels, 3, num_mixtures, h, w)
    logit_pi, mean, log_scale = p[:, :, 0], p[:, :, 1], p[:, :, 2].clamp(min=-7.0)
    return logit_pi, torch.tanh(mean), log_scale  # means kept inside the data range [-1, 1]


def _log_sigmoid_difference(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """log(sigmoid(a) - sigmoid(b)) for a > b, stable in both tails."""
    flip = (a + b) > 0  # in the right tail use sigmoid(a) - sigmoid(b) = sigmoid(-b) - sigmoid(-a)
    a, b = torch.where(flip, -b, a), torch.where(flip, -a, b)
    log_a, log_b = F.logsigmoid(a), F.logsigmoid(b)
    # a == b in float32 (a very wide logistic) would give log(0) and a NaN gradient, even where
    # torch.where later picks another branch: the clamp keeps both finite
    return log_a + torch.log(-torch.expm1((log_b - log_a).clamp(max=-1e-12)))


def discretized_logistic_mixture_log_likelihood(params: torch.Tensor, x: torch.Tensor,
                                                num_mixtures: int) -> torch.Tensor:
    """log p(x) under a 256-level discretised mixture of logistics, summed over pixels.

    params: (B, 3 * num_mixtures * C, H, W) (mixture logits, means, log scales per channel);
    x: (B, C, H, W) with values k / 255, k in {0, ..., 255}. Returns (B,) in nats.
    The extreme levels take the tails: P(0) = F(-1 + 1/255), P(255) = 1 - F(1 - 1/255).
    """
    _check_mixture_params(params, x, num_mixtures)
    levels = x * (_LEVELS - 1)
    if x.min() < 0 or x.max() > 1 or (levels - levels.round()).abs().max() > 1e-3:
        raise ValueError("x must hold 256-level grey values k / 255 in [0, 1]")
    logit_pi, mean, log_scale = _split_mixture(params, x.shape[1], num_mixtures)
    centre = (2 * levels.round() / (_LEVELS - 1) - 1).unsqueeze(2)  # (B, C, 1, H, W) in [-1, 1]
    half = 1.0 / (_LEVELS - 1)
    inv_scale = torch.exp(-log_scale)
    upper = inv_scale * (centre + half - mean)
    lower = inv_scale * (centre - half - mean)
    log_mid = _log_sigmoid_difference(upper, lower)
    log_p = torch.where(centre < -1 + half, F.logsigmoid(upper),
                        torch.where(centre > 1 - half, -F.softplus(lower), log_mid))
    log_p = torch.logsumexp(log_p + F.log_softmax(logit_pi, dim=2), dim=2)
    return log_p.flatten(1).sum(1)


def sample_discretized_logistic_mixture(params: torch.Tensor, channels: int, num_mixtures: int,
                                        generator: torch.Generator | None = None) -> torch.Tensor:
    """One exact sample per pixel: params (B, 3 * K * C, H, W) -> (B, C, H, W) in k / 255."""
    check_tensor(params, "params", ndim=4)
    check_int(channels, "channels", minimum=1)
    check_int(num_mixtures, "num_mixtures", minimum=1)
    check_generator(generator)
    b, p, h, w = params.shape
    if p != 3 * num_mixtures * channels:
        raise ValueError(f"params must have 3 * num_mixtures * channels = "
                         f"{3 * num_mixtures * channels} channels, got {p}")
    logit_pi, mean, log_scale = _split_mixture(params, channels, num_mixtures)
    probs = F.softmax(logit_pi, dim=2).movedim(2, -1).reshape(-1, num_mixtures)
    k = torch.multinomial(probs, 1, generator=generator).view(b, channels, h, w, 1).movedim(-1, 2)
    mean = mean.gather(2, k).squeeze(2)
    scale = log_scale.gather(2, k).squeeze(2).exp()
    u = torch.rand(mean.shape, generator=generator, dtype=mean.dtype).clamp(1e-5, 1 - 1e-5)
    value = (mean + scale * (torch.log(u) - torch.log1p(-u))).clamp(-1, 1)
    return ((value + 1) / 2 * (_LEVELS - 1)).round() / (_LEVELS - 1)


class PixelVAE(nn.Module):
    """A VAE whose decoder is a :class:`PixelCNNDecoder` with receptive field ``context``.

    The encoder is the book's :class:`~vaebook.models.vae.ConvEncoder` (``encoder="conv"``,
    sized by ``encoder_channels`` and ``encoder_hidden``) or a
    :class:`~vaebook.models.mlp.MLPEncoder`
    (``encoder="mlp"``, two hidden layers of ``encoder_hidden`` units). The ELBO is the usual
    one; only p(x | z) is autoregressive, so the one-sample ELBO needs one decoder pass.
    Sampling x given z is exact and runs pixel by pixel (H * W decoder passes).
    """

    def __init__(self, image_shape: tuple[int, int, int] = (1, 28, 28), latent_dim: int = 2,
                 context: int | str = 1, likelihood: str = "bernoulli", num_mixtures: int = 5,
                 hidden_channels: int = 32, full_layers: int = 4,
                 encoder: str = "conv", encoder_channels: tuple[int, ...] = (16, 32),
                 encoder_hidden: int = 128):
        super().__init__()
        for name, value in (("image_shape", image_shape), ("encoder_channels", encoder_channels)):
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise ValueError(f"{name} must be a tuple of positive ints, got {value!r}")
        image_shape, encoder_channels = tuple(image_shape), tuple(encoder_channels)
        if encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, got {encoder!r}")
        check_int(encoder_hidden, "encoder_hidden", minimum=1)
        self.config = dict(image_shape=image_shape, latent_dim=latent_dim, context=context,
                           likelihood=likelihood, num_mixtures=num_mixtures,
                           hidden_channels=hidden_channels, full_layers=full_layers,
                           encoder=encoder, encoder_channels=encoder_channels,
                           encoder_hidden=encoder_hidden)
        self.decoder = PixelCNNDecoder(image_shape, latent_dim, context, likelihood, num_mixtures,
                                       hidden_channels, full_layers)
        if encoder == "conv":
            self.encoder: nn.Module = ConvEncoder(image_shape, latent_dim, encoder_channels,
                                                  encoder_hidden)
        else:
            self.encoder = MLPEncoder(image_shape, latent_dim, encoder_hidden)
        self.image_shape, self.latent_dim, self.context = image_shape, latent_dim, context
        self.likelihood, self.num_mixtures = likelihood, num_mixtures

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (B, C, H, W) in [0, 1] -> (mu, logvar), each (B, D)."""
        check_images(x, shape=self.image_shape, dtype=model_dtype(self))
        return self.encoder(x)

    def log_likelihood(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """log p(x | z) summed over pixels, from the decoder's parameters: (B,)."""
        if self.likelihood == "bernoulli":
            return bernoulli_log_likelihood(params, x)
        return discretized_logistic_mixture_log_likelihood(params, x, self.num_mixtures)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> VAEOutput:
        """x: (B, C, H, W) -> decoder parameters, mu, logvar and the z sample (drawn with
        ``generator``, or torch's global generator when None)."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, generator)
        return VAEOutput(self.decoder(x, z), mu, logvar, z)

    def loss(self, x: torch.Tensor, kl_weight: float = 1.0,
             generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """One-sample ELBO terms, batch means: ``loss`` = rec + kl_weight * kl (what training
        minimises; kl_weight < 1 during KL annealing), ``rec`` = -log p(x|z), ``kl`` (nats),
        ``elbo`` = -(rec + kl), ``kl_per_dim`` (D,). The z noise comes from ``generator``
        (None: torch's global generator)."""
        check_number(kl_weight, "kl_weight", minimum=0, expected="a non-negative number")
        out = self(x, generator)
        rec = -self.log_likelihood(out.params, x).mean()
        kl_per_dim = kl_standard_normal(out.mu, out.logvar).mean(0)
        kl = kl_per_dim.sum()
        return dict(loss=rec + kl_weight * kl, rec=rec, kl=kl, elbo=-(rec + kl),
                    kl_per_dim=kl_per_dim)

    def _sample_pixels(self, params: torch.Tensor,
                       generator: torch.Generator | None) -> torch.Tensor:
        if self.likelihood == "bernoulli":
            u = torch.rand(params.shape, generator=generator, dtype=params.dtype)
            return (u < torch.sigmoid(params)).to(params.dtype)
        return sample_discretized_logistic_mixture(params, self.image_shape[0],
                                                   self.num_mixtures, generator)

    @torch.no_grad()
    def sample(self, z: torch.Tensor | int,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """Exact samples x ~ p(x | z), pixel by pixel in raster order: (B, C, H, W) in [0, 1].

        z: (B, D) latents, or an int n to draw n latents from the prior N(0, I). Each pixel's
        parameters are computed from the rows that can reach it (``decoder.reach`` rows above),
        which gives the same numbers as a pass over the whole image, faster.
        """
        check_generator(generator)
        if isinstance(z, int) and not isinstance(z, bool):
            if z < 1:
                raise ValueError(f"the number of samples must be positive, got {z}")
            z = torch.randn(z, self.latent_dim, generator=generator)
        check_codes(z, self.latent_dim, dtype=model_dtype(self))
        was_training = self.training
        self.eval()
        features = self.decoder.z_features(z)
        c, h, w = self.image_shape
        x = torch.zeros(len(z), c, h, w, dtype=features.dtype)
        if self.context == 0:  # no pixel is visible: all pixels are independent given z
            x = self._sample_pixels(self.decoder.combine(x, features), generator)
        else:
            for i in range(h):
                top = max(0, i - self.decoder.reach)
                for j in range(w):
                    params = self.decoder.combine(x[:, :, top:i + 1], features[:, :, top:i + 1])
                    pixel = self._sample_pixels(params[:, :, -1:, j:j + 1], generator)
                    x[:, :, i:i + 1, j:j + 1] = pixel
        self.train(was_training)
        return x
