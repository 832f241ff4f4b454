import pytest
import torch

from vaebook import data


def test_mnist5k_split_sizes_and_ranges():
    x, y = data.mnist5k("train")
    xt, yt = data.mnist5k("test")
    assert x.shape == (4000, 1, 28, 28) and xt.shape == (1000, 1, 28, 28)
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.equal(y.bincount(), torch.full((10,), 400))
    assert torch.equal(yt.bincount(), torch.full((10,), 100))
    assert set(x.unique().tolist()) == {0.0, 1.0}


def test_mnist5k_is_deterministic_and_disjoint():
    x1, _ = data.mnist5k("train", seed=0)
    x2, _ = data.mnist5k("train", seed=0)
    assert torch.equal(x1, x2)
    xa, _ = data.mnist5k("all", binarize=False)
    xt, _ = data.mnist5k("test", binarize=False)
    xtr, _ = data.mnist5k("train", binarize=False)
    assert len(xa) == 5000
    flat = {tuple(v.flatten().tolist()[::7]) for v in xtr[:500]}
    assert not any(tuple(v.flatten().tolist()[::7]) in flat for v in xt)
    assert 0 < xt.mean() < 1 and len(xt.unique()) > 2  # grey levels kept
    other, _ = data.mnist5k("train", seed=1)
    assert not torch.equal(x1, other)


def test_digits():
    x, y = data.digits("train")
    xt, yt = data.digits("test")
    assert x.shape[1:] == (1, 8, 8) and len(x) + len(xt) == 1797
    assert 0 <= x.min() and x.max() <= 1 and y.dtype == torch.int64
    assert set(yt.tolist()) == set(range(10))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(split="validation"), ValueError, "split must be one of"),
    (dict(seed=-1), ValueError, "seed must be a non-negative int"),
    (dict(binarize="yes"), TypeError, "binarize must be (a bool|True or False)"),
])
def test_mnist5k_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.mnist5k(**kwargs)


def test_torchvision_dataset_offline_errors(tmp_path):
    with pytest.raises(ValueError, match="name must be one of"):
        data.torchvision_dataset("imagenet")
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        data.torchvision_dataset("mnist", split="all")
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.torchvision_dataset("mnist", root=tmp_path)
