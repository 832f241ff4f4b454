import numpy as np
import pytest
import torch

from vaebook import models, utils


def test_seed_everything_repeats_draws():
    utils.seed_everything(7)
    a = (torch.rand(3), np.random.rand(3))
    utils.seed_everything(7)
    b = (torch.rand(3), np.random.rand(3))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="non-negative int"):
        utils.seed_everything(-3)


def test_setup_pins_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    before = torch.get_num_threads()
    try:
        assert utils.setup(0).type in ("cpu", "cuda")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_encode_shapes_and_restores_mode():
    vae = models.VAE(latent_dim=3, channels=(4, 8), hidden_dim=16).train()
    mu, logvar = utils.encode(vae, torch.rand(10, 1, 28, 28), batch_size=4)
    assert mu.shape == logvar.shape == (10, 3) and mu.dtype == np.float32
    assert vae.training
    with pytest.raises(TypeError, match="encode"):
        utils.encode(torch.nn.Linear(2, 2), torch.rand(1, 1, 28, 28))
    with pytest.raises(ValueError, match="batch_size"):
        utils.encode(vae, torch.rand(2, 1, 28, 28), batch_size=0)


def test_to_numpy():
    assert isinstance(utils.to_numpy(torch.ones(2, requires_grad=True)), np.ndarray)
    with pytest.raises(TypeError, match="torch.Tensor or numpy.ndarray"):
        utils.to_numpy([1, 2])


def test_check_codes():
    utils.check_codes(torch.zeros(4, 3), 3)
    with pytest.raises(ValueError, match=r"z must be a tensor of shape \(B, 3\), got \(4, 2\)"):
        utils.check_codes(torch.zeros(4, 2), 3)
    with pytest.raises(ValueError, match=r"got list"):
        utils.check_codes([0.0, 1.0], 3)


def test_versions_names_the_libraries_and_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    line = utils.versions()
    assert line.startswith("vaebook ") and f"torch {torch.__version__}" in line
    assert f"numpy {np.__version__}" in line and line.endswith("OMP_NUM_THREADS=1")


def test_glue_formats_and_checks_its_name():
    shown = utils.glue("probe_accuracy", 0.91234, ".2f")
    assert shown == "0.91" and repr(shown) == "0.91"
    assert utils.glue("raw", 3) == 3
    with pytest.raises(ValueError, match="identifier"):
        utils.glue("not a name", 1.0)
