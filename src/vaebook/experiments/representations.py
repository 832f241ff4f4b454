"""Chapter 2's models on the runner: grid ``representations``.

:func:`run` trains one code of chapter 2 on the 4,000 mnist5k training digits and describes it
on them and on the 1,000 test digits (:func:`evaluate`). ``config['model']`` is one of

- ``"pixels"`` and ``"pca"``: no training (the 784 binarised pixels; the 16 leading principal
  components of the training pixels);
- ``"autoencoder"``: chapter 1's encoder and decoder trained to reconstruct, no KL;
- ``"vae"``: chapter 1's VAE with ``config['beta']``; ``num_epochs`` 0 keeps the encoder at its
  initial weights (the untrained-encoder row);
- ``"pixel_vae"``: the same encoder with a local autoregressive decoder (a PixelCNN with a
  ``config['context']``-pixel context), the posterior-collapse demonstration.

Pairing (:mod:`vaebook.seeding`): the encoder starts from stream ``init/encoder`` and the decoder
from ``init/decoder``; the autoencoder's encoder is the VAE's without its log-variance head, so
the autoencoder and every beta of one seed start from the same encoder trunk, mean head and (for
the VAEs and the autoencoder) decoder, and see the same batches (``data/order``) and, for the
VAEs, the same noise. Every ``eval_every`` epochs the held-out rate and distortion are recorded
(``history['test_rate']``, ``history['test_distortion']``): the chapter shows the plateau.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from sklearn.decomposition import PCA

from vaebook import collapse, data, probes, train, utils
from vaebook.checks import InputTypeError, check_choice, check_int, check_number
from vaebook.experiments.local_decoders import class_information
from vaebook.models.autoencoder import Autoencoder
from vaebook.models.pixelcnn import PixelVAE
from vaebook.models.vae import VAE
from vaebook.seeding import Streams, init_module

__all__ = ["MODELS", "LATENT_DIM", "NUM_LABELS", "build", "codes", "evaluate", "fit", "run",
           "load_run"]

MODELS = ("pixels", "pca", "autoencoder", "vae", "pixel_vae")
LATENT_DIM = 16
NUM_LABELS = (1, 5, 10, 50)  # few-label curve: labels per class


def build(config: Mapping[str, Any], seed: int) -> torch.nn.Module:
    """The untrained model of a config (autoencoder, vae or pixel_vae), its encoder and decoder
    initialised from the streams ``init/encoder`` and ``init/decoder`` of ``seed``."""
    if not isinstance(config, Mapping) or "model" not in config:
        raise ValueError(f"config must be a dict with a 'model', got {config!r}")
    kind = check_choice(config["model"], "model", ("autoencoder", "vae", "pixel_vae"))
    streams = Streams(check_int(seed, "seed", minimum=0))
    if kind == "autoencoder":
        model: torch.nn.Module = Autoencoder(latent_dim=LATENT_DIM)
    elif kind == "vae":
        model = VAE(latent_dim=LATENT_DIM, beta=check_number(config["beta"], "beta", minimum=0))
    else:
        model = PixelVAE(latent_dim=LATENT_DIM, context=check_int(config["context"], "context",
                                                                  minimum=1),
                         encoder_channels=(32, 64), encoder_hidden=256)
    init_module(model.encoder, streams, "init/encoder")
    init_module(model.decoder, streams, "init/decoder")
    return model


def codes(model: torch.nn.Module, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray | None]:
    """(mean codes (N, 16), log-variances (N, 16) or None for the autoencoder) of x (N, 1, 28,
    28), in eval mode on the CPU."""
    if not isinstance(model, (Autoencoder, VAE, PixelVAE)):
        raise InputTypeError(f"model must be a vaebook Autoencoder, VAE or PixelVAE, got "
                             f"{type(model).__name__}")
    if isinstance(model, Autoencoder):
        return model.codes(x).numpy().astype(np.float64), None
    mu, logvar = utils.encode(model, x)
    return mu, logvar


def _describe_codes(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                    y_test: np.ndarray, prefix: str, seed: int) -> dict[str, Any]:
    """Probes of one representation: the cross-validated linear probe (with its chosen C and the
    sensitivity to C), the linear probe at C = 1, the 5-NN probe, the class information bound
    and the few-label curve (mean over 5 draws), each key prefixed with ``prefix``."""
    cv = probes.cv_linear_probe(z_train, y_train, z_test, y_test, seed=seed)
    curve = probes.few_label_curve(z_train, y_train, z_test, y_test, NUM_LABELS, num_draws=5,
                                   seed=seed)
    out = dict(linear=cv["accuracy"], C=cv["C"], cv_by_C=cv["cv"], test_by_C=cv["test_by_C"],
               linear_C1=cv["test_by_C"][list(probes.C_GRID).index(1.0)],
               knn=probes.knn_probe(z_train, y_train, z_test, y_test, k=5),
               class_nats=class_information(z_train, y_train, z_test, y_test),
               few=[float(v) for v in curve["mean"]])
    return {f"{prefix}_{k}": v for k, v in out.items()}


def evaluate(model: torch.nn.Module | None, config: Mapping[str, Any], *, seed: int = 0
             ) -> dict[str, Any]:
    """Chapter 2's numbers for one code on mnist5k (train: 4,000 digits, test: 1,000).

    ``mean_*``: probes of the code (the autoencoder's code, the VAE's mean, or the pixels / PCA
    projection), see :func:`_describe_codes`; for VAEs also ``sample_*`` (the same probes of one
    z ~ q(z|x) per digit, seeded), ``rate``, ``distortion`` (held-out nats per digit),
    ``kl_per_dim`` and ``active`` (units whose mean varies over the training digits, threshold
    0.01); for the autoencoder ``distortion``.
    """
    _check_config(config)
    check_int(seed, "seed", minimum=0)
    x_train, y_train = data.mnist5k("train")
    x_test, y_test = data.mnist5k("test")
    y_train, y_test = y_train.numpy(), y_test.numpy()
    kind = config["model"]
    out: dict[str, Any] = {}
    if kind == "pixels":
        z_train, z_test = x_train.flatten(1).numpy(), x_test.flatten(1).numpy()
    elif kind == "pca":
        pca = PCA(n_components=LATENT_DIM, random_state=0).fit(x_train.flatten(1).numpy())
        z_train, z_test = pca.transform(x_train.flatten(1).numpy()), pca.transform(
            x_test.flatten(1).numpy())
    else:
        if model is None:
            raise ValueError(f"a {kind} needs its model")
        model = model.cpu().eval()
        (z_train, logvar_train), (z_test, logvar_test) = codes(model, x_train), codes(model,
                                                                                      x_test)
        if logvar_train is None:
            with torch.no_grad():
                out["distortion"] = float(model.loss(x_test)["rec"])
        else:
            rd = collapse.rate_distortion(model, x_test, seed=seed)
            out.update(rate=float(rd["rate"]), distortion=float(rd["distortion"]),
                       kl_per_dim=[float(v) for v in rd["kl_per_dim"]],
                       active=collapse.num_active_units(z_train, threshold=0.01))
            s_train = collapse.sampled_representation(z_train, logvar_train, seed=seed)
            s_test = collapse.sampled_representation(z_test, logvar_test, seed=seed + 100)
            out.update(_describe_codes(s_train, y_train, s_test, y_test, "sample", seed))
    out.update(_describe_codes(z_train, y_train, z_test, y_test, "mean", seed))
    return out


def _check_config(config: Any) -> None:
    if not isinstance(config, Mapping) or "model" not in config:
        raise ValueError(f"config must be a dict with a 'model', got {config!r}")
    check_choice(config["model"], "model", MODELS)
    if config["model"] in ("autoencoder", "vae", "pixel_vae"):
        for key in ("num_epochs", "batch_size", "lr", "eval_every"):
            if key not in config:
                raise ValueError(f"a {config['model']} config needs {key!r}, got {config!r}")
        check_int(config["num_epochs"], "num_epochs", minimum=0)
        check_int(config["eval_every"], "eval_every", minimum=1)


def fit(config: Mapping[str, Any], seed: int, device: str = "cpu"
        ) -> tuple[torch.nn.Module, dict[str, list[float]]]:
    """Build and train the model of a config (autoencoder, vae or pixel_vae) for
    ``config['num_epochs']`` epochs (0: untrained). Returns (model in eval mode, history): the
    training terms per epoch and the held-out rate and distortion every ``eval_every`` epochs
    (``test_epoch``, ``test_rate``, ``test_distortion``; the autoencoder's rate is 0)."""
    _check_config(config)
    model = build(config, seed).to(device)
    history: dict[str, list[float]] = dict(test_epoch=[], test_rate=[], test_distortion=[])
    if config["num_epochs"] == 0:
        return model.eval(), history
    x_train, _ = data.mnist5k("train")
    x_test, _ = data.mnist5k("test")
    streams = Streams(seed, device)
    noise = streams.generator("noise/elbo")
    seen = [-1]

    def held_out(epoch: int) -> None:
        model.eval()
        if isinstance(model, Autoencoder):
            with torch.no_grad():
                rate, dist = 0.0, float(model.loss(x_test.to(device))["rec"])
        else:
            rd = collapse.rate_distortion(model, x_test.to(device), seed=seed)
            rate, dist = float(rd["rate"]), float(rd["distortion"])
        model.train()
        history["test_epoch"].append(epoch)
        history["test_rate"].append(rate)
        history["test_distortion"].append(dist)

    def loss_fn(m, xb, yb, epoch):
        if epoch != seen[0]:  # the first batch of an epoch: log the held-out terms before it
            seen[0] = epoch
            if epoch > 0 and epoch % config["eval_every"] == 0:
                held_out(epoch)
        if isinstance(m, PixelVAE):
            return m.loss(xb, 1.0, generator=noise)
        return m.loss(xb)

    fitted = train.fit(model, x_train.to(device), loss_fn=loss_fn,
                       num_epochs=config["num_epochs"], batch_size=config["batch_size"],
                       lr=config["lr"], seed=seed, progress=False,
                       order_generator=streams.generator("data/order", "cpu"))
    held_out(config["num_epochs"])
    history.update(fitted)
    return model.eval(), history


def run(config: Mapping[str, Any], seed: int, device: str = "cpu"):
    """One code of the grid: trained by :func:`fit` (when it is a model) and described by
    :func:`evaluate`."""
    from vaebook.experiments.runner import RunResult

    _check_config(config)
    check_int(seed, "seed", minimum=0)
    if config["model"] in ("pixels", "pca"):
        return RunResult(evaluate(None, config, seed=seed), {})
    model, history = fit(config, seed, device)
    weights = model.cpu().state_dict() if config["num_epochs"] > 0 else None
    return RunResult(evaluate(model, config, seed=seed), history, weights)


def load_run(record: Mapping[str, Any]) -> torch.nn.Module:
    """The trained model of a grid record whose weights were kept (float32, eval mode, CPU)."""
    from vaebook.experiments.runner import load_weights

    if not isinstance(record, Mapping) or "config" not in record:
        raise InputTypeError(f"record must be a runner record (a dict with a 'config'), got "
                             f"{type(record).__name__}")
    model = build(record["config"], int(record["seed"]))
    model.load_state_dict({k: v.float() for k, v in load_weights(record).items()})
    return model.eval()
