import numpy as np
import pytest
import torch

from vaebook.data import dsprites
from vaebook.data.dsprites import FACTOR_NAMES, DSprites


def test_sample_shapes_types_and_range():
    ds = DSprites(size=32)
    x, f = ds.sample(200, seed=0)
    assert x.shape == (200, 1, 32, 32) and x.dtype == torch.float32
    assert f.shape == (200, 5) and f.dtype == np.int64
    assert set(torch.unique(x).tolist()) == {0.0, 1.0}  # binary, like dSprites
    assert (f >= 0).all() and (f < np.array(ds.factor_sizes)).all()
    assert (x.flatten(1).sum(1) > 0).all()  # every image shows a shape
    assert ds.image_shape == (1, 32, 32) and ds.num_images == 3 * 6 * 40 * 32 * 32


def test_seeded_and_deterministic():
    ds = DSprites(size=32)
    x1, f1 = ds.sample(50, seed=3)
    x2, f2 = ds.sample(50, seed=3)
    x3, f3 = ds.sample(50, seed=4)
    assert torch.equal(x1, x2) and np.array_equal(f1, f2)
    assert not np.array_equal(f1, f3)
    assert torch.equal(ds.render(f1), x1)  # images are a function of the factors


def test_every_factor_changes_the_image():
    ds = DSprites(size=64)
    base = np.array([[1, 5, 3, 16, 16]])
    x0 = ds.render(base)
    for k, other in enumerate([2, 0, 10, 0, 0]):
        f = base.copy()
        f[0, k] = other
        assert not torch.equal(ds.render(f), x0), FACTOR_NAMES[k]


def test_scale_grows_area_and_shapes_stay_inside():
    ds = DSprites(size=64, factor_sizes=(3, 2, 8, 3, 3))
    x, f = dsprites.generate(None, size=64, factor_sizes=(3, 2, 8, 3, 3))
    assert len(x) == ds.num_images and np.array_equal(f, ds.grid())
    area = x.flatten(1).sum(1).numpy()
    for shape in range(3):
        small = area[(f[:, 0] == shape) & (f[:, 1] == 0)]
        large = area[(f[:, 0] == shape) & (f[:, 1] == 1)]
        assert 3 < large.mean() / small.mean() < 5  # area ~ scale^2, scales 0.5 and 1
        # the largest shape keeps its analytic area everywhere (radius 0.2 * 64 pixels at
        # scale 1; unit areas: square 2, ellipse 0.6 pi, heart 3.6595 / 1.2935^2): not clipped
        unit_area = [2.0, 0.6 * np.pi, 3.6595 / 1.2935**2][shape]
        expected = unit_area * (0.2 * 64) ** 2
        assert np.abs(large / expected - 1).max() < 0.05


def test_shapes_fit_in_the_unit_circle():
    g = np.linspace(-2, 2, 801)
    u, v = np.meshgrid(g, g)
    outside = u**2 + v**2 > 1.0
    for inside in dsprites._SHAPE_FNS:
        mask = inside(u, v)
        assert mask.any() and not (mask & outside).any()


def test_grid_enumerates_every_combination_once():
    ds = DSprites(size=32, factor_sizes=(2, 2, 3, 2, 2))
    g = ds.grid()
    assert g.shape == (48, 5) and len(np.unique(g, axis=0)) == 48


def test_fixed_factor_sampler():
    ds = DSprites(size=32)
    x, f = ds.sample_fixed_factor(64, "orientation", seed=1)
    assert x.shape == (64, 1, 32, 32) and len(np.unique(f[:, 2])) == 1
    assert len(np.unique(f[:, 3])) > 1
    _, f = ds.sample_fixed_factor(10, 0, value=2, seed=1)
    assert (f[:, 0] == 2).all()


def test_color_option():
    ds = DSprites(size=32, color=True)
    x, _ = ds.sample(20, seed=0)
    assert x.shape == (20, 3, 32, 32) and x.min() >= 0 and x.max() <= 1
    on = x.sum(1) > 0
    for img, mask in zip(x, on, strict=True):
        colours = img[:, mask]  # (3, pixels): one colour per image in [0.5, 1]
        assert torch.allclose(colours, colours[:, :1].expand_as(colours))
        assert colours.min() >= 0.5


def test_factor_values():
    ds = DSprites(size=32)
    assert np.allclose(ds.factor_values("scale")[[0, -1]], [0.5, 1.0])
    assert len(ds.factor_values("orientation")) == 40
    assert ds.factor_index("posY") == 4


def test_bad_input():
    with pytest.raises(ValueError, match="size must be"):
        DSprites(size=8)
    with pytest.raises(ValueError, match="factor_sizes must be"):
        DSprites(factor_sizes=(3, 6, 40))
    with pytest.raises(ValueError, match="at most 3 shapes"):
        DSprites(factor_sizes=(4, 6, 40, 32, 32))
    ds = DSprites(size=32)
    with pytest.raises(ValueError, match="shape \\(N, 5\\)"):
        ds.render(np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(TypeError, match="integer indices"):
        ds.render(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="out of range"):
        ds.render(np.array([[0, 0, 0, 0, 32]]))
    with pytest.raises(ValueError, match="unknown factor"):
        ds.sample_fixed_factor(4, "colour")
    with pytest.raises(ValueError, match="must be an int in"):
        ds.sample_fixed_factor(4, "shape", value=3)
    with pytest.raises(ValueError, match="positive int"):
        ds.sample(0)
    with pytest.raises(TypeError, match="seed must be"):
        ds.sample(4, seed="a")
    with pytest.raises(ValueError, match="pass n"):
        dsprites.generate(None, size=32)
