# ruff: noqa: E501  (the case table keeps one case per line)
"""Bad inputs against every public function and class of vaebook: each must raise a clear
ValueError / TypeError (or FloatingPointError, SystemExit for the scripts) whose message names
the argument, never a confusing error from deep inside torch, NumPy or scikit-learn, and never
a silent NaN. ``test_every_public_callable_has_a_case`` fails when a new public callable has no
case here (or no entry in ``NO_CHECKABLE_INPUT``)."""

from __future__ import annotations

import importlib
import inspect
import math
import os
import re
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch

from vaebook import (
    checks,
    claims,
    collapse,
    data,
    designs,
    metrics,
    plots,
    probes,
    seeding,
    semisupervised,
    stats,
    train,
    utils,
    widgets,
)
from vaebook.data import dsprites, mnist
from vaebook.experiments import disentanglement_metrics as dm
from vaebook.experiments import grids, runner
from vaebook.experiments import local_decoders as ld
from vaebook.experiments import representations as rp
from vaebook.experiments import selective_collapse as sc
from vaebook.experiments import semi_supervised as ss
from vaebook.metrics import _checks as mchecks
from vaebook.models import autoencoder, family, m2, mlp, pixelcnn, shot_vae, vae, wrn

MODULES = [checks, utils, train, importlib.import_module("vaebook.losses"), probes, stats,
           claims, plots, widgets, semisupervised, collapse.rate, collapse.variables, mnist,
           dsprites, importlib.import_module("vaebook.metrics.correlation"),
           importlib.import_module("vaebook.metrics.information"),
           importlib.import_module("vaebook.metrics.intervention"),
           importlib.import_module("vaebook.metrics.predictive"), vae, autoencoder, mlp, family,
           m2, shot_vae, wrn, pixelcnn, importlib.import_module("vaebook.experiments"), ld, sc,
           seeding, designs, runner, grids, ss, rp, dm,
           importlib.import_module("vaebook.metrics.summary")]
losses = MODULES[3]

# Public callables that take no input worth checking, or are plain records / protocols / errors.
NO_CHECKABLE_INPUT = {
    "vaebook.utils.versions", "vaebook.experiments.provenance", "vaebook.claims.results",
    "vaebook.claims.mode", "vaebook.claims.ClaimError", "vaebook.claims.ClaimResult",
    "vaebook.checks.InputTypeError", "vaebook.models.vae.VAEOutput",
    "vaebook.metrics.predictive.DCIResult", "vaebook.metrics.intervention.GroundTruthSampler",
    "vaebook.collapse.variables.Representations", "vaebook.collapse.variables.VariableTypes",
    "vaebook.stats.Evidence", "vaebook.checks.describe", "vaebook.checks.model_dtype",
    "vaebook.designs.Design", "vaebook.designs.DesignMismatch", "vaebook.experiments.runner.RunResult",
    "vaebook.experiments.runner.machine",
}

# ---- small fixtures (built once) ---------------------------------------------------------------
torch.manual_seed(0)
X = (torch.rand(6, 1, 8, 8) > 0.5).float()
Y = torch.tensor([0, 1, 2, 0, 1, 2])
VAE = vae.VAE(image_shape=(1, 8, 8), latent_dim=2, channels=(4,), hidden_dim=8)
AE = autoencoder.Autoencoder(image_shape=(1, 8, 8), latent_dim=2, channels=(4,), hidden_dim=8)
M2 = m2.M2(image_shape=(1, 8, 8), num_classes=3, latent_dim=2, hidden_dims=(8,))
SHOT = shot_vae.SHOTVAE(image_shape=(1, 8, 8), num_classes=3, latent_dim=2, hidden_dims=(8,))
PIX = pixelcnn.PixelVAE(image_shape=(1, 8, 8), latent_dim=2, context=1, hidden_channels=4,
                        encoder_channels=(4,), encoder_hidden=8)
RNG = np.random.default_rng(0)
CODES = RNG.normal(size=(40, 3))
FACTORS = np.stack([np.arange(40) % 2, np.arange(40) % 4], axis=1)
Z2 = torch.zeros(3, 2)
NAN = float("nan")
INF = float("inf")
DS = dsprites.DSprites(size=16, factor_sizes=(3, 2, 2, 2, 2))
EVIDENCE = stats.per_seed([0.1, 0.2, 0.15, 0.12, 0.3], delta=0.0, unit="u")
TYPES = collapse.classify_variables(np.abs(CODES))
TMP = Path(tempfile.mkdtemp(prefix="vaebook-bad-inputs-"))


def _files() -> dict[str, Path]:
    good = train.save_checkpoint(TMP / "good.pt", VAE, config=VAE.config)
    raw = good.read_bytes()
    out = {"good": good}
    (TMP / "empty.pt").write_bytes(b"")
    out["empty"] = TMP / "empty.pt"
    (TMP / "truncated.pt").write_bytes(raw[: len(raw) // 2])
    out["truncated"] = TMP / "truncated.pt"
    (TMP / "garbage.pt").write_bytes(os.urandom(300))
    out["garbage"] = TMP / "garbage.pt"
    (TMP / "text.pt").write_text("not a checkpoint\n")
    out["text"] = TMP / "text.pt"
    torch.save([1, 2, 3], TMP / "foreign.pt")
    out["foreign"] = TMP / "foreign.pt"
    torch.save({"state_dict": VAE.state_dict(), "meta": {"x": Fraction(1, 2)}}, TMP / "code.pt")
    out["code"] = TMP / "code.pt"
    (TMP / "a_file").write_text("x")
    out["file"] = TMP / "a_file"
    return out


FILES = _files()


class Case:
    def __init__(self, target: str, label: str, fn, exc: type[BaseException], match: str):
        self.target, self.label, self.fn, self.exc, self.match = target, label, fn, exc, match

    def __repr__(self) -> str:
        return f"{self.target}:{self.label}"


CASES: list[Case] = []


def case(target: str, label: str, exc: type[BaseException], match: str):
    def add(fn):
        CASES.append(Case(target, label, fn, exc, match))
        return fn
    return add


def cases(target: str, exc: type[BaseException], match: str, **fns) -> None:
    for label, fn in fns.items():
        CASES.append(Case(target, label, fn, exc, match))


V, T = ValueError, TypeError
# ---- checks -------------------------------------------------------------------------------------
cases("vaebook.checks.check_int", T, "n", str=lambda: checks.check_int("3", "n"),
      bool=lambda: checks.check_int(True, "n"), float=lambda: checks.check_int(2.0, "n"))
cases("vaebook.checks.check_int", V, "n", low=lambda: checks.check_int(0, "n", minimum=1),
      high=lambda: checks.check_int(5, "n", maximum=4))
cases("vaebook.checks.check_number", V, "w", nan=lambda: checks.check_number(NAN, "w"),
      inf=lambda: checks.check_number(INF, "w"),
      low=lambda: checks.check_number(-1, "w", minimum=0))
cases("vaebook.checks.check_number", T, "w", str=lambda: checks.check_number("1", "w"),
      none=lambda: checks.check_number(None, "w"))
cases("vaebook.checks.check_bool", T, "flag", int=lambda: checks.check_bool(1, "flag"))
cases("vaebook.checks.check_str", T, "s", int=lambda: checks.check_str(1, "s"))
cases("vaebook.checks.check_str", V, "s", empty=lambda: checks.check_str(" ", "s"))
cases("vaebook.checks.check_choice", V, "kind", bad=lambda: checks.check_choice("c", "kind", "ab"))
cases("vaebook.checks.check_tensor", T, "t", list=lambda: checks.check_tensor([1.0], "t"),
      int=lambda: checks.check_tensor(torch.ones(2, dtype=torch.int64), "t"))
cases("vaebook.checks.check_tensor", V, "t", nan=lambda: checks.check_tensor(torch.tensor([NAN]), "t"),
      empty=lambda: checks.check_tensor(torch.zeros(0), "t"),
      shape=lambda: checks.check_tensor(torch.zeros(2, 3), "t", shape=(None, 2)))
cases("vaebook.checks.check_images", T, "x", f64=lambda: checks.check_images(X.double(), dtype=torch.float32),
      none=lambda: checks.check_images(None), int=lambda: checks.check_images(X.long()))
cases("vaebook.checks.check_images", V, "x", nan=lambda: checks.check_images(X * NAN),
      shape3=lambda: checks.check_images(X[0]), empty=lambda: checks.check_images(X[:0]),
      range=lambda: checks.check_images(X * 2))
cases("vaebook.checks.check_codes", V, "z", nan=lambda: checks.check_codes(Z2 * NAN, 2),
      shape=lambda: checks.check_codes(torch.zeros(3, 4), 2))
cases("vaebook.checks.check_codes", T, "z", f64=lambda: checks.check_codes(Z2.double(), 2, dtype=torch.float32))
cases("vaebook.checks.check_array", T, "a", str=lambda: checks.check_array("ab", "a"),
      obj=lambda: checks.check_array(np.array([None, 1]), "a"))
cases("vaebook.checks.check_array", V, "a", nan=lambda: checks.check_array(np.array([NAN]), "a"),
      ndim=lambda: checks.check_array(np.zeros(3), "a", ndim=2))
cases("vaebook.checks.check_model", T, "model", linear_for_vae=lambda: checks.check_model(torch.nn.Linear(1, 1), cls=vae.VAE),
      str=lambda: checks.check_model("vae"), no_method=lambda: checks.check_model(AE, methods=("loss_x",)))
cases("vaebook.checks.check_callable", T, "fn", int=lambda: checks.check_callable(1, "fn"))
cases("vaebook.checks.check_generator", T, "generator", int=lambda: checks.check_generator(0))
cases("vaebook.checks.check_int_sequence", T, "dims", str=lambda: checks.check_int_sequence("12", "dims"))
cases("vaebook.checks.check_int_sequence", V, "dims", empty=lambda: checks.check_int_sequence([], "dims"),
      neg=lambda: checks.check_int_sequence([1, -1], "dims", minimum=0))

# ---- utils --------------------------------------------------------------------------------------
cases("vaebook.utils.seed_everything", T, "seed", str=lambda: utils.seed_everything("0"),
      float=lambda: utils.seed_everything(1.5), none=lambda: utils.seed_everything(None))
cases("vaebook.utils.seed_everything", V, "seed", neg=lambda: utils.seed_everything(-1))
cases("vaebook.utils.setup", V, "seed", neg=lambda: utils.setup(-1), str=lambda: utils.setup("a"))
cases("vaebook.utils.glue", V, "name", bad=lambda: utils.glue("a b", 1), none=lambda: utils.glue(None, 1))
cases("vaebook.utils.glue", T, "fmt", int=lambda: utils.glue("a", 1.0, fmt=3))
cases("vaebook.utils.to_numpy", T, "expected", list=lambda: utils.to_numpy([1]), none=lambda: utils.to_numpy(None))
cases("vaebook.utils.encode", T, "model", linear=lambda: utils.encode(torch.nn.Linear(2, 2), X),
      ae=lambda: utils.encode(AE, X), none=lambda: utils.encode(None, X))
cases("vaebook.utils.encode", T, "x", f64=lambda: utils.encode(VAE, X.double()),
      f16=lambda: utils.encode(VAE, X.half()), np=lambda: utils.encode(VAE, X.numpy()))
cases("vaebook.utils.encode", V, "x", empty=lambda: utils.encode(VAE, X[:0]),
      nan=lambda: utils.encode(VAE, X * NAN), shape=lambda: utils.encode(VAE, X[0]))
cases("vaebook.utils.encode", V, "batch_size", zero=lambda: utils.encode(VAE, X, batch_size=0),
      str=lambda: utils.encode(VAE, X, batch_size="8"))

# ---- train --------------------------------------------------------------------------------------
cases("vaebook.train.fit", V, "lr", huge_inf=lambda: train.fit(VAE, X, lr=INF, progress=False),
      nan=lambda: train.fit(VAE, X, lr=NAN), neg=lambda: train.fit(VAE, X, lr=-1), str=lambda: train.fit(VAE, X, lr="1"))
cases("vaebook.train.fit", T, "M2|loss", m2=lambda: train.fit(M2, X, progress=False))
cases("vaebook.train.fit", T, "model", none=lambda: train.fit(None, X), linear=lambda: train.fit(torch.nn.Linear(1, 1), X))
cases("vaebook.train.fit", V, "x", empty=lambda: train.fit(VAE, X[:0]))
cases("vaebook.train.fit", T, "x", np=lambda: train.fit(VAE, X.numpy()))
cases("vaebook.train.fit", V, "y", short=lambda: train.fit(VAE, X, Y[:2]))
cases("vaebook.train.fit", V, "num_epochs", zero=lambda: train.fit(VAE, X, num_epochs=0), bool=lambda: train.fit(VAE, X, num_epochs=True))
cases("vaebook.train.fit", V, "batch_size", float=lambda: train.fit(VAE, X, batch_size=2.5))
cases("vaebook.train.fit", V, "seed", neg=lambda: train.fit(VAE, X, seed=-1))
cases("vaebook.train.fit", T, "progress", str=lambda: train.fit(VAE, X, progress="no"))
cases("vaebook.train.fit", T, "loss_fn", int=lambda: train.fit(VAE, X, loss_fn=3))
cases("vaebook.train.fit", FloatingPointError, "epoch 1.*'loss'",
      nan_loss=lambda: train.fit(VAE, X, loss_fn=lambda m, xb, yb, e: {"loss": m.loss(xb)["loss"] * NAN}, progress=False))
cases("vaebook.train.progress_enabled", T, "progress", str=lambda: train.progress_enabled("yes"))
cases("vaebook.train.check_finite_terms", FloatingPointError, "epoch 3.*'kl'",
      nan=lambda: train.check_finite_terms({"loss": 1.0, "kl": NAN}, 3))
cases("vaebook.train.plain_meta", T, "meta\\['model'\\]", module=lambda: train.plain_meta({"model": VAE}),
      fn=lambda: train.plain_meta({"model": len}, "meta"))
cases("vaebook.train.save_checkpoint", T, "meta\\['obj'\\]", obj=lambda: train.save_checkpoint(TMP / "x.pt", VAE, obj=object()))
cases("vaebook.train.save_checkpoint", T, "path", none=lambda: train.save_checkpoint(None, VAE))
cases("vaebook.train.save_checkpoint", T, "model", none=lambda: train.save_checkpoint(TMP / "y.pt", None))
cases("vaebook.train.save_checkpoint", OSError, "directory|folder", dir=lambda: train.save_checkpoint(TMP, VAE),
      parent_file=lambda: train.save_checkpoint(FILES["file"] / "m.pt", VAE))
for _kind in ("empty", "truncated", "garbage", "text", "foreign", "code"):
    cases("vaebook.train.load_checkpoint", V, re.escape(FILES[_kind].name) + ".*expected",
          **{_kind: (lambda k=_kind: train.load_checkpoint(FILES[k], VAE))})
    cases("vaebook.train.read_checkpoint", V, re.escape(FILES[_kind].name),
          **{_kind: (lambda k=_kind: train.read_checkpoint(FILES[k]))})
cases("vaebook.train.load_checkpoint", V, "do not fit", other_model=lambda: train.load_checkpoint(FILES["good"], AE))
cases("vaebook.train.load_checkpoint", FileNotFoundError, "no checkpoint", missing=lambda: train.load_checkpoint(TMP / "none.pt", VAE))
cases("vaebook.train.load_checkpoint", T, "model", none=lambda: train.load_checkpoint(FILES["good"], None))
cases("vaebook.train.read_checkpoint", T, "path", int=lambda: train.read_checkpoint(3))

# ---- losses -------------------------------------------------------------------------------------
cases("vaebook.losses.bernoulli_log_likelihood", V, "x", nan=lambda: losses.bernoulli_log_likelihood(X, X * NAN),
      range=lambda: losses.bernoulli_log_likelihood(X, X * 3))
cases("vaebook.losses.bernoulli_log_likelihood", V, "logits", nan=lambda: losses.bernoulli_log_likelihood(X * NAN, X))
cases("vaebook.losses.bernoulli_log_likelihood", T, "logits and x", f64=lambda: losses.bernoulli_log_likelihood(X.double(), X),
      np=lambda: losses.bernoulli_log_likelihood(X.numpy(), X), int=lambda: losses.bernoulli_log_likelihood(X.long(), X.long()))
cases("vaebook.losses.gaussian_log_likelihood", V, "std", nan=lambda: losses.gaussian_log_likelihood(X, X, NAN),
      zero=lambda: losses.gaussian_log_likelihood(X, X, 0.0), inf=lambda: losses.gaussian_log_likelihood(X, X, INF))
cases("vaebook.losses.gaussian_log_likelihood", V, "mean and x", shape=lambda: losses.gaussian_log_likelihood(X, X[:2]))
cases("vaebook.losses.kl_standard_normal", V, "mu", nan=lambda: losses.kl_standard_normal(Z2 * NAN, Z2),
      shape=lambda: losses.kl_standard_normal(Z2, torch.zeros(3, 3)), empty=lambda: losses.kl_standard_normal(Z2[:0], Z2[:0]))
cases("vaebook.losses.reparameterize", V, "logvar", inf=lambda: losses.reparameterize(Z2, Z2 + INF))
cases("vaebook.losses.reparameterize", T, "generator", int=lambda: losses.reparameterize(Z2, Z2, generator=0))

# ---- models: VAE, encoders, decoders, autoencoder, MLP ------------------------------------------
cases("vaebook.models.vae.VAE", V, "beta", nan=lambda: vae.VAE(beta=NAN), inf=lambda: vae.VAE(beta=INF), neg=lambda: vae.VAE(beta=-1))
cases("vaebook.models.vae.VAE", T, "beta", str=lambda: vae.VAE(beta="4"))
cases("vaebook.models.vae.VAE", V, "gaussian_std", nan=lambda: vae.VAE(gaussian_std=NAN), zero=lambda: vae.VAE(gaussian_std=0))
cases("vaebook.models.vae.VAE", V, "likelihood", bad=lambda: vae.VAE(likelihood="poisson"))
cases("vaebook.models.vae.VAE", V, "latent_dim", zero=lambda: vae.VAE(latent_dim=0), bool=lambda: vae.VAE(latent_dim=True))
cases("vaebook.models.vae.VAE", V, "image_shape", two=lambda: vae.VAE(image_shape=(28, 28)), int=lambda: vae.VAE(image_shape=28))
cases("vaebook.models.vae.VAE", V, "channels", empty=lambda: vae.VAE(channels=()))
cases("vaebook.models.vae.VAE.encode", T, "x", f64=lambda: VAE.encode(X.double()), f16=lambda: VAE.encode(X.half()), none=lambda: VAE.encode(None))
cases("vaebook.models.vae.VAE.encode", V, "x", nan=lambda: VAE.encode(X * NAN), shape=lambda: VAE.encode(torch.rand(2, 1, 9, 9)))
cases("vaebook.models.vae.VAE.decode", T, "z", f64=lambda: VAE.decode(Z2.double()), int=lambda: VAE.decode(Z2.long()))
cases("vaebook.models.vae.VAE.decode", V, "z", nan=lambda: VAE.decode(Z2 * NAN), inf=lambda: VAE.decode(Z2 + INF),
      shape=lambda: VAE.decode(torch.zeros(3, 5)), empty=lambda: VAE.decode(Z2[:0]))
cases("vaebook.models.vae.VAE.sample", V, "n", zero=lambda: VAE.sample(0), float=lambda: VAE.sample(2.0))
cases("vaebook.models.vae.VAE.sample", T, "generator", int=lambda: VAE.sample(2, generator=1))
cases("vaebook.models.vae.VAE.mean_image", V, "params", shape=lambda: VAE.mean_image(Z2))
cases("vaebook.models.vae.VAE.loss", V, "x", range=lambda: VAE.loss(X * 2))
cases("vaebook.models.vae.ConvEncoder", V, "latent_dim", zero=lambda: vae.ConvEncoder(latent_dim=0))
cases("vaebook.models.vae.ConvEncoder.forward", V, "x", shape=lambda: vae.ConvEncoder()(torch.rand(2, 1, 8, 8)))
cases("vaebook.models.vae.ConvDecoder", V, "hidden_dim", zero=lambda: vae.ConvDecoder(hidden_dim=0))
cases("vaebook.models.vae.ConvDecoder.forward", T, "z", f64=lambda: vae.ConvDecoder()(torch.zeros(2, 16, dtype=torch.float64)))
cases("vaebook.models.autoencoder.Autoencoder", V, "gaussian_std", nan=lambda: autoencoder.Autoencoder(gaussian_std=NAN))
cases("vaebook.models.autoencoder.Autoencoder.decode", V, "z", nan=lambda: AE.decode(Z2 * NAN))
cases("vaebook.models.autoencoder.Autoencoder.codes", V, "batch_size", zero=lambda: AE.codes(X, batch_size=0))
cases("vaebook.models.autoencoder.Autoencoder.encode", T, "x", f64=lambda: AE.encode(X.double()))
cases("vaebook.models.mlp.MLPEncoder", V, "hidden_dim|image_shape", zero=lambda: mlp.MLPEncoder((1, 8, 8), 2, 0),
      shape=lambda: mlp.MLPEncoder(8, 2))
cases("vaebook.models.mlp.MLPEncoder.forward", T, "x", f64=lambda: mlp.MLPEncoder((1, 8, 8), 2, 4)(X.double()))

# ---- family -------------------------------------------------------------------------------------
cases("vaebook.models.family.BetaVAELoss", V, "beta", nan=lambda: family.BetaVAELoss(NAN), inf=lambda: family.BetaVAELoss(INF))
cases("vaebook.models.family.BetaVAELoss", T, "model", ae=lambda: family.BetaVAELoss()(AE, X))
cases("vaebook.models.family.BetaTCVAELoss", V, "dataset_size", zero=lambda: family.BetaTCVAELoss(dataset_size=0))
cases("vaebook.models.family.BetaTCVAELoss", V, "beta", nan=lambda: family.BetaTCVAELoss(beta=NAN))
cases("vaebook.models.family.AnnealedVAELoss", V, "gamma|c_max", nan=lambda: family.AnnealedVAELoss(gamma=NAN),
      neg=lambda: family.AnnealedVAELoss(c_max=-1))
cases("vaebook.models.family.DIPVAELoss", V, "lambda_od|kind", nan=lambda: family.DIPVAELoss(lambda_od=NAN),
      kind=lambda: family.DIPVAELoss(kind="iii"))
cases("vaebook.models.family.dsprites_vae", V, "latent_dim|seed", zero=lambda: family.dsprites_vae(latent_dim=0),
      seed=lambda: family.dsprites_vae(seed=-1))
cases("vaebook.models.family.gaussian_log_density", T, "z", np=lambda: family.gaussian_log_density(np.zeros(2), Z2, Z2))
cases("vaebook.models.family.gaussian_log_density", V, "broadcast", shape=lambda: family.gaussian_log_density(torch.zeros(3, 5), Z2, Z2))
cases("vaebook.models.family.total_correlation_mws", V, "z", nan=lambda: family.total_correlation_mws(Z2 * NAN, Z2, Z2, 10),
      shape=lambda: family.total_correlation_mws(torch.zeros(3), Z2, Z2, 10))
cases("vaebook.models.family.total_correlation_mws", V, "dataset_size", small=lambda: family.total_correlation_mws(Z2, Z2, Z2, 1))
cases("vaebook.models.family.dip_regularizer", V, "lambda_od", nan=lambda: family.dip_regularizer(Z2, Z2, NAN, 1.0))
cases("vaebook.models.family.dip_regularizer", V, "mu", one_row=lambda: family.dip_regularizer(Z2[:1], Z2[:1], 1.0, 1.0),
      nan=lambda: family.dip_regularizer(Z2 * NAN, Z2, 1.0, 1.0))
cases("vaebook.models.family.family_loss", V, "name|family member", bad=lambda: family.family_loss("factor_vae"))
cases("vaebook.models.family.family_loss", T, "name", int=lambda: family.family_loss(3))

# ---- M2, SHOT-VAE, WRN --------------------------------------------------------------------------
cases("vaebook.models.m2.M2", V, "alpha", nan=lambda: m2.M2(alpha=NAN), neg=lambda: m2.M2(alpha=-1))
cases("vaebook.models.m2.M2", V, "num_classes", one=lambda: m2.M2(num_classes=1), float=lambda: m2.M2(num_classes=2.5))
cases("vaebook.models.m2.M2", V, "image_shape", two=lambda: m2.M2(image_shape=(8, 8)))
cases("vaebook.models.m2.M2", T, "trunk", bad=lambda: m2.M2(trunk="wrn"))
cases("vaebook.models.m2.M2.decode", V, "z|y_prob", shape=lambda: M2.decode(Z2, torch.zeros(3, 5)),
      nan=lambda: M2.decode(Z2 * NAN, torch.zeros(3, 3)))
cases("vaebook.models.m2.M2.infer", T, "x", f64=lambda: M2.infer(X.double()))
cases("vaebook.models.m2.M2.loss", V, "x_unl", nan=lambda: M2.loss(X, Y, X * NAN))
cases("vaebook.models.m2.M2.loss", T, "y", float=lambda: M2.loss(X, Y.float(), X))
cases("vaebook.models.m2.M2.labelled_elbo", V, "y_prob", bad=lambda: M2.labelled_elbo(X, torch.ones(6, 3)))
cases("vaebook.models.m2.M2.sample", V, "y", range=lambda: M2.sample(torch.tensor([5])))
cases("vaebook.models.m2.check_labels", T, "y", float=lambda: m2.check_labels(Y.float(), 3), np=lambda: m2.check_labels(Y.numpy(), 3))
cases("vaebook.models.m2.check_labels", V, "y", range=lambda: m2.check_labels(Y, 2))
cases("vaebook.models.m2.one_hot", V, "y", range=lambda: m2.one_hot(Y, 2))
cases("vaebook.models.m2.MLPTrunk", V, "in_dim|hidden_dims", zero=lambda: m2.MLPTrunk(0), neg=lambda: m2.MLPTrunk(4, (-1,)))
cases("vaebook.models.m2.MLPTrunk.forward", V, "x", shape=lambda: m2.MLPTrunk(4)(torch.zeros(2, 5)))
cases("vaebook.models.m2.MLPDecoder", V, "in_dim|image_shape", zero=lambda: m2.MLPDecoder(0, (1, 2, 2)),
      shape=lambda: m2.MLPDecoder(3, (2, 2)))
cases("vaebook.models.m2.MLPDecoder.forward", V, "zy", shape=lambda: m2.MLPDecoder(3, (1, 2, 2))(torch.zeros(2, 4)))
cases("vaebook.models.m2.PixelDecoder", V, "in_dim|image_shape|context|feature_channels",
      zero=lambda: m2.PixelDecoder(0, (1, 4, 4)), shape=lambda: m2.PixelDecoder(3, (4, 4)),
      full=lambda: m2.PixelDecoder(3, (1, 4, 4), context="full"),
      channels=lambda: m2.PixelDecoder(3, (1, 4, 4), feature_channels=0))
cases("vaebook.models.m2.PixelDecoder.forward", V, "zy|x|batch size",
      shape=lambda: m2.PixelDecoder(3, (1, 4, 4))(torch.zeros(2, 4), torch.zeros(2, 1, 4, 4)),
      range=lambda: m2.PixelDecoder(3, (1, 4, 4))(torch.zeros(2, 3), torch.full((2, 1, 4, 4), 2.0)),
      batch=lambda: m2.PixelDecoder(3, (1, 4, 4))(torch.zeros(2, 3), torch.zeros(3, 1, 4, 4)))
cases("vaebook.models.shot_vae.SHOTVAE", V, "consistency_weight|w2_weight", nan=lambda: shot_vae.SHOTVAE(consistency_weight=NAN),
      inf=lambda: shot_vae.SHOTVAE(w2_weight=INF))
cases("vaebook.models.shot_vae.SHOTVAE", V, "smooth_beta|interp_beta", zero=lambda: shot_vae.SHOTVAE(smooth_beta=0.0),
      nan=lambda: shot_vae.SHOTVAE(interp_beta=NAN))
cases("vaebook.models.shot_vae.SHOTVAE", T, "smooth", str=lambda: shot_vae.SHOTVAE(smooth="yes"))
cases("vaebook.models.shot_vae.SHOTVAE", V, "ramp_steps", neg=lambda: shot_vae.SHOTVAE(ramp_steps=-1))
cases("vaebook.models.shot_vae.SHOTVAE.smooth_elbo_loss", V, "lam", nan=lambda: SHOT.smooth_elbo_loss(X, Y, NAN, torch.arange(6)))
cases("vaebook.models.shot_vae.SHOTVAE.interpolation_loss", V, "logits", nan=lambda: SHOT.interpolation_loss(X, torch.zeros(6, 3) * NAN, torch.zeros(6, 2), torch.zeros(6, 2), 0.5, torch.arange(6)))
cases("vaebook.models.shot_vae.SHOTVAE.loss", T, "y", float=lambda: SHOT.loss(X, Y.float(), X))
cases("vaebook.models.shot_vae.ramp", V, "step|ramp_steps|max_value", nan=lambda: shot_vae.ramp(NAN, 10),
      neg=lambda: shot_vae.ramp(-1, 10), inf=lambda: shot_vae.ramp(1, 10, INF))
cases("vaebook.models.shot_vae.mix", V, "lam", nan=lambda: shot_vae.mix(X, NAN, torch.arange(6)), big=lambda: shot_vae.mix(X, 1.5, torch.arange(6)))
cases("vaebook.models.shot_vae.mix", V, "perm", bad=lambda: shot_vae.mix(X, 0.5, torch.zeros(6, dtype=torch.int64)))
cases("vaebook.models.shot_vae.mix", T, "a", np=lambda: shot_vae.mix(X.numpy(), 0.5, torch.arange(6)))
cases("vaebook.models.shot_vae.smooth_labels", V, "x", nan=lambda: shot_vae.smooth_labels(X * NAN, Y, 3, 0.5, torch.arange(6)))
cases("vaebook.models.shot_vae.interpolation_targets", T, "logits", np=lambda: shot_vae.interpolation_targets(np.zeros((6, 3)), Z2, Z2, 0.5, torch.arange(6)))
cases("vaebook.models.shot_vae.w2_diag_gaussians", V, "sigma1|mu1", neg=lambda: shot_vae.w2_diag_gaussians(Z2, Z2 - 1, Z2, Z2),
      nan=lambda: shot_vae.w2_diag_gaussians(Z2 * NAN, Z2, Z2, Z2))
cases("vaebook.models.shot_vae.soft_cross_entropy", V, "logits|target", shape=lambda: shot_vae.soft_cross_entropy(Z2, torch.zeros(3, 3)),
      nan=lambda: shot_vae.soft_cross_entropy(Z2 * NAN, Z2))
cases("vaebook.models.wrn.WideResNet", V, "depth", bad=lambda: wrn.WideResNet(depth=12))
cases("vaebook.models.wrn.WideResNet", T, "depth|widen_factor", float=lambda: wrn.WideResNet(depth=28.0),
      str=lambda: wrn.WideResNet(widen_factor="2"))
cases("vaebook.models.wrn.shot_vae_cifar", V, "image_shape", bad=lambda: wrn.shot_vae_cifar(image_shape=(3, 30, 30)))
cases("vaebook.models.wrn.shot_vae_cifar", V, "num_classes", one=lambda: wrn.shot_vae_cifar(num_classes=1))

# ---- PixelCNN -----------------------------------------------------------------------------------
cases("vaebook.models.pixelcnn.MaskedConv2d", V, "mask_type|kernel_size|in_channels", mask=lambda: pixelcnn.MaskedConv2d(1, 1, 3, "C"),
      even=lambda: pixelcnn.MaskedConv2d(1, 1, 4, "A"), zero=lambda: pixelcnn.MaskedConv2d(0, 1, 3, "A"))
cases("vaebook.models.pixelcnn.MaskedConv2d.forward", V, "x", shape=lambda: pixelcnn.MaskedConv2d(2, 1, 3, "A")(X))
cases("vaebook.models.pixelcnn.check_context", V, "context", neg=lambda: pixelcnn.check_context(-1),
      str=lambda: pixelcnn.check_context("local"), float=lambda: pixelcnn.check_context(1.0), bool=lambda: pixelcnn.check_context(True))
cases("vaebook.models.pixelcnn.visible_pixels", V, "context|full", full=lambda: pixelcnn.visible_pixels("full"), neg=lambda: pixelcnn.visible_pixels(-2))
cases("vaebook.models.pixelcnn.PixelCNNDecoder", V, "likelihood|image_shape|latent_dim",
      lik=lambda: pixelcnn.PixelCNNDecoder(likelihood="gauss"), shape=lambda: pixelcnn.PixelCNNDecoder(image_shape=(1, 30, 30)),
      zero=lambda: pixelcnn.PixelCNNDecoder(latent_dim=0))
cases("vaebook.models.pixelcnn.PixelCNNDecoder.forward", V, "z|x", nan=lambda: PIX.decoder(X, Z2[:1].expand(6, 2) * NAN),
      batch=lambda: PIX.decoder(X, Z2))
cases("vaebook.models.pixelcnn.PixelCNNDecoder.z_features", T, "z", f64=lambda: PIX.decoder.z_features(Z2.double()))
cases("vaebook.models.pixelcnn.PixelCNNDecoder.combine", V, "x|features", shape=lambda: PIX.decoder.combine(X, torch.zeros(6, 4, 8, 7)))
cases("vaebook.models.pixelcnn.discretized_logistic_mixture_log_likelihood", V, "x|params",
      grey=lambda: pixelcnn.discretized_logistic_mixture_log_likelihood(torch.zeros(6, 15, 8, 8), X * 0.3, 5),
      shape=lambda: pixelcnn.discretized_logistic_mixture_log_likelihood(torch.zeros(6, 14, 8, 8), X, 5),
      nan=lambda: pixelcnn.discretized_logistic_mixture_log_likelihood(torch.zeros(6, 15, 8, 8) * NAN, X, 5))
cases("vaebook.models.pixelcnn.sample_discretized_logistic_mixture", V, "params|channels|num_mixtures",
      ch=lambda: pixelcnn.sample_discretized_logistic_mixture(torch.zeros(2, 15, 4, 4), 2, 5),
      nan=lambda: pixelcnn.sample_discretized_logistic_mixture(torch.zeros(2, 15, 4, 4) * NAN, 1, 5),
      ndim=lambda: pixelcnn.sample_discretized_logistic_mixture(torch.zeros(15, 4, 4), 1, 5))
cases("vaebook.models.pixelcnn.PixelVAE", V, "encoder|context|image_shape", enc=lambda: pixelcnn.PixelVAE(encoder="resnet"),
      ctx=lambda: pixelcnn.PixelVAE(context=-1), shape=lambda: pixelcnn.PixelVAE(image_shape=28))
cases("vaebook.models.pixelcnn.PixelVAE.loss", V, "kl_weight", nan=lambda: PIX.loss(X, NAN), inf=lambda: PIX.loss(X, INF),
      neg=lambda: PIX.loss(X, -1.0))
cases("vaebook.models.pixelcnn.PixelVAE.encode", T, "x", f64=lambda: PIX.encode(X.double()))
cases("vaebook.models.pixelcnn.PixelVAE.sample", V, "z|number of samples", nan=lambda: PIX.sample(Z2 * NAN), zero=lambda: PIX.sample(0))
cases("vaebook.models.pixelcnn.PixelVAE.sample", T, "z", f64=lambda: PIX.sample(Z2.double()))

# ---- probes -------------------------------------------------------------------------------------
ZP = RNG.normal(size=(20, 2))
YP = np.arange(20) % 2
cases("vaebook.probes.linear_probe", V, "y_test and y_train", disjoint=lambda: probes.linear_probe(ZP, YP, ZP, YP + 2))
cases("vaebook.probes.linear_probe", V, "C", nan=lambda: probes.linear_probe(ZP, YP, ZP, YP, C=NAN), inf=lambda: probes.linear_probe(ZP, YP, ZP, YP, C=INF))
cases("vaebook.probes.linear_probe", V, "z_train", nan=lambda: probes.linear_probe(ZP * NAN, YP, ZP, YP),
      images=lambda: probes.linear_probe(np.zeros((20, 1, 2, 2)), YP, ZP, YP), empty=lambda: probes.linear_probe(ZP[:0], YP[:0], ZP, YP))
cases("vaebook.probes.linear_probe", V, "y_train", one_class=lambda: probes.linear_probe(ZP, YP * 0, ZP, YP),
      short=lambda: probes.linear_probe(ZP, YP[:5], ZP, YP), half=lambda: probes.linear_probe(ZP, YP + 0.5, ZP, YP))
cases("vaebook.probes.linear_probe", V, "max_iter", zero=lambda: probes.linear_probe(ZP, YP, ZP, YP, max_iter=0))
cases("vaebook.probes.linear_probe", T, "per_example|standardize", str=lambda: probes.linear_probe(ZP, YP, ZP, YP, per_example="y"))
cases("vaebook.probes.knn_probe", V, "k", big=lambda: probes.knn_probe(ZP, YP, ZP, YP, k=100), zero=lambda: probes.knn_probe(ZP, YP, ZP, YP, k=0))
cases("vaebook.probes.knn_probe", V, "z_test", feat=lambda: probes.knn_probe(ZP, YP, ZP[:, :1], YP))
cases("vaebook.probes.few_label_curve", V, "num_labels|probe|num_draws|seed", empty=lambda: probes.few_label_curve(ZP, YP, ZP, YP, num_labels=()),
      probe=lambda: probes.few_label_curve(ZP, YP, ZP, YP, probe="svm"), draws=lambda: probes.few_label_curve(ZP, YP, ZP, YP, num_draws=0),
      seed=lambda: probes.few_label_curve(ZP, YP, ZP, YP, num_labels=(1,), seed=-1))
cases("vaebook.probes.few_label_curve", T, "per_class", str=lambda: probes.few_label_curve(ZP, YP, ZP, YP, num_labels=(1,), per_class="y"))
cases("vaebook.probes.check_features", T, "z", str=lambda: probes.check_features("z"), obj=lambda: probes.check_features(np.array([["a"]])))
cases("vaebook.probes.check_features", V, "z", one_d=lambda: probes.check_features(np.zeros(3)), inf=lambda: probes.check_features(np.full((2, 2), INF)))
cases("vaebook.probes.check_labels", V, "y", two_d=lambda: probes.check_labels(np.zeros((2, 2))), nan=lambda: probes.check_labels(np.array([NAN])))
cases("vaebook.probes.check_labels", T, "y", str=lambda: probes.check_labels(np.array(["a"])))

# ---- stats and claims ---------------------------------------------------------------------------
cases("vaebook.stats.verdict", V, "low|high|delta", nan=lambda: stats.verdict(NAN, 1, 0), order=lambda: stats.verdict(2, 1, 0),
      neg=lambda: stats.verdict(0, 1, -1), str=lambda: stats.verdict("0", 1, 0))
cases("vaebook.stats.per_seed", V, "values|seeds", nan=lambda: stats.per_seed([1, 2, NAN, 3, 4], delta=0, unit="u"),
      few=lambda: stats.per_seed([1, 2], delta=0, unit="u"), two_d=lambda: stats.per_seed(np.zeros((5, 2)), delta=0, unit="u"),
      empty=lambda: stats.per_seed([], delta=0, unit="u"))
cases("vaebook.stats.per_seed", T, "values|delta", none=lambda: stats.per_seed(None, delta=0, unit="u"),
      str=lambda: stats.per_seed(["a"] * 5, delta=0, unit="u"), delta=lambda: stats.per_seed([1.0] * 5, delta="0", unit="u"))
cases("vaebook.stats.per_seed", V, "delta", nan=lambda: stats.per_seed([1.0, 2, 3, 4, 5], delta=NAN, unit="u"))
cases("vaebook.stats.paired", V, "paired|claimed_better|other|min_seeds", shape=lambda: stats.paired([1] * 5, [1] * 6, delta=0, unit="u"),
      inf=lambda: stats.paired([INF] * 5, [1] * 5, delta=0, unit="u"), min=lambda: stats.paired([1] * 5, [1] * 5, delta=0, unit="u", min_seeds=0))
cases("vaebook.stats.paired", T, "higher_is_better", str=lambda: stats.paired([1] * 5, [1] * 5, delta=0, unit="u", higher_is_better="no"))
cases("vaebook.stats.bootstrap", V, "threshold|num_resamples|values|seed", nan=lambda: stats.bootstrap([1.0] * 30, threshold=NAN, delta=0, unit="u"),
      few=lambda: stats.bootstrap([1.0] * 3, delta=0, unit="u"), res=lambda: stats.bootstrap([1.0] * 30, delta=0, unit="u", num_resamples=10),
      seed=lambda: stats.bootstrap([1.0] * 30, delta=0, unit="u", seed=-1))
cases("vaebook.stats.reading", V, "low|high|delta", nan=lambda: stats.reading(NAN, 1, 0), order=lambda: stats.reading(2, 1, 0))
cases("vaebook.stats.seeds_needed", V, "pilot|cap|min_seeds|delta", one=lambda: stats.seeds_needed([0.1], delta=0),
      cap=lambda: stats.seeds_needed([0.1, 0.2], delta=0, cap=1), nan=lambda: stats.seeds_needed([NAN, 0.2], delta=0),
      order=lambda: stats.seeds_needed([0.1, 0.2], delta=0, cap=5, min_seeds=6))
cases("vaebook.stats.seeds_needed", T, "pilot|delta", str=lambda: stats.seeds_needed("ab", delta=0),
      delta=lambda: stats.seeds_needed([0.1, 0.2], delta="0"))
# ---- seeding, designs, the experiment runner ---------------------------------------------------
cases("vaebook.seeding.derive_seed", V, "seed|purpose", neg=lambda: seeding.derive_seed(-1, "p"), empty=lambda: seeding.derive_seed(0, ""))
cases("vaebook.seeding.derive_seed", T, "seed|purpose", float=lambda: seeding.derive_seed(0.5, "p"), int=lambda: seeding.derive_seed(0, 3))
cases("vaebook.seeding.Streams", V, "seed", neg=lambda: seeding.Streams(-2))
cases("vaebook.seeding.Streams", T, "seed", str=lambda: seeding.Streams("0"))
cases("vaebook.seeding.check_streams", T, "streams", int=lambda: seeding.check_streams(3), none=lambda: seeding.check_streams(None))
cases("vaebook.train.atomic_write", T, "path|write", path=lambda: train.atomic_write(3, lambda f: None),
      write=lambda: train.atomic_write(TMP / "x.bin", "not callable"))
cases("vaebook.seeding.seeded", V, "seed", neg=lambda: seeding.seeded(-1, "p").__enter__())
cases("vaebook.seeding.init_module", T, "module|streams", mod=lambda: seeding.init_module(3, seeding.Streams(0), "p"),
      streams=lambda: seeding.init_module(torch.nn.Linear(1, 1), 0, "p"))
cases("vaebook.designs.statistic", V, "name", empty=lambda: designs.statistic(" "))
cases("vaebook.designs.statistic", V, "already registered", dup=lambda: designs.statistic("tiny/probe_gain")(lambda e: 0.0))
cases("vaebook.designs.get_design", V, "claim", none=lambda: designs.get_design("999-z"))
cases("vaebook.designs.check_design", T, "Design", dict=lambda: designs.check_design({}))
cases("vaebook.designs.hashes_for_run", T, "Design|grid|arm|seed", bad=lambda: designs.hashes_for_run("tiny", "local1", 0, designs={"a": 1}),
      grid=lambda: designs.hashes_for_run(3, "local1", 0), seed=lambda: designs.hashes_for_run("tiny", "local1", 0.5))
cases("vaebook.designs.pilot_effects", V, "statistic|grid", stat=lambda: designs.pilot_effects("nope", "tiny", ["local1"], [100]),
      grid=lambda: designs.pilot_effects("tiny/probe_gain", "nope", ["local1"], [100]))
cases("vaebook.designs.evidence", V, "claim", none=lambda: designs.evidence("999-z"))
cases("vaebook.experiments.runner.Grid", V, "arms|disjoint", arms=lambda: runner.Grid("g", len, {}, (0,), "d"),
      seeds=lambda: runner.Grid("g", len, {"a": {}}, (0,), "d", pilot_seeds=(0,)))
cases("vaebook.experiments.runner.register", T, "Grid", bad=lambda: runner.register("tiny"))
cases("vaebook.experiments.runner.register", V, "already registered", dup=lambda: runner.register(runner.Grid("tiny", len, {"a": {}}, (0,), "d")))
cases("vaebook.experiments.runner.get_grid", V, "grid", bad=lambda: runner.get_grid("nope"))
cases("vaebook.experiments.runner.get_grid", T, "grid", int=lambda: runner.get_grid(3))
cases("vaebook.experiments.runner.parse_seeds", V, "seed", bad=lambda: runner.parse_seeds("x"), rep=lambda: runner.parse_seeds([1, 1]),
      empty=lambda: runner.parse_seeds(""))
cases("vaebook.experiments.runner.parse_seeds", T, "seed", int=lambda: runner.parse_seeds(3), float=lambda: runner.parse_seeds([0.5]))
cases("vaebook.experiments.runner.record_path", V, "seed", neg=lambda: runner.record_path(TMP, "tiny", "local1", -1))
cases("vaebook.experiments.runner.run_key", T, "Object of type", obj=lambda: runner.run_key("g", "a", {"x": object()}, 0))
cases("vaebook.experiments.runner.execute", V, "arm|grid|seed|threads", arm=lambda: runner.execute("tiny", "nope", 0),
      seed=lambda: runner.execute("tiny", "local1", -1), threads=lambda: runner.execute("tiny", "local1", 0, threads=0))
cases("vaebook.experiments.runner.write_record", V, "not JSON compliant|Out of range", nan=lambda: runner.write_record(
    TMP, dict(grid="g", arm="a", seed=0, evaluation={"x": NAN})))
cases("vaebook.experiments.runner.read_record", V, "not a runner record", bad=lambda: (TMP / "bad.json").write_text("{}") and runner.read_record(TMP / "bad.json"))
cases("vaebook.experiments.runner.load_records", V, "arm", arm=lambda: runner.load_records("tiny", arms=["nope"], out=TMP))
cases("vaebook.experiments.runner.load_weights", V, "kept no weights", none=lambda: runner.load_weights(dict(grid="tiny", arm="a", seed=0, weights=None)))
cases("vaebook.experiments.runner.plan", V, "arm", arm=lambda: runner.plan(runner.get_grid("tiny"), ["nope"], [0], TMP))
cases("vaebook.experiments.runner.run_grid", V, "arm|workers|backend|device|seed", arms=lambda: runner.run_grid("tiny", arms=[], out=TMP),
      workers=lambda: runner.run_grid("tiny", workers=0, out=TMP), backend=lambda: runner.run_grid("tiny", backend="dask", out=TMP),
      device=lambda: runner.run_grid("tiny", device="tpu", out=TMP), seeds=lambda: runner.run_grid("tiny", seeds="1-0", out=TMP))
cases("vaebook.experiments.grids.build_pixel_vae", T, "config|streams", cfg=lambda: grids.build_pixel_vae([], seeding.Streams(0)),
      streams=lambda: grids.build_pixel_vae(runner.get_grid("tiny").config("local1"), 0))
cases("vaebook.experiments.grids.build_pixel_vae", V, "config lacks", missing=lambda: grids.build_pixel_vae({}, seeding.Streams(0)))
cases("vaebook.experiments.grids.load_pixel_vae", T, "record", not_record=lambda: grids.load_pixel_vae([]),
      no_config=lambda: grids.load_pixel_vae({"seed": 0}))
cases("vaebook.experiments.grids.train_pixel_vae", V, "config lacks", missing=lambda: grids.train_pixel_vae(None, X, {}, seeding.Streams(0)))
cases("vaebook.claims.check", V, "claim_id|claim|statement|expect", id=lambda: claims.check("1-a", "s", EVIDENCE),
      unknown=lambda: claims.check("999-z", "s", EVIDENCE), stmt=lambda: claims.check("101-a", "", EVIDENCE),
      expect=lambda: claims.check("101-a", "s", EVIDENCE, expect="maybe"))
cases("vaebook.claims.check", T, "evidence", dict=lambda: claims.check("101-a", "s", {"effect": 1}))
cases("vaebook.claims.parse_notebook", FileNotFoundError, "missing", missing=lambda: claims.parse_notebook(TMP / "missing.ipynb"))
cases("vaebook.claims.parse_notebook", V, "Expecting|JSON|value", text=lambda: claims.parse_notebook(FILES["text"]))
cases("vaebook.claims.ledger_markdown", FileNotFoundError, "missing", missing=lambda: claims.ledger_markdown([TMP / "missing.ipynb"]))
cases("vaebook.claims.update_ledger_page", V, "markers", nomarkers=lambda: claims.update_ledger_page(FILES["text"], []))
cases("vaebook.claims.verdicts_markdown", FileNotFoundError, "missing", missing=lambda: claims.verdicts_markdown([TMP / "missing.ipynb"]))
cases("vaebook.claims.update_intro_page", V, "markers", nomarkers=lambda: claims.update_intro_page(FILES["text"], []))

# ---- plots and widgets --------------------------------------------------------------------------
cases("vaebook.plots.image_grid", V, "channels|nrow|pad", ch=lambda: plots.image_grid(torch.zeros(2, 2, 4, 4)),
      nrow=lambda: plots.image_grid(X, nrow=0), pad=lambda: plots.image_grid(X, pad=-1))
cases("vaebook.plots.image_grid", V, "x", nan=lambda: plots.image_grid(X * NAN), empty=lambda: plots.image_grid(X[:0]))
cases("vaebook.plots.show_images", T, "title|ax", title=lambda: plots.show_images(X, title=3), ax=lambda: plots.show_images(X, ax="ax"))
cases("vaebook.plots.reconstructions", T, "model", linear=lambda: plots.reconstructions(torch.nn.Linear(1, 1), X))
cases("vaebook.plots.reconstructions", V, "n", zero=lambda: plots.reconstructions(VAE, X, n=0))
cases("vaebook.plots.samples", V, "n|nrow|seed", zero=lambda: plots.samples(VAE, n=0), seed=lambda: plots.samples(VAE, seed=-1))
cases("vaebook.plots.samples", T, "model", none=lambda: plots.samples(None))
cases("vaebook.plots.latent_scatter", V, "y", big=lambda: plots.latent_scatter(ZP, np.arange(20)), neg=lambda: plots.latent_scatter(ZP, YP - 1))
cases("vaebook.plots.latent_scatter", V, "z|dims", nan=lambda: plots.latent_scatter(ZP * NAN, YP), empty=lambda: plots.latent_scatter(ZP[:0], YP[:0]),
      dims=lambda: plots.latent_scatter(ZP, YP, dims=(0, 5)), dims3=lambda: plots.latent_scatter(ZP, YP, dims=(0, 1, 1)))
cases("vaebook.plots.traversal", V, "z0|dims|values", z0=lambda: plots.traversal(VAE, Z2, dims=[0]), dims=lambda: plots.traversal(VAE, Z2[0], dims=[5]),
      nan=lambda: plots.traversal(VAE, Z2[0] * NAN, dims=[0]), values=lambda: plots.traversal(VAE, Z2[0], dims=[0], values=[NAN]))
cases("vaebook.plots.history", T, "hist", list=lambda: plots.history([1, 2]))
cases("vaebook.plots.history", KeyError, "history has no", missing=lambda: plots.history({"loss": [1]}, keys=("kl",)))
cases("vaebook.plots.history", V, "keys", str=lambda: plots.history({"loss": [1]}, keys="loss"))
cases("vaebook.widgets.latent_grid", V, "limit|steps|dims|z0", nan=lambda: widgets.latent_grid(VAE, limit=NAN),
      steps=lambda: widgets.latent_grid(VAE, steps=1), dims=lambda: widgets.latent_grid(VAE, dims=(0, 0)),
      z0=lambda: widgets.latent_grid(VAE, z0=torch.zeros(2) * NAN))
cases("vaebook.widgets.latent_grid", T, "model", linear=lambda: widgets.latent_grid(torch.nn.Linear(1, 1)))
cases("vaebook.widgets.latent_explorer", V, "limit|z0", nan=lambda: widgets.latent_explorer(VAE, limit=NAN),
      z0=lambda: widgets.latent_explorer(VAE, z0=np.zeros(3)))

# ---- semisupervised -----------------------------------------------------------------------------
cases("vaebook.semisupervised.split_labelled", T, "y", float=lambda: semisupervised.split_labelled(Y.float(), 1))
cases("vaebook.semisupervised.split_labelled", V, "num_per_class|seed|y|class", big=lambda: semisupervised.split_labelled(Y, 5),
      seed=lambda: semisupervised.split_labelled(Y, 1, seed=-1), empty=lambda: semisupervised.split_labelled(Y[:0], 1))
cases("vaebook.semisupervised.evaluate", T, "model", vae=lambda: semisupervised.evaluate(VAE, X, Y))
cases("vaebook.semisupervised.evaluate", V, "y|batch_size", range=lambda: semisupervised.evaluate(M2, X, Y + 5),
      batch=lambda: semisupervised.evaluate(M2, X, Y, batch_size=0))
cases("vaebook.semisupervised.evaluate", T, "x", f64=lambda: semisupervised.evaluate(M2, X.double(), Y))
cases("vaebook.semisupervised.iw_log_likelihood", T, "model", vae=lambda: semisupervised.iw_log_likelihood(VAE, X))
cases("vaebook.semisupervised.iw_class_log_likelihood", T, "model", vae=lambda: semisupervised.iw_class_log_likelihood(VAE, X))
cases("vaebook.semisupervised.iw_class_log_likelihood", V, "num_samples|seed", zero=lambda: semisupervised.iw_class_log_likelihood(M2, X, num_samples=0),
      seed=lambda: semisupervised.iw_class_log_likelihood(M2, X, seed=-1))
cases("vaebook.semisupervised.margin_parts", T, "model|x", vae=lambda: semisupervised.margin_parts(VAE, X),
      f64=lambda: semisupervised.margin_parts(M2, X.double()))
cases("vaebook.semisupervised.margin_parts", V, "num_elbo_samples", zero=lambda: semisupervised.margin_parts(M2, X, num_elbo_samples=0))
cases("vaebook.experiments.semi_supervised.build_model", T, "config|seed", cfg=lambda: ss.build_model([], 0),
      seed=lambda: ss.build_model(dict(model="m2", num_epochs=1), 0.5))
cases("vaebook.experiments.semi_supervised.build_model", V, "config|seed", kind=lambda: ss.build_model(dict(model="m3", num_epochs=1), 0),
      epochs=lambda: ss.build_model(dict(model="m2"), 0), seed=lambda: ss.build_model(dict(model="m2", num_epochs=1), -1))
cases("vaebook.experiments.semi_supervised.run", T, "config", cfg=lambda: ss.run([], 0))
cases("vaebook.experiments.semi_supervised.run", V, "config|seed", kind=lambda: ss.run(dict(model="vae", num_epochs=1), 0),
      seed=lambda: ss.run(dict(model="m2", num_epochs=1), -3))
cases("vaebook.experiments.semi_supervised.curve", T, "history", lst=lambda: ss.curve([]))
cases("vaebook.experiments.semi_supervised.curve", V, "history lacks", missing=lambda: ss.curve({"step": [1]}))
cases("vaebook.experiments.semi_supervised.load_model", T, "record", not_record=lambda: ss.load_model([]),
      no_config=lambda: ss.load_model({"seed": 0}))
cases("vaebook.semisupervised.iw_log_likelihood", V, "num_samples|seed", zero=lambda: semisupervised.iw_log_likelihood(M2, X, num_samples=0),
      seed=lambda: semisupervised.iw_log_likelihood(M2, X, seed=-1))
cases("vaebook.semisupervised.train_semisupervised", T, "model", vae=lambda: semisupervised.train_semisupervised(VAE, X, Y, X))
cases("vaebook.semisupervised.train_semisupervised", V, "lr", inf=lambda: semisupervised.train_semisupervised(M2, X, Y, X, lr=INF),
      nan=lambda: semisupervised.train_semisupervised(M2, X, Y, X, lr=NAN))
cases("vaebook.semisupervised.train_semisupervised", V, "x_unl|x_lab|x_eval|eval_steps", nan=lambda: semisupervised.train_semisupervised(M2, X, Y, X * NAN),
      empty=lambda: semisupervised.train_semisupervised(M2, X, Y, X[:0]), eval=lambda: semisupervised.train_semisupervised(M2, X, Y, X, x_eval=X),
      steps=lambda: semisupervised.train_semisupervised(M2, X, Y, X, eval_steps=[1]))
cases("vaebook.semisupervised.train_semisupervised", T, "optimizer", bad=lambda: semisupervised.train_semisupervised(M2, X, Y, X, optimizer="adam"))
cases("vaebook.semisupervised.train_classifier_only", T, "model", vae=lambda: semisupervised.train_classifier_only(VAE, X, Y))
cases("vaebook.semisupervised.train_classifier_only", V, "lr|num_steps", nan=lambda: semisupervised.train_classifier_only(M2, X, Y, lr=NAN),
      steps=lambda: semisupervised.train_classifier_only(M2, X, Y, num_steps=0))

# ---- collapse -----------------------------------------------------------------------------------
cases("vaebook.collapse.rate.kl_per_dim", T, "model", ae=lambda: collapse.kl_per_dim(AE, X), linear=lambda: collapse.kl_per_dim(torch.nn.Linear(1, 1), X))
cases("vaebook.collapse.rate.kl_per_dim", V, "x|batch_size", empty=lambda: collapse.kl_per_dim(VAE, X[:0]), bs=lambda: collapse.kl_per_dim(VAE, X, batch_size=0))
cases("vaebook.collapse.rate.mean_variances", V, "mu", nan=lambda: collapse.mean_variances(CODES * NAN), one=lambda: collapse.mean_variances(CODES[:1]))
cases("vaebook.collapse.rate.mean_variances", T, "mu", list=lambda: collapse.mean_variances([[1.0]]))
cases("vaebook.collapse.rate.active_units", V, "threshold", nan=lambda: collapse.active_units(CODES, NAN), neg=lambda: collapse.active_units(CODES, -1))
cases("vaebook.collapse.rate.num_active_units", V, "threshold|mu", inf=lambda: collapse.num_active_units(CODES, INF), mu=lambda: collapse.num_active_units(CODES[:, 0]))
cases("vaebook.collapse.rate.rate_distortion", T, "model|x", ae=lambda: collapse.rate_distortion(AE, X), f64=lambda: collapse.rate_distortion(VAE, X.double()))
cases("vaebook.collapse.rate.rate_distortion", V, "x|batch_size|seed", empty=lambda: collapse.rate_distortion(VAE, X[:0]),
      bs=lambda: collapse.rate_distortion(VAE, X, batch_size=True), seed=lambda: collapse.rate_distortion(VAE, X, seed=-1))
cases("vaebook.collapse.variables.sampled_representation", V, "mu|logvar|seed", shape=lambda: collapse.sampled_representation(CODES, CODES[:, :2]),
      nan=lambda: collapse.sampled_representation(CODES, CODES * NAN), seed=lambda: collapse.sampled_representation(CODES, CODES, seed=-1))
cases("vaebook.collapse.variables.representations", T, "model", ae=lambda: collapse.representations(AE, X))
cases("vaebook.collapse.variables.representations", V, "seed|x", seed=lambda: collapse.representations(VAE, X, seed=-1), x=lambda: collapse.representations(VAE, X * 2))
cases("vaebook.collapse.variables.classify_variables", V, "variance|threshold|active_max|passive_range",
      neg=lambda: collapse.classify_variables(-np.abs(CODES)), one=lambda: collapse.classify_variables(np.abs(CODES[:1])),
      nan=lambda: collapse.classify_variables(np.abs(CODES), variance_threshold=NAN),
      rng=lambda: collapse.classify_variables(np.abs(CODES), passive_range=(1.1, 0.9)),
      bad=lambda: collapse.classify_variables(np.abs(CODES), passive_range=0.9))
cases("vaebook.collapse.variables.restrict", V, "indices", out=lambda: collapse.restrict(CODES, [5]), dup=lambda: collapse.restrict(CODES, [0, 0]))
cases("vaebook.collapse.variables.restrict", T, "indices", float=lambda: collapse.restrict(CODES, [0.5]))
cases("vaebook.collapse.variables.metric_on_subset", T, "metric", int=lambda: collapse.metric_on_subset(3, CODES, [0]))
cases("vaebook.collapse.variables.metric_on_subset", V, "min_variables", zero=lambda: collapse.metric_on_subset(np.mean, CODES, [0], min_variables=0))
cases("vaebook.collapse.variables.metrics_by_type", T, "types|groups", types=lambda: collapse.metrics_by_type(CODES, {}, {"m": np.mean}),
      groups=lambda: collapse.metrics_by_type(CODES, TYPES, {"m": np.mean}, groups="all"))
cases("vaebook.collapse.variables.metrics_by_type", V, "metrics|group", empty=lambda: collapse.metrics_by_type(CODES, TYPES, {}),
      group=lambda: collapse.metrics_by_type(CODES, TYPES, {"m": np.mean}, groups=["some"]))

# ---- metrics ------------------------------------------------------------------------------------
CONST = np.stack([np.zeros(40, dtype=int), np.arange(40) % 2], axis=1)
RARE = np.stack([np.r_[np.zeros(39, dtype=int), 1], np.arange(40) % 2], axis=1)  # class 1 once
for _name, _fn in (("mig", metrics.mig), ("modularity", metrics.modularity), ("dci", metrics.dci),
                   ("sap", metrics.sap), ("explicitness", metrics.explicitness),
                   ("mutual_info_matrix", metrics.mutual_info_matrix),
                   ("sap_score_matrix", metrics.sap_score_matrix)):
    _mod = _fn.__module__
    cases(f"{_mod}.{_name}", V, "codes", nan=lambda f=_fn: f(CODES * NAN, FACTORS), few=lambda f=_fn: f(CODES[:5], FACTORS[:5]),
          one_d=lambda f=_fn: f(CODES[:, 0], FACTORS))
    cases(f"{_mod}.{_name}", V, "factor", const=lambda f=_fn: f(CODES, CONST), n=lambda f=_fn: f(CODES, FACTORS[:30]),
          one_d=lambda f=_fn: f(CODES, FACTORS[:, 0]))
    cases(f"{_mod}.{_name}", T, "factors|codes", float=lambda f=_fn: f(CODES, FACTORS.astype(float)), str=lambda f=_fn: f("codes", FACTORS))
for _name, _fn in (("dci", metrics.dci), ("sap", metrics.sap), ("explicitness", metrics.explicitness)):
    cases(f"{_fn.__module__}.{_name}", V, "factor 0", rare=lambda f=_fn: f(CODES, RARE, test_fraction=0.5, seed=0)
          if 1 not in RARE[np.random.default_rng(0).permutation(40)[20:], 0] else (_ for _ in ()).throw(ValueError("factor 0 skip")))
    cases(f"{_fn.__module__}.{_name}", V, "test_fraction|seed", nan=lambda f=_fn: f(CODES, FACTORS, test_fraction=NAN),
          one=lambda f=_fn: f(CODES, FACTORS, test_fraction=1.0), seed=lambda f=_fn: f(CODES, FACTORS, seed=-1))
cases("vaebook.metrics.information.discretize", V, "num_bins|codes", bins=lambda: metrics.discretize(CODES, 1), nan=lambda: metrics.discretize(CODES * NAN))
cases("vaebook.metrics.information.factor_entropies", V, "factor", const=lambda: metrics.factor_entropies(CONST))
cases("vaebook.metrics.information.code_mutual_info_matrix", V, "codes|num_bins", nan=lambda: metrics.code_mutual_info_matrix(CODES * NAN),
      bins=lambda: metrics.code_mutual_info_matrix(CODES, num_bins=True))
cases("vaebook.metrics.information.mutual_information_score", V, "codes", one=lambda: metrics.mutual_information_score(CODES[:, :1]))
cases("vaebook.metrics.correlation.covariance", V, "codes", inf=lambda: metrics.covariance(CODES + INF))
cases("vaebook.metrics.correlation.correlation_matrix", V, "zero variance|codes", const=lambda: metrics.correlation_matrix(np.c_[CODES, np.ones(40)]))
cases("vaebook.metrics.correlation.mean_abs_correlation", V, "codes", one=lambda: metrics.mean_abs_correlation(CODES[:, :1]))
cases("vaebook.metrics.correlation.gaussian_tc_from_cov", V, "cov", nan=lambda: metrics.gaussian_tc_from_cov(np.full((2, 2), NAN)),
      rect=lambda: metrics.gaussian_tc_from_cov(np.zeros((2, 3))), sing=lambda: metrics.gaussian_tc_from_cov(np.ones((2, 2))))
cases("vaebook.metrics.correlation.gaussian_tc_from_cov", T, "cov", str=lambda: metrics.gaussian_tc_from_cov("cov"), obj=lambda: metrics.gaussian_tc_from_cov([["a"]]))
cases("vaebook.metrics.correlation.gaussian_total_correlation", V, "samples|codes", few=lambda: metrics.gaussian_total_correlation(RNG.normal(size=(20, 25))))
cases("vaebook.metrics.correlation.gaussian_wasserstein_correlation", T, "normalize", str=lambda: metrics.gaussian_wasserstein_correlation(CODES, normalize="y"))
cases("vaebook.metrics.predictive.group_factor_values", V, "max_classes|factor", one=lambda: metrics.group_factor_values(FACTORS, 1),
      one_d=lambda: metrics.group_factor_values(FACTORS[:, 0], 4))
cases("vaebook.metrics.predictive.group_factor_values", T, "factors", float=lambda: metrics.group_factor_values(FACTORS * 0.5, 4))
cases("vaebook.metrics.predictive.factor_scores", V, "factors_test|categorical|names|codes_test|factor",
      shape=lambda: metrics.factor_scores(CODES, FACTORS, CODES, FACTORS[:5]), cat=lambda: metrics.factor_scores(CODES, FACTORS, CODES, FACTORS, categorical=(5,)),
      names=lambda: metrics.factor_scores(CODES, FACTORS, CODES, FACTORS, names=("a",)), nan=lambda: metrics.factor_scores(CODES, FACTORS, CODES * NAN, FACTORS),
      int=lambda: metrics.factor_scores(CODES, FACTORS, CODES, FACTORS, categorical=0))
cases("vaebook.metrics.predictive.factor_scores", T, "factors_test", float=lambda: metrics.factor_scores(CODES, FACTORS, CODES, FACTORS * 1.0))
cases("vaebook.metrics.intervention.beta_vae_score", T, "represent|data", rep=lambda: metrics.beta_vae_score(3, DS), data=lambda: metrics.beta_vae_score(np.asarray, object()))
cases("vaebook.metrics.intervention.beta_vae_score", V, "num_train|seed|batch_size", few=lambda: metrics.beta_vae_score(np.asarray, DS, num_train=2),
      seed=lambda: metrics.beta_vae_score(np.asarray, DS, seed=-1), bs=lambda: metrics.beta_vae_score(np.asarray, DS, batch_size=0))
cases("vaebook.metrics.intervention.beta_vae_score", V, "represent", nan=lambda: metrics.beta_vae_score(lambda x: np.full((len(x), 2), NAN), DS, num_train=10, num_eval=2, batch_size=2))
cases("vaebook.metrics.intervention.factor_vae_score", V, "prune_threshold|batch_size|seed", nan=lambda: metrics.factor_vae_score(np.asarray, DS, prune_threshold=NAN),
      bs=lambda: metrics.factor_vae_score(np.asarray, DS, batch_size=1), seed=lambda: metrics.factor_vae_score(np.asarray, DS, seed=-1))
cases("vaebook.metrics.intervention.factor_vae_score", T, "represent", rep=lambda: metrics.factor_vae_score(None, DS))
cases("vaebook.metrics._checks.check_codes", V, "codes", nan=lambda: mchecks.check_codes(CODES * NAN))
cases("vaebook.metrics._checks.check_factors", V, "factor", const=lambda: mchecks.check_factors(CONST))
cases("vaebook.metrics._checks.check_fraction", V, "f", nan=lambda: mchecks.check_fraction(NAN, "f"))

# ---- data ---------------------------------------------------------------------------------------
cases("vaebook.data.mnist.mnist5k", V, "split|seed", split=lambda: data.mnist5k("validation"), seed=lambda: data.mnist5k(seed=-1),
      seed_str=lambda: data.mnist5k(seed="0"))
cases("vaebook.data.mnist.mnist5k", T, "binarize", str=lambda: data.mnist5k(binarize="yes"))
cases("vaebook.data.mnist.digits", V, "split|seed", split=lambda: data.digits("dev"), seed=lambda: data.digits(seed=1.5))
cases("vaebook.data.mnist.torchvision_dataset", V, "name|split", name=lambda: data.torchvision_dataset("svhn"),
      split=lambda: data.torchvision_dataset("mnist", split="all"))
cases("vaebook.data.dsprites.DSprites", V, "size|factor_sizes|shapes", small=lambda: dsprites.DSprites(size=8),
      bool=lambda: dsprites.DSprites(size=True), sizes=lambda: dsprites.DSprites(factor_sizes=(3, 2)),
      shapes=lambda: dsprites.DSprites(factor_sizes=(4, 1, 1, 1, 1)))
cases("vaebook.data.dsprites.DSprites.factor_index", V, "factor", name=lambda: DS.factor_index("colour"), idx=lambda: DS.factor_index(7))
cases("vaebook.data.dsprites.DSprites.factor_values", V, "factor", idx=lambda: DS.factor_values(-1))
cases("vaebook.data.dsprites.DSprites.check_factors", V, "factor", shape=lambda: DS.check_factors(np.zeros((2, 3), dtype=int)),
      range=lambda: DS.check_factors(np.full((2, 5), 9)))
cases("vaebook.data.dsprites.DSprites.check_factors", T, "factors", float=lambda: DS.check_factors(np.zeros((2, 5))))
cases("vaebook.data.dsprites.DSprites.sample_factors", V, "n", zero=lambda: DS.sample_factors(0), float=lambda: DS.sample_factors(2.5))
cases("vaebook.data.dsprites.DSprites.sample_factors", T, "seed", str=lambda: DS.sample_factors(2, seed="0"))
cases("vaebook.data.dsprites.DSprites.render", V, "factor", range=lambda: DS.render(np.full((1, 5), -1)))
cases("vaebook.data.dsprites.DSprites.sample", V, "n", neg=lambda: DS.sample(-3))
cases("vaebook.data.dsprites.DSprites.sample_fixed_factor", V, "value|factor", value=lambda: DS.sample_fixed_factor(2, "shape", value=9),
      factor=lambda: DS.sample_fixed_factor(2, "colour"))
cases("vaebook.data.dsprites.generate", V, "n|size|grid", n=lambda: dsprites.generate(0, size=16), size=lambda: dsprites.generate(2, size=4),
      grid=lambda: dsprites.generate(None, size=16))

# ---- experiment scripts and their functions -----------------------------------------------------
cases("vaebook.experiments.local_decoders.parse_context", V, "context", bad=lambda: ld.parse_context("two"), neg=lambda: ld.parse_context("-1"))
cases("vaebook.experiments.local_decoders.context_name", V, "context", bad=lambda: ld.context_name(2.5))
cases("vaebook.experiments.local_decoders.checkpoint_path", V, "context", bad=lambda: ld.checkpoint_path(TMP, 2, "wide", 0))
cases("vaebook.experiments.local_decoders.kl_weight", V, "epoch|anneal_epochs", neg=lambda: ld.kl_weight(-1, 5), nan=lambda: ld.kl_weight(0, NAN))
cases("vaebook.experiments.local_decoders.step_kl_weight", V, "step|anneal_steps", neg=lambda: ld.step_kl_weight(-1, 5), float=lambda: ld.step_kl_weight(1.5, 5))
cases("vaebook.experiments.local_decoders.train_one", V, "anneal_steps|context|x|anneal_epochs", steps=lambda: ld.train_one(1, 0, X, anneal_steps=-1),
      ctx=lambda: ld.train_one(-1, 0, X), x=lambda: ld.train_one(1, 0, X * NAN), ep=lambda: ld.train_one(1, 0, X, anneal_epochs=-1))
cases("vaebook.experiments.local_decoders.load_model", V, "corrupt|truncated|local-decoders|checkpoint", garbage=lambda: ld.load_model(FILES["garbage"]),
      code=lambda: ld.load_model(FILES["code"]), empty=lambda: ld.load_model(FILES["empty"]))
cases("vaebook.experiments.local_decoders.load_record", V, "record", garbage=lambda: ld.load_record(FILES["garbage"]),
      text=lambda: ld.load_record(FILES["text"]))
cases("vaebook.experiments.local_decoders.write_record", V, "checkpoint|corrupt|truncated", garbage=lambda: ld.write_record(FILES["garbage"], TMP / "r.json"))
cases("vaebook.experiments.local_decoders.class_information", V, "y_train|z_test|one label", short=lambda: ld.class_information(ZP, YP[:3], ZP, YP),
      nan=lambda: ld.class_information(ZP, YP, ZP * NAN, YP), one=lambda: ld.class_information(ZP, YP * 0, ZP, YP),
      new=lambda: ld.class_information(ZP, YP, ZP, YP + 1), feat=lambda: ld.class_information(ZP, YP, ZP[:, :1], YP))
cases("vaebook.experiments.local_decoders.evaluate", T, "x", f64=lambda: ld.evaluate(PIX, X, Y, X.double(), Y))
cases("vaebook.experiments.selective_collapse.checkpoint_path", V, "beta|seed", nan=lambda: sc.checkpoint_path(TMP, NAN, 0),
      neg=lambda: sc.checkpoint_path(TMP, -1, 0), seed=lambda: sc.checkpoint_path(TMP, 4, -1))
cases("vaebook.experiments.selective_collapse.data", V, "train_size|eval_size|size", zero=lambda: sc.data(train_size=0), size=lambda: sc.data(size=8))
cases("vaebook.experiments.selective_collapse.train_one", V, "beta|x", inf=lambda: sc.train_one(INF, 0, X), x=lambda: sc.train_one(1.0, 0, X * 2))
cases("vaebook.experiments.selective_collapse.load_model", V, "corrupt|truncated|checkpoint", garbage=lambda: sc.load_model(FILES["garbage"]),
      foreign=lambda: sc.load_model(FILES["foreign"]), good_other=lambda: sc.load_model(FILES["good"]))
cases("vaebook.experiments.selective_collapse.evaluate", T, "model|x", ae=lambda: sc.evaluate(AE, X, FACTORS[:6]))
cases("vaebook.experiments.selective_collapse.weakest", V, "weakest|Evidence", none=lambda: sc.weakest())
cases("vaebook.experiments.selective_collapse.weakest", T, "Evidence", bad=lambda: sc.weakest(EVIDENCE, 0.5))
cases("vaebook.experiments.selective_collapse.describe", T, "model|x", ae=lambda: sc.describe(AE, X, FACTORS[:6]))
cases("vaebook.experiments.selective_collapse.run", V, "config|eval_epochs|seed", partial=lambda: sc.run(dict(beta=8.0), 0),
      late=lambda: sc.run(dict(beta=8.0, num_epochs=1, eval_epochs=[2], batch_size=64, lr=1e-3), 0),
      seed=lambda: sc.run(dict(beta=8.0, num_epochs=1, eval_epochs=[1], batch_size=64, lr=1e-3), -1))
cases("vaebook.experiments.selective_collapse.load_run", V, "weights", none=lambda: sc.load_run(dict(grid="selective_collapse", arm="beta8", seed=3, weights=None)))

_LD_BAD = {"lr_inf": (["--lr", "inf"], "--lr"), "lr_nan": (["--lr", "nan"], "--lr"), "lr_zero": (["--lr", "0"], "--lr"),
           "max_train": (["--max-train", "-5"], "--max-train"), "seed": (["--seeds", "-1"], "--seeds"),
           "epochs": (["--num-epochs", "0"], "--num-epochs"), "batch": (["--batch-size", "0"], "--batch-size"),
           "latent": (["--latent-dim", "0"], "--latent-dim"), "anneal": (["--anneal-steps", "-2"], "--anneal-steps"),
           "enc_ch": (["--encoder-channels", "0"], "--encoder-channels"), "enc_depth": (["--encoder-channels", "4", "4", "4"], "--encoder-channels"),
           "hidden": (["--hidden-channels", "0"], "--hidden-channels"), "full": (["--full-layers", "-1"], "--full-layers"),
           "context": (["--contexts", "wide"], "--contexts"), "out_file": (["--out", str(FILES["file"])], "--out"),
           "out_under_file": (["--out", str(FILES["file"] / "sub")], "--out"), "str_int": (["--num-epochs", "two"], "--num-epochs")}
for _label, (_argv, _flag) in _LD_BAD.items():
    cases("vaebook.experiments.local_decoders.main", SystemExit, re.escape(_flag), **{_label: (lambda a=_argv: ld.main(a))})
_SC_BAD = {"lr_inf": (["--lr", "inf"], "--lr"), "beta_nan": (["--betas", "nan"], "--betas"), "beta_neg": (["--betas", "-1"], "--betas"),
           "max_train": (["--max-train", "-5"], "--max-train"), "too_many": (["--max-train", "99999999"], "--max-train"),
           "seed": (["--seeds", "-3"], "--seeds"), "epochs": (["--num-epochs", "0"], "--num-epochs"),
           "channels": (["--channels", "0"], "--channels"), "depth": (["--channels", "4", "4", "4", "4", "4", "4"], "--channels"),
           "hidden": (["--hidden-dim", "0"], "--hidden-dim"), "out_file": (["--out", str(FILES["file"])], "--out")}
for _label, (_argv, _flag) in _SC_BAD.items():
    cases("vaebook.experiments.selective_collapse.main", SystemExit, re.escape(_flag), **{_label: (lambda a=_argv: sc.main(a))})


# ---- residual classes: probability vectors, integer-valued arguments, flags, log-variances ------
PROBS_BAD = {"neg": torch.tensor([[1.5, -0.5, 0.0]] * 3), "sum": torch.full((3, 3), 0.5),
             "nan": torch.full((3, 3), NAN)}
# 1. a probability vector must be finite, non-negative and sum to 1
cases("vaebook.checks.check_probs", V, "p must hold probability vectors", **{k: (lambda v=v: checks.check_probs(v, "p")) for k, v in PROBS_BAD.items()})
cases("vaebook.checks.check_probs", T, "p", list=lambda: checks.check_probs([0.5, 0.5], "p"), int=lambda: checks.check_probs(torch.ones(2, dtype=torch.int64), "p"))
cases("vaebook.models.m2.M2.decode", V, "y_prob must hold probability vectors", **{k: (lambda v=v: M2.decode(Z2, v)) for k, v in PROBS_BAD.items()})
cases("vaebook.models.m2.M2.labelled_elbo", V, "y_prob must hold probability vectors", nan=lambda: M2.labelled_elbo(X, torch.full((6, 3), NAN)),
      neg=lambda: M2.labelled_elbo(X, torch.tensor([[2.0, -1.0, 0.0]] * 6)), sum=lambda: M2.labelled_elbo(X, torch.full((6, 3), 0.3)))
cases("vaebook.models.shot_vae.soft_cross_entropy", V, "target must hold probability vectors", **{k: (lambda v=v: shot_vae.soft_cross_entropy(Z2[:, :1].expand(3, 3), v)) for k, v in PROBS_BAD.items()})
# 2. integer-valued arguments refuse fractional floats (and bools)
cases("vaebook.checks.check_int", T, "n", frac=lambda: checks.check_int(2.5, "n"), np_float=lambda: checks.check_int(np.float64(2.0), "n"),
      np_bool=lambda: checks.check_int(np.bool_(True), "n"))
cases("vaebook.train.check_finite_terms", T, "epoch|step", epoch=lambda: train.check_finite_terms({"loss": 1.0}, 2.5),
      step=lambda: train.check_finite_terms({"loss": 1.0}, 1, True))
cases("vaebook.train.fit", V, "num_epochs", float=lambda: train.fit(VAE, X, num_epochs=1.5, progress=False))
cases("vaebook.models.family.BetaVAELoss", T, "epoch", float=lambda: family.BetaVAELoss()(VAE, X, epoch=1.5))
cases("vaebook.models.family.BetaTCVAELoss", T, "dataset_size", float=lambda: family.BetaTCVAELoss(dataset_size=2.5))
cases("vaebook.models.family.AnnealedVAELoss", T, "num_steps", bool=lambda: family.AnnealedVAELoss(num_steps=True))
cases("vaebook.models.family.total_correlation_mws", T, "dataset_size", float=lambda: family.total_correlation_mws(Z2, Z2, Z2, 10.0))
cases("vaebook.models.m2.M2.loss", T, "step", float=lambda: M2.loss(X, Y, X, step=2.5))
cases("vaebook.models.shot_vae.SHOTVAE.loss", T, "step", float=lambda: SHOT.loss(X, Y, X, step=1.5))
cases("vaebook.models.autoencoder.Autoencoder", T, "channels", float=lambda: autoencoder.Autoencoder(channels=2.5))
cases("vaebook.models.mlp.MLPEncoder", T, "hidden_dim", float=lambda: mlp.MLPEncoder((1, 8, 8), 2, 4.0))
cases("vaebook.models.pixelcnn.PixelVAE", T, "encoder_hidden", float=lambda: pixelcnn.PixelVAE(encoder_hidden=2.5))
cases("vaebook.models.pixelcnn.PixelCNNDecoder", T, "full_layers", float=lambda: pixelcnn.PixelCNNDecoder(full_layers=1.5))
cases("vaebook.models.pixelcnn.MaskedConv2d", T, "kernel_size", float=lambda: pixelcnn.MaskedConv2d(1, 1, 3.0, "A"))
cases("vaebook.models.pixelcnn.discretized_logistic_mixture_log_likelihood", T, "num_mixtures",
      float=lambda: pixelcnn.discretized_logistic_mixture_log_likelihood(torch.zeros(6, 15, 8, 8), X, 5.0))
cases("vaebook.data.dsprites.DSprites", T, "factor_sizes", float=lambda: dsprites.DSprites(size=16, factor_sizes=(3, 2.5, 2, 2, 2)),
      bool=lambda: dsprites.DSprites(size=16, factor_sizes=(3, True, 2, 2, 2)))
cases("vaebook.data.dsprites.DSprites.factor_index", V, "factor", bool=lambda: DS.factor_index(True))
cases("vaebook.data.dsprites.DSprites.sample_factors", T, "n|seed", bool=lambda: DS.sample_factors(True), seed=lambda: DS.sample_factors(2, seed=True))
cases("vaebook.data.dsprites.DSprites.render", T, "seed", float=lambda: DS.render(np.zeros((1, 5), dtype=int), seed=2.5))
cases("vaebook.data.dsprites.DSprites.sample_fixed_factor", V, "value", bool=lambda: DS.sample_fixed_factor(2, "shape", value=True))
cases("vaebook.data.dsprites.generate", T, "n", bool=lambda: dsprites.generate(True, size=16))
cases("vaebook.collapse.variables.metric_on_subset", T, "min_variables", bool=lambda: collapse.metric_on_subset(np.mean, CODES, [0], min_variables=True))
cases("vaebook.collapse.variables.metrics_by_type", T, "min_variables", float=lambda: collapse.metrics_by_type(CODES, TYPES, {"m": np.mean}, min_variables=1.5))
cases("vaebook.collapse.variables.sampled_representation", T, "seed", float=lambda: collapse.sampled_representation(CODES, CODES, seed=1.5))
cases("vaebook.probes.linear_probe", T, "max_iter", float=lambda: probes.linear_probe(ZP, YP, ZP, YP, max_iter=10.5))
cases("vaebook.probes.knn_probe", T, "k", bool=lambda: probes.knn_probe(ZP, YP, ZP, YP, k=True))
cases("vaebook.probes.few_label_curve", T, "num_labels|num_draws", scalar=lambda: probes.few_label_curve(ZP, YP, ZP, YP, num_labels=2.5),
      draws=lambda: probes.few_label_curve(ZP, YP, ZP, YP, num_labels=(1,), num_draws=1.5))
cases("vaebook.metrics.information.mig", T, "num_bins", float=lambda: metrics.mig(CODES, FACTORS, num_bins=5.5))
cases("vaebook.metrics.predictive.dci", T, "n_estimators", float=lambda: metrics.dci(CODES, FACTORS, n_estimators=2.5))
cases("vaebook.semisupervised.split_labelled", T, "num_per_class", float=lambda: semisupervised.split_labelled(Y, 1.5))
cases("vaebook.semisupervised.iw_log_likelihood", T, "num_samples", float=lambda: semisupervised.iw_log_likelihood(M2, X, num_samples=2.5))
cases("vaebook.semisupervised.train_semisupervised", T, "unlabelled_batch_size", float=lambda: semisupervised.train_semisupervised(M2, X, Y, X, unlabelled_batch_size=2.5))
cases("vaebook.semisupervised.train_classifier_only", T, "num_steps", bool=lambda: semisupervised.train_classifier_only(M2, X, Y, num_steps=True))
cases("vaebook.plots.image_grid", T, "nrow", float=lambda: plots.image_grid(X, nrow=2.5))
cases("vaebook.widgets.latent_grid", T, "dims|steps", dims=lambda: widgets.latent_grid(VAE, dims=(0, True)), steps=lambda: widgets.latent_grid(VAE, steps=3.0))
# 3. flags are bools: 'no' is not False
cases("vaebook.seeding.check_streams", T, "optional", str=lambda: seeding.check_streams(None, optional="no"))
cases("vaebook.data.dsprites.DSprites", T, "color", str=lambda: dsprites.DSprites(size=16, color="no"))
cases("vaebook.data.dsprites.generate", T, "color", str=lambda: dsprites.generate(2, size=16, color="no"))
cases("vaebook.data.mnist.torchvision_dataset", T, "download|binarize", download=lambda: data.torchvision_dataset("mnist", download="no"),
      binarize=lambda: data.torchvision_dataset("mnist", binarize="yes"))
cases("vaebook.probes.knn_probe", T, "standardize|per_example", std=lambda: probes.knn_probe(ZP, YP, ZP, YP, standardize="no"),
      per=lambda: probes.knn_probe(ZP, YP, ZP, YP, per_example=1))
# 4. NaN or inf into a Gaussian log-density or KL
cases("vaebook.models.family.gaussian_log_density", V, "logvar|mu|z", nan=lambda: family.gaussian_log_density(Z2, Z2, Z2 * NAN),
      inf=lambda: family.gaussian_log_density(Z2, Z2 + INF, Z2), z=lambda: family.gaussian_log_density(Z2 * NAN, Z2, Z2))
cases("vaebook.losses.kl_standard_normal", V, "logvar", nan=lambda: losses.kl_standard_normal(Z2, Z2 * NAN), inf=lambda: losses.kl_standard_normal(Z2, Z2 - INF))
# 5. a log-variance outside the dtype's finite range: a clear error, never an inf result
cases("vaebook.losses.kl_standard_normal", V, "KL overflowed.*logvar must lie", huge=lambda: losses.kl_standard_normal(Z2, Z2 + 1e4),
      f64=lambda: losses.kl_standard_normal(Z2.double(), Z2.double() + 1e3))
cases("vaebook.losses.reparameterize", V, "overflowed.*logvar", huge=lambda: losses.reparameterize(Z2, Z2 + 1e4))
cases("vaebook.losses.gaussian_log_likelihood", V, "overflowed.*std", tiny_std=lambda: losses.gaussian_log_likelihood(X, X + 0.5, 1e-30))
cases("vaebook.models.family.gaussian_log_density", V, "overflowed.*logvar", tiny=lambda: family.gaussian_log_density(Z2 + 1, Z2, Z2 - 1e4))
cases("vaebook.collapse.variables.sampled_representation", V, "overflowed.*logvar", huge=lambda: collapse.sampled_representation(CODES, CODES + 1e4))
cases("vaebook.checks.check_overflow", V, "the KL overflowed.*logvar", inf=lambda: checks.check_overflow(torch.tensor([INF]), "the KL", logvar=torch.tensor([1e4])))
cases("vaebook.checks.exp_limit", T, "dtype", int=lambda: checks.exp_limit(torch.int64), str=lambda: checks.exp_limit("float32"))
# 6. checkpoint names from negative or fractional sizes
cases("vaebook.experiments.local_decoders.checkpoint_path", V, "latent_dim|seed", neg_latent=lambda: ld.checkpoint_path(TMP, -1, 1, 0),
      zero_latent=lambda: ld.checkpoint_path(TMP, 0, 1, 0), neg_seed=lambda: ld.checkpoint_path(TMP, 2, 1, -2),
      float_latent=lambda: ld.checkpoint_path(TMP, 2.5, 1, 0), bool_seed=lambda: ld.checkpoint_path(TMP, 2, 1, True))


# 7. chapters 2 and 6 on the runner: grid configs, models and probes
_SC_CFG = dict(beta=4.0, num_epochs=1, batch_size=8, lr=1e-3)
cases("vaebook.experiments.selective_collapse.fit_beta_vae", V, "config|beta|num_epochs",
      missing=lambda: sc.fit_beta_vae(VAE, X, dict(beta=1.0), seeding.Streams(0)),
      neg_beta=lambda: sc.fit_beta_vae(VAE, X, dict(_SC_CFG, beta=-1.0), seeding.Streams(0)),
      zero_epochs=lambda: sc.fit_beta_vae(VAE, X, dict(_SC_CFG, num_epochs=0), seeding.Streams(0)))
cases("vaebook.experiments.selective_collapse.fit_beta_vae", T, "VAE",
      ae=lambda: sc.fit_beta_vae(AE, X, _SC_CFG, seeding.Streams(0)))
cases("vaebook.experiments.selective_collapse.check_grid_config", V, "config|eval_epochs|beta",
      list=lambda: sc.check_grid_config([1]),
      late=lambda: sc.check_grid_config(dict(_SC_CFG, eval_epochs=[2])),
      nan=lambda: sc.check_grid_config(dict(_SC_CFG, beta=NAN, eval_epochs=[1])))
cases("vaebook.probes.cv_linear_probe", V, "Cs|folds|at least|seed",
      no_cs=lambda: probes.cv_linear_probe(ZP, YP, ZP, YP, Cs=()),
      neg_c=lambda: probes.cv_linear_probe(ZP, YP, ZP, YP, Cs=(1.0, -1.0)),
      one_fold=lambda: probes.cv_linear_probe(ZP, YP, ZP, YP, folds=1),
      few_labels=lambda: probes.cv_linear_probe(ZP[:6], YP[:6], ZP, YP),
      neg_seed=lambda: probes.cv_linear_probe(ZP, YP, ZP, YP, seed=-1))
cases("vaebook.experiments.representations.build", V, "config|model|seed",
      no_model=lambda: rp.build({}, 0), gan=lambda: rp.build(dict(model="gan"), 0),
      neg_seed=lambda: rp.build(dict(model="vae", beta=1.0), -1))
cases("vaebook.experiments.representations.codes", T, "model",
      linear=lambda: rp.codes(torch.nn.Linear(2, 2), X))
cases("vaebook.experiments.representations.evaluate", V, "model|needs",
      gan=lambda: rp.evaluate(None, dict(model="gan")),
      no_epochs=lambda: rp.evaluate(None, dict(model="vae", beta=1.0)))
cases("vaebook.experiments.representations.fit", V, "model|needs|num_epochs",
      gan=lambda: rp.fit(dict(model="gan"), 0),
      neg=lambda: rp.fit(dict(model="vae", beta=1.0, num_epochs=-1, batch_size=8, lr=1e-3,
                              eval_every=1), 0))
cases("vaebook.experiments.representations.run", V, "model|seed",
      gan=lambda: rp.run(dict(model="gan"), 0), neg_seed=lambda: rp.run(dict(model="pca"), -1))
cases("vaebook.experiments.representations.load_run", T, "runner record",
      list=lambda: rp.load_run([]))
cases("vaebook.experiments.disentanglement_metrics.data", T, "color",
      str=lambda: dm.data("yes"))
cases("vaebook.experiments.disentanglement_metrics.data", V, "train_size|eval_size",
      zero=lambda: dm.data(False, train_size=0), neg=lambda: dm.data(False, eval_size=-1))
cases("vaebook.experiments.disentanglement_metrics.evaluate", T, "vaebook VAE",
      ae=lambda: dm.evaluate(AE, None, X, np.zeros((6, 5), dtype=int)))
cases("vaebook.experiments.disentanglement_metrics.evaluate", V, "one row of f_eval",
      short=lambda: dm.evaluate(VAE, None, X, np.zeros((2, 5), dtype=int)))
cases("vaebook.experiments.disentanglement_metrics.run", V, "config|eval_epochs|seed",
      missing=lambda: dm.run(dict(beta=4.0), 0),
      late=lambda: dm.run(dict(grids.DISENTANGLEMENT_METRICS.config("beta4"), eval_epochs=[99]), 0))
cases("vaebook.experiments.disentanglement_metrics.load_run", T, "runner record",
      dict_=lambda: dm.load_run({"seed": 0}))
cases("vaebook.metrics.summary.all_scores", V, "codes|factors|samples",
      nan=lambda: metrics.all_scores(ZP * NAN, np.zeros((20, 2), dtype=int), None, None),
      short=lambda: metrics.all_scores(ZP, np.zeros((5, 2), dtype=int), None, None))


# ---- the tests ----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_bad_input_raises_a_clear_error(case, capsys, monkeypatch):
    monkeypatch.setenv("VAEBOOK_NO_PROGRESS", "1")
    if case.exc is SystemExit:
        # a script must refuse before it loads data: make loading fail loudly if it gets there
        monkeypatch.setattr(data, "mnist5k", lambda *a, **k: pytest.fail("loaded data first"))
        monkeypatch.setattr(sc, "data", lambda *a, **k: pytest.fail("loaded data first"))
    with pytest.raises(case.exc) as info:
        case.fn()
    if case.exc is SystemExit:
        assert info.value.code == 2
        text = capsys.readouterr().err
    else:
        text = str(info.value)
    assert re.search(case.match, text), f"message does not name {case.match!r}: {text}"
    assert "weights_only=False" not in text


def _public_callables() -> dict[str, object]:
    found = {}
    for module in MODULES:
        for name in getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")]):
            obj = getattr(module, name)
            if not callable(obj) or not str(getattr(obj, "__module__", "")).startswith("vaebook"):
                continue
            if inspect.ismodule(obj):
                continue
            found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def test_every_public_callable_has_a_case():
    targets = {c.target for c in CASES}
    missing = sorted(name for name in _public_callables()
                     if name not in NO_CHECKABLE_INPUT
                     and not any(t == name or t.startswith(name + ".") for t in targets))
    assert not missing, f"public callables without a bad-input case: {missing}"


def test_case_targets_exist():
    known = _public_callables()
    for target in {c.target for c in CASES}:
        head = next((k for k in known if target == k or target.startswith(k + ".")), None)
        assert head is not None or target.startswith("vaebook.metrics._checks"), target


def test_counts_per_module():
    counts: dict[str, int] = {}
    for c in CASES:
        module = ".".join(p for p in c.target.split(".") if p[:1].islower())
        module = module.rsplit(".", 1)[0] if module.count(".") > 1 else module
        counts[module] = counts.get(module, 0) + 1
    assert sum(counts.values()) == len(CASES) >= 450


# ---- behaviours beyond raising ------------------------------------------------------------------
def test_fit_with_a_huge_learning_rate_stops_naming_the_epoch():
    model = vae.VAE(image_shape=(1, 8, 8), latent_dim=2, channels=(4,), hidden_dim=8)
    with pytest.raises(FloatingPointError, match=r"epoch \d+"):
        train.fit(model, X.repeat(8, 1, 1, 1), lr=1e8, num_epochs=20, batch_size=8,
                  progress=False)


def test_everything_save_checkpoint_accepts_loads(tmp_path):
    rd = collapse.rate_distortion(VAE, X)
    meta = dict(rd=rd, scalar=np.float32(1.5), count=np.int64(3), arr=np.arange(3),
                where=tmp_path, nested={"t": (np.float64(2.0), [np.bool_(True)])},
                tensor=torch.ones(2))
    path = train.save_checkpoint(tmp_path / "m.pt", VAE, **meta)
    got = train.load_checkpoint(path, vae.VAE(**VAE.config))
    assert got["rd"]["kl_per_dim"] == pytest.approx(rd["kl_per_dim"].tolist())
    assert got["scalar"] == 1.5 and got["count"] == 3 and got["arr"] == [0, 1, 2]
    assert got["where"] == str(tmp_path) and got["nested"] == {"t": (2.0, [True])}
    assert torch.equal(got["tensor"], torch.ones(2))
    shown = utils.glue("shown_value", 1.2345, ".2f")  # a str subclass
    train.save_checkpoint(tmp_path / "g.pt", VAE, shown=shown)
    assert train.load_checkpoint(tmp_path / "g.pt", VAE)["shown"] == "1.23"


def test_stray_temporaries_of_a_killed_save_are_cleaned(tmp_path):
    dead = tmp_path / ".m.pt.999999999.dead.tmp"  # a pid that cannot be alive
    dead.write_bytes(b"half")
    old_style = tmp_path / "m.ptabc123.tmp"
    old_style.write_bytes(b"half")
    train.save_checkpoint(tmp_path / "m.pt", VAE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]


def test_float32_results_are_unchanged_by_the_checks():
    a = metrics.gaussian_total_correlation(CODES.astype(np.float32))
    b = metrics.gaussian_total_correlation(CODES.astype(np.float32).astype(np.float64))
    assert a == b and math.isfinite(a)


def test_valid_inputs_still_pass_and_compute_as_before():
    """The residual-class checks leave valid inputs and their numbers unchanged."""
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    assert torch.equal(losses.kl_standard_normal(mu, logvar), 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar))
    z = torch.randn(4, 3, generator=g)
    assert torch.equal(family.gaussian_log_density(z, mu, logvar),
                       -0.5 * (math.log(2 * math.pi) + logvar + (z - mu).pow(2) * torch.exp(-logvar)))
    assert torch.isfinite(losses.kl_standard_normal(Z2, Z2 + 88.0)).all()  # inside float32's range
    # at z == mu a tiny variance gives a large finite density, not 0 * inf = NaN
    assert torch.allclose(family.gaussian_log_density(Z2, Z2, Z2 - 1e4), 0.5 * (1e4 - torch.full_like(Z2, math.log(2 * math.pi))))
    soft = torch.randn(5, 3, generator=g).softmax(1)
    for p in (soft, soft.half(), soft.double(), torch.eye(3)):
        checks.check_probs(p, "p")
    assert checks.exp_limit(torch.float32) == pytest.approx(88.72, abs=0.01)
    assert ld.checkpoint_path(TMP, np.int64(2), 1, np.int64(0)).name == "z2_local1_s0.pt"
    assert dsprites.DSprites(size=16, factor_sizes=np.array([3, 2, 2, 2, 2]), color=np.bool_(False)).color is False
    assert seeding.check_streams(None, optional=np.bool_(True)) is None
