"""Metrics that train predictors of the factors from the codes: DCI, SAP, explicitness and
per-factor downstream scores (:func:`factor_scores`).

Each splits the N points into a training and a test part with a seeded permutation (the
disentanglement_lib scripts draw 10,000 training and 5,000 test points instead).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from vaebook.checks import check_bool, check_int
from vaebook.metrics._checks import (
    check_codes,
    check_codes_factors,
    check_factors,
    check_fraction,
    check_positive_int,
    check_train_classes,
)

__all__ = ["DCIResult", "dci", "group_factor_values", "sap_score_matrix", "sap", "explicitness",
           "factor_scores"]


def _split(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    test_fraction = check_fraction(test_fraction, "test_fraction")
    check_int(seed, "seed", minimum=0)
    perm = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(round(n * test_fraction)))
    return perm[n_test:], perm[:n_test]


def group_factor_values(factors: np.ndarray, max_classes: int) -> np.ndarray:
    """Group the values of each factor that has more than max_classes values into max_classes
    ordinal bins of consecutive values (e.g. 32 x positions -> 8 bins of 4). (N, K) -> (N, K)."""
    max_classes = check_positive_int(max_classes, "max_classes", minimum=2)
    out = np.array(check_factors(factors), dtype=np.int64, copy=True)
    for k in range(out.shape[1]):
        values, idx = np.unique(out[:, k], return_inverse=True)
        if len(values) > max_classes:
            out[:, k] = (idx.reshape(-1) * max_classes) // len(values)
    return out


class DCIResult(NamedTuple):
    """DCI scores (Eastwood & Williams, 2018) and the importance matrix R: (D, K)."""

    disentanglement: float
    completeness: float
    informativeness: float
    importance: np.ndarray


def _one_minus_entropy(p: np.ndarray, base: int) -> np.ndarray:
    """1 - H(p) / log(base) for each column of non-negative weights p (normalised per column)."""
    p = p + 1e-11
    p = p / p.sum(axis=0, keepdims=True)
    return 1.0 - (-(p * np.log(p)).sum(axis=0) / np.log(base))


def dci(codes: np.ndarray, factors: np.ndarray, *, test_fraction: float = 0.3,
        max_train: int | None = 2000, max_classes: int | None = 8, n_estimators: int = 10,
        max_depth: int = 3, seed: int = 0) -> DCIResult:
    """Disentanglement, completeness and informativeness from gradient-boosted trees.

    One ``GradientBoostingClassifier`` per factor predicts it from all codes; its feature
    importances fill column k of R (D, K). Disentanglement: 1 - entropy (base K) of each code's
    row of R, weighted by the code's share of the total importance; completeness: the same over
    each factor's column (base D); informativeness: mean test accuracy over factors.

    Sizes are kept modest for the CPU (disentanglement_lib: 100 trees, 10,000 training points,
    no grouping): ``n_estimators=10`` trees of depth 3, at most ``max_train`` training points,
    and factors with more than ``max_classes`` values grouped into ``max_classes`` ordinal bins
    (boosting fits one tree per class per stage). Pass ``None`` to lift either limit.
    codes: (N, D), D >= 2; factors: (N, K) integer labels, K >= 2.
    """
    c, f = check_codes_factors(codes, factors, min_dims=2, min_factors=2)
    n_estimators = check_positive_int(n_estimators, "n_estimators")
    max_depth = check_positive_int(max_depth, "max_depth")
    if max_classes is not None:
        f = group_factor_values(f, max_classes)
    train, test = _split(len(c), test_fraction, seed)
    if max_train is not None:
        train = train[: check_positive_int(max_train, "max_train", minimum=2)]
    check_train_classes(f, train)
    importance = np.zeros((c.shape[1], f.shape[1]))
    accuracy = []
    for k in range(f.shape[1]):
        model = GradientBoostingClassifier(n_estimators=n_estimators, max_depth=max_depth,
                                           random_state=seed)
        model.fit(c[train], f[train, k])
        importance[:, k] = np.abs(model.feature_importances_)
        accuracy.append(model.score(c[test], f[test, k]))
    weights = importance if importance.sum() > 0 else np.ones_like(importance)
    code_share = weights.sum(axis=1) / weights.sum()
    factor_share = weights.sum(axis=0) / weights.sum()
    disentanglement = float(np.sum(_one_minus_entropy(importance.T, f.shape[1]) * code_share))
    completeness = float(np.sum(_one_minus_entropy(importance, c.shape[1]) * factor_share))
    return DCIResult(disentanglement, completeness, float(np.mean(accuracy)), importance)


def sap_score_matrix(codes: np.ndarray, factors: np.ndarray, *, continuous_factors: bool = False,
                     test_fraction: float = 0.3, seed: int = 0) -> np.ndarray:
    """How well each single code predicts each factor: (D, K).

    Discrete factors (default, as disentanglement_lib): test accuracy of a
    ``LinearSVC(C=0.01, class_weight="balanced")`` trained on that one code. Continuous (the
    factor index taken as a number): squared correlation R^2 between code and factor, on all N.
    """
    c, f = check_codes_factors(codes, factors)
    continuous_factors = check_bool(continuous_factors, "continuous_factors")
    if continuous_factors:
        cc = np.corrcoef(np.concatenate([c, f], axis=1), rowvar=False)
        r2 = cc[: c.shape[1], c.shape[1]:] ** 2
        return np.nan_to_num(r2)  # a constant code explains nothing
    train, test = _split(len(c), test_fraction, seed)
    check_train_classes(f, train)
    scores = np.zeros((c.shape[1], f.shape[1]))
    for i in range(c.shape[1]):
        xi_train, xi_test = c[train, i:i + 1], c[test, i:i + 1]
        for k in range(f.shape[1]):
            clf = LinearSVC(C=0.01, class_weight="balanced", random_state=seed)
            clf.fit(xi_train, f[train, k])
            scores[i, k] = np.mean(clf.predict(xi_test) == f[test, k])
    return scores


def sap(codes: np.ndarray, factors: np.ndarray, *, continuous_factors: bool = False,
        test_fraction: float = 0.3, seed: int = 0) -> float:
    """Separated attribute predictability (Kumar et al., 2018), as in disentanglement_lib.

    For each factor, the best single code's score minus the second best's (see
    :func:`sap_score_matrix`), averaged over factors. With discrete factors a perfect code
    scores at most 1 - chance accuracy (the second-best code still guesses at chance).
    codes: (N, D), D >= 2; factors: (N, K).
    """
    scores = sap_score_matrix(codes, factors, continuous_factors=continuous_factors,
                              test_fraction=test_fraction, seed=seed)
    if scores.shape[0] < 2:
        raise ValueError(f"codes needs at least 2 dimensions, got {scores.shape[0]}")
    top = np.sort(scores, axis=0)
    return float(np.mean(top[-1] - top[-2]))


def explicitness(codes: np.ndarray, factors: np.ndarray, *, test_fraction: float = 0.3,
                 seed: int = 0) -> float:
    """Explicitness (Ridgeway & Mozer, 2018): how well a linear model reads each factor.

    One multinomial logistic regression per factor on all (standardised) codes; score = test
    ROC AUC of each class against the rest, averaged over classes and factors. 0.5 is chance,
    1 perfect. codes: (N, D); factors: (N, K).
    """
    c, f = check_codes_factors(codes, factors)
    train, test = _split(len(c), test_fraction, seed)
    check_train_classes(f, train)
    per_factor = []
    for k in range(f.shape[1]):
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
        clf.fit(c[train], f[train, k])
        proba = clf.predict_proba(c[test])
        aucs = []
        for j, label in enumerate(clf.classes_):
            positive = f[test, k] == label
            if 0 < positive.sum() < len(positive):  # AUC needs both outcomes in the test set
                aucs.append(roc_auc_score(positive, proba[:, j]))
        per_factor.append(np.mean(aucs) if aucs else 0.5)
    return float(np.mean(per_factor))


def factor_scores(codes_train: np.ndarray, factors_train: np.ndarray, codes_test: np.ndarray,
                  factors_test: np.ndarray, *, categorical: tuple[int, ...] = (0,),
                  names: tuple[str, ...] | None = None, readout: str = "linear",
                  seed: int = 0) -> dict[str, float]:
    """How well a read-out (linear by default) gets each factor from the codes, on held-out
    points.

    codes_train (N, D), factors_train (N, K) integer factor indices; codes_test (M, D),
    factors_test (M, K). A categorical factor (indices in ``categorical``, e.g. dSprites' shape)
    gets the test accuracy of a logistic regression on standardised codes; an ordinal one (scale,
    orientation, x, y) gets the test R^2 of a least-squares linear regression on its index
    (which is linear in its value), which can be negative for a useless model.
    names: K names for the keys (default ``"0"``, ``"1"``, ...). ``readout="trees"`` replaces
    both models by gradient-boosted trees (scikit-learn's histogram boosting, default settings,
    ``random_state=seed``), the non-linear read-out of disentanglement_lib's downstream task.
    Returns {name: score}.
    """
    if readout not in ("linear", "trees"):
        raise ValueError(f"readout must be 'linear' or 'trees', got {readout!r}")
    seed = check_int(seed, "seed", minimum=0)
    z_train, f_train = check_codes_factors(codes_train, factors_train)
    z_test = check_codes(codes_test, "codes_test", min_samples=2)
    f_test = np.asarray(factors_test)
    if f_test.ndim != 2 or f_test.shape != (len(z_test), f_train.shape[1]):
        raise ValueError(f"factors_test must have shape ({len(z_test)}, {f_train.shape[1]}), got "
                         f"{f_test.shape}")
    if not np.issubdtype(f_test.dtype, np.integer):
        raise TypeError(f"factors_test must be integer factor indices, got dtype {f_test.dtype}")
    if z_test.shape[1] != z_train.shape[1]:
        raise ValueError(f"codes_train and codes_test must have the same number of dimensions, "
                         f"got {z_train.shape[1]} and {z_test.shape[1]}")
    k = f_train.shape[1]
    if isinstance(categorical, (int, str)) or not hasattr(categorical, "__iter__"):
        raise ValueError(f"categorical must be a tuple of factor indices, got {categorical!r}")
    if not all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) and 0 <= c < k
               for c in categorical):
        raise ValueError(f"categorical must hold factor indices in [0, {k}), got {categorical!r}")
    names = tuple(str(i) for i in range(k)) if names is None else tuple(names)
    if len(names) != k:
        raise ValueError(f"names must give {k} names, got {len(names)}")
    check_train_classes(f_train[:, [j for j in range(k) if j in categorical]],
                        np.arange(len(f_train)))
    out = {}
    for j, name in enumerate(names):
        if j in categorical:
            clf = (HistGradientBoostingClassifier(random_state=seed) if readout == "trees" else
                   make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)))
            clf.fit(z_train, f_train[:, j])
            out[name] = float(np.mean(clf.predict(z_test) == f_test[:, j]))
        else:
            reg = (HistGradientBoostingRegressor(random_state=seed) if readout == "trees" else
                   LinearRegression())
            reg.fit(z_train, f_train[:, j])
            out[name] = float(r2_score(f_test[:, j], reg.predict(z_test)))
    return out
