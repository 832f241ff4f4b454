"""SHOT-VAE (Feng et al. 2021): M2 with two label-aware approximations of the ELBO.

1. Smooth-ELBO on labelled data. The one-hot label is replaced by a smoothed label
   p_hat(y | x), and the classifier's mismatch KL(p_hat || q(y | x)) is subtracted from the
   labelled bound L(x, y), so the label-predictive loss becomes part of an ELBO approximation
   (Chapter 5 derives it). The official code (FengHZ/SHOT-VAE, ``lib/utils/mixup.py``,
   ``main_shot_vae.py``) smooths by mixup between two labelled images: lam ~ Beta(0.1, 0.1),
   x_hat = lam x + (1 - lam) x_perm, p_hat = lam 1_y + (1 - lam) 1_y_perm, loss
   CE(p_hat, q(y | x_hat)) (KL plus a constant). Here: -mean L(x, y) + alpha * mean CE, which is
   M2's labelled objective (same alpha) at lam = 1, and the smooth-ELBO itself only at alpha = 1.
2. Optimal interpolation on unlabelled data. lam ~ Beta(2, 2), x_tilde = lam x0 + (1 - lam) x1;
   the targets are the same interpolation of the two inputs' posteriors, computed without
   gradient: p_tilde = lam q(y | x0) + (1 - lam) q(y | x1) (a mixture) and, for the Gaussians,
   the point at lam on the W2 geodesic, mu_tilde = lam mu0 + (1 - lam) mu1,
   sigma_tilde = lam sigma0 + (1 - lam) sigma1. Losses: CE(p_tilde, q(y | x_tilde)), weighted
   by alpha like the labelled term, and the squared W2 distance
   ||mu(x_tilde) - mu_tilde||^2 + ||sigma(x_tilde) - sigma_tilde||^2, in nats of ELBO.
3. Both consistency weights follow the code's ramp s(e, E, a) = a exp(-5 (1 - min(1, e/E))^2)
   (the code ramps per epoch; here per step).

Shared with the code: one lam per batch; pairs from a random permutation (the code's
nearest-neighbour pairing is off by default); the ELBO terms on the clean inputs and the
classification terms on the mixed ones; targets without gradient.

Different from the code, and why (the aim is that SHOT-VAE differs from our M2 only by the two
approximations above, and that its ELBO stays a true bound, so that the held-out ELBO and the
importance-weighted margin of Chapter 5 measure the same thing for every model):

- y is marginalised exactly in the unlabelled ELBO (as in M2) instead of sampled by
  Gumbel-softmax (temperature 0.67).
- The ELBO is the plain ELBO with weight 1 against alpha on the classification terms. The code
  weights its ELBO part by about 1e-3 (ramped, x5 after epoch 400 on CIFAR-10) against 1 on
  classification, and inside it writes both KL terms in "capacity" form with weight about 1e-3:
  beta_c |KL(q(z | x) || p(z))| + beta_d |KL(q(y | x) || Uniform) - log K|, i.e. a beta-VAE with
  beta ~ 1e-3 rather than an ELBO. Our alpha (100 on the CPU path, 1000 on the FULL path) plays
  the role of that ratio.
- The code also applies the KL(q(y | x) || Uniform) term to labelled images; our labelled bound
  L(x, y) has no term in q(y | x) (it is M2's), so the labels reach the classifier only through
  the smooth-ELBO term.
- The code also adds the W2 term on the labelled mixup pairs (with lam ~ Beta(0.1, 0.1)), with
  weight beta_c * pw inside the 1e-3-weighted ELBO part, about 1e-6 against the classification
  loss; we apply W2 to unlabelled pairs only, the optimal-interpolation term as the paper
  describes it. ``w2_weight`` is the W2 weight in nats of ELBO; the code weights W2 by ``--pwm``
  times its KL weight, so relative to the KL term the two agree (w2_weight = pwm = 1).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from vaebook.checks import check_bool, check_int, check_number, check_probs, check_tensor
from vaebook.models.m2 import M2, check_labels, one_hot

SMOOTHINGS = ("mixup", "epsilon")

__all__ = ["SHOTVAE", "SMOOTHINGS", "ramp", "mix", "smooth_labels", "interpolation_targets",
           "w2_diag_gaussians", "soft_cross_entropy"]


def ramp(step: float, ramp_steps: float, max_value: float = 1.0) -> float:
    """s(e, E, a) = a * exp(-5 (1 - min(1, e / E))^2): from a*exp(-5) at 0 to a at E and after."""
    step = check_number(step, "step", minimum=0)
    ramp_steps = check_number(ramp_steps, "ramp_steps", minimum=0)
    max_value = check_number(max_value, "max_value")
    if ramp_steps == 0:
        return float(max_value)
    return float(max_value) * math.exp(-5.0 * (1.0 - min(1.0, step / ramp_steps)) ** 2)


def _check_lam(lam: float) -> float:
    return check_number(lam, "lam", minimum=0.0, maximum=1.0)


def _check_perm(perm: torch.Tensor, batch_size: int) -> None:
    if not isinstance(perm, torch.Tensor) or perm.dtype != torch.int64 or perm.shape != (batch_size,):
        raise ValueError(f"perm must be an int64 tensor of shape ({batch_size},)")
    if not torch.equal(perm.sort().values, torch.arange(batch_size, device=perm.device)):
        raise ValueError("perm must be a permutation of range(batch_size)")


def mix(a: torch.Tensor, lam: float, perm: torch.Tensor) -> torch.Tensor:
    """lam * a + (1 - lam) * a[perm] for a batch a: (B, ...); perm: (B,) a permutation."""
    lam = _check_lam(lam)
    check_tensor(a, "a", finite=False)
    if a.dim() == 0:
        raise ValueError("a must be a batch (B, ...), got a scalar tensor")
    _check_perm(perm, len(a))
    return lam * a + (1.0 - lam) * a[perm]


def smooth_labels(x: torch.Tensor, y: torch.Tensor, num_classes: int, lam: float,
                  perm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mixup smoothing of labelled pairs: (x_hat (B, C, H, W), p_hat (B, K)).

    x: (B, C, H, W) images, y: (B,) int64 labels, lam in [0, 1], perm: (B,) a permutation.
    """
    check_tensor(x, "x")
    if x.dim() == 0:
        raise ValueError("x must be a batch of images (B, C, H, W), got a scalar tensor")
    check_labels(y, num_classes, len(x))
    return mix(x, lam, perm), mix(one_hot(y, num_classes), lam, perm)


@torch.no_grad()
def interpolation_targets(logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                          lam: float, perm: torch.Tensor
                          ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Detached targets for x_tilde = lam x + (1 - lam) x[perm]: (p_tilde, mu_tilde, sigma_tilde).

    logits: (B, K) of q(y | x); mu, logvar: (B, D) of q(z | x). p_tilde (B, K) is the mixture of
    the two label posteriors; (mu_tilde, sigma_tilde), each (B, D), is the point at lam on the
    W2 geodesic between the two diagonal Gaussians. No gradient flows into the targets.
    """
    for name, t in (("logits", logits), ("mu", mu), ("logvar", logvar)):
        check_tensor(t, name)
    if logits.dim() != 2 or mu.dim() != 2 or mu.shape != logvar.shape or len(logits) != len(mu):
        raise ValueError(f"need logits (B, K) and mu, logvar (B, D), got {tuple(logits.shape)}, "
                         f"{tuple(mu.shape)}, {tuple(logvar.shape)}")
    return (mix(logits.softmax(1), lam, perm), mix(mu, lam, perm),
            mix(torch.exp(0.5 * logvar), lam, perm))


def w2_diag_gaussians(mu1: torch.Tensor, sigma1: torch.Tensor, mu2: torch.Tensor,
                      sigma2: torch.Tensor) -> torch.Tensor:
    """Squared 2-Wasserstein distance between N(mu1, diag sigma1^2) and N(mu2, diag sigma2^2).

    All (B, D) with sigma > 0 given as standard deviations. Returns (B,):
    ||mu1 - mu2||^2 + ||sigma1 - sigma2||^2.
    """
    for name, t in (("mu1", mu1), ("sigma1", sigma1), ("mu2", mu2), ("sigma2", sigma2)):
        check_tensor(t, name)
    if not (mu1.shape == sigma1.shape == mu2.shape == sigma2.shape) or mu1.dim() != 2:
        raise ValueError("mu1, sigma1, mu2, sigma2 must all have the same shape (B, D)")
    if (sigma1 < 0).any() or (sigma2 < 0).any():
        raise ValueError("sigma1 and sigma2 must be standard deviations (>= 0)")
    return (mu1 - mu2).pow(2).sum(1) + (sigma1 - sigma2).pow(2).sum(1)


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """-sum_k target_k log softmax(logits)_k per example. logits: (B, K); target: (B, K) rows of
    class probabilities (non-negative, summing to 1). Returns (B,)."""
    check_tensor(logits, "logits")
    check_tensor(target, "target", finite=False)
    if logits.shape != target.shape or logits.dim() != 2:
        raise ValueError(f"logits and target must both be (B, K), got {tuple(logits.shape)} and "
                         f"{tuple(target.shape)}")
    check_probs(target, "target")
    return -(target * F.log_softmax(logits, dim=1)).sum(1)


class SHOTVAE(M2):
    """M2's network trained with the smooth-ELBO and the optimal-interpolation approximation.

    Same constructor as :class:`M2`, plus (defaults from the official code, main_shot_vae.py):
    smooth: use the smooth-ELBO on labelled data (False: M2's labelled objective);
    smoothing: how the label is smoothed, "mixup" (the code's: mix two labelled images and their
    labels) or "epsilon" (p_hat = (1 - eps) 1_y + eps / K on the clean image);
    label_smoothing: eps of the "epsilon" smoothing, 0.1;
    interpolate: add the optimal-interpolation terms on unlabelled data;
    smooth_beta: Beta(eps, eps) for the labelled mixup, eps = 0.1 (``--mas``);
    interp_beta: Beta(a, a) for the unlabelled interpolation, a = 2 (``--mau``);
    consistency_weight: max weight of CE(p_tilde, q(y | x_tilde)) relative to the labelled
    cross-entropy, 1 (``--wrd``); it is multiplied by alpha like the labelled term;
    w2_weight: max weight of the squared W2 term, in nats of ELBO, 1 (``--pwm``, which the code
    multiplies by the KL weight); ramp_steps: steps until both weights reach their max (the code
    reaches ``--wrd`` at 0.4 of training, ``--wmf``);
    elbo: False trains no VAE at all: the classifier q(y|x) with the labelled cross-entropy and
    the interpolation consistency term only (needs interpolate=True, smooth=False): does the
    VAE matter?
    """

    def __init__(self, *args, smooth: bool = True, interpolate: bool = True,
                 smoothing: str = "mixup", label_smoothing: float = 0.1,
                 smooth_beta: float = 0.1, interp_beta: float = 2.0,
                 consistency_weight: float = 1.0, w2_weight: float = 1.0,
                 ramp_steps: int = 400, elbo: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        check_bool(smooth, "smooth")
        check_bool(interpolate, "interpolate")
        check_bool(elbo, "elbo")
        if not elbo and (smooth or not interpolate):
            raise ValueError("elbo=False trains the classifier with interpolation consistency "
                             "only: it needs interpolate=True and smooth=False")
        for name, value in (("smooth_beta", smooth_beta), ("interp_beta", interp_beta)):
            check_number(value, name, minimum=0, strict_min=True,
                         expected="a positive number (the Beta distribution's parameter)")
        for name, value in (("consistency_weight", consistency_weight),
                            ("w2_weight", w2_weight)):
            check_number(value, name, minimum=0, expected="a number >= 0")
        check_int(ramp_steps, "ramp_steps", minimum=0)
        if smoothing not in SMOOTHINGS:
            raise ValueError(f"smoothing must be one of {SMOOTHINGS}, got {smoothing!r}")
        check_number(label_smoothing, "label_smoothing", minimum=0, maximum=1,
                     expected="a number in [0, 1]")
        self.smooth, self.interpolate = bool(smooth), bool(interpolate)
        self.smoothing, self.label_smoothing = smoothing, float(label_smoothing)
        self.smooth_beta, self.interp_beta = float(smooth_beta), float(interp_beta)
        self.consistency_weight, self.w2_weight = float(consistency_weight), float(w2_weight)
        self.ramp_steps, self.elbo = int(ramp_steps), bool(elbo)
        self.config.update(elbo=self.elbo, smooth=self.smooth, interpolate=self.interpolate,
                           smoothing=self.smoothing, label_smoothing=self.label_smoothing,
                           smooth_beta=self.smooth_beta, interp_beta=self.interp_beta,
                           consistency_weight=self.consistency_weight, w2_weight=self.w2_weight,
                           ramp_steps=self.ramp_steps)

    def _draw(self, beta: float, batch_size: int, device: torch.device, purpose: str
              ) -> tuple[float, torch.Tensor]:
        """lam ~ Beta(beta, beta) and a permutation of the batch: from the stream ``purpose``
        when the model uses streams (:meth:`use_streams`), else from torch's global generator."""
        if self.streams is None:
            lam = float(torch.distributions.Beta(beta, beta).sample())
            return lam, torch.randperm(batch_size, device=device)
        rng = self.streams.numpy(purpose)
        lam = float(rng.beta(beta, beta))
        return lam, torch.as_tensor(rng.permutation(batch_size), device=device)

    def smooth_elbo_loss(self, x: torch.Tensor, y: torch.Tensor, lam: float,
                         perm: torch.Tensor) -> dict[str, torch.Tensor]:
        """Labelled part: -mean L(x, y) + alpha * mean CE(p_hat, q(y | x_hat)).

        x: (B, C, H, W), y: (B,) int64; lam in [0, 1]; perm: (B,) permutation. With lam = 1 this
        is M2's labelled objective.
        """
        check_labels(y, self.num_classes, len(x))
        lab = self.labelled_elbo(x, one_hot(y, self.num_classes), self._noise("noise/labelled"))
        x_hat, p_hat = smooth_labels(x, y, self.num_classes, lam, perm)
        logits_hat = lab["logits"] if lam == 1.0 else self.classify(x_hat)
        ce = soft_cross_entropy(logits_hat, p_hat).mean()
        return dict(loss=-lab["elbo"].mean() + self.alpha * ce, elbo=lab["elbo"].mean(), ce=ce)

    def epsilon_smooth_loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """Labelled part with epsilon smoothing: -mean L(x, y) + alpha * mean CE(p_hat, q(y | x)),
        p_hat = (1 - eps) 1_y + eps / K. x: (B, C, H, W), y: (B,) int64."""
        check_labels(y, self.num_classes, len(x))
        lab = self.labelled_elbo(x, one_hot(y, self.num_classes), self._noise("noise/labelled"))
        eps = self.label_smoothing
        p_hat = (1 - eps) * one_hot(y, self.num_classes) + eps / self.num_classes
        ce = soft_cross_entropy(lab["logits"], p_hat).mean()
        return dict(loss=-lab["elbo"].mean() + self.alpha * ce, elbo=lab["elbo"].mean(), ce=ce)

    def interpolation_loss(self, x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor,
                           logvar: torch.Tensor, lam: float, perm: torch.Tensor
                           ) -> dict[str, torch.Tensor]:
        """CE(p_tilde, q(y | x_tilde)) and W2^2(q(z | x_tilde), target), each a batch mean.

        x: (B, C, H, W) unlabelled images; logits, mu, logvar: their posteriors (detached here).
        """
        p_t, mu_t, sigma_t = interpolation_targets(logits, mu, logvar, lam, perm)
        mu_m, logvar_m, logits_m = self.infer(mix(x, lam, perm))
        ce = soft_cross_entropy(logits_m, p_t).mean()
        w2 = w2_diag_gaussians(mu_m, torch.exp(0.5 * logvar_m), mu_t, sigma_t).mean()
        return dict(ce=ce, w2=w2)

    def loss(self, x_lab: torch.Tensor, y_lab: torch.Tensor, x_unl: torch.Tensor,
             step: int = 0) -> dict[str, torch.Tensor]:
        """The SHOT-VAE objective for one step (``step``, an int >= 0, drives the ramp). Scalars:
        loss, ..."""
        check_int(step, "step", minimum=0)
        check_labels(y_lab, self.num_classes, len(x_lab))
        if not self.elbo:
            return self._consistency_only_loss(x_lab, y_lab, x_unl, step)
        if self.smooth and self.smoothing == "epsilon":
            lab = self.epsilon_smooth_loss(x_lab, y_lab)
        else:
            if self.smooth:
                lam, perm = self._draw(self.smooth_beta, len(x_lab), x_lab.device, "mix/labelled")
            else:
                lam, perm = 1.0, torch.arange(len(x_lab), device=x_lab.device)
            lab = self.smooth_elbo_loss(x_lab, y_lab, lam, perm)
        unl = self.unlabelled_elbo(x_unl, self._noise("noise/unlabelled"))
        loss = lab["loss"] - unl["elbo"].mean()
        out = dict(elbo_lab=lab["elbo"].detach(), elbo_unl=unl["elbo"].mean().detach(),
                   ce=lab["ce"].detach())
        if self.interpolate:
            lam_u, perm_u = self._draw(self.interp_beta, len(x_unl), x_unl.device,
                                       "mix/unlabelled")
            oi = self.interpolation_loss(x_unl, unl["logits"], unl["mu"], unl["logvar"], lam_u,
                                         perm_u)
            s = ramp(step, self.ramp_steps)
            loss = loss + s * (self.alpha * self.consistency_weight * oi["ce"]
                               + self.w2_weight * oi["w2"])
            out.update(ce_interp=oi["ce"].detach(), w2=oi["w2"].detach())
        out["loss"] = loss
        return out

    def _consistency_only_loss(self, x_lab: torch.Tensor, y_lab: torch.Tensor,
                               x_unl: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        """alpha (CE(y, q(y|x)) + ramp * w CE(p_tilde, q(y|x_tilde))): no ELBO, no W2."""
        ce = F.cross_entropy(self.infer(x_lab)[2], y_lab)
        mu, logvar, logits = self.infer(x_unl)
        lam, perm = self._draw(self.interp_beta, len(x_unl), x_unl.device, "mix/unlabelled")
        target = interpolation_targets(logits, mu, logvar, lam, perm)[0]
        ce_interp = soft_cross_entropy(self.infer(mix(x_unl, lam, perm))[2], target).mean()
        weight = ramp(step, self.ramp_steps) * self.consistency_weight
        return dict(loss=self.alpha * (ce + weight * ce_interp), ce=ce.detach(),
                    ce_interp=ce_interp.detach())
