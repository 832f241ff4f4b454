"""The pieces of the ELBO: likelihoods of the data, the KL to the prior, reparameterisation.

Every function returns per-example (or per-example, per-dimension) values so that a caller can
average, sum or inspect them. Log-likelihoods are summed over pixels, in nats.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from vaebook.checks import InputTypeError, check_generator, check_number, check_overflow

__all__ = ["bernoulli_log_likelihood", "gaussian_log_likelihood", "kl_standard_normal",
           "reparameterize"]


def _same_shape(a: torch.Tensor, b: torch.Tensor, names: str) -> None:
    if not isinstance(a, torch.Tensor) or not isinstance(b, torch.Tensor):
        raise InputTypeError(f"{names} must be torch tensors, got {type(a).__name__} and "
                             f"{type(b).__name__}")
    if a.shape != b.shape:
        raise ValueError(f"{names} must have the same shape, got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    if a.dim() < 2:
        raise ValueError(f"{names} must have a batch dimension first, got shape {tuple(a.shape)}")
    if not a.is_floating_point() or not b.is_floating_point():
        raise InputTypeError(f"{names} must be floating-point tensors, got {a.dtype} and {b.dtype}")
    if a.dtype != b.dtype:
        raise InputTypeError(f"{names} must have the same dtype, got {a.dtype} and {b.dtype}")
    if a.numel() == 0:
        raise ValueError(f"{names} are empty (shape {tuple(a.shape)})")
    for name, t in zip(names.split(" and "), (a, b), strict=True):
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"{name} contains NaN or infinite values")


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x | logits) for pixels in [0, 1] (binary, or grey treated as a soft target).

    logits, x: (B, ...) of the same shape. Returns (B,).
    """
    _same_shape(logits, x, "logits and x")
    if x.min() < 0 or x.max() > 1:
        raise ValueError("x must hold values in [0, 1] for a Bernoulli likelihood")
    ll = -F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return ll.flatten(1).sum(1)


def gaussian_log_likelihood(mean: torch.Tensor, x: torch.Tensor,
                            std: float | torch.Tensor = 0.1) -> torch.Tensor:
    """log N(x | mean, std^2) summed over pixels. mean, x: (B, ...); std > 0. Returns (B,)."""
    _same_shape(mean, x, "mean and x")
    if not isinstance(std, torch.Tensor):
        check_number(std, "std", minimum=0, strict_min=True, expected="positive")
    std_t = torch.as_tensor(std, dtype=mean.dtype, device=mean.device)
    if not bool((std_t > 0).all()) or not bool(torch.isfinite(std_t).all()):
        raise ValueError(f"std must be positive, got {std}")
    std_t = std_t.expand_as(mean)
    ll = -0.5 * ((x - mean) / std_t) ** 2 - torch.log(std_t) - 0.5 * math.log(2 * math.pi)
    return check_overflow(ll.flatten(1).sum(1), "the Gaussian log-likelihood",
                          hint="std is too small: ((x - mean) / std)**2 overflows "
                               + str(mean.dtype).replace("torch.", ""))


def kl_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL( N(mu, exp(logvar)) || N(0, I) ) per dimension. mu, logvar: (B, D). Returns (B, D).

    mu and logvar must be finite, and logvar at most :func:`vaebook.checks.exp_limit` of their
    dtype (88.7 for float32) so that exp(logvar) is finite: a KL that overflows raises.
    """
    _same_shape(mu, logvar, "mu and logvar")
    return check_overflow(0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar), "the KL",
                          logvar=logvar)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """z = mu + sigma * eps with eps ~ N(0, I): a sample that gradients flow through.

    mu, logvar: finite, of one shape; a sample that overflows (a huge logvar) raises."""
    _same_shape(mu, logvar, "mu and logvar")
    check_generator(generator)
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return check_overflow(mu + torch.exp(0.5 * logvar) * eps, "the sample z", logvar=logvar)
