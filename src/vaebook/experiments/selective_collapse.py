"""The beta-VAEs of chapter 7 (selective posterior collapse): the runner's grid and a script.

:func:`run` is the grid ``selective_collapse`` (``python -m vaebook.experiments
selective_collapse``): one seeded, paired beta-VAE per (beta, seed), described after chosen
epochs by :func:`describe`; chapter 7 reads its records. The script below (``python -m
vaebook.experiments.selective_collapse``) trains the 1,200-step checkpoints the chapter 7
assignment loads: every setting is on the command line and every run is seeded; each model is
written as a small checkpoint (weights in float16, with the command, package version,
constraints.txt hash and training time in its meta). Files go to a scratch folder unless
``--out`` names another. The committed checkpoints were made by the commands in
``checkpoints/selective_collapse/README.md``, for example

    OMP_NUM_THREADS=1 python -m vaebook.experiments.selective_collapse --betas 8 \\
        --seeds 0 1 2 3 4 --num-epochs 6 \\
        --out src/vaebook/checkpoints/selective_collapse --evaluate

The data are the book's procedural dSprites at 32x32: ``TRAIN_SIZE`` training images drawn with
seed 0 and ``EVAL_SIZE`` evaluation images (with their factors) drawn with seed 1
(:func:`data`). The model is :func:`vaebook.models.family.dsprites_vae` with the channels halved
for a CPU (16-16-32-32, 128 hidden units) and the beta-VAE loss.

:func:`evaluate` gives the per-model numbers the grid and the assignment use: the variable types, the
Gaussian total correlation and mean absolute correlation of the mean and sampled representations
by variable group, and the downstream scores per factor with all variables and with the passive
ones removed (:func:`vaebook.metrics.factor_scores`).
"""

from __future__ import annotations

import argparse
import copy
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from vaebook import collapse, losses, metrics, train, utils
from vaebook.checks import InputTypeError, check_int, check_int_sequence, check_number
from vaebook.data.dsprites import FACTOR_NAMES, DSprites
from vaebook.experiments import _check_args, provenance
from vaebook.models.family import BetaVAELoss, dsprites_vae
from vaebook.models.vae import VAE
from vaebook.stats import HOLDS, INCONCLUSIVE, NOT_HERE, Evidence

__all__ = ["CHECKPOINT_DIR", "SCRATCH_DIR", "ARCH", "TRAIN_SIZE", "EVAL_SIZE", "NUM_EPOCHS",
           "data", "checkpoint_path", "provenance", "train_one", "load_model", "evaluate",
           "describe", "check_grid_config", "fit_beta_vae", "run", "load_run",
           "weakest", "main"]

CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints" / "selective_collapse"
SCRATCH_DIR = Path(tempfile.gettempdir()) / "vaebook-selective-collapse"
ARCH = dict(channels=(16, 16, 32, 32), hidden_dim=128)  # halved disentanglement_lib architecture
TRAIN_SIZE = 12_800
EVAL_SIZE = 10_000
NUM_EPOCHS = 6  # 6 epochs of 200 batches of 64: 1,200 Adam steps
BATCH_SIZE = 64
LR = 1e-3
GROUPS = ("all", "active", "passive", "active+mixed")


def data(size: int = 32, train_size: int = TRAIN_SIZE, eval_size: int = EVAL_SIZE
         ) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """The chapter's data: x_train (seed 0), x_eval and its factors f_eval (seed 1)."""
    for name, value in (("train_size", train_size), ("eval_size", eval_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    ds = DSprites(size=size)
    x_train, _ = ds.sample(train_size, seed=0)
    x_eval, f_eval = ds.sample(eval_size, seed=1)
    return x_train, x_eval, f_eval


def _beta_name(beta: float) -> str:
    if not isinstance(beta, (int, float)) or isinstance(beta, bool) or not beta >= 0:
        raise ValueError(f"beta must be a number >= 0, got {beta!r}")
    return f"{beta:g}".replace(".", "p")


def checkpoint_path(out: str | Path, beta: float, seed: int) -> Path:
    """Where a run is saved: ``out/beta{beta}_s{seed}.pt`` (e.g. ``beta4_s0.pt``)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not isinstance(out, (str, Path)):
        raise TypeError(f"out must be a str or Path, got {type(out).__name__}")
    return Path(out) / f"beta{_beta_name(beta)}_s{int(seed)}.pt"


def train_one(beta: float, seed: int, x: torch.Tensor, *, num_epochs: int = NUM_EPOCHS,
              batch_size: int = BATCH_SIZE, lr: float = LR,
              channels: tuple[int, ...] = ARCH["channels"], hidden_dim: int = ARCH["hidden_dim"],
              latent_dim: int = 10) -> tuple[VAE, dict]:
    """Train one beta-VAE on x (N, 1, H, W) in [0, 1] with seed ``seed``; return it and its meta
    (config, history, steps, training time, provenance)."""
    _beta_name(beta)
    if not np.isfinite(beta):
        raise ValueError(f"beta must be a finite number >= 0, got {beta!r}")
    utils.check_images(x)
    model = dsprites_vae(latent_dim=latent_dim, image_shape=tuple(x.shape[1:]),
                         channels=tuple(channels), hidden_dim=hidden_dim, seed=seed).to(x.device)
    start = time.perf_counter()
    history = train.fit(model, x, loss_fn=BetaVAELoss(float(beta)), num_epochs=num_epochs,
                        batch_size=batch_size, lr=lr, seed=seed, progress=False)
    seconds = time.perf_counter() - start
    steps = num_epochs * -(-len(x) // batch_size)
    meta = dict(config=model.config, history=history, beta=float(beta), seed=int(seed),
                num_epochs=num_epochs, batch_size=batch_size, lr=lr, steps=steps,
                train_size=len(x), train_seconds=round(seconds, 1),
                threads=torch.get_num_threads(), **provenance())
    return model, meta


def load_model(path: str | Path) -> tuple[VAE, dict]:
    """Rebuild a VAE from a checkpoint written by this script (weights_only load), in float32."""
    payload = train.read_checkpoint(path)
    meta = payload.get("meta", {})
    if "config" not in meta or "beta" not in meta:
        raise ValueError(f"{path} is not a selective-collapse checkpoint (no meta config/beta)")
    model = VAE(**meta["config"])
    state = {k: v.float() if v.is_floating_point() else v
             for k, v in payload["state_dict"].items()}
    model.load_state_dict(state)
    model.eval()
    return model, meta


def evaluate(model: VAE, x_eval: torch.Tensor, f_eval: np.ndarray, *, seed: int = 0,
             num_train: int | None = None) -> dict[str, float]:
    """The per-model numbers of chapter 7, on the evaluation images x_eval and factors f_eval.

    Returns a flat dict: ``active``, ``mixed``, ``passive`` (counts); ``tc_{rep}_{group}`` and
    ``corr_{rep}_{group}`` (Gaussian TC in nats, mean |correlation|) for rep in mean/sampled and
    group in all/active/passive/active+mixed (NaN for a group of fewer than two variables);
    ``{factor}_{variables}``: the downstream score of each factor (shape: accuracy; scale,
    orientation, x, y: R^2) from the mean representation with ``all`` variables or ``kept``
    ones (active+mixed), fitted on the first ``num_train`` (default half) points, tested on the
    rest. The sampled representation draws its noise with ``seed``.
    """
    reps = collapse.representations(model, x_eval, seed=seed)
    types = collapse.classify_variables(reps.variance)
    out: dict[str, float] = {k: float(v) for k, v in types.counts().items()}
    measures = {"tc": metrics.gaussian_total_correlation, "corr": metrics.mean_abs_correlation}
    for rep in ("mean", "sampled"):
        table = collapse.metrics_by_type(getattr(reps, rep), types, measures, groups=GROUPS)
        for group in GROUPS:
            for name in measures:
                out[f"{name}_{rep}_{group}"] = float(table[group][name])
    n = len(x_eval) // 2 if num_train is None else int(num_train)
    kept = types.indices("active+mixed")
    for label, idx in (("all", types.indices("all")), ("kept", kept)):
        if len(idx) == 0:
            scores = dict.fromkeys(FACTOR_NAMES, float("nan"))
        else:
            z = reps.mean[:, idx]
            scores = metrics.factor_scores(z[:n], f_eval[:n], z[n:], f_eval[n:],
                                           categorical=(0,), names=FACTOR_NAMES)
        for factor, score in scores.items():
            out[f"{factor}_{label}"] = float(score)
    return out


_ORDER = {NOT_HERE: 0, INCONCLUSIVE: 1, HOLDS: 2}


def weakest(*evidence: Evidence) -> Evidence:
    """The part of a two-part (or longer) claim with the weakest verdict.

    A claim that joins parts with "and" holds only when every part holds, and does not hold
    when one part does not: its verdict is the weakest of the parts' verdicts (does not hold <
    inconclusive < holds). Ties keep the first part given.
    """
    if not evidence:
        raise ValueError("weakest needs at least one Evidence")
    for e in evidence:
        if not isinstance(e, Evidence):
            raise TypeError(f"weakest takes vaebook.stats Evidence, got {type(e).__name__}")
    return min(evidence, key=lambda e: _ORDER[e.verdict])


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vaebook.experiments.selective_collapse",
                                description=__doc__.split("\n")[0])
    p.add_argument("--betas", nargs="+", type=float, default=[4.0, 8.0])
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--num-epochs", type=int, default=NUM_EPOCHS)
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--lr", type=float, default=LR)
    p.add_argument("--channels", nargs="+", type=int, default=list(ARCH["channels"]))
    p.add_argument("--hidden-dim", type=int, default=ARCH["hidden_dim"])
    p.add_argument("--max-train", type=int, default=None,
                   help="use only the first N training images (quick tests)")
    p.add_argument("--out", type=Path, default=SCRATCH_DIR,
                   help=f"output folder (default {SCRATCH_DIR}; the shipped checkpoints live in "
                        "src/vaebook/checkpoints/selective_collapse)")
    p.add_argument("--evaluate", action="store_true",
                   help="print the chapter's per-model numbers after each run")
    return p


def _validate_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse bad values before any data is loaded or any model trained (argparse's exit 2)."""
    _check_args(p, args, channels=("--channels", args.channels),
                minimums=(("--hidden-dim", args.hidden_dim, 1),))



def main(argv: list[str] | None = None) -> list[Path]:
    """Train every (beta, seed) pair and write its checkpoint; return the paths written."""
    parser = _parser()
    args = parser.parse_args(argv)
    _validate_args(parser, args)
    if 32 % 2 ** len(args.channels):
        parser.error(f"--channels: 32x32 images allow at most 5 stride-2 layers, got "
                     f"{len(args.channels)}")
    import math

    for beta in args.betas:
        if not math.isfinite(beta) or beta < 0:
            parser.error(f"--betas must be finite numbers >= 0, got {beta}")
    if args.max_train is not None and args.max_train > TRAIN_SIZE:
        parser.error(f"--max-train must be at most the {TRAIN_SIZE} training images, got "
                     f"{args.max_train}")
    command = "python -m vaebook.experiments.selective_collapse " + shlex.join(
        sys.argv[1:] if argv is None else argv)
    x_train, x_eval, f_eval = data()
    if args.max_train is not None:
        x_train = x_train[:args.max_train]
    written = []
    for seed in args.seeds:
        for beta in args.betas:
            model, meta = train_one(beta, seed, x_train, num_epochs=args.num_epochs,
                                    batch_size=args.batch_size, lr=args.lr,
                                    channels=tuple(args.channels), hidden_dim=args.hidden_dim)
            path = checkpoint_path(args.out, beta, seed)
            # float16 weights keep the committed files small; they load into float32 models
            train.save_checkpoint(path, copy.deepcopy(model).half(), command=command, **meta)
            written.append(path)
            line = f"{path.name}: {meta['steps']} steps in {meta['train_seconds']:.0f} s"
            if args.evaluate:
                res = evaluate(load_model(path)[0], x_eval, f_eval)
                line += " | " + " ".join(f"{k}={v:.4g}" for k, v in res.items())
            print(line, flush=True)
    return written


if __name__ == "__main__":
    utils.seed_everything(0)
    main()


# ---- the runner's grid (``python -m vaebook.experiments selective_collapse``) ----------------

GRID_KEYS = ("beta", "num_epochs", "eval_epochs", "batch_size", "lr")


def check_grid_config(config: Any, keys: tuple[str, ...] = GRID_KEYS) -> None:
    """A beta-VAE grid config: a dict with ``keys``, beta >= 0, eval_epochs within num_epochs
    (ValueError otherwise)."""
    if not isinstance(config, Mapping) or any(k not in config for k in keys):
        raise ValueError(f"config must be a dict with {', '.join(keys)}, got {config!r}")
    check_number(config["beta"], "beta", minimum=0.0)
    epochs = check_int_sequence(config["eval_epochs"], "eval_epochs", minimum=1)
    if max(epochs) > check_int(config["num_epochs"], "num_epochs", minimum=1):
        raise ValueError(f"eval_epochs {epochs} go beyond num_epochs {config['num_epochs']}")


def _tc(codes: np.ndarray, idx: np.ndarray) -> float:
    """Gaussian TC of the columns idx; 0 for fewer than two (one variable is independent of
    itself)."""
    return metrics.gaussian_total_correlation(codes[:, idx]) if len(idx) >= 2 else 0.0


def _residual(codes: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """codes minus their least-squares fit on one-hot factor values (every column of factors)."""
    onehot = np.concatenate([np.eye(int(f.max()) + 1)[f] for f in factors.T], axis=1)
    design = np.concatenate([np.ones((len(codes), 1)), onehot], axis=1)
    coef, *_ = np.linalg.lstsq(design, codes, rcond=None)
    return codes - design @ coef


def _scores_on(codes: np.ndarray, f: np.ndarray, idx: np.ndarray) -> dict[str, float | None]:
    """MIG, DCI disentanglement and SAP of codes[:, idx] (None for fewer than two variables)."""
    if len(idx) < 2:
        return dict(mig=None, dci=None, sap=None)
    c = codes[:, idx]
    return dict(mig=metrics.mig(c, f), dci=metrics.dci(c, f).disentanglement, sap=metrics.sap(c, f))


def describe(model: VAE, x_eval: torch.Tensor, f_eval: np.ndarray, *, seed: int = 0
             ) -> dict[str, Any]:
    """Everything chapter 7 reads about one model, on the evaluation images.

    :func:`evaluate`'s numbers, plus: ``m``, ``s``, ``labels`` per variable; ``tc_gap_all`` and
    ``tc_gap_kept`` (mean minus sampled Gaussian TC with all variables and with the passive ones
    removed; 0 for a group of one); ``{factor}_{all,kept}_trees`` (gradient-boosted trees);
    ``{mig,dci,sap}_{mean,sampled}_{active,active+mixed,all}`` (chapter 6's scores, None for fewer than two
    variables); ``r2_scale_{active,mixed,passive}`` (held-out R^2 of the scale index from that
    group's means, None when empty); ``var_by_scale`` (D x 6: mean sigma_i^2 per scale value);
    ``corr_mean_passive_given_{scale,factors}`` and ``tc_...`` (the passive means' mean
    |correlation| and TC after removing what scale, or all five factors, explain linearly).
    """
    out: dict[str, Any] = evaluate(model, x_eval, f_eval, seed=seed)
    reps = collapse.representations(model, x_eval, seed=seed)
    types = collapse.classify_variables(reps.variance)
    out.update(m=types.mean_variance.tolist(), s=types.var_variance.tolist(), labels=types.labels)
    kept, passive = types.indices("active+mixed"), types.indices("passive")
    everything = types.indices("all")
    out["tc_gap_all"] = _tc(reps.mean, everything) - _tc(reps.sampled, everything)
    out["tc_gap_kept"] = _tc(reps.mean, kept) - _tc(reps.sampled, kept)
    n = len(x_eval) // 2
    for label, idx in (("all", everything), ("kept", kept)):
        scores = (dict.fromkeys(FACTOR_NAMES, float("nan")) if len(idx) == 0 else
                  metrics.factor_scores(reps.mean[:n, idx], f_eval[:n], reps.mean[n:, idx],
                                        f_eval[n:], categorical=(0,), names=FACTOR_NAMES,
                                        readout="trees"))
        out.update({f"{f}_{label}_trees": float(v) for f, v in scores.items()})
    for rep in ("mean", "sampled"):
        for group in ("active", "active+mixed", "all"):
            for name, v in _scores_on(getattr(reps, rep), f_eval, types.indices(group)).items():
                out[f"{name}_{rep}_{group}"] = v
    scale = f_eval[:, FACTOR_NAMES.index("scale")]
    for group in ("active", "mixed", "passive"):
        idx = types.indices(group)
        if len(idx) == 0:
            out[f"r2_scale_{group}"] = None
            continue
        reg = LinearRegression().fit(reps.mean[:n, idx], scale[:n])
        out[f"r2_scale_{group}"] = float(r2_score(scale[n:], reg.predict(reps.mean[n:, idx])))
    out["var_by_scale"] = [[float(reps.variance[scale == v, i].mean()) for v in range(6)]
                           for i in range(types.num_variables)]
    for given, f in (("scale", scale[:, None]), ("factors", f_eval)):
        resid = _residual(reps.mean[:, passive], f) if len(passive) >= 2 else None
        out[f"corr_mean_passive_given_{given}"] = (
            None if resid is None else metrics.mean_abs_correlation(resid))
        out[f"tc_mean_passive_given_{given}"] = (
            None if resid is None else metrics.gaussian_total_correlation(resid))
    return out


def fit_beta_vae(model: VAE, x_train: torch.Tensor, config: Mapping[str, Any], streams,
                 on_epoch: Callable[[int, VAE], None] | None = None) -> dict[str, list[float]]:
    """Train ``model`` with the beta-VAE loss for ``config['num_epochs']`` epochs of Adam
    (``lr``, ``batch_size``, ``beta`` from config): batches from the stream ``data/order``,
    z noise from ``noise/elbo``. on_epoch(epoch, model) runs after each epoch, in eval mode.
    x_train: (N, C, H, W) on the model's device. Returns the per-epoch training rec and kl."""
    if not isinstance(model, VAE):
        raise InputTypeError(f"model must be a vaebook VAE, got {type(model).__name__}")
    keys = ("beta", "num_epochs", "batch_size", "lr")
    if not isinstance(config, Mapping) or any(k not in config for k in keys):
        raise ValueError(f"config must be a dict with {', '.join(keys)}, got {config!r}")
    check_number(config["beta"], "beta", minimum=0.0)
    check_int(config["num_epochs"], "num_epochs", minimum=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(config["lr"]))
    beta, batch = float(config["beta"]), int(config["batch_size"])
    order, noise = streams.generator("data/order", "cpu"), streams.generator("noise/elbo")
    history: dict[str, list[float]] = dict(rec=[], kl=[])
    for epoch in range(1, int(config["num_epochs"]) + 1):
        model.train()
        rec_sum = kl_sum = 0.0
        perm = torch.randperm(len(x_train), generator=order).to(x_train.device)
        for idx in perm.split(batch):
            mu, logvar = model.encode(x_train[idx])
            z = losses.reparameterize(mu, logvar, generator=noise)
            rec = -model.log_likelihood(model.decode(z), x_train[idx]).mean()
            kl = losses.kl_standard_normal(mu, logvar).sum(dim=1).mean()
            optimizer.zero_grad()
            (rec + beta * kl).backward()
            optimizer.step()
            rec_sum, kl_sum = rec_sum + rec.item() * len(idx), kl_sum + kl.item() * len(idx)
        history["rec"].append(rec_sum / len(x_train))
        history["kl"].append(kl_sum / len(x_train))
        if on_epoch is not None:
            model.eval()
            on_epoch(epoch, model)
    return history


def run(config: Mapping[str, Any], seed: int, device: str = "cpu"):
    """One beta-VAE of the grid: ``config['num_epochs']`` epochs of Adam on the 12,800 training
    images (the first ``config['train_size']`` when given: quick tests), :func:`describe` after
    each epoch in ``config['eval_epochs']``. The weights start from stream ``init/model``,
    batches from ``data/order``, the noise from ``noise/elbo``: every beta of one seed starts
    from the same weights and sees the same batches and noise.
    Evaluation: the last evaluation's numbers, with every one under ``by_epoch``."""
    from vaebook.experiments.runner import RunResult
    from vaebook.seeding import Streams, init_module

    check_grid_config(config)
    check_int(seed, "seed", minimum=0)
    x_train, x_eval, f_eval = data()
    x_train = x_train[:check_int(config.get("train_size", len(x_train)), "train_size",
                                 minimum=1)].to(device)
    model = dsprites_vae(latent_dim=10, image_shape=tuple(x_train.shape[1:]), **ARCH)
    streams = Streams(seed, device)
    model = init_module(model, streams, "init/model").to(device)
    by_epoch: dict[str, Any] = {}

    def on_epoch(epoch: int, m: VAE) -> None:
        if epoch in config["eval_epochs"]:
            by_epoch[str(epoch)] = describe(m.cpu(), x_eval, f_eval, seed=seed)
            m.to(device)

    history = fit_beta_vae(model, x_train, config, streams, on_epoch=on_epoch)
    evaluation = dict(by_epoch[str(max(config["eval_epochs"]))], by_epoch=by_epoch)
    return RunResult(evaluation, history, model.cpu().state_dict())


def load_run(record: Mapping[str, Any]) -> VAE:
    """The model of a grid record whose weights were kept (float32, eval mode)."""
    from vaebook.experiments.runner import load_weights

    model = dsprites_vae(latent_dim=10, image_shape=(1, 32, 32), **ARCH)
    model.load_state_dict({k: v.float() for k, v in load_weights(record).items()})
    return model.eval()
