"""The VAE family as objectives for one model: beta-VAE, beta-TC-VAE, annealed VAE, DIP-VAE.

Every member trains the same :class:`~vaebook.models.vae.VAE` (the book's convolutional encoder
and decoder); only the objective changes. Each objective is a small callable object usable as
``loss_fn`` for :func:`vaebook.train.fit`::

    model = dsprites_vae(seed=0)                       # 10 latents, 32x32 inputs
    history = train.fit(model, x, loss_fn=BetaTCVAELoss(beta=6, dataset_size=len(x)))

Each call returns the batch means ``loss`` (what is minimised), ``rec`` (-log p(x|z)), ``kl``,
``elbo`` and ``kl_per_dim`` (D,), plus the member's own term (``tc``, ``capacity``, ``dip``).

- beta-VAE (Higgins et al. 2017): rec + beta * KL.
- beta-TC-VAE (Chen et al. 2018): rec + KL + (beta - 1) * TC, where the total correlation
  TC = KL(q(z) || prod_j q(z_j)) of the aggregate posterior is estimated on the minibatch by
  minibatch-weighted sampling (MWS): log q(z) ~ logsumexp_j log q(z | x_j) - log(N M) for a
  batch of M out of N training examples, and the same per dimension for q(z_j).
- Annealed (capacity) VAE (Burgess et al. 2018): rec + gamma * |KL - C|, with a capacity C that
  grows linearly from 0 to ``c_max`` nats over ``num_steps`` training steps.
- DIP-VAE (Kumar et al. 2018): rec + KL + lambda_od * sum_{i != j} Cov_ij^2 + lambda_d *
  sum_i (Cov_ii - 1)^2, with Cov the covariance of mu(x) over the batch (DIP-VAE-I) or of the
  aggregate posterior, Cov(mu) + E[diag sigma^2] (DIP-VAE-II).

The architecture of disentanglement_lib (Locatello et al. 2019) is four stride-2 4x4
convolutions with 32, 32, 64, 64 channels, a 256-unit layer and 10 latents, on 64x64 images;
:func:`dsprites_vae` keeps that shape at 32x32 (and lets a CPU reader narrow the channels).
"""

from __future__ import annotations

import math
from functools import partial

import torch

from vaebook.checks import (
    InputTypeError,
    check_int,
    check_number,
    check_overflow,
    check_str,
    check_tensor,
)
from vaebook.losses import kl_standard_normal, reparameterize
from vaebook.models.vae import VAE
from vaebook.utils import seed_everything

__all__ = ["dsprites_vae", "BetaVAELoss", "BetaTCVAELoss", "AnnealedVAELoss", "DIPVAELoss",
           "gaussian_log_density", "total_correlation_mws", "dip_regularizer", "FAMILY",
           "family_loss", "FamilyLoss"]

_LOG_2PI = math.log(2 * math.pi)


def dsprites_vae(latent_dim: int = 10, image_shape: tuple[int, int, int] = (1, 32, 32),
                 channels: tuple[int, ...] = (32, 32, 64, 64), hidden_dim: int = 256,
                 seed: int | None = None) -> VAE:
    """The disentanglement_lib conv VAE (Bernoulli likelihood) at 32x32, seeded when ``seed``
    is given. The objective (beta, TC, capacity, DIP) is chosen by the ``loss_fn`` at training."""
    if seed is not None:
        seed_everything(seed)
    return VAE(image_shape=image_shape, latent_dim=latent_dim, channels=channels,
               hidden_dim=hidden_dim, likelihood="bernoulli", beta=1.0)


def _number(name: str, value: object, *, low: float = 0.0, strict: bool = False) -> float:
    return check_number(value, name, minimum=low, strict_min=strict)


def _elbo_terms(model: VAE, x: torch.Tensor, epoch: int = 0
                ) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor]:
    """One-sample ELBO terms (batch means) and the batch's mu, logvar, z (each (B, D)); ``epoch``
    (which the objectives ignore) is checked to be a non-negative int."""
    check_int(epoch, "epoch", minimum=0)
    if not isinstance(model, VAE):
        raise InputTypeError(f"model must be a vaebook VAE, got {type(model).__name__} (these "
                             f"objectives train vaebook.models.VAE; an Autoencoder has no KL)")
    mu, logvar = model.encode(x)
    z = reparameterize(mu, logvar)
    rec = -model.log_likelihood(model.decode(z), x).mean()
    kl_per_dim = kl_standard_normal(mu, logvar).mean(0)
    kl = kl_per_dim.sum()
    return dict(rec=rec, kl=kl, elbo=-(rec + kl), kl_per_dim=kl_per_dim), mu, logvar, z


class BetaVAELoss:
    """beta-VAE objective: rec + beta * KL (beta = 1 is the plain negative ELBO)."""

    def __init__(self, beta: float = 4.0):
        self.beta = _number("beta", beta)

    def __call__(self, model: VAE, x: torch.Tensor, y: torch.Tensor | None = None,
                 epoch: int = 0) -> dict[str, torch.Tensor]:
        terms, *_ = _elbo_terms(model, x, epoch)
        return dict(loss=terms["rec"] + self.beta * terms["kl"], **terms)

    def __repr__(self) -> str:
        return f"BetaVAELoss(beta={self.beta:g})"


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
                         ) -> torch.Tensor:
    """log N(z | mu, exp(logvar)) per dimension, broadcasting the three tensors.

    z, mu, logvar: finite (NaN or inf raises). A log-density that overflows (exp(-logvar) beyond
    the dtype, see :func:`vaebook.checks.exp_limit`, with z != mu) raises; at z == mu the
    quadratic term is 0 however small the variance.
    """
    for name, t in (("z", z), ("mu", mu), ("logvar", logvar)):
        check_tensor(t, name)
    try:
        torch.broadcast_shapes(z.shape, mu.shape, logvar.shape)
    except RuntimeError:
        raise ValueError(f"z, mu and logvar must broadcast to one shape, got {tuple(z.shape)}, "
                         f"{tuple(mu.shape)}, {tuple(logvar.shape)}") from None
    out = -0.5 * (_LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar))
    if not bool(torch.isfinite(out).all()):  # exp(-logvar) overflowed: 0 * inf at z == mu is 0
        sq = (z - mu).pow(2)
        sq = torch.where(sq == 0, sq, sq * torch.exp(-logvar))
        out = check_overflow(-0.5 * (_LOG_2PI + logvar + sq), "the Gaussian log-density",
                             logvar=logvar)
    return out


def total_correlation_mws(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                          dataset_size: int) -> torch.Tensor:
    """Minibatch-weighted-sampling estimate of TC(q(z)) (Chen et al. 2018), in nats.

    z: (M, D) samples with z_i ~ q(z | x_i); mu, logvar: (M, D) the batch's posteriors;
    dataset_size: N, the number of training examples (N >= M). Returns a scalar tensor:
    mean_i [log q(z_i) - sum_d log q(z_id)], each log q ~ logsumexp_j log q(. | x_j) - log(N M).
    """
    for name, t in (("z", z), ("mu", mu), ("logvar", logvar)):
        if not isinstance(t, torch.Tensor) or t.dim() != 2:
            raise ValueError(f"{name} must be a (M, D) tensor")
        check_tensor(t, name)
    if not (z.shape == mu.shape == logvar.shape):
        raise ValueError(f"z, mu and logvar must share one shape (M, D), got {tuple(z.shape)}, "
                         f"{tuple(mu.shape)}, {tuple(logvar.shape)}")
    m = z.shape[0]
    dataset_size = check_int(dataset_size, "dataset_size", minimum=1)
    if dataset_size < m:
        raise ValueError(f"dataset_size must be an int >= the batch size {m}, got "
                         f"{dataset_size!r}")
    log_nm = math.log(dataset_size * m)
    # log q(z_i | x_j) per dimension: (M, M, D), i indexes samples, j the batch's posteriors
    log_q = gaussian_log_density(z[:, None, :], mu[None, :, :], logvar[None, :, :])
    log_qz = torch.logsumexp(log_q.sum(2), dim=1) - log_nm  # (M,)
    log_prod_qzj = (torch.logsumexp(log_q, dim=1) - log_nm).sum(1)  # (M,)
    return (log_qz - log_prod_qzj).mean()


class BetaTCVAELoss:
    """beta-TC-VAE objective: rec + KL + (beta - 1) * TC (MWS estimate on the minibatch).

    dataset_size: number of training examples N (enters the MWS estimate of log q(z)).
    """

    def __init__(self, beta: float = 6.0, dataset_size: int = 10_000):
        self.beta = _number("beta", beta)
        self.dataset_size = check_int(dataset_size, "dataset_size", minimum=1)

    def __call__(self, model: VAE, x: torch.Tensor, y: torch.Tensor | None = None,
                 epoch: int = 0) -> dict[str, torch.Tensor]:
        terms, mu, logvar, z = _elbo_terms(model, x, epoch)
        tc = total_correlation_mws(z, mu, logvar, max(self.dataset_size, len(x)))
        loss = terms["rec"] + terms["kl"] + (self.beta - 1.0) * tc
        return dict(loss=loss, tc=tc, **terms)

    def __repr__(self) -> str:
        return f"BetaTCVAELoss(beta={self.beta:g}, dataset_size={self.dataset_size})"


class AnnealedVAELoss:
    """Annealed (capacity) VAE objective: rec + gamma * |KL - C|.

    The capacity C grows linearly from 0 to ``c_max`` nats over ``num_steps`` training steps and
    then stays there. The object counts its own steps: every call on a model in training mode
    with gradients enabled is one step (set ``step`` to restart the schedule).
    """

    def __init__(self, c_max: float = 25.0, gamma: float = 1000.0, num_steps: int = 1000):
        self.c_max = _number("c_max", c_max)
        self.gamma = _number("gamma", gamma)
        self.num_steps = check_int(num_steps, "num_steps", minimum=1)
        self.step = 0

    @property
    def capacity(self) -> float:
        """The current target KL C, in nats."""
        return self.c_max * min(1.0, self.step / self.num_steps)

    def __call__(self, model: VAE, x: torch.Tensor, y: torch.Tensor | None = None,
                 epoch: int = 0) -> dict[str, torch.Tensor]:
        terms, *_ = _elbo_terms(model, x, epoch)
        capacity = torch.tensor(self.capacity, dtype=terms["kl"].dtype)
        if model.training and torch.is_grad_enabled():
            self.step += 1
        loss = terms["rec"] + self.gamma * (terms["kl"] - capacity).abs()
        return dict(loss=loss, capacity=capacity, **terms)

    def __repr__(self) -> str:
        return (f"AnnealedVAELoss(c_max={self.c_max:g}, gamma={self.gamma:g}, "
                f"num_steps={self.num_steps})")


def dip_regularizer(mu: torch.Tensor, logvar: torch.Tensor, lambda_od: float, lambda_d: float,
                    kind: str = "i") -> torch.Tensor:
    """DIP-VAE penalty lambda_od * sum_{i != j} C_ij^2 + lambda_d * sum_i (C_ii - 1)^2.

    mu, logvar: (B, D). kind "i": C = Cov(mu) over the batch; kind "ii": C = Cov(mu) +
    diag(mean of exp(logvar)), the covariance of the aggregate posterior.
    """
    if kind not in ("i", "ii"):
        raise ValueError(f"kind must be 'i' or 'ii', got {kind!r}")
    lambda_od, lambda_d = _number("lambda_od", lambda_od), _number("lambda_d", lambda_d)
    if not isinstance(mu, torch.Tensor) or mu.dim() != 2 or mu.shape[0] < 2:
        raise ValueError("mu must be a (B, D) tensor with B >= 2 (a covariance needs 2 rows)")
    if not isinstance(logvar, torch.Tensor) or logvar.shape != mu.shape:
        raise ValueError("logvar must be a tensor of the same shape as mu")
    check_tensor(mu, "mu")
    check_tensor(logvar, "logvar")
    centred = mu - mu.mean(0, keepdim=True)
    cov = centred.T @ centred / mu.shape[0]
    if kind == "ii":
        cov = cov + torch.diag(logvar.exp().mean(0))
    diag = torch.diagonal(cov)
    off = cov - torch.diag(diag)
    return lambda_od * off.pow(2).sum() + lambda_d * (diag - 1.0).pow(2).sum()


class DIPVAELoss:
    """DIP-VAE-I or -II objective: rec + KL + the DIP penalty (see :func:`dip_regularizer`).

    lambda_d defaults to 10 * lambda_od for DIP-VAE-I and lambda_od for DIP-VAE-II (the
    disentanglement_lib study's settings).
    """

    def __init__(self, lambda_od: float = 5.0, lambda_d: float | None = None, kind: str = "i"):
        if kind not in ("i", "ii"):
            raise ValueError(f"kind must be 'i' or 'ii', got {kind!r}")
        self.kind = kind
        self.lambda_od = _number("lambda_od", lambda_od)
        default = 10.0 * self.lambda_od if kind == "i" else self.lambda_od
        self.lambda_d = default if lambda_d is None else _number("lambda_d", lambda_d)

    def __call__(self, model: VAE, x: torch.Tensor, y: torch.Tensor | None = None,
                 epoch: int = 0) -> dict[str, torch.Tensor]:
        terms, mu, logvar, _ = _elbo_terms(model, x, epoch)
        dip = dip_regularizer(mu, logvar, self.lambda_od, self.lambda_d, self.kind)
        return dict(loss=terms["rec"] + terms["kl"] + dip, dip=dip, **terms)

    def __repr__(self) -> str:
        return (f"DIPVAELoss(lambda_od={self.lambda_od:g}, lambda_d={self.lambda_d:g}, "
                f"kind={self.kind!r})")


FAMILY = {
    "beta_vae": BetaVAELoss,
    "beta_tc_vae": BetaTCVAELoss,
    "annealed_vae": AnnealedVAELoss,
    "dip_vae_i": partial(DIPVAELoss, kind="i"),
    "dip_vae_ii": partial(DIPVAELoss, kind="ii"),
}
FamilyLoss = BetaVAELoss | BetaTCVAELoss | AnnealedVAELoss | DIPVAELoss


def family_loss(name: str, **hyperparameters: object) -> FamilyLoss:
    """The objective of a family member by name (a key of ``FAMILY``), e.g.
    ``family_loss("beta_tc_vae", beta=6, dataset_size=len(x))``."""
    check_str(name, "name")
    if name not in FAMILY:
        raise ValueError(f"unknown VAE family member {name!r}; expected one of {sorted(FAMILY)}")
    return FAMILY[name](**hyperparameters)
