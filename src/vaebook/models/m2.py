"""M2, the semi-supervised VAE of Kingma et al. (2014): a class label y beside the latent z.

Generative model: p(y) = Cat(1/K), p(z) = N(0, I), p(x | y, z) Bernoulli with logits f(z, y).
Inference: one trunk with three heads gives q(z | x) = N(mu, sigma^2) and the classifier
q(y | x). Like the M2 baseline of the SHOT-VAE code (Feng et al. 2021), q(z | x) does not read
y (Kingma et al. use q(z | x, y)); this keeps M2 and SHOT-VAE on the same network.

Objectives, per example (in nats, higher is better for the two bounds):

- labelled ELBO   L(x, y) = E_q(z|x)[log p(x | y, z)] + log p(y) - KL(q(z | x) || p(z))
- unlabelled ELBO U(x)    = sum_y q(y | x) L(x, y) + H(q(y | x))   (y marginalised exactly)
- loss to minimise        = -mean L - mean U + alpha * mean CE(q(y | x_lab), y_lab)

The labelled ELBO has no term in q(y | x): without the alpha term the classifier learns from
labels only indirectly. That is the point of Chapter 4.

The decoder may also read the pixels that come before each pixel (:class:`PixelDecoder`): M2
with the local decoder of chapter 3 as p(x | y, z), the semi-supervised test of Zhang et al.
(2022)'s data-efficiency claim.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from vaebook.checks import (
    InputTypeError,
    check_generator,
    check_images,
    check_int,
    check_int_sequence,
    check_number,
    check_probs,
    check_tensor,
    model_dtype,
)
from vaebook.losses import bernoulli_log_likelihood, kl_standard_normal, reparameterize
from vaebook.models.pixelcnn import MaskedConv2d, check_context
from vaebook.seeding import Streams, check_streams

__all__ = ["M2", "MLPTrunk", "MLPDecoder", "PixelDecoder", "check_labels", "one_hot"]


def check_labels(y: torch.Tensor, num_classes: int, batch_size: int | None = None) -> None:
    """Raise unless y is an int64 tensor (B,) with values in [0, num_classes)."""
    check_int(num_classes, "num_classes", minimum=1)
    if not isinstance(y, torch.Tensor):
        raise InputTypeError(f"y must be a torch.Tensor of class indices, got "
                             f"{type(y).__name__}")
    if y.dtype != torch.int64:
        raise InputTypeError(f"y must hold int64 class indices, got dtype {y.dtype}")
    if y.dim() != 1:
        raise ValueError(f"y must have shape (B,), got {tuple(y.shape)}")
    if batch_size is not None and len(y) != batch_size:
        raise ValueError(f"y must have one label per image ({batch_size}), got {len(y)}")
    if y.numel() and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"y must hold class indices in [0, {num_classes}), "
                         f"got values in [{int(y.min())}, {int(y.max())}]")


def one_hot(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Class indices (B,) int64 -> float one-hot rows (B, num_classes)."""
    check_labels(y, num_classes)
    return F.one_hot(y, num_classes).float()


class MLPTrunk(nn.Module):
    """Flatten, then Linear-ReLU layers. x: (B, C, H, W) -> features (B, hidden_dims[-1])."""

    def __init__(self, in_dim: int, hidden_dims: tuple[int, ...] = (256, 256)) -> None:
        super().__init__()
        check_int(in_dim, "in_dim", minimum=1)
        hidden_dims = check_int_sequence(hidden_dims, "hidden_dims", minimum=1, nonempty=False)
        self.in_dim = in_dim
        layers: list[nn.Module] = [nn.Flatten()]
        for width in hidden_dims:
            layers += [nn.Linear(in_dim, width), nn.ReLU()]
            in_dim = width
        self.net = nn.Sequential(*layers)
        self.out_dim = in_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", finite=False)
        if x.dim() < 2 or math.prod(x.shape[1:]) != self.in_dim:
            raise ValueError(f"x must have shape (B, ...) with {self.in_dim} values per example, "
                             f"got {tuple(x.shape)}")
        return self.net(x)


class MLPDecoder(nn.Module):
    """[z, y] (B, latent_dim + K) -> Bernoulli logits (B, C, H, W), through Linear-ReLU layers."""

    def __init__(self, in_dim: int, image_shape: tuple[int, int, int],
                 hidden_dims: tuple[int, ...] = (256, 256)) -> None:
        super().__init__()
        check_int(in_dim, "in_dim", minimum=1)
        hidden_dims = check_int_sequence(hidden_dims, "hidden_dims", minimum=1, nonempty=False)
        image_shape = check_int_sequence(image_shape, "image_shape", minimum=1)
        if len(image_shape) != 3:
            raise ValueError(f"image_shape must be (C, H, W), got {image_shape}")
        self.in_dim = in_dim
        layers: list[nn.Module] = []
        for width in hidden_dims:
            layers += [nn.Linear(in_dim, width), nn.ReLU()]
            in_dim = width
        layers += [nn.Linear(in_dim, math.prod(image_shape)), nn.Unflatten(1, image_shape)]
        self.net = nn.Sequential(*layers)

    def forward(self, zy: torch.Tensor) -> torch.Tensor:
        check_tensor(zy, "zy", shape=(None, self.in_dim), finite=False)
        return self.net(zy)


class PixelDecoder(nn.Module):
    """p(x | y, z) that also sees each pixel's causal window of radius ``context`` (0: none).

    [z, y] (B, in_dim) -> Linear-ReLU layers (hidden_dims) -> ``feature_channels`` maps of the
    image's size; a mask-'A' (2l+1)x(2l+1) convolution reads the 2l^2 + 2l pixels before each
    pixel (:mod:`vaebook.models.pixelcnn`); 1x1 layers mix both per pixel into Bernoulli logits
    (B, C, H, W). ``context=0`` is the factorised decoder with the same parts (its 1x1 mask-'A'
    convolution sees nothing). forward(zy, x) needs x: (B, C, H, W) in [0, 1].
    """

    reads_pixels = True

    def __init__(self, in_dim: int, image_shape: tuple[int, int, int],
                 hidden_dims: tuple[int, ...] = (128, 128), context: int = 1,
                 feature_channels: int = 2, hidden_channels: int = 8) -> None:
        super().__init__()
        image_shape = check_int_sequence(image_shape, "image_shape", minimum=1)
        if len(image_shape) != 3:
            raise ValueError(f"image_shape must be (C, H, W), got {image_shape}")
        check_context(context)
        if context == "full":
            raise ValueError("context must be a local radius l >= 0 for PixelDecoder, not 'full'")
        check_int(feature_channels, "feature_channels", minimum=1)
        check_int(hidden_channels, "hidden_channels", minimum=1)
        c, h, w = image_shape
        # [z, y] -> feature maps: MLPDecoder's layers (and checks of in_dim and hidden_dims)
        mlp = MLPDecoder(in_dim, (feature_channels, h, w), hidden_dims)
        self.features = mlp.net
        self.in_dim, self.image_shape, self.context = mlp.in_dim, tuple(image_shape), context
        self.reach = context  # rows above a pixel that reach it
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(feature_channels + hidden_channels,
                                                       hidden_channels, 1),
                                  nn.ReLU(), nn.Conv2d(hidden_channels, c, 1))
        # registered last, so that arms with another context draw the same initial weights
        # for every other layer (seeding.init_module draws in registration order)
        self.pixels = MaskedConv2d(c, hidden_channels, 2 * context + 1, "A")

    def combine(self, features: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Logits from feature maps (B, F, h, W) and pixels x (B, C, h, W), any height h."""
        return self.head(torch.cat([features, self.pixels(2 * x - 1)], dim=1))

    def forward(self, zy: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        check_tensor(zy, "zy", shape=(None, self.in_dim), finite=False)
        check_images(x, shape=self.image_shape, dtype=zy.dtype)
        if len(x) != len(zy):
            raise ValueError(f"zy and x must have the same batch size, got {len(zy)} and "
                             f"{len(x)}")
        return self.combine(self.features(zy), x)


class M2(nn.Module):
    """Kingma et al.'s M2 with a shared trunk and factorised q(z | x) q(y | x).

    image_shape: (C, H, W) of x in [0, 1]; num_classes: K; latent_dim: D of z;
    hidden_dims: widths of the MLP trunk (and of the decoder, reversed, unless ``decoder_dims``);
    decoder_dims: widths of the MLP decoder's hidden layers (its cost is paid K times per
    unlabelled example, so a narrower decoder is the cheapest speed-up);
    alpha: weight of the classification term per labelled example, in nats of ELBO per nat of
    cross-entropy. Our default 100 is the CPU pilot's ELBO weight of 0.01 (papers.md); the SHOT-VAE
    code weights the ELBO by about 1e-3 against classification, and Kingma et al. use alpha = 0.1 N
    on an objective summed over the N training examples.
    trunk: optional nn.Module x -> (B, F) features with an ``out_dim`` attribute (e.g. a WRN);
    decoder: optional nn.Module [z, y] (B, D + K) -> logits (B, C, H, W), or one with
    ``reads_pixels = True`` called as decoder([z, y], x) (:class:`PixelDecoder`).
    """

    def __init__(self, image_shape: tuple[int, int, int] = (1, 28, 28), num_classes: int = 10,
                 latent_dim: int = 16, hidden_dims: tuple[int, ...] = (256, 256),
                 alpha: float = 100.0, decoder_dims: tuple[int, ...] | None = None,
                 trunk: nn.Module | None = None, decoder: nn.Module | None = None) -> None:
        super().__init__()
        if (isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, (list, tuple))
                or len(image_shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int)
                                                or s < 1 for s in image_shape)):
            raise ValueError(f"image_shape must be (C, H, W) of positive ints, got {image_shape}")
        check_int(num_classes, "num_classes", minimum=2)
        check_int(latent_dim, "latent_dim", minimum=1)
        check_number(alpha, "alpha", minimum=0)
        check_int_sequence(hidden_dims, "hidden_dims", minimum=1)
        if decoder_dims is not None:
            check_int_sequence(decoder_dims, "decoder_dims", minimum=1, nonempty=False)
        for name, module in (("trunk", trunk), ("decoder", decoder)):
            if module is not None and not isinstance(module, nn.Module):
                raise InputTypeError(f"{name} must be None or a torch nn.Module, got "
                                     f"{type(module).__name__}")
        self.image_shape = tuple(int(s) for s in image_shape)
        self.num_classes = int(num_classes)
        self.latent_dim = int(latent_dim)
        self.alpha = float(alpha)
        self.config = dict(image_shape=self.image_shape, num_classes=self.num_classes,
                           latent_dim=self.latent_dim, hidden_dims=tuple(hidden_dims),
                           alpha=self.alpha,
                           decoder_dims=None if decoder_dims is None else tuple(decoder_dims))
        self.trunk = trunk if trunk is not None else MLPTrunk(math.prod(self.image_shape),
                                                              tuple(hidden_dims))
        if not hasattr(self.trunk, "out_dim"):
            raise TypeError("trunk must have an out_dim attribute (its feature width)")
        width = self.trunk.out_dim
        self.mu_head = nn.Linear(width, latent_dim)
        self.logvar_head = nn.Linear(width, latent_dim)
        self.class_head = nn.Linear(width, num_classes)
        if decoder_dims is None:
            decoder_dims = tuple(reversed(hidden_dims))
        self.decoder = decoder if decoder is not None else MLPDecoder(
            latent_dim + num_classes, self.image_shape, tuple(decoder_dims))
        self.streams: Streams | None = None

    def use_streams(self, streams: Streams | None) -> M2:
        """Draw the training noise from ``streams`` (one stream per purpose, see
        :mod:`vaebook.seeding`) instead of torch's global generator, so that two arms with the
        same seed share it; None goes back to the global generator. Returns the model."""
        self.streams = check_streams(streams, optional=True)
        return self

    def _noise(self, purpose: str) -> torch.Generator | None:
        return None if self.streams is None else self.streams.generator(purpose)

    # ---- inference and generation -------------------------------------------------------
    def infer(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x: (B, C, H, W) in [0, 1] -> (mu, logvar) each (B, D), class logits (B, K)."""
        check_images(x, shape=self.image_shape, dtype=model_dtype(self))
        h = self.trunk(x)
        return self.mu_head(h), self.logvar_head(h), self.class_head(h)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z | x): (mu, logvar), each (B, D)."""
        mu, logvar, _ = self.infer(x)
        return mu, logvar

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of q(y | x): (B, K)."""
        return self.infer(x)[2]

    @property
    def reads_pixels(self) -> bool:
        """Whether p(x | y, z) also reads x's earlier pixels (an autoregressive decoder)."""
        return bool(getattr(self.decoder, "reads_pixels", False))

    def decode(self, z: torch.Tensor, y_prob: torch.Tensor,
               x: torch.Tensor | None = None) -> torch.Tensor:
        """z: (B, D), y_prob: (B, K) one-hot (or a mixed label, rows summing to 1) -> logits
        (B, C, H, W). x: the images (B, C, H, W), needed when the decoder reads pixels (each
        pixel's logit then depends on the pixels before it), ignored otherwise."""
        dtype = model_dtype(self)
        check_tensor(z, "z", shape=(None, self.latent_dim), dtype=dtype)
        check_probs(y_prob, "y_prob", shape=(len(z), self.num_classes), dtype=dtype)
        zy = torch.cat([z, y_prob], dim=1)
        if not self.reads_pixels:
            return self.decoder(zy)
        if x is None:
            raise ValueError("this M2's decoder reads pixels: decode(z, y_prob, x) needs x")
        return self.decoder(zy, x)

    @torch.no_grad()
    def sample(self, y: torch.Tensor,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """One image per class index in y (B,), z ~ N(0, I): the Bernoulli means (B, C, H, W),
        or, when the decoder reads pixels, binary samples drawn pixel by pixel in raster order."""
        check_labels(y, self.num_classes)
        check_generator(generator)
        z = torch.randn(len(y), self.latent_dim, generator=generator).to(y.device)
        y_prob = one_hot(y, self.num_classes)
        if not self.reads_pixels:
            return torch.sigmoid(self.decode(z, y_prob))
        features = self.decoder.features(torch.cat([z, y_prob], dim=1))
        _, h, w = self.image_shape
        x = torch.zeros(len(y), *self.image_shape, device=y.device)
        for i in range(h):
            top = max(0, i - self.decoder.reach)
            for j in range(w):
                logits = self.decoder.combine(features[:, :, top:i + 1], x[:, :, top:i + 1])
                u = torch.rand(len(y), x.shape[1], generator=generator).to(y.device)
                x[:, :, i, j] = (u < torch.sigmoid(logits[:, :, -1, j])).to(x.dtype)
        return x

    # ---- the two bounds -----------------------------------------------------------------
    def _check_y_prob(self, y_prob: torch.Tensor, batch_size: int) -> None:
        if not isinstance(y_prob, torch.Tensor) or not y_prob.is_floating_point():
            raise InputTypeError("y_prob must be a float tensor of label probabilities (B, K)")
        if y_prob.shape != (batch_size, self.num_classes):
            raise ValueError(f"y_prob must have shape ({batch_size}, {self.num_classes}), got "
                             f"{tuple(y_prob.shape)}")
        check_probs(y_prob, "y_prob")

    def labelled_elbo(self, x: torch.Tensor, y_prob: torch.Tensor,
                      generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """L(x, y) per example, one z sample. x: (B, C, H, W) in [0, 1]; y_prob: (B, K) one-hot.

        A mixed (soft) label is fed to the decoder as it is, as the SHOT-VAE code does.
        Returns dict of (B,) tensors: elbo, rec (log p(x | y, z)), kl_z, and logits (B, K).
        """
        mu, logvar, logits = self.infer(x)
        self._check_y_prob(y_prob, len(x))
        check_generator(generator)
        z = reparameterize(mu, logvar, generator)
        rec = bernoulli_log_likelihood(self.decode(z, y_prob, x), x)
        kl_z = kl_standard_normal(mu, logvar).sum(1)
        elbo = rec - math.log(self.num_classes) - kl_z  # log p(y) = -log K under the uniform prior
        return dict(elbo=elbo, rec=rec, kl_z=kl_z, logits=logits, mu=mu, logvar=logvar)

    def unlabelled_elbo(self, x: torch.Tensor,
                        generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """U(x) = sum_y q(y | x) L(x, y) + H(q(y | x)), decoding every class from one z sample.

        x: (B, C, H, W) in [0, 1]. Returns dict of (B,) tensors: elbo, rec (expected over
        q(y | x)), kl_z, kl_y (KL(q(y | x) || p(y))), entropy; and logits, mu, logvar.
        """
        mu, logvar, logits = self.infer(x)
        batch, k = len(x), self.num_classes
        z = reparameterize(mu, logvar, generator)
        eye = torch.eye(k, device=x.device, dtype=z.dtype)
        zk = z.repeat_interleave(k, dim=0)                       # (B*K, D): example-major
        yk = eye.repeat(batch, 1)                                 # (B*K, K)
        xk = x.repeat_interleave(k, dim=0)
        rec_k = bernoulli_log_likelihood(self.decode(zk, yk, xk), xk).view(batch, k)
        q = logits.softmax(1)
        log_q = logits.log_softmax(1)
        rec = (q * rec_k).sum(1)
        kl_z = kl_standard_normal(mu, logvar).sum(1)
        entropy = -(q * log_q).sum(1)
        kl_y = math.log(k) - entropy                              # KL(q(y|x) || Uniform)
        elbo = rec - kl_z - kl_y
        return dict(elbo=elbo, rec=rec, kl_z=kl_z, kl_y=kl_y, entropy=entropy, rec_per_class=rec_k,
                    logits=logits, mu=mu, logvar=logvar)

    # ---- training objective -------------------------------------------------------------
    def loss(self, x_lab: torch.Tensor, y_lab: torch.Tensor, x_unl: torch.Tensor,
             step: int = 0) -> dict[str, torch.Tensor]:
        """-mean L(x_lab, y_lab) - mean U(x_unl) + alpha * mean CE(q(y | x_lab), y_lab).

        x_lab: (B_l, C, H, W), y_lab: (B_l,) int64, x_unl: (B_u, C, H, W); step is unused (the
        training loop passes it to every model). Returns scalars: loss, elbo_lab, elbo_unl, ce.
        """
        check_int(step, "step", minimum=0)
        check_images(x_lab, "x_lab", shape=self.image_shape, dtype=model_dtype(self))
        check_images(x_unl, "x_unl", shape=self.image_shape, dtype=model_dtype(self))
        check_labels(y_lab, self.num_classes, len(x_lab))
        lab = self.labelled_elbo(x_lab, one_hot(y_lab, self.num_classes),
                                 self._noise("noise/labelled"))
        unl = self.unlabelled_elbo(x_unl, self._noise("noise/unlabelled"))
        ce = F.cross_entropy(lab["logits"], y_lab)
        loss = -lab["elbo"].mean() - unl["elbo"].mean() + self.alpha * ce
        return dict(loss=loss, elbo_lab=lab["elbo"].mean().detach(),
                    elbo_unl=unl["elbo"].mean().detach(), ce=ce.detach())
