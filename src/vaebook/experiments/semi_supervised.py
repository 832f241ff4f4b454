"""Chapters 4 and 5's runs: M2, SHOT-VAE and their ablations with 100 labels on mnist5k.

One run is one (arm, seed) of the ``semi_supervised`` grid (:mod:`vaebook.experiments.grids`).
Every arm with one seed shares the labelled split (``split_labelled(y, 10, seed)``), the
initial weights (one stream, ``init/model``: M2 and SHOT-VAE have the same network), the batch
order (``train_semisupervised(seed=...)``) and the sampling noise (the model's streams), so
arms are paired by construction. A config says:

- ``model``: "m2", "shot" (:class:`~vaebook.models.shot_vae.SHOTVAE` with ``smooth``,
  ``interpolate``, ``smoothing``) or "supervised" (the network's classifier on the labels only);
- ``alpha``, ``num_epochs`` (epochs of 78 steps: 3,900 unlabelled digits in batches of 50);
- ``decoder_context`` (M2 only): p(x | y, z) is a :class:`~vaebook.models.m2.PixelDecoder`
  that sees the 2l^2 + 2l pixels before each pixel (l = 0: none, the factorised control with the
  same parts), instead of the MLP decoder (chapter 3's claim 000-d);
- ``branch_epoch``: train the full objective for that many epochs, then branch: the same state
  (weights and Adam moments) trained on for ``num_epochs - branch_epoch`` epochs once with the
  full objective and once with alpha = 0 (ELBO only), with identical batches and noise;
- ``margin``: also measure the ELBO's margin to log p(x) and its y and z parts
  (:func:`vaebook.semisupervised.margin_parts`, k = 100 on 250 test digits) and the IW bound's
  convergence (k = 100 vs 1,000 on 50 of them).

The evaluation holds the final held-out accuracy and ELBO (1,000 test digits), the per-epoch
curves and, for the first epoch, the curve at the steps in ``EVAL_STEPS``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import torch

from vaebook import data
from vaebook.checks import InputTypeError, check_int
from vaebook.models.m2 import M2, PixelDecoder
from vaebook.models.shot_vae import SHOTVAE
from vaebook.seeding import Streams, derive_seed, init_module
from vaebook.semisupervised import (
    evaluate,
    margin_parts,
    split_labelled,
    train_classifier_only,
    train_semisupervised,
)

__all__ = ["NETWORK", "EVAL_STEPS", "STEPS_PER_EPOCH", "build_model", "run", "curve", "load_model"]

NETWORK = dict(hidden_dims=(256, 256), decoder_dims=(128, 128), latent_dim=16)
LABELS_PER_CLASS = 10
UNLABELLED_BATCH = 50
STEPS_PER_EPOCH = 78  # 3,900 unlabelled digits in batches of 50
EVAL_STEPS = (0, 5, 10, 20, 40, 60)  # inside the first epoch, where the curves move fastest
_MODELS = ("m2", "shot", "supervised")


def _check_config(config: Any) -> str:
    if not isinstance(config, Mapping):
        raise InputTypeError(f"config must be a dict (a grid arm's config), got "
                             f"{type(config).__name__}")
    kind = config.get("model")
    if kind not in _MODELS:
        raise ValueError(f"config['model'] must be one of {_MODELS}, got {kind!r}")
    if "num_epochs" not in config:
        raise ValueError("config lacks num_epochs")
    check_int(config["num_epochs"], "config['num_epochs']", minimum=1)
    return kind


def build_model(config: Mapping[str, Any], seed: int, device: str = "cpu") -> M2:
    """The arm's network (M2 or SHOTVAE), initialised from the stream ``init/model`` of
    ``seed`` and drawing its training noise from that seed's streams on ``device`` (the weights
    are on the CPU: move the model there afterwards)."""
    kind = _check_config(config)
    check_int(seed, "seed", minimum=0)
    alpha = float(config.get("alpha", 100.0))
    if kind == "shot":
        steps = config["num_epochs"] * STEPS_PER_EPOCH
        model = SHOTVAE(**NETWORK, alpha=alpha, smooth=config["smooth"],
                        interpolate=config["interpolate"],
                        smoothing=config.get("smoothing", "mixup"),
                        ramp_steps=int(0.4 * steps),  # the code reaches its max at 40%
                        elbo=bool(config.get("elbo", True)))
    elif "decoder_context" in config:
        decoder = PixelDecoder(NETWORK["latent_dim"] + 10, (1, 28, 28), NETWORK["decoder_dims"],
                               context=check_int(config["decoder_context"],
                                                 "config['decoder_context']", minimum=0))
        model = M2(**NETWORK, alpha=alpha, decoder=decoder)
    else:
        model = M2(**NETWORK, alpha=alpha)
    # one stream for every weight: the decoder is built last and its pixel convolution is its
    # last layer, so arms that differ only there start from the same weights everywhere else
    streams = Streams(seed, device)
    init_module(model, streams, "init/model")
    return model.use_streams(streams)


def curve(history: Mapping[str, list]) -> dict[str, list]:
    """The held-out curve of a run: steps, accuracy and ELBO at the first-epoch evaluation
    steps and after every epoch, in step order."""
    if not isinstance(history, Mapping):
        raise InputTypeError(f"history must be a dict (train_semisupervised's), got "
                             f"{type(history).__name__}")
    missing = [k for k in ("step", "accuracy", "elbo") if k not in history]
    if missing:
        raise ValueError(f"history lacks {', '.join(missing)}: train with x_eval and y_eval")
    steps = list(history.get("eval_step", [])) + list(history["step"])
    acc = list(history.get("eval_accuracy", [])) + list(history["accuracy"])
    elbo = list(history.get("eval_elbo", [])) + list(history["elbo"])
    order = sorted(range(len(steps)), key=steps.__getitem__)
    return dict(step=[steps[i] for i in order], accuracy=[acc[i] for i in order],
                elbo=[elbo[i] for i in order])


def _train(model: M2, split, x, y, x_test, y_test, num_epochs: int, seed: int,
           optimizer: torch.optim.Optimizer, eval_steps=()) -> dict[str, list]:
    lab, unl = split
    return train_semisupervised(model, x[lab], y[lab], x[unl], num_epochs=num_epochs,
                                batch_size=100, unlabelled_batch_size=UNLABELLED_BATCH,
                                seed=seed, x_eval=x_test, y_eval=y_test, optimizer=optimizer,
                                eval_steps=eval_steps, progress=False)


def run(config: Mapping[str, Any], seed: int, device: str = "cpu"):
    """One run of the semi-supervised grid; returns a runner ``RunResult``."""
    from vaebook.experiments.runner import RunResult

    _check_config(config)
    check_int(seed, "seed", minimum=0)
    x, y = data.mnist5k("train")
    x_test, y_test = data.mnist5k("test")
    x, y, x_test, y_test = (t.to(device) for t in (x, y, x_test, y_test))
    labels = check_int(config.get("labels_per_class", LABELS_PER_CLASS),
                       "config['labels_per_class']", minimum=1)
    lab, unl = split_labelled(y.cpu(), labels, seed=seed)
    split = (lab.to(device), unl.to(device))
    model = build_model(config, seed, device).to(device)
    num_epochs = int(config["num_epochs"])
    if config["model"] == "supervised":
        train_classifier_only(model, x[split[0]], y[split[0]],
                              num_steps=num_epochs * STEPS_PER_EPOCH, batch_size=100, seed=seed)
        result = evaluate(model, x_test, y_test, seed=seed)
        return RunResult(dict(accuracy=result["accuracy"]), {}, None)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(config.get("lr", 1e-3)))
    branch = config.get("branch_epoch")
    first = int(branch) if branch else num_epochs
    history = _train(model, split, x, y, x_test, y_test, first, seed, optimizer, EVAL_STEPS)
    evaluation: dict[str, Any] = dict(curve=curve(history))
    if branch:
        # one state, two continuations with identical batches and noise
        state = (copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict()))
        branch_seed = derive_seed(seed, "branch") % 2**31
        for name, alpha in (("full", model.alpha), ("elbo_only", 0.0)):
            model.load_state_dict(state[0])
            optimizer.load_state_dict(state[1])
            model.alpha = alpha
            model.use_streams(Streams(branch_seed, device))
            h = _train(model, split, x, y, x_test, y_test, num_epochs - first, branch_seed,
                       optimizer)
            evaluation[f"branch_{name}"] = dict(accuracy=h["accuracy"], elbo=h["elbo"])
        evaluation["branch_point"] = dict(accuracy=history["accuracy"][-1],
                                          elbo=history["elbo"][-1])
    else:
        evaluation.update(accuracy=history["accuracy"][-1], elbo=history["elbo"][-1],
                          accuracy_by_epoch=history["accuracy"])
    if config.get("margin"):
        x_iw = x_test[::4]  # 250 test digits, 25 per class
        evaluation["margin"] = margin_parts(model, x_iw, num_samples=100, seed=seed)
        evaluation["margin_k100_subset"] = margin_parts(model, x_iw[::5], num_samples=100,
                                                        seed=seed)["margin"]
        evaluation["margin_k1000_subset"] = margin_parts(model, x_iw[::5], num_samples=1000,
                                                         seed=seed)["margin"]
    keep = {k: v for k, v in history.items() if k in ("epoch", "loss", "ce", "elbo_lab",
                                                      "elbo_unl", "ce_interp", "w2")}
    return RunResult(evaluation, keep, model.cpu().state_dict())


def load_model(record: Mapping[str, Any]) -> M2:
    """The trained model of a record whose grid kept its weights, in eval mode on the CPU."""
    from vaebook.experiments.runner import RECORDS_DIR, load_weights

    if not isinstance(record, Mapping) or "config" not in record:
        raise InputTypeError(f"record must be a runner record (a dict with a 'config'), got "
                             f"{type(record).__name__}")
    model = build_model(record["config"], int(record["seed"]))
    model.load_state_dict(load_weights(record, RECORDS_DIR))
    return model.use_streams(None).eval()
