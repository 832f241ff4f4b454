"""Datasets that work offline (``mnist5k``, ``digits``, ``dsprites``) and opt-in full-size ones."""

from vaebook.data import dsprites
from vaebook.data.mnist import SPLITS, TORCHVISION_DATASETS, digits, mnist5k, torchvision_dataset

__all__ = ["dsprites", "mnist5k", "digits", "torchvision_dataset", "TORCHVISION_DATASETS", "SPLITS"]
