"""Semi-supervised learning with a few labels: the split, the training loop, the evaluation.

- :func:`split_labelled`: a seeded choice of ``num_per_class`` labelled examples per class; the
  rest of the training set is used without its labels.
- :func:`train_semisupervised`: Adam; every step takes one labelled and one unlabelled
  minibatch and calls ``model.loss(x_lab, y_lab, x_unl, step)`` (M2, SHOT-VAE). An epoch is one
  pass over the unlabelled examples; after each epoch (and, optionally, after chosen steps) the
  held-out accuracy and ELBO are recorded.
- :func:`train_classifier_only`: the supervised-only baseline: the same network's classifier
  q(y | x) trained with cross-entropy on the labelled examples alone.
- :func:`evaluate`: accuracy of argmax q(y | x) and the mean unlabelled ELBO U(x) (a lower bound
  on log p(x), in nats) on held-out data.
- :func:`iw_log_likelihood`: an importance-weighted estimate of log p(x) (a lower bound that
  tightens as the number of samples k grows), to measure the margin log p(x) - U(x).
- :func:`margin_parts`: that margin split exactly into its y part, KL(q(y | x) || p(y | x)),
  and its z part, by enumerating the classes (one importance-weighted log p(x | y) per class).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from vaebook.checks import (
    InputTypeError,
    check_images,
    check_int,
    check_model,
    check_number,
    model_dtype,
)
from vaebook.losses import bernoulli_log_likelihood
from vaebook.models.m2 import check_labels
from vaebook.train import History, _diverged, check_finite_terms, progress_enabled
from vaebook.utils import seed_everything


def _check_m2_like(model: object, methods: tuple[str, ...]) -> None:
    check_model(model, methods=methods, what="M2-like semi-supervised model (vaebook M2 or SHOTVAE)")
    if not isinstance(getattr(model, "num_classes", None), int):
        raise InputTypeError(f"model must be an M2-like model (vaebook M2 or SHOTVAE) with "
                             f"num_classes; {type(model).__name__} has none")

__all__ = ["split_labelled", "evaluate", "iw_log_likelihood", "iw_class_log_likelihood",
           "margin_parts", "train_semisupervised", "train_classifier_only"]


def split_labelled(y: torch.Tensor, num_per_class: int, seed: int = 0
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (labelled, unlabelled) with ``num_per_class`` labelled examples of every class.

    y: (N,) int64 labels of the training set. Returns two sorted int64 tensors that partition
    range(N); the choice depends only on y and ``seed``.
    """
    if not isinstance(y, torch.Tensor) or y.dtype != torch.int64 or y.dim() != 1:
        raise TypeError("y must be an int64 tensor of shape (N,)")
    num_per_class = check_int(num_per_class, "num_per_class", minimum=1)
    check_int(seed, "seed", minimum=0)
    if len(y) == 0:
        raise ValueError("y is empty: there is nothing to split")
    labels = y.cpu().numpy()
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < num_per_class:
            raise ValueError(f"class {label} has {len(members)} examples, fewer than "
                             f"num_per_class={num_per_class}")
        chosen.append(rng.choice(members, size=num_per_class, replace=False))
    lab = np.sort(np.concatenate(chosen))
    unl = np.setdiff1d(np.arange(len(labels)), lab)
    return torch.from_numpy(lab), torch.from_numpy(unl)


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 500,
             seed: int = 0) -> dict[str, float]:
    """Held-out accuracy of argmax q(y | x) and mean unlabelled ELBO U(x) in nats.

    model: an M2-like model (``unlabelled_elbo``); x: (N, C, H, W) in [0, 1]; y: (N,) int64.
    The z samples come from a generator seeded with ``seed``, so the result is repeatable.
    """
    _check_m2_like(model, ("unlabelled_elbo",))
    check_images(x, dtype=model_dtype(model))
    check_labels(y, model.num_classes, len(x))
    check_int(batch_size, "batch_size", minimum=1)
    check_int(seed, "seed", minimum=0)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    correct, elbo = 0, 0.0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size].to(device), y[start:start + batch_size].to(device)
        out = model.unlabelled_elbo(xb, generator=generator)
        correct += int((out["logits"].argmax(1) == yb).sum())
        elbo += float(out["elbo"].sum())
    model.train(was_training)
    return dict(accuracy=correct / len(x), elbo=elbo / len(x))


@torch.no_grad()
def iw_log_likelihood(model: nn.Module, x: torch.Tensor, num_samples: int = 100,
                      batch_size: int = 20, seed: int = 0) -> torch.Tensor:
    """Importance-weighted lower bound on log p(x) per image, in nats. Returns (N,).

    model: an M2-like model (``infer``, ``decode``, ``num_classes``); x: (N, C, H, W) in [0, 1].
    With z_1..z_k drawn from q(z | x) and the class summed out exactly,

        log p(x) >= L_k(x) = log (1/k) sum_i [sum_y p(y) p(x | y, z_i)] p(z_i) / q(z_i | x),

    the bound of Burda et al. (2016) for the model p(x, z) = sum_y p(y) p(x | y, z). Its
    expectation increases with k towards log p(x). At k = 1 it is the ELBO with y summed out,
    which is at least the unlabelled ELBO U(x) on average: U(x) also pays KL(q(y | x) || p(y | x,
    z)) for using the classifier as the posterior of y. So L_k(x) - U(x) estimates (from below)
    the margin log p(x) - U(x). The samples come from a generator seeded with ``seed``.
    Cost: N * num_samples * K decoder passes.
    """
    _check_m2_like(model, ("infer", "decode"))
    per_class = iw_class_log_likelihood(model, x, num_samples=num_samples,
                                        batch_size=batch_size, seed=seed)   # (N, K)
    return torch.logsumexp(per_class, dim=1) - math.log(model.num_classes)


@torch.no_grad()
def iw_class_log_likelihood(model: nn.Module, x: torch.Tensor, num_samples: int = 100,
                            batch_size: int = 20, seed: int = 0) -> torch.Tensor:
    """Importance-weighted lower bounds on log p(x | y = k) for every class k. Returns (N, K).

    model: an M2-like model; x: (N, C, H, W) in [0, 1]. For each class the bound of Burda et
    al. (2016) with z_1..z_k ~ q(z | x): log (1/k) sum_i p(x | k, z_i) p(z_i) / q(z_i | x).
    Cost: N * num_samples * K decoder passes.
    """
    _check_m2_like(model, ("infer", "decode"))
    check_images(x, dtype=model_dtype(model))
    check_int(seed, "seed", minimum=0)
    num_samples = check_int(num_samples, "num_samples", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    k_cls = model.num_classes
    eye = torch.eye(k_cls, device=device)
    out = []
    for start in range(0, len(x), batch_size):
        xb = x[start:start + batch_size].to(device)
        b = len(xb)
        mu, logvar, _ = model.infer(xb)
        eps = torch.randn((num_samples,) + tuple(mu.shape), generator=generator, device=device,
                          dtype=mu.dtype)                                  # (k, B, D)
        z = mu + torch.exp(0.5 * logvar) * eps
        log_ratio = (-0.5 * z.pow(2)).sum(-1) + 0.5 * (eps.pow(2) + logvar).sum(-1)  # p(z)/q(z|x)
        zk = z.reshape(-1, z.shape[-1]).repeat_interleave(k_cls, dim=0)   # (k*B*K, D)
        yk = eye.to(z.dtype).repeat(num_samples * b, 1)
        xk = xb.repeat(num_samples, 1, 1, 1).repeat_interleave(k_cls, dim=0)
        log_px = bernoulli_log_likelihood(model.decode(zk, yk, xk), xk).view(num_samples, b, k_cls)
        log_w = log_px + log_ratio[..., None]
        out.append(torch.logsumexp(log_w, dim=0) - math.log(num_samples))   # (B, K)
    model.train(was_training)
    return torch.cat(out).cpu()


def margin_parts(model: nn.Module, x: torch.Tensor, num_samples: int = 100, seed: int = 0,
                 num_elbo_samples: int = 10) -> dict[str, float]:
    """The margin log p(x) - U(x) and its two parts, averaged over x, in nats.

    With the classes enumerated, log p(x) - U(x) = KL(q(y | x) || p(y | x))      (the y part)
                                     + sum_y q(y | x) [log p(x, y) - L(x, y)]   (the z part).
    log p(x | y) comes from :func:`iw_class_log_likelihood` (k = ``num_samples``), so p(y | x)
    is a softmax over the classes of log p(x | y) (p(y) is uniform) and log p(x) their
    log-mean-exp; U(x) is averaged over ``num_elbo_samples`` draws of z. The z part is the
    margin minus the y part. Returns log_px, elbo, margin, y_part, z_part.
    """
    _check_m2_like(model, ("infer", "decode", "unlabelled_elbo"))
    check_images(x, dtype=model_dtype(model))
    num_elbo_samples = check_int(num_elbo_samples, "num_elbo_samples", minimum=1)
    log_px_y = iw_class_log_likelihood(model, x, num_samples=num_samples, seed=seed)  # (N, K)
    log_px = torch.logsumexp(log_px_y, dim=1) - math.log(model.num_classes)
    log_post = log_px_y.log_softmax(1)                                    # log p(y | x)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad():
        elbo = torch.stack([model.unlabelled_elbo(x.to(device), generator=generator)["elbo"]
                            for _ in range(num_elbo_samples)]).mean(0).cpu()
        log_q = model.classify(x.to(device)).log_softmax(1).cpu()
    model.train(was_training)
    y_part = (log_q.exp() * (log_q - log_post)).sum(1)
    margin = log_px - elbo
    return dict(log_px=float(log_px.mean()), elbo=float(elbo.mean()),
                margin=float(margin.mean()), y_part=float(y_part.mean()),
                z_part=float((margin - y_part).mean()))


def train_semisupervised(model: nn.Module, x_lab: torch.Tensor, y_lab: torch.Tensor,
                         x_unl: torch.Tensor, *, num_epochs: int = 10, batch_size: int = 100,
                         unlabelled_batch_size: int = 100, lr: float = 1e-3, seed: int = 0,
                         x_eval: torch.Tensor | None = None, y_eval: torch.Tensor | None = None,
                         optimizer: torch.optim.Optimizer | None = None,
                         scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                         progress: bool | None = None,
                         eval_steps: Sequence[int] = ()) -> History:
    """Train ``model`` with ``model.loss(x_lab, y_lab, x_unl, step)``; return the history.

    x_lab: (N_l, C, H, W), y_lab: (N_l,) int64, x_unl: (N_u, C, H, W), all in [0, 1].
    Each step draws ``batch_size`` labelled examples (all of them if fewer; the labelled set is
    reshuffled and cycled) and ``unlabelled_batch_size`` unlabelled ones; an epoch is one pass over
    x_unl. optimizer: default Adam(lr); pass e.g. the paper's SGD for the FULL path, with a
    ``scheduler`` stepped once per epoch. History keys: "epoch", "step", the per-epoch means of
    the scalars the loss returns, and "accuracy", "elbo" on (x_eval, y_eval) after each epoch
    when they are given. eval_steps: step counts (0 = before training) after which to evaluate as
    well, for a finer curve early in training; recorded as "eval_step", "eval_accuracy" and
    "eval_elbo" (needs x_eval, y_eval).
    """
    _check_m2_like(model, ("loss",))
    check_images(x_lab, "x_lab", dtype=model_dtype(model))
    check_images(x_unl, "x_unl", shape=tuple(x_lab.shape[1:]), dtype=model_dtype(model))
    check_labels(y_lab, model.num_classes, len(x_lab))
    num_epochs = check_int(num_epochs, "num_epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    unlabelled_batch_size = check_int(unlabelled_batch_size, "unlabelled_batch_size", minimum=1)
    check_number(lr, "lr", minimum=0, strict_min=True, expected="positive (and finite)")
    check_int(seed, "seed", minimum=0)
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise InputTypeError(f"optimizer must be None or a torch.optim.Optimizer, got "
                             f"{type(optimizer).__name__}")
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise InputTypeError(f"scheduler must be None or an LR scheduler with step(), got "
                             f"{type(scheduler).__name__}")
    if x_eval is not None and y_eval is not None:
        check_images(x_eval, "x_eval", shape=tuple(x_lab.shape[1:]), dtype=model_dtype(model))
        check_labels(y_eval, model.num_classes, len(x_eval))
    if isinstance(eval_steps, (str, bytes)) or not hasattr(eval_steps, "__iter__"):
        raise InputTypeError(f"eval_steps must be a sequence of ints, got {eval_steps!r}")
    if len(x_lab) == 0 or len(x_unl) == 0:
        raise ValueError("x_lab and x_unl must both be non-empty")
    if (x_eval is None) != (y_eval is None):
        raise ValueError("give both x_eval and y_eval, or neither")
    eval_steps = sorted(set(eval_steps))
    if eval_steps and x_eval is None:
        raise ValueError("eval_steps needs x_eval and y_eval")
    if any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in eval_steps):
        raise ValueError(f"eval_steps must be non-negative ints, got {eval_steps!r}")
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    batch_lab = min(batch_size, len(x_lab))
    lab_order = torch.randperm(len(x_lab), generator=generator)
    lab_pos, step = 0, 0
    history: History = {}

    def record_step() -> None:
        if step in eval_steps:
            history.setdefault("eval_step", []).append(step)
            for key, value in evaluate(model, x_eval, y_eval).items():
                history.setdefault("eval_" + key, []).append(value)
            model.train()

    record_step()
    bar = tqdm(range(num_epochs), desc="epochs", disable=not progress_enabled(progress),
               leave=False)
    for epoch in bar:
        model.train()
        sums: dict[str, float] = {}
        unl_batches = torch.randperm(len(x_unl), generator=generator).split(unlabelled_batch_size)
        for idx_u in unl_batches:
            if lab_pos + batch_lab > len(x_lab):
                lab_order, lab_pos = torch.randperm(len(x_lab), generator=generator), 0
            idx_l = lab_order[lab_pos:lab_pos + batch_lab]
            lab_pos += batch_lab
            try:
                terms = model.loss(x_lab[idx_l], y_lab[idx_l], x_unl[idx_u], step)
            except (ValueError, RuntimeError) as err:
                error = _diverged(model, err, epoch + 1, x_unl[idx_u], step)
                if error is err:
                    raise
                raise error from err
            check_finite_terms(terms, epoch + 1, step + 1)
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            step += 1
            record_step()
            for key, value in terms.items():
                sums[key] = sums.get(key, 0.0) + float(value.detach())
        for key, total in sums.items():
            history.setdefault(key, []).append(total / len(unl_batches))
        if scheduler is not None:
            scheduler.step()
        history.setdefault("epoch", []).append(epoch + 1)
        history.setdefault("step", []).append(step)
        if x_eval is not None:
            for key, value in evaluate(model, x_eval, y_eval).items():
                history.setdefault(key, []).append(value)
        if not math.isfinite(history["loss"][-1]):
            raise FloatingPointError(f"the loss became {history['loss'][-1]} in epoch {epoch + 1}")
        bar.set_postfix(loss=f"{history['loss'][-1]:.2f}")
    model.eval()
    return history


def train_classifier_only(model: nn.Module, x_lab: torch.Tensor, y_lab: torch.Tensor, *,
                          num_steps: int = 100, batch_size: int = 100, lr: float = 1e-3,
                          seed: int = 0) -> nn.Module:
    """The supervised-only baseline: train ``model.classify`` with cross-entropy on the labels.

    model: an M2-like model (its trunk and class head are trained; the rest is unused);
    x_lab: (N_l, C, H, W) in [0, 1]; y_lab: (N_l,) int64. Adam(lr) for ``num_steps`` steps of
    ``batch_size`` labelled examples (reshuffled and cycled, as in :func:`train_semisupervised`).
    Returns the model, in eval mode.
    """
    _check_m2_like(model, ("classify",))
    check_images(x_lab, "x_lab", dtype=model_dtype(model))
    check_labels(y_lab, model.num_classes, len(x_lab))
    num_steps = check_int(num_steps, "num_steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    check_number(lr, "lr", minimum=0, strict_min=True, expected="positive (and finite)")
    check_int(seed, "seed", minimum=0)
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batch = min(batch_size, len(x_lab))
    order, pos = torch.randperm(len(x_lab), generator=generator), 0
    model.train()
    for _ in range(num_steps):
        if pos + batch > len(x_lab):
            order, pos = torch.randperm(len(x_lab), generator=generator), 0
        idx = order[pos:pos + batch]
        pos += batch
        loss = torch.nn.functional.cross_entropy(model.classify(x_lab[idx]), y_lab[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    model.eval()
    return model
