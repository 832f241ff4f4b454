"""The MLP encoder: shapes, bad input, determinism, and its use inside PixelVAE."""

import pytest
import torch

from vaebook.models import MLPEncoder
from vaebook.models.pixelcnn import PixelVAE


def test_shapes_and_hidden_layers():
    enc = MLPEncoder((1, 28, 28), latent_dim=3, hidden_dim=16)
    mu, logvar = enc(torch.rand(5, 1, 28, 28))
    assert mu.shape == (5, 3) and logvar.shape == (5, 3)
    linear = [m for m in enc.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [(784, 16), (16, 16), (16, 3),
                                                                  (16, 3)]


def test_default_is_the_papers_784_400_400():
    enc = MLPEncoder((1, 28, 28), latent_dim=2)
    assert enc.body[1].out_features == 400 and enc.body[3].out_features == 400


def test_bad_arguments_and_inputs_raise():
    for kwargs in (dict(hidden_dim=0), dict(hidden_dim=2.5), dict(hidden_dim=True),
                   dict(latent_dim=0)):
        args = dict(image_shape=(1, 8, 8), latent_dim=2, hidden_dim=4) | kwargs
        with pytest.raises(ValueError, match="must be a positive int"):
            MLPEncoder(**args)
    with pytest.raises(ValueError, match="image_shape"):
        MLPEncoder((8, 8), 2)
    enc = MLPEncoder((1, 8, 8), 2, 4)
    with pytest.raises(ValueError, match=r"shape \(B, 1, 8, 8\)"):
        enc(torch.rand(2, 1, 9, 9))
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        enc(torch.full((2, 1, 8, 8), 2.0))
    with pytest.raises(TypeError, match="torch.Tensor"):
        enc([[0.0]])


def test_seeded_construction_is_deterministic():
    x = torch.rand(4, 1, 8, 8)
    outs = []
    for _ in range(2):
        torch.manual_seed(7)
        outs.append(MLPEncoder((1, 8, 8), 2, 8)(x))
    assert torch.equal(outs[0][0], outs[1][0]) and torch.equal(outs[0][1], outs[1][1])


def test_pixel_vae_uses_it_and_trains():
    torch.manual_seed(0)
    model = PixelVAE((1, 8, 8), latent_dim=2, context=1, hidden_channels=4, encoder="mlp",
                     encoder_hidden=8)
    assert isinstance(model.encoder, MLPEncoder)
    x = (torch.rand(6, 1, 8, 8) > 0.5).float()
    loss = model.loss(x)["loss"]
    loss.backward()
    assert torch.isfinite(loss) and model.encoder.mu.weight.grad is not None
    with pytest.raises(ValueError, match="encoder must be one of"):
        PixelVAE((1, 8, 8), encoder="rnn")
