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


def test_fit_takes_the_same_steps_as_a_loop_written_by_hand(tiny):
    """Chapter 1 writes the training loop by hand and then switches to fit: from the same seed,
    the same batches and the same sampling noise, every step's loss must agree."""
    x, _ = tiny
    seed, lr, batch_size, num_epochs = 3, 1e-2, 16, 2

    def build():
        torch.manual_seed(0)
        return models.VAE(image_shape=(1, 8, 8), latent_dim=2, channels=(4,), hidden_dim=16)

    def neg_elbo_by_hand(model, xb):  # the chapter's ELBO, written out
        mu, logvar = model.encoder(xb)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        log_px_z = -torch.nn.functional.binary_cross_entropy_with_logits(
            model.decoder(z), xb, reduction="none").sum(dim=(1, 2, 3))
        kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(dim=1)
        return -(log_px_z - kl).mean()

    net = build()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    by_hand = []
    for _ in range(num_epochs):
        for idx in torch.randperm(len(x), generator=order).split(batch_size):
            loss = neg_elbo_by_hand(net, x[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            by_hand.append(loss.item())

    by_fit = []

    def loss_and_record(model, xb, yb, epoch):
        terms = model.loss(xb)
        by_fit.append(terms["loss"].item())
        return terms

    vae = build()
    train.fit(vae, x, loss_fn=loss_and_record, num_epochs=num_epochs, batch_size=batch_size, lr=lr,
              seed=seed, progress=False)
    assert len(by_hand) == len(by_fit) == num_epochs * len(x) // batch_size
    assert torch.allclose(torch.tensor(by_hand), torch.tensor(by_fit), rtol=1e-5, atol=0)
    for a, b in zip(net.state_dict().values(), vae.state_dict().values(), strict=True):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-6)


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
