"""Paired by construction: arms with one seed share every random draw they do not change."""

import numpy as np
import pytest
import torch

from vaebook.experiments import grids, runner
from vaebook.models.shot_vae import SHOTVAE
from vaebook.seeding import Streams, derive_seed, init_module, seeded


def test_derived_seeds_are_stable_and_distinct():
    assert derive_seed(0, "init/encoder") == derive_seed(0, "init/encoder")
    assert len({derive_seed(s, p) for s in range(5) for p in ("a", "b", "c")}) == 15
    assert 0 <= derive_seed(7, "x") < 2 ** 63
    with pytest.raises(ValueError):
        derive_seed(-1, "x")
    with pytest.raises(TypeError):
        derive_seed(1.5, "x")
    with pytest.raises(ValueError):
        derive_seed(0, " ")


def test_streams_are_independent_of_each_other_and_of_the_global_generator():
    a, b = Streams(3), Streams(3)
    first = torch.rand(4, generator=a.generator("noise"))
    torch.rand(100, generator=a.generator("other"))   # using another stream changes nothing
    torch.manual_seed(123)
    torch.rand(1000)                                  # nor does the global generator
    torch.rand(4, generator=b.generator("noise"))
    assert torch.equal(torch.rand(4, generator=a.generator("noise")),
                       torch.rand(4, generator=b.generator("noise")))
    assert not torch.equal(first, torch.rand(4, generator=Streams(4).generator("noise")))
    assert a.numpy("beta").beta(2, 2) == b.numpy("beta").beta(2, 2)


def test_seeded_restores_the_global_generator():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    with seeded(0, "anything"):
        torch.rand(50)
    assert torch.equal(torch.rand(3), expected)


def test_init_module_refuses_bad_input():
    with pytest.raises(TypeError):
        init_module("not a module", Streams(0), "init")
    with pytest.raises(TypeError):
        init_module(torch.nn.Linear(2, 2), 0, "init")


def _tiny(context):
    return runner.get_grid("tiny").config("local1" if context else "factorised")


def test_arms_that_differ_in_the_decoder_start_from_the_same_encoder():
    """The mask-A layer of a local decoder has more weights than a factorised decoder's first
    layer; built from one global generator the encoders would differ."""
    local = grids.build_pixel_vae(_tiny(1), Streams(0))
    factorised = grids.build_pixel_vae(_tiny(0), Streams(0))
    assert sum(p.numel() for p in local.decoder.parameters()) != \
        sum(p.numel() for p in factorised.decoder.parameters())
    for (name, a), (_, b) in zip(local.encoder.state_dict().items(),
                                 factorised.encoder.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    other_seed = grids.build_pixel_vae(_tiny(1), Streams(1))
    assert not torch.equal(next(iter(local.encoder.parameters())),
                           next(iter(other_seed.encoder.parameters())))


def test_arms_that_differ_in_the_decoder_see_the_same_batches():
    x = torch.rand(300, 1, 28, 28).round()
    seen = {}
    for arm in (0, 1):
        config = _tiny(arm)
        streams = Streams(2)
        batches = []
        grids.train_pixel_vae(grids.build_pixel_vae(config, streams), x, config, streams,
                              on_batch=lambda xb, out=batches: out.append(xb.clone()))
        seen[arm] = batches
    assert len(seen[0]) == len(seen[1]) == 6
    assert all(torch.equal(a, b) for a, b in zip(seen[0], seen[1], strict=True))


def _shot(**kwargs):
    torch.manual_seed(0)
    return SHOTVAE(latent_dim=4, hidden_dims=(16,), **kwargs)


def test_shot_vae_arms_draw_the_same_mixing_weights():
    """With streams, two arms draw the same lam and permutation whatever else differs (here the
    interpolation weight, and an arm without labelled smoothing draws no labelled mixup)."""
    x_lab, y_lab = torch.rand(8, 1, 28, 28), torch.arange(8) % 10
    x_unl = torch.rand(12, 1, 28, 28)
    draws = {}
    for name, kwargs in (("a", {}), ("b", dict(w2_weight=0.0)), ("c", dict(smooth=False))):
        model = _shot(**kwargs).use_streams(Streams(4))
        got = []
        real = model._draw

        def spy(beta, batch, device, purpose, real=real, got=got):
            lam, perm = real(beta, batch, device, purpose)
            got.append((purpose, lam, perm.tolist()))
            return lam, perm

        model._draw = spy
        for step in range(3):
            model.loss(x_lab, y_lab, x_unl, step)
        draws[name] = got
    assert draws["a"] == draws["b"]
    unl = [d for d in draws["a"] if d[0] == "mix/unlabelled"]
    assert [d for d in draws["c"]] == unl  # same unlabelled draws without the labelled ones
    assert len({d[1] for d in unl}) == 3   # and they differ from step to step


def test_shot_vae_noise_is_paired_and_the_default_is_unchanged():
    x_lab, y_lab = torch.rand(8, 1, 28, 28), torch.arange(8) % 10
    x_unl = torch.rand(12, 1, 28, 28)
    losses = []
    for _ in range(2):
        model = _shot().use_streams(Streams(9))
        torch.manual_seed(np.random.randint(1000))  # the global generator must not matter
        losses.append(float(model.loss(x_lab, y_lab, x_unl)["loss"].detach()))
    assert losses[0] == losses[1]
    model = _shot()
    assert model.streams is None
    with pytest.raises(TypeError):
        model.use_streams(3)
