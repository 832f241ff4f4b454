"""The beta-VAE of chapter 6 (measuring disentanglement) on the runner: grid
``disentanglement_metrics``.

:func:`run` trains disentanglement_lib's convolutional VAE at its full widths (32-32-64-64
channels, 256 hidden units) on 32x32 procedural dSprites with beta = 4, and scores its mean
representation with every metric of :mod:`vaebook.metrics` after chosen epochs. The data are
``TRAIN_SIZE`` training images drawn with seed 0 and ``EVAL_SIZE`` evaluation images with their
factors drawn with seed 1, in grey or (``config['color']``) with a random colour per image
(the same factors: colour is a nuisance, not a factor). Weights start from the stream
``init/model``, batches from ``data/order`` and the noise from ``noise/elbo``
(:mod:`vaebook.seeding`): the grey and colour arms of one seed see the same batches of the same
factors (their first convolutions differ in shape, so their initial weights differ).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LinearRegression

from vaebook import collapse, metrics, utils
from vaebook.checks import InputTypeError, check_int
from vaebook.data.dsprites import DSprites
from vaebook.experiments.selective_collapse import check_grid_config, fit_beta_vae
from vaebook.models.family import dsprites_vae
from vaebook.models.vae import VAE

__all__ = ["ARCH", "TRAIN_SIZE", "EVAL_SIZE", "INTERVENTION_SIZES", "data", "evaluate", "run",
           "load_run"]

ARCH = dict(channels=(32, 32, 64, 64), hidden_dim=256)  # disentanglement_lib's widths
TRAIN_SIZE = 12_000
EVAL_SIZE = 10_000
# the BetaVAE and FactorVAE scores' sizes for a trained model (every point encodes fresh images;
# disentanglement_lib: batches of 64, 10,000 training and 5,000 evaluation points)
INTERVENTION_SIZES = dict(batch_size=32, num_train=200, num_eval=100)
GRID_KEYS = ("beta", "color", "num_epochs", "eval_epochs", "batch_size", "lr")


def data(color: bool = False, train_size: int = TRAIN_SIZE, eval_size: int = EVAL_SIZE
         ) -> tuple[DSprites, torch.Tensor, torch.Tensor, np.ndarray]:
    """(sampler, x_train (seed 0), x_eval, f_eval (seed 1)) at 32x32, grey or coloured."""
    if not isinstance(color, bool):
        raise InputTypeError(f"color must be a bool, got {type(color).__name__}")
    check_int(train_size, "train_size", minimum=1)
    check_int(eval_size, "eval_size", minimum=1)
    ds = DSprites(size=32, color=color)
    x_train, _ = ds.sample(train_size, seed=0)
    x_eval, f_eval = ds.sample(eval_size, seed=1)
    return ds, x_train, x_eval, f_eval


def evaluate(model: VAE, ds: DSprites, x_eval: torch.Tensor, f_eval: np.ndarray, *,
             seed: int = 0) -> dict[str, Any]:
    """Chapter 6's numbers for one model on (x_eval, f_eval): x_eval (N, C, 32, 32) in [0, 1],
    f_eval (N, 5) factor indices.

    ``scores`` (:func:`vaebook.metrics.all_scores` of the mean representation, intervention
    sizes :data:`INTERVENTION_SIZES`), ``var`` (E_x[sigma_j^2] per latent), ``mean_std`` (the
    standard deviation of each latent's mean, FactorVAE's pruning statistic), ``mi`` (D x 5
    mutual information of each mean latent with each factor over the factor's entropy),
    ``rec`` and ``kl`` (held-out ELBO terms, nats per image, one z per image from a generator
    seeded with ``seed``) and, for coloured images,
    ``colour_r2`` (held-out R^2 of the colour, the brightest value of each channel, from each
    latent's mean) and ``colour_r2_all`` (from all means).
    """
    if not isinstance(model, VAE):
        raise InputTypeError(f"model must be a vaebook VAE, got {type(model).__name__}")
    if not isinstance(x_eval, torch.Tensor) or x_eval.dim() != 4 or len(x_eval) != len(f_eval):
        raise ValueError(f"x_eval must be (N, C, H, W) with one row of f_eval per image, got "
                         f"{getattr(x_eval, 'shape', type(x_eval).__name__)} and "
                         f"{getattr(f_eval, 'shape', type(f_eval).__name__)}")
    model = model.eval()
    device = next(model.parameters()).device
    mu, logvar = utils.encode(model, x_eval.to(device))
    terms = collapse.rate_distortion(model, x_eval.to(device), seed=seed)  # seeded z noise
    out: dict[str, Any] = dict(
        rec=float(terms["distortion"]), kl=float(terms["rate"]),
        var=np.exp(logvar).mean(axis=0).tolist(), mean_std=mu.std(axis=0).tolist(),
        mi=(metrics.mutual_info_matrix(mu, f_eval) / metrics.factor_entropies(f_eval)).tolist())

    def represent(x: torch.Tensor) -> np.ndarray:
        return utils.encode(model, x.to(device))[0]

    out["scores"] = metrics.all_scores(mu, f_eval, represent, ds, seed=seed, **INTERVENTION_SIZES)
    if x_eval.shape[1] == 3:
        colour = x_eval.amax(dim=(2, 3)).numpy()  # (N, 3): the sprite's colour
        n = len(x_eval) // 2

        def r2(cols: list[int]) -> float:
            reg = LinearRegression().fit(mu[:n, cols], colour[:n])
            return float(reg.score(mu[n:, cols], colour[n:]))

        out["colour_r2"] = [r2([j]) for j in range(mu.shape[1])]
        out["colour_r2_all"] = r2(list(range(mu.shape[1])))
    return out


def run(config: Mapping[str, Any], seed: int, device: str = "cpu"):
    """One model of the grid: :func:`fit_beta_vae` on the training images (the first
    ``config['train_size']`` when given: quick tests), :func:`evaluate` after each epoch in
    ``config['eval_epochs']``. Evaluation: the last evaluation, with all under ``by_epoch``."""
    from vaebook.experiments.runner import RunResult
    from vaebook.seeding import Streams, init_module

    check_grid_config(config, GRID_KEYS)
    check_int(seed, "seed", minimum=0)
    ds, x_train, x_eval, f_eval = data(bool(config["color"]))
    x_train = x_train[:check_int(config.get("train_size", len(x_train)), "train_size",
                                 minimum=1)].to(device)
    streams = Streams(seed, device)
    model = dsprites_vae(latent_dim=10, image_shape=ds.image_shape, **ARCH)
    model = init_module(model, streams, "init/model").to(device)
    by_epoch: dict[str, Any] = {}

    def on_epoch(epoch: int, m: VAE) -> None:
        if epoch in config["eval_epochs"]:
            by_epoch[str(epoch)] = evaluate(m, ds, x_eval, f_eval, seed=seed)

    history = fit_beta_vae(model, x_train, config, streams, on_epoch=on_epoch)
    evaluation = dict(by_epoch[str(max(config["eval_epochs"]))], by_epoch=by_epoch)
    return RunResult(evaluation, history, model.cpu().state_dict())


def load_run(record: Mapping[str, Any]) -> VAE:
    """The model of a grid record whose weights were kept (float32, eval mode, on the CPU)."""
    from vaebook.experiments.runner import load_weights

    if not isinstance(record, Mapping) or "config" not in record:
        raise InputTypeError(f"record must be a runner record (a dict with a 'config'), got "
                             f"{type(record).__name__}")
    channels = 3 if record["config"]["color"] else 1
    model = dsprites_vae(latent_dim=10, image_shape=(channels, 32, 32), **ARCH)
    model.load_state_dict({k: v.float() for k, v in load_weights(record).items()})
    return model.eval()
