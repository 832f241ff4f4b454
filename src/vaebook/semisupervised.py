"""Semi-supervised learning with a few labels: the split, the training loop, the evaluation.

- :func:`split_labelled`: a seeded choice of ``num_per_class`` labelled examples per class; the
  rest of the training set is used without its labels.
- :func:`train_semisupervised`: Adam; every step takes one labelled and one unlabelled
  minibatch and calls ``model.loss(x_lab, y_lab, x_unl, step)`` (M2, SHOT-VAE). An epoch is one
  pass over the unlabelled examples; after each epoch the held-out accuracy and ELBO are recorded.
- :func:`evaluate`: accuracy of argmax q(y | x) and the mean unlabelled ELBO U(x) (a lower bound
  on log p(x), in nats) on held-out data.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from vaebook.models.m2 import check_labels
from vaebook.train import History, progress_enabled
from vaebook.utils import check_images, seed_everything

__all__ = ["split_labelled", "evaluate", "train_semisupervised"]


def split_labelled(y: torch.Tensor, num_per_class: int, seed: int = 0
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (labelled, unlabelled) with ``num_per_class`` labelled examples of every class.

    y: (N,) int64 labels of the training set. Returns two sorted int64 tensors that partition
    range(N); the choice depends only on y and ``seed``.
    """
    if not isinstance(y, torch.Tensor) or y.dtype != torch.int64 or y.dim() != 1:
        raise TypeError("y must be an int64 tensor of shape (N,)")
    if not isinstance(num_per_class, int) or isinstance(num_per_class, bool) or num_per_class < 1:
        raise ValueError(f"num_per_class must be a positive int, got {num_per_class!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    labels = y.numpy()
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
    if not hasattr(model, "unlabelled_elbo"):
        raise TypeError("model must have an unlabelled_elbo(x) method (M2, SHOTVAE)")
    check_images(x)
    check_labels(y, model.num_classes, len(x))
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
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


def train_semisupervised(model: nn.Module, x_lab: torch.Tensor, y_lab: torch.Tensor,
                         x_unl: torch.Tensor, *, num_epochs: int = 10, batch_size: int = 100,
                         unlabelled_batch_size: int = 100, lr: float = 1e-3, seed: int = 0,
                         x_eval: torch.Tensor | None = None, y_eval: torch.Tensor | None = None,
                         optimizer: torch.optim.Optimizer | None = None,
                         scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                         progress: bool | None = None) -> History:
    """Train ``model`` with ``model.loss(x_lab, y_lab, x_unl, step)``; return the history.

    x_lab: (N_l, C, H, W), y_lab: (N_l,) int64, x_unl: (N_u, C, H, W), all in [0, 1].
    Each step draws ``batch_size`` labelled examples (all of them if fewer; the labelled set is
    reshuffled and cycled) and ``unlabelled_batch_size`` unlabelled ones; an epoch is one pass over
    x_unl. optimizer: default Adam(lr); pass e.g. the paper's SGD for the FULL path, with a
    ``scheduler`` stepped once per epoch. History keys: "epoch", "step", the per-epoch means of
    the scalars the loss returns, and "accuracy", "elbo" on (x_eval, y_eval) after each epoch
    when they are given.
    """
    check_images(x_lab, "x_lab")
    check_images(x_unl, "x_unl", shape=tuple(x_lab.shape[1:]))
    check_labels(y_lab, model.num_classes, len(x_lab))
    for name, value in (("num_epochs", num_epochs), ("batch_size", batch_size),
                        ("unlabelled_batch_size", unlabelled_batch_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    if len(x_lab) == 0 or len(x_unl) == 0:
        raise ValueError("x_lab and x_unl must both be non-empty")
    if (x_eval is None) != (y_eval is None):
        raise ValueError("give both x_eval and y_eval, or neither")
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    batch_lab = min(batch_size, len(x_lab))
    lab_order = torch.randperm(len(x_lab), generator=generator)
    lab_pos, step = 0, 0
    history: History = {}
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
            terms = model.loss(x_lab[idx_l], y_lab[idx_l], x_unl[idx_u], step)
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            step += 1
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
