"""Train VAEs with local, full and factorised autoregressive decoders (chapter 3).

Every setting is on the command line and every run is seeded; each model is written as a small
checkpoint (weights in float16, with the command, package version, constraints.txt hash and
training time in its meta) that ``notebooks/03_local_decoders.ipynb`` loads and evaluates.
Files go to a scratch folder unless ``--out`` names another. The committed checkpoints were made
by the commands in ``checkpoints/local_decoders/README.md``, for example

    python -m vaebook.experiments.local_decoders --contexts 0 1 --seeds 0 1 2 3 4 \\
        --encoder mlp --encoder-hidden 400 --anneal-steps 760 \\
        --out src/vaebook/checkpoints/local_decoders/mlp --evaluate

Chapter 3's recipe is also the runner's grid ``local_decoders`` (``python -m
vaebook.experiments local_decoders``, :mod:`vaebook.experiments.grids`), with arms paired by
construction; this script stays for the checkpoints the chapter ships until the chapter moves
onto the runner's records.

``context`` is the decoder's receptive field: 0 factorised, l >= 1 a local window of radius l
(2l^2 + 2l visible pixels), ``full`` a full-context PixelCNN (see :mod:`vaebook.models.pixelcnn`).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vaebook import data, probes, train, utils
from vaebook.checks import check_images, check_int
from vaebook.experiments import _check_args, provenance
from vaebook.losses import kl_standard_normal, reparameterize
from vaebook.models.pixelcnn import PixelVAE, check_context

__all__ = ["context_name", "parse_context", "checkpoint_path", "kl_weight", "step_kl_weight",
           "train_one", "load_model", "class_information", "evaluate", "write_record",
           "load_record", "provenance", "main", "CHECKPOINT_DIR", "SCRATCH_DIR"]

CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints" / "local_decoders"
# where the script writes unless --out says otherwise: never into the package's checkpoints
SCRATCH_DIR = Path(tempfile.gettempdir()) / "vaebook-local-decoders"


def parse_context(text: str) -> int | str:
    """'0', '1', ..., or 'full' -> the ``context`` argument of :class:`PixelVAE`."""
    value: int | str = text if text == "full" else int(text) if text.isdigit() else text
    check_context(value)
    return value


def context_name(context: int | str) -> str:
    """A readable name: 'factorised', 'local1', 'local2', ..., 'full'."""
    check_context(context)
    if context == "full":
        return "full"
    return "factorised" if context == 0 else f"local{context}"


def checkpoint_path(out: str | Path, latent_dim: int, context: int | str, seed: int,
                    encoder: str = "conv") -> Path:
    """Where a run is saved: ``out/z{latent_dim}_{name}_s{seed}.pt`` for the conv encoder,
    ``out/z{latent_dim}_{encoder}_{name}_s{seed}.pt`` for another encoder (e.g. 'mlp');
    latent_dim a positive int, seed a non-negative int."""
    latent_dim = check_int(latent_dim, "latent_dim", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    tag = "" if encoder == "conv" else f"{encoder}_"
    return Path(out) / f"z{latent_dim}_{tag}{context_name(context)}_s{seed}.pt"


def kl_weight(epoch: int, anneal_epochs: int) -> float:
    """Linear KL annealing: the weight grows from 1/anneal_epochs to 1 over the first epochs."""
    check_int(epoch, "epoch", minimum=0)
    check_int(anneal_epochs, "anneal_epochs")
    if anneal_epochs <= 0:
        return 1.0
    return min(1.0, (epoch + 1) / anneal_epochs)


def step_kl_weight(step: int, anneal_steps: int) -> float:
    """Per-step linear KL annealing: weight step / anneal_steps (0 at the first step), then 1."""
    check_int(step, "step", minimum=0)
    check_int(anneal_steps, "anneal_steps")
    if anneal_steps <= 0:
        return 1.0
    return min(1.0, step / anneal_steps)


def train_one(context: int | str, seed: int, x: torch.Tensor, *, latent_dim: int = 2,
              num_epochs: int = 38, anneal_epochs: int = 19, batch_size: int = 100,
              lr: float = 1e-3, likelihood: str = "bernoulli", hidden_channels: int = 32,
              full_layers: int = 4, encoder: str = "conv",
              encoder_channels: tuple[int, ...] = (16, 32),
              encoder_hidden: int = 128,
              anneal_steps: int | None = None) -> tuple[PixelVAE, dict]:
    """Train one PixelVAE on x (N, C, H, W) in [0, 1]; return it and its meta (config, history).

    KL annealing is linear: per epoch over ``anneal_epochs`` (:func:`kl_weight`), or, when
    ``anneal_steps`` is given, per optimiser step from 0 over ``anneal_steps`` steps
    (:func:`step_kl_weight`). The history holds one mean per epoch of each loss term. The model
    is built on x's device (a GPU when x is there).
    """
    if anneal_steps is not None and (isinstance(anneal_steps, bool)
                                     or not isinstance(anneal_steps, int) or anneal_steps < 0):
        raise ValueError(f"anneal_steps must be None or an int >= 0, got {anneal_steps!r}")
    check_context(context)
    check_images(x)
    check_int(anneal_epochs, "anneal_epochs", minimum=0)
    utils.seed_everything(seed)
    model = PixelVAE(tuple(x.shape[1:]), latent_dim, context, likelihood,
                     hidden_channels=hidden_channels, full_layers=full_layers, encoder=encoder,
                     encoder_channels=tuple(encoder_channels),
                     encoder_hidden=encoder_hidden).to(x.device)  # trains where x lives
    step = [0]

    def loss_fn(m, xb, yb, epoch):
        if anneal_steps is None:
            weight = kl_weight(epoch, anneal_epochs)
        else:
            weight = step_kl_weight(step[0], anneal_steps)
            step[0] += 1
        return m.loss(xb, weight)

    start = time.perf_counter()
    history = train.fit(model, x, num_epochs=num_epochs, batch_size=batch_size, lr=lr, seed=seed,
                        loss_fn=loss_fn, progress=False)
    seconds = time.perf_counter() - start
    steps = num_epochs * -(-len(x) // batch_size)
    meta = dict(config=model.config, history=history, seed=seed, num_epochs=num_epochs,
                anneal_epochs=anneal_epochs, anneal_steps=anneal_steps, batch_size=batch_size,
                lr=lr, steps=steps, train_seconds=round(seconds, 1),
                threads=torch.get_num_threads(), **provenance())
    return model, meta


def load_model(path: str | Path) -> tuple[PixelVAE, dict]:
    """Rebuild a PixelVAE from a checkpoint written by this script (weights_only load)."""
    payload = train.read_checkpoint(path)
    if not isinstance(payload.get("meta", {}).get("config"), dict):
        raise ValueError(f"{path} is not a local-decoders checkpoint (no meta['config'])")
    model = PixelVAE(**payload["meta"]["config"])
    meta = train.load_checkpoint(path, model)
    model.eval()
    return model, meta


def class_information(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                      y_test: np.ndarray) -> float:
    """A lower bound, in nats, on the class information I(y; z) held by a representation.

    For any classifier q(y | z), I(y; z) = H(y) - H(y | z) >= H(y) - E[-log q(y | z)]. Here q is
    the linear probe (logistic regression on standardised z) fitted on the training split; H(y)
    and the cross-entropy are measured on the test split. z: (N, D), y: (N,) int.
    Comparable with the KL (the rate, also in nats), which bounds what z holds about x.
    """
    z_train, z_test = (probes.check_features(z_train, "z_train"),
                       probes.check_features(z_test, "z_test"))
    y_train, y_test = probes.check_labels(y_train, "y_train"), probes.check_labels(y_test, "y_test")
    if len(z_train) != len(y_train) or len(z_test) != len(y_test):
        raise ValueError(f"z_train/y_train and z_test/y_test must have one label per row, got "
                         f"{len(z_train)}/{len(y_train)} and {len(z_test)}/{len(y_test)}")
    if z_train.shape[1] != z_test.shape[1]:
        raise ValueError(f"z_train and z_test must have the same number of features, got "
                         f"{z_train.shape[1]} and {z_test.shape[1]}")
    if len(np.unique(y_train)) < 2:
        raise ValueError("y_train holds only one class; a classifier needs at least two")
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    clf.fit(z_train, y_train)
    if not set(np.unique(y_test)) <= set(clf.classes_):
        raise ValueError("y_test holds classes that y_train does not")
    _, counts = np.unique(y_test, return_counts=True)
    freq = counts / counts.sum()
    entropy = float(-(freq * np.log(freq)).sum())
    return entropy - log_loss(y_test, clf.predict_proba(z_test), labels=clf.classes_)


@torch.no_grad()
def evaluate(model: PixelVAE, x_train: torch.Tensor, y_train: torch.Tensor,
             x_test: torch.Tensor, y_test: torch.Tensor, *,
             num_labels: tuple[int, ...] = (1, 10, 100), num_draws: int = 10,
             seed: int = 0) -> dict[str, float]:
    """Held-out rate and bound, and how well the encoder mean serves a classifier.

    Returns ``kl`` (mean KL(q(z|x) || p(z)) on x_test, nats), ``nelbo`` (-ELBO on x_test, one
    seeded z sample per image), ``rec`` (its reconstruction part), ``probe`` (logistic regression
    on the mean, all training labels), ``class_nats`` (:func:`class_information` of a sampled
    z, which cannot exceed I(x; z) <= the rate; the mean has no such limit) and ``few{n}``
    (the linear probe with n labels PER CLASS, mean over ``num_draws`` seeded draws) for each n
    in ``num_labels``, and ``knn`` (a 5-nearest-neighbour probe on the mean, all labels).
    """
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    mu, logvar = model.encode(x_test)
    z = reparameterize(mu, logvar, generator=generator)
    rec = -model.log_likelihood(model.decoder(x_test, z), x_test).mean().item()
    kl = kl_standard_normal(mu, logvar).sum(1).mean().item()
    mu_train, logvar_train = utils.encode(model, x_train)
    z_train = reparameterize(torch.from_numpy(mu_train), torch.from_numpy(logvar_train),
                             generator=generator)
    mu_test = mu.numpy()
    out = dict(kl=kl, nelbo=rec + kl, rec=rec,
               probe=probes.linear_probe(mu_train, y_train, mu_test, y_test),
               class_nats=class_information(z_train.numpy(), y_train, z.numpy(), y_test))
    curve = probes.few_label_curve(mu_train, y_train, mu_test, y_test, num_labels=num_labels,
                                   per_class=True, num_draws=num_draws, seed=seed)
    for n, acc in zip(num_labels, curve["mean"], strict=True):
        out[f"few{int(n)}"] = float(acc)
    out["knn"] = probes.knn_probe(mu_train, y_train, mu_test, y_test)
    return out


def write_record(checkpoint: str | Path, out: str | Path, *, seed: int = 0) -> Path:
    """Evaluate a checkpoint of this script on ``mnist5k`` and write its *record* to ``out``.

    A record is a small JSON file with the run's :func:`evaluate` numbers (test split, ``seed``),
    its training history and its provenance (config, command, package version, lock hash,
    training time), but not its weights: chapter 3 ships records for the runs whose weights
    would not fit the package. The file is written atomically; returns its path.
    """
    model, meta = load_model(checkpoint)
    binarize = model.config["likelihood"] == "bernoulli"
    x_train, y_train = data.mnist5k("train", binarize=binarize)
    x_test, y_test = data.mnist5k("test", binarize=binarize)
    record = {"checkpoint": Path(checkpoint).name, "evaluation_seed": seed,
              "evaluation": evaluate(model, x_train, y_train, x_test, y_test, seed=seed),
              "meta": train.plain_meta(meta)}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, out)
    return out


def load_record(path: str | Path) -> tuple[dict[str, float], dict]:
    """Read a record written by :func:`write_record`: ``(evaluation, meta)``."""
    path = Path(path)
    try:
        record = json.loads(path.read_text())
        evaluation, meta = record["evaluation"], record["meta"]
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path} is not a local-decoders record (a JSON file with 'evaluation' "
                         f"and 'meta', written by write_record): {err}") from None
    if not isinstance(evaluation, dict) or not isinstance(meta, dict) or "config" not in meta:
        raise ValueError(f"{path} is not a local-decoders record (no evaluation dict or config)")
    return evaluation, meta


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vaebook.experiments.local_decoders",
                                description=__doc__.split("\n")[0])
    p.add_argument("--contexts", nargs="+", type=parse_context, default=[0, 1, 2, 3, "full"],
                   help="receptive fields: 0 factorised, l>=1 local radius, 'full'")
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--latent-dim", type=int, default=2)
    p.add_argument("--num-epochs", type=int, default=38)
    p.add_argument("--anneal-epochs", type=int, default=19,
                   help="linear KL warm-up length in epochs (0: none)")
    p.add_argument("--anneal-steps", type=int, default=None,
                   help="per-step linear KL warm-up from 0 over this many steps "
                        "(replaces --anneal-epochs)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--likelihood", choices=["bernoulli", "logistic_mixture"], default="bernoulli",
                   help="bernoulli: binarised mnist5k; logistic_mixture: 256 grey levels")
    p.add_argument("--hidden-channels", type=int, default=32)
    p.add_argument("--full-layers", type=int, default=4)
    p.add_argument("--encoder", choices=["conv", "mlp"], default="conv")
    p.add_argument("--encoder-channels", nargs="+", type=int, default=[16, 32])
    p.add_argument("--encoder-hidden", type=int, default=128)
    p.add_argument("--max-train", type=int, default=None,
                   help="use only N training images, a seeded random subset (quick tests)")
    p.add_argument("--out", type=Path, default=SCRATCH_DIR,
                   help=f"output folder (default {SCRATCH_DIR}; the shipped checkpoints live in "
                        "src/vaebook/checkpoints/local_decoders)")
    p.add_argument("--evaluate", action="store_true", help="print held-out numbers after each run")
    p.add_argument("--records-from", nargs="+", type=Path, default=None, metavar="CHECKPOINT",
                   help="train nothing: evaluate these checkpoints and write one record each "
                        "(<name>.json in --out, see write_record)")
    return p


def _validate_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse bad values before any data is loaded or any model trained (argparse's exit 2)."""
    _check_args(p, args, channels=("--encoder-channels", args.encoder_channels),
                minimums=(("--latent-dim", args.latent_dim, 1),
                          ("--anneal-epochs", args.anneal_epochs, 0),
                          ("--anneal-steps", args.anneal_steps, 0),
                          ("--hidden-channels", args.hidden_channels, 1),
                          ("--full-layers", args.full_layers, 0),
                          ("--encoder-hidden", args.encoder_hidden, 1)))



def main(argv: list[str] | None = None) -> list[Path]:
    """Train every (context, seed) pair and write its checkpoint; return the paths written."""
    parser = _parser()
    args = parser.parse_args(argv)
    _validate_args(parser, args)
    if args.encoder == "conv" and 28 % 2 ** len(args.encoder_channels):
        parser.error(f"--encoder-channels: 28x28 images allow at most 2 stride-2 layers, got "
                     f"{len(args.encoder_channels)}")
    command = "python -m vaebook.experiments.local_decoders " + shlex.join(
        sys.argv[1:] if argv is None else argv)
    if args.records_from is not None:
        written = [write_record(ckpt, args.out / Path(ckpt).with_suffix(".json").name)
                   for ckpt in args.records_from]
        for path in written:
            print(f"wrote {path}", flush=True)
        return written
    binarize = args.likelihood == "bernoulli"
    x, y = data.mnist5k("train", binarize=binarize)
    if args.max_train is not None:
        if args.max_train > len(x):
            parser.error(f"--max-train must be at most the {len(x)} training images, got "
                         f"{args.max_train}")
        keep = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))[:args.max_train]
        x, y = x[keep], y[keep]
    written = []
    for seed in args.seeds:
        for context in args.contexts:
            model, meta = train_one(
                context, seed, x, latent_dim=args.latent_dim, num_epochs=args.num_epochs,
                anneal_epochs=args.anneal_epochs, batch_size=args.batch_size, lr=args.lr,
                likelihood=args.likelihood, hidden_channels=args.hidden_channels,
                full_layers=args.full_layers, encoder=args.encoder,
                encoder_channels=tuple(args.encoder_channels),
                encoder_hidden=args.encoder_hidden, anneal_steps=args.anneal_steps)
            path = checkpoint_path(args.out, args.latent_dim, context, seed, args.encoder)
            # float16 weights keep the committed files small; they load into float32 models
            train.save_checkpoint(path, copy.deepcopy(model).half(), command=command, **meta)
            written.append(path)
            line = f"{path.name}: {meta['steps']} steps in {meta['train_seconds']:.0f} s"
            if args.evaluate:
                x_test, y_test = data.mnist5k("test", binarize=binarize)
                model, _ = load_model(path)
                res = evaluate(model, x, y, x_test, y_test)
                line += " | " + " ".join(f"{k}={v:.3f}" for k, v in res.items())
            print(line, flush=True)
    return written


if __name__ == "__main__":
    main()
