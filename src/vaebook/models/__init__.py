"""Models of the book. ``vae``: the convolutional VAE every chapter starts from."""

from vaebook.models.vae import LIKELIHOODS, VAE, ConvDecoder, ConvEncoder, VAEOutput

__all__ = ["VAE", "VAEOutput", "ConvEncoder", "ConvDecoder", "LIKELIHOODS"]
