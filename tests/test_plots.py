import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from vaebook import models, plots, widgets  # noqa: E402


@pytest.fixture(scope="module")
def vae():
    torch.manual_seed(0)
    return models.VAE(latent_dim=3, channels=(4, 8), hidden_dim=16).eval()


def test_image_grid_layout():
    x = torch.zeros(5, 1, 4, 4)
    grid = plots.image_grid(x, nrow=3, pad=1)
    assert grid.shape == (2 * 5 + 1, 3 * 5 + 1)
    assert grid[1:5, 1:5].max() == 0 and grid[0].min() == 1
    assert plots.image_grid(torch.rand(2, 3, 4, 4), nrow=2).shape == (6, 11, 3)


def test_figures_are_made(vae):
    x = torch.rand(6, 1, 28, 28)
    for fig in [plots.reconstructions(vae, x, n=6), plots.samples(vae, n=8),
                plots.latent_scatter(np.random.randn(50, 3), np.arange(50) % 10, dims=(0, 2)),
                plots.traversal(vae, torch.zeros(3), dims=[0, 1], values=[-1.0, 0.0, 1.0]),
                plots.history({"loss": [3.0, 2.0], "kl": [1.0, 1.5]}, keys=("loss", "kl")),
                widgets.latent_grid(vae, steps=3)]:
        assert isinstance(fig, matplotlib.figure.Figure)
        plt.close(fig)


def test_latent_explorer_builds_one_slider_per_dimension(vae):
    box = widgets.latent_explorer(vae)
    assert len(box.children[0].children) == 3
    plt.close("all")


def test_bad_inputs(vae):
    with pytest.raises(ValueError, match="1 or 3 channels"):
        plots.image_grid(torch.zeros(2, 2, 4, 4))
    with pytest.raises(ValueError, match=r"z must be \(N, D\) and y \(N,\)"):
        plots.latent_scatter(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="out of range"):
        plots.latent_scatter(np.zeros((5, 2)), np.zeros(5), dims=(0, 2))
    with pytest.raises(ValueError, match="dims must be indices"):
        plots.traversal(vae, torch.zeros(3), dims=[5])
    with pytest.raises(KeyError, match="history has no"):
        plots.history({"loss": [1.0]}, keys=("kl",))
    with pytest.raises(ValueError, match="two different indices"):
        widgets.latent_grid(vae, dims=(1, 1))
    with pytest.raises(ValueError, match="z0 must have shape"):
        widgets.latent_explorer(vae, z0=np.zeros(2))
