"""The input checks every public function of vaebook shares.

Each helper raises with a message that names the argument, says what was expected and what was
given, e.g. ``x must be a float32 tensor of shape (B, 1, 28, 28) with values in [0, 1]; got
shape (3, 28, 28)``. Wrong values and shapes raise ``ValueError``; wrong types raise
:class:`InputTypeError`, a ``TypeError`` that is also a ``ValueError`` (earlier versions raised
``ValueError`` for some wrong types, and code that catches it keeps working).

Rules that hold across the package:

- NaN counts as out of range for every number with a documented range, and infinities are refused
  unless a function says it takes them.
- bools are not ints or numbers here (``True`` is not a batch size), floats are not ints (not
  even 2.0), and a flag is a bool (``'no'`` is not False).
- a probability vector has finite, non-negative entries that sum to 1 (:func:`check_probs`).
- a log-density or KL that overflows to inf (e.g. exp(logvar) for a huge logvar) is refused
  with the range of the dtype (:func:`check_overflow`), never returned.
- dtypes: a model takes images and codes of its own floating dtype (float32 unless the model was
  converted); any other dtype is refused with the conversion to use (``x.float()``), never
  converted silently. NumPy-facing functions (metrics, probes, statistics) take any real dtype
  and compute in float64, as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["InputTypeError", "describe", "check_int", "check_number", "check_bool", "check_str",
           "check_choice", "check_tensor", "check_images", "check_codes", "check_array",
           "check_model", "check_callable", "check_generator", "check_int_sequence",
           "check_probs", "exp_limit", "check_overflow", "model_dtype"]


class InputTypeError(TypeError, ValueError):
    """An argument of the wrong type (a TypeError; also a ValueError for older callers)."""


def describe(value: Any) -> str:
    """A short description of what was passed: type, and dtype and shape for arrays."""
    if isinstance(value, torch.Tensor):
        return f"a {str(value.dtype).replace('torch.', '')} tensor of shape {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}" if value is not None else "None"


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)))


def check_int(value: Any, name: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """An int (NumPy ints too, not bool) in [minimum, maximum]; returns a Python int."""
    kind = ("an int" if minimum is None else
            {0: "a non-negative int", 1: "a positive int"}.get(minimum, f"an int >= {minimum}"))
    if not _is_int(value):
        raise InputTypeError(f"{name} must be {kind}, got {describe(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an int <= {maximum}, got {value!r}")
    return int(value)


def _range_text(minimum: float | None, maximum: float | None, strict_min: bool,
                strict_max: bool) -> str:
    if minimum is not None and maximum is not None:
        return (f"in {'(' if strict_min else '['}{minimum:g}, {maximum:g}"
                f"{')' if strict_max else ']'}")
    if minimum is not None:
        return f"{'>' if strict_min else '>='} {minimum:g}"
    if maximum is not None:
        return f"{'<' if strict_max else '<='} {maximum:g}"
    return "finite"


def check_number(value: Any, name: str, *, minimum: float | None = None,
                 maximum: float | None = None, strict_min: bool = False,
                 strict_max: bool = False, finite: bool = True,
                 expected: str | None = None) -> float:
    """A real number (not bool, not NaN; finite unless ``finite=False``) in the given range;
    ``expected`` replaces the range in messages (e.g. "a non-negative number")."""
    if isinstance(value, torch.Tensor) and value.dim() == 0 and not value.dtype == torch.bool:
        value = value.item()
    if not _is_real(value):
        raise InputTypeError(f"{name} must be {expected or 'a number'}, got {describe(value)}")
    value = float(value)
    text = _range_text(minimum, maximum, strict_min, strict_max)
    if math.isnan(value) or (finite and math.isinf(value)):
        want = (f"{expected} (finite, not NaN)" if expected else
                f"a finite number{'' if text == 'finite' else ' ' + text}")
        raise ValueError(f"{name} must be {want}, got {value!r}")
    if ((minimum is not None and (value < minimum or (strict_min and value == minimum)))
            or (maximum is not None and (value > maximum or (strict_max and value == maximum)))):
        raise ValueError(f"{name} must be {expected or text}, got {value!r}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """True or False (NumPy bools too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def check_str(value: Any, name: str, *, nonempty: bool = True) -> str:
    """A (non-empty) string."""
    if not isinstance(value, str):
        raise InputTypeError(f"{name} must be a string, got {describe(value)}")
    if nonempty and not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def check_choice(value: Any, name: str, choices: Sequence[Any]) -> Any:
    """One of ``choices`` (compared with ==, bools never match ints)."""
    for c in choices:
        if type(value) is type(c) and value == c:
            return value
    raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")


_KINDS = {"float": "a floating-point", "int": "an integer", "int64": "an int64",
          "real": "a real-valued", None: "a"}


def check_tensor(x: Any, name: str, *, ndim: int | None = None,
                 shape: Sequence[int | None] | None = None, kind: str | None = "float",
                 dtype: torch.dtype | None = None, nonempty: bool = True,
                 finite: bool = True) -> torch.Tensor:
    """A torch tensor with ``ndim`` dimensions (or ``shape``, None entries free), of dtype
    ``kind`` ("float", "int", "int64", "real" or None) or exactly ``dtype``, with at least one
    entry (``nonempty``) and, for floats, no NaN or inf (``finite``)."""
    if not isinstance(x, torch.Tensor):
        raise InputTypeError(f"{name} must be a torch.Tensor, got {describe(x)}")
    if shape is not None:
        ndim = len(shape)
    if ndim is not None and x.dim() != ndim:
        want = ("(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
                if shape is not None else f"{ndim}-D")
        raise ValueError(f"{name} must have shape {want}, got {describe(x)}")
    if shape is not None and any(s is not None and s != t for s, t in zip(shape, x.shape,
                                                                          strict=True)):
        want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {describe(x)}")
    if dtype is not None and x.dtype != dtype:
        hint = " (convert with .float())" if dtype == torch.float32 else ""
        raise InputTypeError(f"{name} must have dtype {str(dtype).replace('torch.', '')}"
                             f"{hint}, got {describe(x)}")
    ok = {"float": x.is_floating_point(),
          "int": not x.is_floating_point() and not x.is_complex() and x.dtype != torch.bool,
          "int64": x.dtype == torch.int64,
          "real": not x.is_complex() and x.dtype != torch.bool,
          None: True}[kind]
    if not ok:
        raise InputTypeError(f"{name} must be {_KINDS[kind]} tensor, got {describe(x)}")
    if nonempty and x.numel() == 0:
        raise ValueError(f"{name} is empty ({describe(x)}); it needs at least one entry")
    if finite and x.is_floating_point() and x.numel() and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or infinite values ({describe(x)})")
    return x


def check_probs(p: Any, name: str, *, shape: Sequence[int | None] | None = None,
                dtype: torch.dtype | None = None) -> torch.Tensor:
    """A float tensor of probability vectors along its last dimension (a categorical prior,
    class probabilities, mixture weights): finite, non-negative entries that sum to 1 within
    ``max(1e-4, 10 * eps)`` of its dtype; ``shape`` and ``dtype`` as in :func:`check_tensor`."""
    check_tensor(p, name, shape=shape, dtype=dtype, finite=False)
    want = (f"{name} must hold probability vectors (finite, non-negative entries summing to 1 "
            f"along the last dimension)")
    if p.dim() == 0:
        raise ValueError(f"{want}, got {describe(p)}")
    values = p.detach()
    if not bool(torch.isfinite(values).all()):
        raise ValueError(f"{want}; got NaN or infinite entries ({describe(p)})")
    low = float(values.min())
    if low < 0:
        raise ValueError(f"{want}; got a negative entry {low:.4g}")
    atol = max(1e-4, 10 * torch.finfo(p.dtype).eps)
    sums = values.sum(-1, dtype=torch.promote_types(p.dtype, torch.float32))
    if float((sums - 1).abs().max()) > atol:
        raise ValueError(f"{want} within {atol:.2g}; got sums in [{float(sums.min()):.6g}, "
                         f"{float(sums.max()):.6g}]")
    return p


def exp_limit(dtype: torch.dtype) -> float:
    """The largest x whose exp(x) is finite in the floating ``dtype`` (about 88.7 for float32,
    709.8 for float64): exp(logvar) and exp(-logvar) are finite for |logvar| up to it."""
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InputTypeError(f"dtype must be a floating torch.dtype, got {describe(dtype)}")
    return math.log(torch.finfo(dtype).max)


def check_overflow(result: torch.Tensor, what: str, *, logvar: torch.Tensor | None = None,
                   hint: str = "") -> torch.Tensor:
    """Raise ValueError when ``result``, computed from finite inputs, overflowed to infinite (or
    NaN) values; the message gives the log-variance range of its dtype when ``logvar`` was an
    input (see :func:`exp_limit`), or ``hint``."""
    if bool(torch.isfinite(result).all()):
        return result
    if logvar is not None:
        dtype, logvar = str(logvar.dtype).replace("torch.", ""), logvar.detach()
        hint = (f"logvar must lie in the finite range |logvar| <= {exp_limit(logvar.dtype):.4g} "
                f"of {dtype} (beyond it exp(logvar) or exp(-logvar) overflows), got logvar in "
                f"[{float(logvar.min()):.4g}, {float(logvar.max()):.4g}]")
    raise ValueError(f"{what} overflowed to infinite or NaN values" + (f": {hint}" if hint else ""))


def model_dtype(model: torch.nn.Module) -> torch.dtype | None:
    """The dtype of a model's first floating-point parameter (None if it has none)."""
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return None


def _check_model_dtype(t: torch.Tensor, name: str, dtype: torch.dtype | None) -> None:
    """Raise unless ``t`` has the model's dtype ``dtype`` (when given)."""
    if dtype is not None and t.dtype != dtype:
        raise InputTypeError(f"{name} must have the model's dtype {dtype} (convert with "
                             f"{name}.to({dtype})), got {t.dtype}")


def check_images(x: Any, name: str = "x", shape: Sequence[int] | None = None,
                 dtype: torch.dtype | None = None) -> None:
    """Raise unless ``x`` is a non-empty float tensor (B, C, H, W) with values in [0, 1] (no NaN),
    with (C, H, W) = ``shape`` when given and of dtype ``dtype`` when given (a model's dtype)."""
    want = f"(B, {', '.join(map(str, shape))})" if shape is not None else "(B, C, H, W)"
    what = (f"{name} must be a {str(dtype).replace('torch.', '') if dtype else 'float'} "
            f"torch.Tensor of shape {want} with values in [0, 1]")
    if not isinstance(x, torch.Tensor):
        raise InputTypeError(f"{what}; got {describe(x)}")
    if not x.is_floating_point():
        raise InputTypeError(f"{name} must be a floating-point tensor in [0, 1], got dtype "
                             f"{x.dtype} ({what})")
    if x.dim() != 4:
        raise ValueError(f"{name} must have shape {want}, got {tuple(x.shape)} ({what})")
    if shape is not None and tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"{name} must have shape {want}, got {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}); it needs at least one image")
    _check_model_dtype(x, name, dtype)
    if torch.isnan(x).any() or x.min() < 0 or x.max() > 1:
        raise ValueError(f"{name} must hold values in [0, 1] (no NaN)")


def check_codes(z: Any, latent_dim: int, name: str = "z",
                dtype: torch.dtype | None = None) -> None:
    """Raise unless ``z`` is a non-empty, finite float tensor of latent codes (B, latent_dim)
    (of dtype ``dtype`` when given, the model's)."""
    want = f"{name} must be a tensor of shape (B, {latent_dim})"
    if not isinstance(z, torch.Tensor):
        raise InputTypeError(f"{want}, got {describe(z)}")
    if z.dim() != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"{want}, got {tuple(z.shape)}")
    if not z.is_floating_point():
        raise InputTypeError(f"{want} of floats, got dtype {z.dtype}")
    if z.shape[0] == 0:
        raise ValueError(f"{want} with B >= 1, got {tuple(z.shape)}")
    _check_model_dtype(z, name, dtype)
    if not bool(torch.isfinite(z).all()):
        raise ValueError(f"{name} contains NaN or infinite values; latent codes must be finite")


def check_array(a: Any, name: str, *, ndim: int | None = None, kind: str = "real",
                finite: bool = True, min_rows: int = 1) -> np.ndarray:
    """A NumPy array (tensors, lists and tuples are converted) with ``ndim`` dimensions, of
    ``kind`` "real" (ints, floats, bools) or "int", finite, with at least ``min_rows`` rows."""
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    elif isinstance(a, (list, tuple)):
        try:
            a = np.asarray(a)
        except ValueError as err:
            raise ValueError(f"{name} must be a rectangular array, got a ragged sequence") from err
    if not isinstance(a, np.ndarray):
        raise InputTypeError(f"{name} must be a numpy array or torch tensor, got {describe(a)}")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got {describe(a)}")
    kinds = {"real": "biuf", "int": "iu"}[kind]
    if a.dtype.kind not in kinds:
        raise InputTypeError(f"{name} must hold {'real numbers' if kind == 'real' else 'ints'}, "
                             f"got dtype {a.dtype}")
    if a.ndim and len(a) < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {describe(a)}")
    if finite and a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return a


def check_model(model: Any, name: str = "model", *, cls: type | tuple[type, ...] | None = None,
                methods: Sequence[str] = (), what: str | None = None) -> torch.nn.Module:
    """A torch ``nn.Module`` with parameters (an instance of ``cls`` when given) that has
    ``methods``; ``what`` describes the kind of model expected in the message."""
    kind = what or (" or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
                    if cls is not None else "torch nn.Module")
    if cls is not None and not isinstance(model, cls):
        raise InputTypeError(f"{name} must be a {kind}, got {type(model).__name__}")
    if not isinstance(model, torch.nn.Module):
        raise InputTypeError(f"{name} must be a {kind} (a torch nn.Module), got "
                             f"{type(model).__name__}")
    for method in methods:
        if not callable(getattr(model, method, None)):
            raise InputTypeError(f"{name} must be a {kind} with a {method}() method; "
                                 f"{type(model).__name__} has none")
    if next(model.parameters(), None) is None:
        raise ValueError(f"{name} ({type(model).__name__}) has no parameters")
    return model


def check_callable(value: Any, name: str) -> Any:
    if not callable(value):
        raise InputTypeError(f"{name} must be callable, got {describe(value)}")
    return value


def check_generator(value: Any, name: str = "generator") -> torch.Generator | None:
    """None or a ``torch.Generator``."""
    if value is not None and not isinstance(value, torch.Generator):
        raise InputTypeError(f"{name} must be None or a torch.Generator, got {describe(value)}")
    return value


def check_int_sequence(values: Any, name: str, *, minimum: int | None = None,
                       nonempty: bool = True) -> tuple[int, ...]:
    """A list or tuple (or 1-D array) of ints, each >= minimum; returns a tuple of ints."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, np.ndarray,
                                                                    range)):
        raise InputTypeError(f"{name} must be a list or tuple of ints, got {describe(values)}")
    if nonempty and len(values) == 0:
        raise ValueError(f"{name} must not be empty")
    return tuple(check_int(v, f"{name}[{i}]", minimum=minimum) for i, v in enumerate(values))
