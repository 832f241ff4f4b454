"""Random streams derived from (seed, purpose): what makes two arms of one seed truly paired.

A run of an experiment has several stochastic parts: each module's initialisation, the order of
the minibatches, the label split, the mixing draws of SHOT-VAE, the sampling noise of the
reparameterisation, the probe's split. If they all draw from one global generator, an arm that
changes one part (a decoder with more weights draws more numbers when it is built) shifts every
draw after it, and the two arms of a "paired" seed start from different encoders.

Here each part gets its own stream, seeded from ``sha256(f"{seed}:{purpose}")``, so two arms
with the same seed share every part they do not deliberately change::

    streams = Streams(seed)
    init_module(model.encoder, streams, "init/encoder")     # identical in every arm
    order = streams.generator("data/order")                 # identical batches in every arm
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from vaebook.checks import InputTypeError, check_bool, check_int, check_str

__all__ = ["derive_seed", "Streams", "check_streams", "seeded", "init_module"]

_MASK = (1 << 63) - 1  # torch.Generator.manual_seed takes a 64-bit int; keep it positive


def derive_seed(seed: int, purpose: str) -> int:
    """A 63-bit seed for one stochastic part of a run: ``sha256("{seed}:{purpose}")``.

    seed: the run's seed (int >= 0); purpose: a short name such as ``"init/encoder"``.
    Different purposes give unrelated streams; the same (seed, purpose) always the same one.
    """
    check_int(seed, "seed", minimum=0)
    check_str(purpose, "purpose")
    digest = hashlib.sha256(f"{int(seed)}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & _MASK


class Streams:
    """The random streams of one run with seed ``seed``, one per purpose (created on first use).

    ``generator(purpose)`` is a torch.Generator (on ``device``), ``numpy(purpose)`` a NumPy
    Generator; asking twice for the same purpose returns the same object, which goes on where it
    left off.
    """

    def __init__(self, seed: int, device: str | torch.device = "cpu") -> None:
        self.seed = check_int(seed, "seed", minimum=0)
        self.device = torch.device(device)
        self._torch: dict[str, torch.Generator] = {}
        self._numpy: dict[str, np.random.Generator] = {}

    def generator(self, purpose: str, device: str | torch.device | None = None) -> torch.Generator:
        """The torch.Generator for ``purpose``, on ``device`` (default: this run's device; index
        permutations want ``"cpu"``)."""
        device = self.device if device is None else torch.device(device)
        key = f"{purpose}@{device}"
        if key not in self._torch:
            g = torch.Generator(device=device)
            g.manual_seed(derive_seed(self.seed, purpose))
            self._torch[key] = g
        return self._torch[key]

    def numpy(self, purpose: str) -> np.random.Generator:
        """The NumPy Generator for ``purpose`` (for draws torch cannot seed, e.g. Beta)."""
        if purpose not in self._numpy:
            self._numpy[purpose] = np.random.default_rng(derive_seed(self.seed, purpose))
        return self._numpy[purpose]

    def __repr__(self) -> str:
        return f"Streams(seed={self.seed}, device={self.device})"


def check_streams(streams: object, *, optional: bool = False) -> Streams | None:
    """A :class:`Streams` (or None when ``optional``, a bool); a clear TypeError otherwise."""
    if check_bool(optional, "optional") and streams is None:
        return None
    if not isinstance(streams, Streams):
        kind = "None or a vaebook.seeding.Streams" if optional else "a vaebook.seeding.Streams"
        raise InputTypeError(f"streams must be {kind}, got {type(streams).__name__}")
    return streams


@contextmanager
def seeded(seed: int, purpose: str) -> Iterator[None]:
    """Run a block with torch's global CPU generator seeded from (seed, purpose), then restore it.

    For code that draws from the global generator and takes no generator argument (a module's
    ``reset_parameters``).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, purpose))
        yield


def init_module(module: nn.Module, streams: Streams, purpose: str) -> nn.Module:
    """Re-initialise every layer of ``module`` (each ``reset_parameters``) from its own stream.

    The weights are drawn on the CPU in a fixed order, so they do not depend on what else was
    built before, on the device or on the thread count. Returns ``module``.
    """
    if not isinstance(module, nn.Module):
        raise InputTypeError(f"module must be a torch nn.Module, got {type(module).__name__}")
    check_streams(streams)
    with seeded(streams.seed, purpose), torch.no_grad():
        for layer in module.modules():
            reset = getattr(layer, "reset_parameters", None)
            if callable(reset):
                if any(p.device.type != "cpu" for p in layer.parameters(recurse=False)):
                    raise ValueError("init_module draws weights on the CPU: call it before "
                                     "moving the module to another device")
                reset()
    return module
