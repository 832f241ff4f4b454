"""Models of the book, one readable module each.

``vae``: the convolutional VAE every chapter starts from (chapter 1; ``beta`` makes it a beta-VAE);
``autoencoder``: the deterministic baseline (chapter 2); ``mlp``: a fully connected encoder
(chapter 3); ``pixelcnn``: masked convolutions and
PixelCNN decoders with a chosen receptive field (chapter 3); ``m2`` and ``shot_vae``: semi-supervised
VAEs (chapters 4-5), ``wrn``: their wide-ResNet trunk for the full CIFAR path; ``family``: the
disentangling objectives, beta-TC-VAE, annealed VAE, DIP-VAE (chapters 6-7).
"""

from vaebook.models import autoencoder, family, m2, mlp, pixelcnn, shot_vae, wrn
from vaebook.models.mlp import MLPEncoder
from vaebook.models.vae import LIKELIHOODS, VAE, ConvDecoder, ConvEncoder, VAEOutput

__all__ = ["VAE", "VAEOutput", "ConvEncoder", "ConvDecoder", "MLPEncoder", "LIKELIHOODS",
           "autoencoder", "family", "m2", "mlp", "pixelcnn", "shot_vae", "wrn"]
