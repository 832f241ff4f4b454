"""vaebook: the tested PyTorch code behind the book *Representation learning with VAEs*."""

__version__ = "0.1.0"
