"""Probes: how much label information a representation makes easy to read out.

A representation is an array ``z: (N, D)`` (raw pixels flattened, PCA components, a VAE's mean
or sampled codes, an autoencoder's codes). A probe fits a small classifier on ``(z_train,
y_train)`` and reports its accuracy on ``(z_test, y_test)``:

- :func:`linear_probe`: logistic regression on standardised features (what is linearly readable);
- :func:`knn_probe`: k-nearest neighbours on standardised features (what is close to what);
- :func:`few_label_curve`: probe accuracy when only a few labels are available, averaged over
  several seeded draws of the labelled subset (data efficiency).

Inputs may be numpy arrays or torch tensors. Bad input raises ``ValueError``/``TypeError``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vaebook.checks import InputTypeError, check_bool, check_int, check_number

__all__ = ["C_GRID", "linear_probe", "cv_linear_probe", "knn_probe", "few_label_curve",
           "check_features", "check_labels"]


def _to_numpy(a: Any, name: str) -> np.ndarray:
    if hasattr(a, "detach") and hasattr(a, "cpu"):  # a torch tensor, without importing torch
        a = a.detach().cpu().numpy()
    if not isinstance(a, np.ndarray):
        if isinstance(a, (list, tuple)):
            a = np.asarray(a)
        else:
            raise InputTypeError(f"{name} must be a numpy array or torch tensor, got "
                                 f"{type(a).__name__}")
    return a


def check_features(z: Any, name: str = "z") -> np.ndarray:
    """Validate a representation and return it as float64 numpy, shape (N, D).

    z: (N, D) numbers, finite. Images (N, C, H, W) must be flattened first
    (``x.reshape(len(x), -1)``), so that a probe never flattens something by accident.
    """
    z = _to_numpy(z, name)
    if z.ndim != 2:
        raise ValueError(f"{name} must be 2-D (N, D), got shape {tuple(z.shape)}; flatten images "
                         f"with x.reshape(len(x), -1)")
    if z.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {z.dtype}")
    z = z.astype(np.float64, copy=False)
    if z.shape[0] == 0 or z.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, got {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{name} contains NaN or inf ({int((~np.isfinite(z)).sum())} entries)")
    return z


def check_labels(y: Any, name: str = "y") -> np.ndarray:
    """Validate class labels and return them as int64 numpy, shape (N,)."""
    y = _to_numpy(y, name)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (N,), got shape {tuple(y.shape)}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer floats")
    elif y.dtype.kind not in "biu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    return y.astype(np.int64)


def _check_split(z_train: Any, y_train: Any, z_test: Any, y_test: Any):
    z_train = check_features(z_train, "z_train")
    z_test = check_features(z_test, "z_test")
    y_train = check_labels(y_train, "y_train")
    y_test = check_labels(y_test, "y_test")
    if len(z_train) != len(y_train):
        raise ValueError(f"z_train has {len(z_train)} rows but y_train has {len(y_train)} labels")
    if len(z_test) != len(y_test):
        raise ValueError(f"z_test has {len(z_test)} rows but y_test has {len(y_test)} labels")
    if z_train.shape[1] != z_test.shape[1]:
        raise ValueError(f"z_train has {z_train.shape[1]} features but z_test has "
                         f"{z_test.shape[1]}")
    if len(np.unique(y_train)) < 2:
        raise ValueError("y_train holds only one class; a probe needs at least two")
    if not np.isin(y_test, y_train).any():
        raise ValueError(f"y_test and y_train share no class (y_train: {np.unique(y_train)[:10]}, "
                         f"y_test: {np.unique(y_test)[:10]}): a probe cannot predict a label it "
                         f"never saw, so the accuracy would be 0 by construction")
    return z_train, y_train, z_test, y_test


def _score(predicted: np.ndarray, y_test: np.ndarray, per_example: bool) -> float | np.ndarray:
    correct = predicted == y_test
    return correct if per_example else float(np.mean(correct))


def linear_probe(z_train: Any, y_train: Any, z_test: Any, y_test: Any, *,
                 max_iter: int = 1000, C: float = 1.0, standardize: bool = True,
                 per_example: bool = False) -> float | np.ndarray:
    """Test accuracy of logistic regression (on standardised features by default).

    z_train: (N, D), y_train: (N,) int; z_test: (M, D), y_test: (M,) int; numpy or torch.
    max_iter: L-BFGS iterations (the accuracy is reported even if it stops short of convergence).
    C: inverse L2 regularisation strength of scikit-learn's ``LogisticRegression``.
    standardize: scale each feature to zero mean and unit variance on the training set first
    (the L2 penalty then treats every feature alike).
    per_example: return the (M,) boolean array "the probe was right on test example i" instead
    of its mean (e.g. for :func:`vaebook.stats.bootstrap`).
    Returns the accuracy in [0, 1], or the (M,) correctness array.
    """
    z_train, y_train, z_test, y_test = _check_split(z_train, y_train, z_test, y_test)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    check_number(C, "C", minimum=0, strict_min=True, expected="positive (and finite)")
    standardize = check_bool(standardize, "standardize")
    per_example = check_bool(per_example, "per_example")
    logreg = LogisticRegression(C=C, max_iter=max_iter)
    clf = make_pipeline(StandardScaler(), logreg) if standardize else logreg
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(z_train, y_train)
    return _score(clf.predict(z_test), y_test, per_example)


C_GRID = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)


def cv_linear_probe(z_train: Any, y_train: Any, z_test: Any, y_test: Any, *,
                    Cs: tuple[float, ...] = C_GRID, folds: int = 5, max_iter: int = 1000,
                    seed: int = 0) -> dict[str, Any]:
    """The linear probe with its regularisation chosen by cross-validation on the training
    labels only (the same grid of C for every representation).

    z_train: (N, D), y_train: (N,) int; z_test: (M, D), y_test: (M,) int; numpy or torch.
    Each C is scored by ``folds``-fold stratified cross-validation (shuffled with ``seed``) of
    standardisation plus logistic regression fitted inside each fold; the best C is refitted on
    all training codes and scored once on the test split.
    Returns ``accuracy`` (test accuracy at the chosen C), ``C`` (the chosen C), ``cv`` (mean
    cross-validated accuracy per C) and ``test_by_C`` (test accuracy per C: the sensitivity,
    never used to choose).
    """
    z_train, y_train, z_test, y_test = _check_split(z_train, y_train, z_test, y_test)
    if (isinstance(Cs, (str, bytes)) or not hasattr(Cs, "__iter__") or not list(Cs)
            or any(isinstance(c, bool) or not isinstance(c, (int, float)) or not 0 < c < np.inf
                   for c in Cs)):
        raise ValueError(f"Cs must be a non-empty list of positive finite numbers, got {Cs!r}")
    folds = check_int(folds, "folds", minimum=2)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    check_int(seed, "seed", minimum=0)
    if np.unique(y_train, return_counts=True)[1].min() < folds:
        raise ValueError(f"every class needs at least folds={folds} training labels")
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    search = GridSearchCV(pipe, {"logisticregression__C": [float(c) for c in Cs]},
                          cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(z_train, y_train)
    best = float(search.best_params_["logisticregression__C"])
    return dict(accuracy=float(search.score(z_test, y_test)), C=best,
                cv=[float(v) for v in search.cv_results_["mean_test_score"]],
                test_by_C=[float(linear_probe(z_train, y_train, z_test, y_test, C=float(c),
                                              max_iter=max_iter)) for c in Cs])


def knn_probe(z_train: Any, y_train: Any, z_test: Any, y_test: Any, *, k: int = 5,
              standardize: bool = True, per_example: bool = False) -> float | np.ndarray:
    """Test accuracy of a k-nearest-neighbour classifier (Euclidean distance).

    z_train: (N, D), y_train: (N,) int; z_test: (M, D), y_test: (M,) int; numpy or torch.
    k: number of neighbours (at most N). standardize: scale each feature to unit variance on the
    training set first, so that no dimension dominates the distance by its units alone.
    per_example: return the (M,) boolean correctness array instead of its mean.
    Returns the accuracy in [0, 1], or the (M,) correctness array.
    """
    z_train, y_train, z_test, y_test = _check_split(z_train, y_train, z_test, y_test)
    check_int(k, "k", minimum=1)
    if k > len(z_train):
        raise ValueError(f"k={k} exceeds the {len(z_train)} training points")
    standardize = check_bool(standardize, "standardize")
    per_example = check_bool(per_example, "per_example")
    knn = KNeighborsClassifier(n_neighbors=int(k))
    clf = make_pipeline(StandardScaler(), knn) if standardize else knn
    clf.fit(z_train, y_train)
    return _score(clf.predict(z_test), y_test, per_example)


_PROBES = {"linear": linear_probe, "knn": knn_probe}


def _draw_labelled(y: np.ndarray, n: int, per_class: bool, rng: np.random.Generator) -> np.ndarray:
    """Indices of a labelled subset: n per class, or n in total stratified by class."""
    classes, counts = np.unique(y, return_counts=True)
    if per_class:
        take = np.full(len(classes), n)
    else:  # n in total, split as evenly as the class sizes allow (largest remainders first)
        share = n * counts / counts.sum()
        take = np.floor(share).astype(int)
        order = np.argsort(-(share - take), kind="stable")
        take[order[: n - take.sum()]] += 1
    if np.any(take > counts):
        raise ValueError(f"cannot draw {n} labels{' per class' if per_class else ''}: a class "
                         f"has only {counts.min()} examples")
    picked = [rng.choice(np.flatnonzero(y == c), size=t, replace=False)
              for c, t in zip(classes, take, strict=True) if t > 0]
    return np.sort(np.concatenate(picked))


def few_label_curve(z_train: Any, y_train: Any, z_test: Any, y_test: Any,
                    num_labels: tuple[int, ...] | list[int] = (1, 5, 10, 50), *,
                    per_class: bool = True, num_draws: int = 5, probe: str = "linear",
                    seed: int = 0, **probe_kwargs: Any) -> dict[str, np.ndarray]:
    """Probe accuracy when only a few training labels are available.

    For each size in ``num_labels`` draw ``num_draws`` labelled subsets of the training set
    (seeded; ``n`` labels per class if ``per_class`` else ``n`` in total, stratified), fit the
    probe on the subset and score it on the whole test set.

    z_train: (N, D), y_train: (N,); z_test: (M, D), y_test: (M,); numpy or torch.
    probe: ``"linear"`` (:func:`linear_probe`) or ``"knn"`` (:func:`knn_probe`; ``k`` is capped
    at the largest number of labels of one class in the subset, so 1 label per class is 1-NN).
    probe_kwargs go to the probe.
    Returns a dict: ``num_labels`` (S,) total labels seen, ``accuracy`` (S, num_draws),
    ``mean`` (S,) and ``std`` (S,) over draws.
    """
    z_train, y_train, z_test, y_test = _check_split(z_train, y_train, z_test, y_test)
    if probe not in _PROBES:
        raise ValueError(f"probe must be one of {sorted(_PROBES)}, got {probe!r}")
    if isinstance(num_labels, (str, bytes)) or not hasattr(num_labels, "__iter__"):
        raise InputTypeError(f"num_labels must be a non-empty list of positive ints, "
                             f"got {num_labels!r}")
    sizes = list(num_labels)
    if not sizes or any(not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1
                        for n in sizes):
        raise ValueError(f"num_labels must be a non-empty list of positive ints, "
                         f"got {num_labels!r}")
    n_classes = len(np.unique(y_train))
    per_class = check_bool(per_class, "per_class")
    if not per_class and min(sizes) < 2:
        raise ValueError("with per_class=False every size must be at least 2 (two classes)")
    num_draws = check_int(num_draws, "num_draws", minimum=1)
    check_int(seed, "seed", minimum=0)
    for key in probe_kwargs:
        if key in ("per_example",):
            raise ValueError(f"few_label_curve averages accuracies; {key} is not allowed")
    fn = _PROBES[probe]
    rng = np.random.default_rng(seed)
    acc = np.zeros((len(sizes), num_draws))
    seen = np.zeros(len(sizes), dtype=np.int64)
    for i, n in enumerate(sizes):
        for j in range(num_draws):
            idx = _draw_labelled(y_train, int(n), per_class, rng)
            kwargs = dict(probe_kwargs)
            if probe == "knn":
                kwargs["k"] = min(kwargs.get("k", 5), np.bincount(y_train[idx]).max())
            acc[i, j] = fn(z_train[idx], y_train[idx], z_test, y_test, **kwargs)
        seen[i] = int(n) * n_classes if per_class else int(n)
    return {"num_labels": seen, "accuracy": acc, "mean": acc.mean(axis=1), "std": acc.std(axis=1)}
