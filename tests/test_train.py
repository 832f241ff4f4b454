import pytest
import torch

from vaebook import models, train, utils


@pytest.fixture
def tiny():
    torch.manual_seed(0)
    x = (torch.rand(64, 1, 8, 8) > 0.5).float()
    return x, models.VAE(image_shape=(1, 8, 8), latent_dim=2, channels=(4,), hidden_dim=16)


def test_fit_records_history_and_lowers_the_loss(tiny):
    x, vae = tiny
    hist = train.fit(vae, x, num_epochs=8, batch_size=16, lr=1e-2, seed=0, progress=False)
    assert set(hist) >= {"loss", "rec", "kl", "elbo"} and "kl_per_dim" not in hist
    assert len(hist["loss"]) == 8
    assert hist["loss"][-1] < hist["loss"][0]


def test_fit_is_deterministic(tiny):
    x, _ = tiny
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        vae = models.VAE(image_shape=(1, 8, 8), latent_dim=2, channels=(4,), hidden_dim=16)
        runs.append(train.fit(vae, x, num_epochs=2, batch_size=16, seed=3, progress=False))
    assert runs[0] == runs[1]


def test_fit_with_a_custom_loss_and_labels(tiny):
    x, vae = tiny
    y = torch.arange(64) % 2
    seen = []

    def loss_fn(model, xb, yb, epoch):
        seen.append((len(xb), len(yb), epoch))
        return model.loss(xb)

    train.fit(vae, x, y, loss_fn=loss_fn, num_epochs=2, batch_size=32, progress=False)
    assert seen == [(32, 32, 0), (32, 32, 0), (32, 32, 1), (32, 32, 1)]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(num_epochs=0), ValueError, "num_epochs must be a positive int"),
    (dict(batch_size=2.5), ValueError, "batch_size must be a positive int"),
    (dict(lr=0), ValueError, "lr must be a positive number"),
    (dict(y=torch.zeros(3)), ValueError, "one entry per example"),
])
def test_fit_bad_input(tiny, kwargs, error, match):
    x, vae = tiny
    with pytest.raises(error, match=match):
        train.fit(vae, x, **kwargs)


def test_fit_requires_a_loss_entry(tiny):
    x, vae = tiny
    with pytest.raises(KeyError, match="'loss'"):
        train.fit(vae, x, loss_fn=lambda m, xb, yb, e: {"rec": m.loss(xb)["rec"]}, progress=False)


def test_checkpoint_round_trip_is_exact(tiny, tmp_path):
    x, vae = tiny
    hist = train.fit(vae, x, num_epochs=1, batch_size=32, progress=False)
    path = train.save_checkpoint(tmp_path / "sub" / "vae.pt", vae, config=vae.config, history=hist)
    assert sorted(p.name for p in path.parent.iterdir()) == ["vae.pt"]  # no temporary left
    twin = models.VAE(**vae.config)
    meta = train.load_checkpoint(path, twin)
    assert meta["history"] == hist and meta["config"] == vae.config
    for a, b in zip(vae.state_dict().values(), twin.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    mu1, _ = utils.encode(vae, x)
    mu2, _ = utils.encode(twin, x)
    assert (mu1 == mu2).all()


def test_load_checkpoint_errors(tmp_path, tiny):
    _, vae = tiny
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train.load_checkpoint(tmp_path / "missing.pt", vae)
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a vaebook checkpoint"):
        train.load_checkpoint(tmp_path / "other.pt", vae)


def test_progress_switch(monkeypatch):
    monkeypatch.setenv("VAEBOOK_NO_PROGRESS", "1")
    assert not train.progress_enabled()
    assert train.progress_enabled(True)
    monkeypatch.setenv("VAEBOOK_NO_PROGRESS", "0")
    assert train.progress_enabled()
