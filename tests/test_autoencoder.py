import pytest
import torch

from vaebook import train
from vaebook.models.autoencoder import Autoencoder
from vaebook.models.vae import VAE


def _blobs(n=64, seed=0):
    """Binary 8x8 images: a bright square at one of four places."""
    g = torch.Generator().manual_seed(seed)
    pos = torch.randint(0, 4, (n,), generator=g)
    x = torch.zeros(n, 1, 8, 8)
    for i, p in enumerate(pos):
        r, c = divmod(int(p), 2)
        x[i, 0, 4 * r:4 * r + 4, 4 * c:4 * c + 4] = 1.0
    return x


def _small(**kw):
    return Autoencoder(image_shape=(1, 8, 8), latent_dim=2, channels=(8,), hidden_dim=16, **kw)


def test_shapes_and_deterministic_codes():
    torch.manual_seed(0)
    ae, x = _small(), _blobs(10)
    z = ae.encode(x)
    assert z.shape == (10, 2)
    assert ae(x).shape == x.shape
    assert torch.equal(ae.encode(x), z)  # no sampling: the same input gives the same code
    assert ae.codes(x, batch_size=3).shape == (10, 2)
    rec = ae.reconstruct(x)
    assert rec.shape == x.shape and rec.min() >= 0 and rec.max() <= 1
    assert set(ae.loss(x)) == {"loss", "rec"}


def test_reuses_the_vae_layers_without_the_variance_head():
    ae = _small()
    vae = VAE(image_shape=(1, 8, 8), latent_dim=2, channels=(8,), hidden_dim=16)
    assert not hasattr(ae.encoder, "logvar")
    ae_keys = set(ae.state_dict())
    vae_keys = set(vae.state_dict())
    assert ae_keys == {k for k in vae_keys if not k.startswith("encoder.logvar")}
    Autoencoder(**ae.config).load_state_dict(ae.state_dict())  # config rebuilds the model


def test_training_lowers_the_reconstruction_loss():
    torch.manual_seed(0)
    ae, x = _small(), _blobs(64)
    hist = train.fit(ae, x, num_epochs=15, batch_size=16, lr=3e-3, seed=0, progress=False)
    assert hist["rec"][-1] < 0.5 * hist["rec"][0]


def test_gaussian_likelihood_runs():
    ae = _small(likelihood="gaussian")
    out = ae.loss(_blobs(4))
    assert out["loss"].dim() == 0 and torch.isfinite(out["loss"])


def test_bad_inputs_raise_clear_errors():
    ae = _small()
    with pytest.raises(ValueError, match="likelihood"):
        _small(likelihood="poisson")
    with pytest.raises(ValueError, match="gaussian_std"):
        _small(gaussian_std=0.0)
    with pytest.raises(ValueError, match="shape \\(B, 1, 8, 8\\)"):
        ae.encode(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="\\[0, 1\\]"):
        ae.encode(torch.full((2, 1, 8, 8), 2.0))
    with pytest.raises(ValueError, match="shape \\(B, 2\\)"):
        ae.decode(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="batch_size"):
        ae.codes(_blobs(2), batch_size=0)
