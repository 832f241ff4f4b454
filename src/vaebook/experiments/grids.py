"""The book's grids: arms x seeds that the runner (``python -m vaebook.experiments``) trains.

Each run function is a pure function of (config, seed, device). It builds its model, then
re-initialises every part from its own stream (``init/encoder``, ``init/decoder``), shuffles
with ``data/order`` and draws its sampling noise from ``noise/elbo`` (:mod:`vaebook.seeding`):
two arms with one seed that differ only in the decoder start from the same encoder weights and
see the same batches.

- ``tiny``: a PixelCNN VAE on 500 digits for 10 steps, factorised vs local decoder; seconds a
  run. It exercises the runner in the tests and in a reader's first try.
- ``representations``: chapter 2 (:func:`vaebook.experiments.representations.run`): pixels,
  PCA, the autoencoder, VAEs at four betas, the untrained encoder and a VAE with a local
  autoregressive decoder, 50 epochs, probed with a cross-validated linear probe.
- ``local_decoders``: chapter 3's recipe (Zhang et al.'s MLP encoder 784-400-400, z = 2, 32
  decoder channels, 1,520 steps of 100 with the KL weight annealed per step over the first
  760), the five decoders with the MLP encoder, two with the book's conv encoder, and the
  factorised/local pair at z = 4 and 8.
- ``semi_supervised``: chapters 4 and 5 (:mod:`vaebook.experiments.semi_supervised`): M2 at
  alpha = 100 and 0, the supervised-only baseline, M2 branched into ELBO-only training on its
  plateau, smooth-ELBO with mixup and with epsilon smoothing, SHOT-VAE and M2 with optimal
  interpolation but no smoothing; 100 labels, 20 epochs.
- ``disentanglement_metrics``: chapter 6 (:func:`vaebook.experiments.disentanglement_metrics.run`):
  the beta = 4 VAE at disentanglement_lib's widths on 32x32 dSprites, grey and coloured, scored
  with every metric after 4 and 30 epochs.
- ``selective_collapse``: chapter 7 (:func:`vaebook.experiments.selective_collapse.run`):
  beta-VAEs on 32x32 dSprites, evaluated after 6, 15 and 30 epochs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from vaebook import data, probes, train, utils
from vaebook.checks import InputTypeError
from vaebook.experiments import disentanglement_metrics as dm
from vaebook.experiments import local_decoders as ld
from vaebook.experiments import representations as rp
from vaebook.experiments import selective_collapse as sc
from vaebook.experiments import semi_supervised as ss
from vaebook.experiments.runner import RECORDS_DIR, Grid, RunResult, load_weights, register
from vaebook.models.pixelcnn import PixelVAE
from vaebook.seeding import Streams, check_streams, init_module

__all__ = ["build_pixel_vae", "train_pixel_vae", "load_pixel_vae", "TINY", "LOCAL_DECODERS",
           "SEMI_SUPERVISED", "SELECTIVE_COLLAPSE", "DISENTANGLEMENT_METRICS",
           "REPRESENTATIONS"]

_PIXEL_VAE_KEYS = ("latent_dim", "context", "hidden_channels", "full_layers", "encoder",
                   "encoder_channels", "encoder_hidden")
_TRAIN_KEYS = ("num_epochs", "batch_size", "lr", "anneal_steps")


def _check_config(config: Any, needed: tuple[str, ...]) -> None:
    if not isinstance(config, Mapping):
        raise InputTypeError(f"config must be a dict (a grid arm's config), got "
                             f"{type(config).__name__}")
    missing = [k for k in needed if k not in config]
    if missing:
        raise ValueError(f"config lacks {', '.join(missing)}")


def build_pixel_vae(config: Mapping[str, Any], streams: Streams) -> PixelVAE:
    """A PixelVAE from a grid config, its encoder and decoder each initialised from their own
    stream (on the CPU; move it afterwards)."""
    _check_config(config, ("latent_dim", "context"))
    check_streams(streams)
    kwargs = {k: config[k] for k in _PIXEL_VAE_KEYS if k in config}
    if "encoder_channels" in kwargs:
        kwargs["encoder_channels"] = tuple(kwargs["encoder_channels"])
    model = PixelVAE((1, 28, 28), likelihood="bernoulli", **kwargs)
    init_module(model.encoder, streams, "init/encoder")
    init_module(model.decoder, streams, "init/decoder")
    return model


def train_pixel_vae(model: PixelVAE, x: torch.Tensor, config: Mapping[str, Any],
                    streams: Streams, on_batch=None) -> dict[str, list[float]]:
    """Train with Adam, per-step KL annealing over ``config['anneal_steps']``, batches from the
    stream ``data/order`` and z noise from ``noise/elbo``. on_batch(xb): called with each batch
    (the tests use it to check that paired arms see the same batches).

    With ``config['capacity']`` = C nats the objective is instead the capacity objective of
    Burgess et al. (2018), rec + gamma |KL - C_t|, with C_t growing from 0 to C on the annealing
    schedule and ``config['gamma']``: a factorised decoder held at a chosen rate (the
    rate-matched control of chapter 3).
    """
    _check_config(config, _TRAIN_KEYS)
    check_streams(streams)
    step = [0]
    noise = streams.generator("noise/elbo")
    capacity = config.get("capacity")

    def loss_fn(m, xb, yb, epoch):
        if on_batch is not None:
            on_batch(xb)
        weight = ld.step_kl_weight(step[0], config["anneal_steps"])
        step[0] += 1
        if capacity is None:
            return m.loss(xb, weight, generator=noise)
        terms = m.loss(xb, 1.0, generator=noise)
        target = capacity * weight
        terms["loss"] = terms["rec"] + config["gamma"] * (terms["kl"] - target).abs()
        return terms

    return train.fit(model, x, num_epochs=config["num_epochs"], batch_size=config["batch_size"],
                     lr=config["lr"], seed=streams.seed, loss_fn=loss_fn, progress=False,
                     order_generator=streams.generator("data/order", "cpu"))


def load_pixel_vae(record: Mapping[str, Any], out: str | Path = RECORDS_DIR) -> PixelVAE:
    """The trained PixelVAE of a record whose grid kept its weights, in eval mode on the CPU."""
    if not isinstance(record, Mapping) or "config" not in record:
        raise InputTypeError(f"record must be a runner record (a dict with a 'config'), got "
                             f"{type(record).__name__}")
    model = build_pixel_vae(record["config"], Streams(int(record["seed"])))
    model.load_state_dict(load_weights(record, out))
    return model.eval()


def _run_pixel_vae(config: Mapping[str, Any], seed: int, device: str) -> RunResult:
    """Train a PixelVAE on ``config['num_train']`` binarised mnist5k digits (all when None) and
    evaluate it with :func:`vaebook.experiments.local_decoders.evaluate` on the test split."""
    streams = Streams(seed, device)
    x, y = data.mnist5k("train")
    x_test, y_test = data.mnist5k("test")
    if config.get("num_train"):
        x, y = x[:config["num_train"]], y[:config["num_train"]]
    model = build_pixel_vae(config, streams).to(device)
    history = train_pixel_vae(model, x.to(device), config, streams)
    model = model.cpu().eval()
    evaluation = ld.evaluate(model, x, y, x_test, y_test, seed=seed)
    return RunResult(evaluation, history, model.state_dict())


def _run_tiny(config: Mapping[str, Any], seed: int, device: str) -> RunResult:
    """The tiny grid: train on 500 digits, report the held-out rate, -ELBO and a linear probe
    of the mean on 200 test digits (seconds a run)."""
    streams = Streams(seed, device)
    x, y = data.mnist5k("train")
    x_test, y_test = data.mnist5k("test")
    x, y, x_test, y_test = x[:500], y[:500], x_test[:200], y_test[:200]
    model = build_pixel_vae(config, streams).to(device)
    history = train_pixel_vae(model, x.to(device), config, streams)
    model = model.cpu().eval()
    with torch.no_grad():
        terms = model.loss(x_test, generator=streams.generator("noise/evaluate", "cpu"))
    mu_train, _ = utils.encode(model, x)
    mu_test, _ = utils.encode(model, x_test)
    evaluation = dict(kl=float(terms["kl"]), nelbo=-float(terms["elbo"]),
                      probe=probes.linear_probe(mu_train, y, mu_test, y_test))
    return RunResult(evaluation, history, model.state_dict())


_TINY_BASE = dict(latent_dim=2, hidden_channels=8, full_layers=2, encoder="mlp",
                  encoder_hidden=64, num_epochs=2, batch_size=100, lr=1e-3, anneal_steps=5)
TINY = register(Grid(
    name="tiny", run=_run_tiny, description="a PixelCNN VAE on 500 digits for 10 steps (seconds)",
    arms={"factorised": dict(_TINY_BASE, context=0), "local1": dict(_TINY_BASE, context=1)},
    seeds=(0, 1, 2, 3, 4), pilot_seeds=(100, 101, 102), keep_weights={"local1": (0,)}))

# Chapter 3's recipe: 4,000 digits, 38 epochs of 40 batches = 1,520 steps, annealing over 760.
_LD_BASE = dict(latent_dim=2, hidden_channels=32, full_layers=4, encoder="mlp",
                encoder_hidden=400, num_epochs=38, batch_size=100, lr=1e-3, anneal_steps=760,
                num_train=None)
_LD_CONV = dict(_LD_BASE, encoder="conv", encoder_channels=[16, 32], encoder_hidden=128)
LOCAL_DECODERS = register(Grid(
    name="local_decoders", run=_run_pixel_vae,
    description="chapter 3: five decoders (MLP encoder) and two with the conv encoder, z = 2",
    arms={"factorised": dict(_LD_BASE, context=0), "local1": dict(_LD_BASE, context=1),
          "local2": dict(_LD_BASE, context=2), "local3": dict(_LD_BASE, context=3),
          "full": dict(_LD_BASE, context="full"),
          # the factorised decoder held at local1's pilot rate (mean KL of seeds 100-104: 3.65
          # nats) by the capacity objective: tells "fewer nats" from "better nats"
          "factorised_rate": dict(_LD_BASE, context=0, capacity=3.65, gamma=100.0),
          "conv_factorised": dict(_LD_CONV, context=0), "conv_local1": dict(_LD_CONV, context=1),
          # where the effect lives: the same pair with 4 and 8 latent dimensions (description)
          **{f"z{z}_{name}": dict(_LD_BASE, latent_dim=z, context=context)
             for z in (4, 8) for name, context in (("factorised", 0), ("local1", 1))}},
    seeds=(0, 1, 2, 3, 4), pilot_seeds=(100, 101, 102, 103, 104),
    keep_weights={"factorised": (0, 1, 2), "local1": (0, 1, 2), "factorised_rate": (0, 1, 2),
                  "local2": (0,), "local3": (0,), "full": (0,)}))

# Chapters 4 and 5: 100 labels (10 per class) of 4,000 mnist5k digits, 20 epochs of 78 steps
# (1,560 Adam steps, lr 1e-3), alpha = 100 per labelled digit unless named.
_SS = dict(num_epochs=20, lr=1e-3)
SEMI_SUPERVISED = register(Grid(
    name="semi_supervised", run=ss.run,
    description="chapters 4-5: M2, its ELBO-only branch, smooth-ELBO, SHOT-VAE (100 labels)",
    arms={"m2": dict(_SS, model="m2", alpha=100.0, margin=True),
          "m2_alpha0": dict(_SS, model="m2", alpha=0.0),
          "supervised": dict(_SS, model="supervised"),
          # 10 epochs of the full objective, then 20 with it and 20 with the ELBO alone (002-c)
          "m2_branch": dict(_SS, model="m2", alpha=100.0, num_epochs=30, branch_epoch=10),
          "smooth_mixup": dict(_SS, model="shot", alpha=100.0, smooth=True, interpolate=False,
                               smoothing="mixup", margin=True),
          "smooth_epsilon": dict(_SS, model="shot", alpha=100.0, smooth=True, interpolate=False,
                                 smoothing="epsilon"),
          "shot_vae": dict(_SS, model="shot", alpha=100.0, smooth=True, interpolate=True,
                           smoothing="mixup", margin=True),
          "m2_interp": dict(_SS, model="shot", alpha=100.0, smooth=False, interpolate=True,
                            margin=True),
          # longer (descriptions): branches of 30 epochs after the branch point (seeds 0-5), and
          # the smoothing arms of 002-d trained 30 epochs (seeds 0-4)
          "m2_branch30": dict(_SS, model="m2", alpha=100.0, num_epochs=40, branch_epoch=10),
          "m2_e30": dict(_SS, model="m2", alpha=100.0, num_epochs=30),
          "smooth_mixup_e30": dict(_SS, model="shot", alpha=100.0, smooth=True,
                                   interpolate=False, smoothing="mixup", num_epochs=30),
          "smooth_epsilon_e30": dict(_SS, model="shot", alpha=100.0, smooth=True,
                                     interpolate=False, smoothing="epsilon", num_epochs=30),
          # does the VAE matter? the classifier with interpolation consistency and no ELBO
          "supervised_interp": dict(_SS, model="shot", alpha=100.0, smooth=False,
                                    interpolate=True, elbo=False),
          # labels per class: 5 and 50 (the arms above have 10), 20 epochs over the unlabelled
          # digits (70-79 steps each); described on seeds 0-4
          **{f"{arm}_l{n}": dict(config, labels_per_class=n)
             for n in (5, 50) for arm, config in (
                 ("supervised", dict(_SS, model="supervised")),
                 ("m2", dict(_SS, model="m2", alpha=100.0)),
                 ("shot_vae", dict(_SS, model="shot", alpha=100.0, smooth=True,
                                   interpolate=True, smoothing="mixup")))},
          # chapter 3's 000-d: M2 whose p(x | y, z) is a pixel decoder that sees the 4 pixels
          # before each pixel (l = 1) or none (l = 0, the factorised control with the same
          # parts); 10 epochs (the pixel decoder makes an epoch 4-5x dearer)
          **{f"m2_pixel{context}": dict(_SS, model="m2", alpha=100.0, num_epochs=10,
                                        decoder_context=context) for context in (0, 1)}},
    seeds=tuple(range(10)), pilot_seeds=(100, 101, 102, 103, 104),
    keep_weights={"m2": (0,), "m2_alpha0": (0,), "shot_vae": (0,), "m2_pixel0": (0,),
                  "m2_pixel1": (0,)}))

# Chapter 7: beta-VAEs on the 12,800 procedural dSprites images at 32x32 (the disentanglement_lib
# architecture with halved channels), 30 epochs of 200 Adam steps (6,000), evaluated after
# epochs 6 (the book's earlier 1,200 steps), 15 and 30; beta = 8 judges the claims, the other
# betas describe the sweep.
_SC = dict(num_epochs=30, eval_epochs=[6, 15, 30], batch_size=64, lr=1e-3)
SELECTIVE_COLLAPSE = register(Grid(
    name="selective_collapse", run=sc.run,
    description="chapter 7: beta-VAEs on 32x32 dSprites (beta = 8 judged; 1, 2, 4, 16 described)",
    arms={f"beta{b:g}": dict(_SC, beta=float(b)) for b in (8, 1, 2, 4, 16)},
    seeds=tuple(range(10)), pilot_seeds=(100, 101, 102, 103, 104),
    keep_weights={"beta8": (0, 1, 2), "beta1": (0,), "beta16": (0,)}))

# Chapter 6: the beta = 4 VAE at disentanglement_lib's full widths on 12,000 32x32 dSprites, 30
# epochs of 188 Adam steps (5,640), scored after epoch 4 (the 750 steps the chapter trains live)
# and 30; the colour arm answers exercise 6.6. Descriptions only: no claim is judged here.
_DM = dict(beta=4.0, num_epochs=30, eval_epochs=[4, 30], batch_size=64, lr=1e-3)
DISENTANGLEMENT_METRICS = register(Grid(
    name="disentanglement_metrics", run=dm.run,
    description="chapter 6: the beta = 4 VAE on 32x32 dSprites, grey and coloured, every metric",
    arms={"beta4": dict(_DM, color=False), "beta4_colour": dict(_DM, color=True)},
    seeds=(0, 1, 2, 3, 4), pilot_seeds=(100, 101, 102),
    keep_weights={"beta4": (0,), "beta4_colour": (0,)}))

# Chapter 2: 16-dimensional codes of the 4,000 mnist5k training digits; every trained model gets
# 50 epochs of 32 Adam steps (1,600; chapter 1 trains 25 epochs), the held-out rate and
# distortion logged every 5 epochs. Pixels and PCA do not depend on the seed (seed 0 only).
_RP = dict(num_epochs=50, batch_size=128, lr=1e-3, eval_every=5)
REPRESENTATIONS = register(Grid(
    name="representations", run=rp.run,
    description="chapter 2: pixels, PCA, autoencoder, VAEs (beta 0.25-16), untrained, PixelVAE",
    arms={"pixels": dict(model="pixels"), "pca": dict(model="pca"),
          "autoencoder": dict(_RP, model="autoencoder"),
          **{f"beta{b:g}".replace(".", "_"): dict(_RP, model="vae", beta=float(b))
             for b in (1, 16, 0.25, 4)},
          "untrained": dict(_RP, model="vae", beta=1.0, num_epochs=0),
          "beta1_e25": dict(_RP, model="vae", beta=1.0, num_epochs=25),  # chapter 1's budget
          "pixel_vae": dict(_RP, model="pixel_vae", context=1)},
    seeds=tuple(range(30)), pilot_seeds=(100, 101, 102, 103, 104),
    keep_weights={"autoencoder": (0,), "beta1": (0,), "beta16": (0,), "pixel_vae": (0,)}))
