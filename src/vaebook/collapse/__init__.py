"""Posterior collapse, measured.

``rate``: KL per latent dimension, active units, rate and distortion of a trained VAE (chapter 2).
``variables``: mean, sampled and variance representations; active, mixed and passive variables
(selective posterior collapse, chapter 7).
"""

from vaebook.collapse.rate import *  # noqa: F403
from vaebook.collapse.variables import *  # noqa: F403
