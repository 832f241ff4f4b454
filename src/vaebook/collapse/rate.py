"""Rate, distortion and active units of a trained VAE (chapter 2).

For a VAE with encoder q(z|x) = N(mu(x), diag sigma^2(x)) and prior N(0, I):

- the **rate** is the average KL(q(z|x) || p(z)) over the data, in nats: how much information the
  code carries about x (Alemi et al. 2018); :func:`kl_per_dim` splits it by latent dimension;
- the **distortion** is the average reconstruction loss -E_q[log p(x|z)], in nats;
  -ELBO = distortion + rate (:func:`rate_distortion`);
- a latent dimension u is **active** when its posterior mean varies with the input:
  A_u = Var_x(E_q[z_u | x]) > threshold, with threshold 0.01 (Burda et al. 2016). A dimension
  whose mean does not move carries no information: the posterior has collapsed onto the prior.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from vaebook.checks import InputTypeError, check_int, check_model, check_number, model_dtype
from vaebook.losses import kl_standard_normal
from vaebook.utils import check_images, encode

__all__ = ["kl_per_dim", "mean_variances", "active_units", "num_active_units", "rate_distortion"]


def _codes(a: Any, name: str) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    if not isinstance(a, np.ndarray):
        raise InputTypeError(f"{name} must be a numpy array or torch tensor, got "
                             f"{type(a).__name__}")
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 1:
        raise ValueError(f"{name} must have shape (N, D) with N >= 2, got {tuple(a.shape)}")
    if a.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a.astype(np.float64, copy=False)


def _check_model(model: nn.Module, needs: tuple[str, ...]) -> None:
    missing = [m for m in needs if not hasattr(model, m)]
    if missing:
        raise InputTypeError(f"model must have {', '.join(needs)}; "
                             f"{type(model).__name__} lacks {', '.join(missing)}")
    check_model(model, what="VAE-like torch nn.Module")


def _check_threshold(threshold: float) -> None:
    check_number(threshold, "threshold", minimum=0, expected="a non-negative number")


def kl_per_dim(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> np.ndarray:
    """Average KL(q(z_d|x) || N(0, 1)) over the dataset for each latent dimension d, in nats.

    model: has ``encode(x) -> (mu, logvar)``; x: (N, C, H, W) in [0, 1]. Returns (D,); its sum
    is the rate. Computed in closed form from the posterior parameters (no sampling).
    """
    _check_model(model, ("encode",))
    mu, logvar = encode(model, x, batch_size=batch_size)
    kl = kl_standard_normal(torch.from_numpy(mu).double(), torch.from_numpy(logvar).double())
    return kl.mean(0).numpy()


def mean_variances(mu: Any) -> np.ndarray:
    """Var_x of each posterior mean: mu (N, D) numpy or torch -> (D,). Burda's activity A_u."""
    return _codes(mu, "mu").var(axis=0)


def active_units(mu: Any, threshold: float = 0.01) -> np.ndarray:
    """Which latent dimensions are active: Var_x(mu_u(x)) > threshold (Burda et al. 2016).

    mu: (N, D) posterior means over a dataset (e.g. from ``vaebook.utils.encode``).
    Returns a boolean mask (D,).
    """
    _check_threshold(threshold)
    return mean_variances(mu) > threshold


def num_active_units(mu: Any, threshold: float = 0.01) -> int:
    """The number of active latent dimensions (see :func:`active_units`)."""
    return int(active_units(mu, threshold).sum())


@torch.no_grad()
def rate_distortion(model: nn.Module, x: torch.Tensor, batch_size: int = 512,
                    seed: int = 0) -> dict[str, Any]:
    """Rate and distortion of a trained VAE on a dataset, in nats per example.

    model: has ``loss(x) -> dict`` with ``rec`` (-log p(x|z) for one sample z ~ q(z|x), batch
    mean), ``kl`` and ``kl_per_dim``, as :class:`vaebook.models.VAE` does; any VAE-like model
    with that contract works (e.g. one with an autoregressive decoder).
    x: (N, C, H, W) in [0, 1]. The sampling noise is seeded with ``seed`` and the global torch
    random state is left untouched. Runs in eval mode.
    Returns ``rate`` (mean KL), ``distortion`` (mean -log p(x|z)), ``neg_elbo`` (their sum) and
    ``kl_per_dim`` (D,) numpy.
    """
    _check_model(model, ("loss",))
    check_images(x, dtype=model_dtype(model))
    check_int(batch_size, "batch_size", minimum=1)
    check_int(seed, "seed", minimum=0)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    rec = kl = 0.0
    per_dim = None
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for start in range(0, len(x), batch_size):
            xb = x[start:start + batch_size].to(device)
            terms = model.loss(xb)
            for key in ("rec", "kl", "kl_per_dim"):
                if not isinstance(terms, dict) or key not in terms:
                    model.train(was_training)
                    raise InputTypeError(
                        f"model must be VAE-like: model.loss(x) must return {key!r} (with 'rec' "
                        f"and 'kl_per_dim'); {type(model).__name__}.loss returned "
                        f"{sorted(terms) if isinstance(terms, dict) else type(terms).__name__}")
            n = len(xb)
            rec += float(terms["rec"]) * n
            kl += float(terms["kl"]) * n
            d = terms["kl_per_dim"].double().cpu() * n
            per_dim = d if per_dim is None else per_dim + d
    model.train(was_training)
    n = len(x)
    return dict(rate=kl / n, distortion=rec / n, neg_elbo=(kl + rec) / n,
                kl_per_dim=(per_dim / n).numpy())
