"""Pictures of the models: graphical models (VAE, M2), an encoder/decoder sketch and the receptive
fields of masked convolutions; and, for the statistics page, intervals against 0 and delta with
the verdicts :mod:`vaebook.stats` gives them. Every figure function returns a matplotlib Figure.

The book shows these figures as SVG files in ``book/images/diagrams/``, written by

    python -m vaebook.diagrams book/images/diagrams

with a fixed hash salt and no date, so the same code writes the same bytes and a test can check
that the committed files are up to date. Notation follows the book's notation page.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Patch, Polygon, Rectangle

from vaebook import stats
from vaebook.checks import InputTypeError, check_int
from vaebook.models.pixelcnn import MaskedConv2d, PixelCNNDecoder

__all__ = ["vae_graphical_model", "m2_graphical_model", "encoder_decoder_sketch",
           "receptive_fields", "mask", "visible_field", "blind_spot", "verdict_intervals",
           "EXAMPLE_INTERVALS", "DIAGRAMS", "SVG_RC", "write_svgs"]

SVG_RC = {"svg.hashsalt": "vaebook-diagrams", "svg.fonttype": "path"}  # byte-reproducible SVG
OBSERVED = "#c8d3e6"  # fill of an observed node
GENERATIVE = "#1f3b73"  # the model p_theta: solid arrows
INFERENCE = "#b8432f"  # the encoder q_phi: dashed arrows
VISIBLE, TARGET, BLIND = "#1f3b73", "#f0a030", "#f2c4bb"


# ---------------------------------------------------------------------------------------------
# drawing helpers


def _canvas(width: float, height: float, xlim: tuple[float, float],
            ylim: tuple[float, float]) -> tuple[Figure, Axes]:
    """A figure with one axes in data units, no ticks, equal aspect."""
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _node(ax: Axes, name: str, xy: tuple[float, float], label: str, observed: bool = False,
          radius: float = 0.42) -> Circle:
    """A random variable: a circle, shaded when observed, with ``gid`` node-<name>."""
    circle = Circle(xy, radius, facecolor=OBSERVED if observed else "white", edgecolor="black",
                    linewidth=1.4, zorder=3, gid=f"node-{name}")
    ax.add_patch(circle)
    ax.text(*xy, label, ha="center", va="center", fontsize=15, zorder=4)
    return circle


def _parameter(ax: Axes, name: str, xy: tuple[float, float], label: str) -> Circle:
    """A parameter (not a random variable): a small filled dot with its label beside it."""
    dot = Circle(xy, 0.07, facecolor="black", zorder=3, gid=f"param-{name}")
    ax.add_patch(dot)
    ax.text(xy[0], xy[1] + 0.22, label, ha="center", va="bottom", fontsize=12)
    return dot


def _arrow(ax: Axes, gid: str, start: tuple[float, float], end: tuple[float, float],
           inference: bool = False, rad: float = 0.0, shrink: float = 0.45) -> FancyArrowPatch:
    """A solid generative arrow, or a dashed inference arrow (gid arrow-...)."""
    arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16,
                            connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0,
                            color=INFERENCE if inference else GENERATIVE, linewidth=1.6,
                            linestyle=(0, (4, 3)) if inference else "-", zorder=2, gid=gid)
    # shrink in data units, so arrows stop at the circles whatever the figure size
    (x0, y0), (x1, y1) = np.asarray(start, float), np.asarray(end, float)
    d = np.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    arrow.set_positions((x0 + shrink * ux, y0 + shrink * uy), (x1 - shrink * ux, y1 - shrink * uy))
    ax.add_patch(arrow)
    return arrow


def _plate(ax: Axes, xy: tuple[float, float], width: float, height: float, label: str) -> Rectangle:
    """A plate: the variables inside are repeated once per data point."""
    plate = Rectangle(xy, width, height, fill=False, edgecolor="black", linewidth=1.2,
                      gid="plate")
    ax.add_patch(plate)
    ax.text(xy[0] + width - 0.12, xy[1] + 0.12, label, ha="right", va="bottom", fontsize=13)
    return plate


def _legend(ax: Axes, entries: list[tuple[str, str]], xy: tuple[float, float]) -> None:
    """A legend below a graphical model: (kind, text), kind generative, inference, observed or text."""
    x, y = xy
    for i, (kind, text) in enumerate(entries):
        yy = y - 0.42 * i
        color = INFERENCE if kind == "inference" else GENERATIVE
        style = (0, (4, 3)) if kind == "inference" else "-"
        if kind in ("inference", "generative"):
            ax.plot([x, x + 0.6], [yy, yy], color=color, linestyle=style, linewidth=1.6)
        elif kind == "observed":  # an observed-node swatch
            ax.add_patch(Circle((x + 0.3, yy), 0.13, facecolor=OBSERVED, edgecolor="black"))
        ax.text(x + 0.8, yy, text, va="center", fontsize=10.5)


# ---------------------------------------------------------------------------------------------
# graphical models


def vae_graphical_model() -> Figure:
    """The VAE in plate notation: z -> x under p_theta, the inference arrow q_phi(z|x) dashed.

    One axes; two nodes (``node-z`` latent, ``node-x`` observed), two parameters (``param-theta``,
    ``param-phi``), one solid and one dashed arrow, one plate over the N data points.
    """
    fig, ax = _canvas(4.6, 4.8, (-1.2, 4.2), (-2.3, 3.5))
    z, x = (1.0, 2.0), (1.0, 0.0)
    _plate(ax, (-1.05, -0.8), 3.15, 4.1, "$N$")
    _node(ax, "z", z, "$z$")
    _node(ax, "x", x, "$x$", observed=True)
    _parameter(ax, "theta", (3.1, 0.0), r"$\theta$")
    _parameter(ax, "phi", (3.1, 2.0), r"$\phi$")
    _arrow(ax, "arrow-generative-z-x", z, x)
    _arrow(ax, "arrow-generative-theta-x", (3.1, 0.0), x, shrink=0.1)
    _arrow(ax, "arrow-inference-x-z", x, z, inference=True, rad=-0.55)
    _arrow(ax, "arrow-inference-phi-z", (3.1, 2.0), z, inference=True, shrink=0.1)
    ax.text(0.4, 1.0, r"$q_\phi(z\mid x)$", color=INFERENCE, ha="right", va="center",
            fontsize=11)
    ax.text(1.15, 1.0, r"$p_\theta(x\mid z)$", color=GENERATIVE, ha="left", va="center",
            fontsize=11)
    ax.text(1.0, 2.6, r"$p(z)=\mathcal{N}(0, I)$", ha="center", va="bottom", fontsize=10)
    _legend(ax, [("generative", r"model $p_\theta(x\mid z)\,p(z)$"),
                 ("inference", r"encoder $q_\phi(z\mid x)$"),
                 ("observed", "observed (shaded)")], (-0.9, -1.3))
    return fig


def m2_graphical_model() -> Figure:
    """M2 (Kingma et al. 2014): y and z -> x; the classifier q_phi(y|x) and q_phi(z|x) dashed.

    y is observed for the labelled digits and latent for the unlabelled ones; the node is drawn
    half shaded and the legend says so. One axes; three nodes (``node-y``, ``node-z``,
    ``node-x``), two solid arrows into x (plus theta's), two dashed ones out of x, one plate.
    """
    fig, ax = _canvas(6.0, 5.2, (-1.8, 5.2), (-2.8, 3.5))
    y, z, x = (0.0, 2.0), (2.4, 2.0), (1.2, 0.0)
    _plate(ax, (-1.7, -0.8), 5.8, 4.1, "$N$")
    _node(ax, "y", y, "")
    ax.add_patch(matplotlib.patches.Wedge(y, 0.42, 90, 270, facecolor=OBSERVED, edgecolor="none",
                                          zorder=3.5))
    ax.text(*y, "$y$", ha="center", va="center", fontsize=15, zorder=4)
    _node(ax, "z", z, "$z$")
    _node(ax, "x", x, "$x$", observed=True)
    _parameter(ax, "theta", (4.8, 0.0), r"$\theta$")
    _arrow(ax, "arrow-generative-y-x", y, x)
    _arrow(ax, "arrow-generative-z-x", z, x)
    _arrow(ax, "arrow-generative-theta-x", (4.8, 0.0), x, shrink=0.1)
    _arrow(ax, "arrow-inference-x-y", x, y, inference=True, rad=-0.45)
    _arrow(ax, "arrow-inference-x-z", x, z, inference=True, rad=0.45)
    ax.text(-0.3, 0.75, r"$q_\phi(y\mid x)$", color=INFERENCE, ha="right", va="center",
            fontsize=11)
    ax.text(2.7, 0.75, r"$q_\phi(z\mid x)$", color=INFERENCE, ha="left", va="center",
            fontsize=11)
    ax.text(0.0, 2.6, r"$p(y)=1/C$", ha="center", va="bottom", fontsize=10)
    ax.text(2.4, 2.6, r"$p(z)=\mathcal{N}(0, I)$", ha="center", va="bottom", fontsize=10)
    _legend(ax, [("generative", r"model $p_\theta(x\mid y, z)\,p(y)\,p(z)$"),
                 ("inference", r"classifier $q_\phi(y\mid x)$ and encoder $q_\phi(z\mid x)$"),
                 ("observed", r"observed; $y$ (half shaded) is observed for the labelled"),
                 ("text", r"digits and latent for the unlabelled ones")], (-1.6, -1.3))
    return fig


# ---------------------------------------------------------------------------------------------
# encoder / decoder


def _box(ax: Axes, gid: str, xy: tuple[float, float], width: float, height: float, text: str,
         color: str = "white") -> FancyBboxPatch:
    box = FancyBboxPatch(xy, width, height, boxstyle="round,pad=0.05", facecolor=color,
                         edgecolor="black", linewidth=1.2, gid=gid, zorder=2)
    ax.add_patch(box)
    ax.text(xy[0] + width / 2, xy[1] + height / 2, text, ha="center", va="center", fontsize=12,
            zorder=3)
    return box


def _trapezoid(ax: Axes, gid: str, x0: float, x1: float, left: float, right: float,
               text: str) -> Polygon:
    """A network drawn as a trapezoid from height ``left`` at x0 to ``right`` at x1 (centred on 0)."""
    corners = [(x0, -left / 2), (x1, -right / 2), (x1, right / 2), (x0, left / 2)]
    shape = Polygon(corners, closed=True, facecolor="#eef1f7", edgecolor="black", linewidth=1.2,
                    gid=gid, zorder=2)
    ax.add_patch(shape)
    ax.text((x0 + x1) / 2, 0, text, ha="center", va="center", fontsize=11.5, zorder=3)
    return shape


def _flow(ax: Axes, start: tuple[float, float], end: tuple[float, float],
          color: str = "black", dashed: bool = False) -> FancyArrowPatch:
    arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=13, color=color,
                            linewidth=1.3, linestyle=(0, (4, 3)) if dashed else "-", zorder=1,
                            shrinkA=0, shrinkB=0, gid="flow")
    ax.add_patch(arrow)
    return arrow


def _brace(ax: Axes, x0: float, x1: float, y: float, text: str, color: str) -> None:
    """A bracket under [x0, x1] at height y with an explanation below it."""
    ax.plot([x0, x0, x1, x1], [y + 0.15, y, y, y + 0.15], color=color, linewidth=1.4)
    ax.text((x0 + x1) / 2, y - 0.15, text, ha="center", va="top", fontsize=10.5, color=color)


def encoder_decoder_sketch() -> Figure:
    """x -> encoder -> (mu, log sigma^2) -> z = mu + sigma * eps -> decoder -> p_theta(x|z).

    The two terms of the ELBO are bracketed under the parts of the network they act on: the
    reconstruction term under the decoder's output, the KL (rate) under the encoder's output.
    One axes; boxes for x, mu, log sigma^2, z and p_theta(x|z); trapezoids for the two networks.
    """
    fig, ax = _canvas(10.5, 3.6, (-0.4, 14.6), (-3.6, 1.7))
    _box(ax, "box-x", (0.0, -0.45), 0.9, 0.9, "$x$", OBSERVED)
    _trapezoid(ax, "net-encoder", 1.4, 3.6, 2.2, 1.0, "encoder\n" + r"$q_\phi$")
    _box(ax, "box-mu", (4.2, 0.25), 1.1, 0.7, r"$\mu$")
    _box(ax, "box-logvar", (4.2, -0.95), 1.1, 0.7, r"$\log\sigma^2$")
    _box(ax, "box-z", (6.3, -0.45), 2.9, 0.9, r"$z=\mu+\sigma\odot\varepsilon$", "#fff6e0")
    _box(ax, "box-eps", (7.05, -2.0), 1.4, 0.65, r"$\varepsilon\sim\mathcal{N}(0,I)$")
    _trapezoid(ax, "net-decoder", 9.8, 12.0, 1.0, 2.2, "decoder\n" + r"$p_\theta$")
    _box(ax, "box-px", (12.5, -0.45), 1.7, 0.9, r"$p_\theta(x\mid z)$")
    for start, end in [((0.95, 0), (1.4, 0)), ((3.6, 0.3), (4.15, 0.6)), ((3.6, -0.3), (4.15, -0.6)),
                       ((5.35, 0.6), (6.25, 0.15)), ((5.35, -0.6), (6.25, -0.15)),
                       ((7.75, -1.3), (7.75, -0.5)), ((9.25, 0), (9.8, 0)), ((12.0, 0), (12.45, 0))]:
        _flow(ax, start, end)
    ax.text(7.75, 0.75, "reparameterisation", ha="center", va="bottom", fontsize=10)
    ax.text(7.0, 1.35, r"ELBO$(x)=\mathbb{E}_{q_\phi(z\mid x)}[\log p_\theta(x\mid z)]"
            r"-\mathrm{KL}(q_\phi(z\mid x)\,\|\,p(z))$", ha="center", va="bottom", fontsize=12)
    _brace(ax, 4.2, 5.3, -2.55, "KL$(q_\\phi(z\\mid x)\\,\\|\\,p(z))$\nthe rate $R$: nats in $z$",
           INFERENCE)
    _brace(ax, 12.5, 14.2, -2.55, r"$\mathbb{E}_q[\log p_\theta(x\mid z)]$" + "\nreconstruction\n"
           "(minus the distortion)", GENERATIVE)
    return fig


# ---------------------------------------------------------------------------------------------
# masked convolutions and receptive fields


def mask(kind: str, size: int = 5) -> np.ndarray:
    """The spatial mask of the package's ``MaskedConv2d`` (mask 'A' or 'B'), shape (size, size)."""
    if kind not in ("A", "B"):
        raise ValueError(f"kind must be 'A' or 'B', got {kind!r}")
    check_int(size, "size", minimum=1)
    return MaskedConv2d(1, 1, size, kind).mask[0, 0].numpy().astype(bool)


def visible_field(context: int | str, size: int = 28) -> np.ndarray:
    """Which input pixels reach the output at the centre pixel of a ``size`` x ``size`` image.

    Measured from the real decoder, ``PixelCNNDecoder((1, size, size), latent_dim=2,
    context=context)``, by backpropagating from the output at pixel (size//2, size//2), as
    chapter 3 does. The weights and biases are set to a positive constant and the input to ones,
    so every ReLU passes and a pixel gets a non-zero gradient exactly when the architecture
    connects it: the field is structural, not an accident of one random initialisation.
    Returns a boolean (size, size) array.
    """
    check_int(size, "size", minimum=8)
    if size % 4:
        raise ValueError(f"size must be divisible by 4, got {size}")
    decoder = PixelCNNDecoder((1, size, size), latent_dim=2, context=context)
    with torch.no_grad():
        for p in decoder.parameters():
            p.fill_(0.05)
    x = torch.ones(1, 1, size, size, requires_grad=True)
    centre = size // 2
    decoder(x, torch.zeros(1, 2))[0, 0, centre, centre].backward()
    return (x.grad[0, 0] != 0).numpy()


def blind_spot(field: np.ndarray) -> np.ndarray:
    """Pixels before the centre in raster order, inside the field's reach, that it cannot see.

    "Inside the reach" is the bounding box of the visible pixels (rows above the centre, and the
    centre row to its left): unseen pixels there are the blind spot of stacked masked
    convolutions, not merely pixels too far away.
    """
    if not isinstance(field, np.ndarray) or field.ndim != 2 or field.dtype != bool:
        raise InputTypeError("field must be a 2-D boolean numpy array")
    h, w = field.shape
    r, c = h // 2, w // 2
    rows, cols = np.nonzero(field)
    if rows.size == 0:
        return np.zeros_like(field)
    before = np.zeros_like(field)
    before[:r] = True
    before[r, :c] = True
    box = np.zeros_like(field)
    box[rows.min():r + 1, cols.min():cols.max() + 1] = True
    return before & box & ~field


def _field_image(field: np.ndarray, target: tuple[int, int], blind: np.ndarray | None = None
                 ) -> np.ndarray:
    """Codes for drawing: 0 hidden, 1 visible, 2 the predicted pixel, 3 blind spot."""
    image = field.astype(int)
    if blind is not None:
        image[blind] = 3
    image[target] = 2
    return image


def _draw_grid(ax: Axes, image: np.ndarray, title: str) -> None:
    cmap = ListedColormap(["white", VISIBLE, TARGET, BLIND])
    ax.imshow(image, cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
    h, w = image.shape
    ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
    ax.grid(which="minor", color="#999999", linewidth=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10.5)


def receptive_fields() -> Figure:
    """Masks A and B (5x5), the local decoders' windows (l = 1, 2, 3) and the full PixelCNN's field.

    Six axes. Masks come from ``MaskedConv2d``; the fields are measured from ``PixelCNNDecoder``
    by ``visible_field`` (4, 12 and 24 pixels for l = 1, 2, 3, i.e. 2l^2 + 2l). The full
    PixelCNN's panel marks its blind spot (``blind_spot``).
    """
    fig, axes = plt.subplots(2, 3, figsize=(9.6, 5.6))
    for ax, kind, note in [(axes[0, 0], "A", "centre hidden (first layer)"),
                           (axes[0, 1], "B", "centre seen (later layers)")]:
        m = mask(kind)
        image = _field_image(m, (2, 2)) if kind == "A" else m.astype(int)
        _draw_grid(ax, image, f"mask {kind}, 5x5: {note}")
        if kind == "B":  # the centre is part of mask B: outline it instead of colouring it
            ax.add_patch(Rectangle((1.5, 1.5), 1, 1, fill=False, edgecolor=TARGET, linewidth=3))
    size, crop = 28, 5  # show rows/cols centre-crop .. centre+crop around the predicted pixel
    centre = size // 2
    window = (slice(centre - crop, centre + 2), slice(centre - crop, centre + crop + 1))
    for ax, radius in zip([axes[0, 2], axes[1, 0], axes[1, 1]], (1, 2, 3), strict=True):
        field = visible_field(radius, size)
        image = _field_image(field, (centre, centre))[window]
        _draw_grid(ax, image, f"local decoder, $l={radius}$: {int(field.sum())} pixels")
    field = visible_field("full", size)
    blind = blind_spot(field)
    wide = (slice(centre - 9, centre + 2), slice(centre - 10, centre + 11))
    image = _field_image(field, (centre, centre), blind)[wide]
    _draw_grid(axes[1, 2], image, f"full PixelCNN: {int(field.sum())} pixels,\n"
               f"blind spot of {int(blind.sum())}")
    handles = [Patch(facecolor=VISIBLE, label="visible input pixel"),
               Patch(facecolor=TARGET, label="pixel being predicted (masks: the centre)"),
               Patch(facecolor=BLIND, label="blind spot: earlier pixel never seen"),
               Patch(facecolor="white", edgecolor="#999999", label="not visible")]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=10, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


# ---------------------------------------------------------------------------------------------
# the decision rule (statistics page)

# Illustrative 95% intervals (low, high) of an effect in the claimed direction, in units of the
# smallest effect of interest (delta = 1): one of each case the rule distinguishes.
EXAMPLE_INTERVALS: tuple[tuple[float, float], ...] = (
    (1.3, 2.5),    # above delta: holds
    (0.3, 1.7),    # above 0, reaching below delta: still holds
    (-0.5, 1.8),   # covers 0 and delta: inconclusive
    (0.15, 0.8),   # above 0 but wholly below delta: does not hold (no effect that matters)
    (-0.6, 0.7),   # covers 0, wholly below delta: does not hold (no effect that matters)
    (-1.7, -0.4),  # wholly below 0: does not hold (the opposite holds)
)
VERDICT_COLOURS = {stats.HOLDS: GENERATIVE, stats.INCONCLUSIVE: "#777777",
                   stats.NOT_HERE: INFERENCE}


def verdict_intervals() -> Figure:
    """Illustrative 95% intervals (:data:`EXAMPLE_INTERVALS`) drawn against 0 and delta, each
    labelled with the verdict and reading that :func:`vaebook.stats.verdict` gives it.

    One axes; lines ``zero-line`` and ``delta-line``; interval ``i`` is the line ``interval-i``
    (its x data are low and high) with its label ``verdict-i``.
    """
    delta = 1.0
    fig, ax = plt.subplots(figsize=(8.6, 3.7))
    xmin, xmax = -2.0, 2.8
    ax.axvspan(xmin, 0, color="#f6e3df", zorder=0)
    ax.axvspan(0, delta, color="#eeeeee", zorder=0)
    ax.axvline(0, color="black", linewidth=1.4, zorder=1, gid="zero-line")
    ax.axvline(delta, color="black", linewidth=1.4, linestyle=(0, (4, 3)), zorder=1,
               gid="delta-line")
    rows = len(EXAMPLE_INTERVALS)
    for i, (low, high) in enumerate(EXAMPLE_INTERVALS):
        y = rows - i
        name = stats.verdict(low, high, delta)
        colour = VERDICT_COLOURS[name]
        ax.plot([low, high], [y, y], color=colour, linewidth=3.2, solid_capstyle="butt", zorder=3,
                gid=f"interval-{i}")
        ax.plot([low, low, np.nan, high, high], [y - 0.18, y + 0.18, np.nan, y - 0.18, y + 0.18],
                color=colour, linewidth=1.6, zorder=3)
        ax.plot([(low + high) / 2], [y], "o", color=colour, markersize=6, zorder=4)
        why = stats.reading(low, high, delta)
        ax.text(1.02, y, name + (f" ({why})" if why else ""), transform=ax.get_yaxis_transform(),
                va="center", ha="left", fontsize=10.5, color=colour, gid=f"verdict-{i}")
    for x, text in [((xmin + 0) / 2, "other side of 0"), (delta / 2, "too small\nto matter"),
                    ((delta + xmax) / 2, "large enough\nto matter")]:
        ax.text(x, rows + 0.75, text, ha="center", va="center", fontsize=9.5, color="#555555")
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(0.4, rows + 1.25)
    ax.set_yticks(range(rows, 0, -1), [chr(ord("A") + i) for i in range(rows)])
    ax.set_xticks([-1, 0, delta, 2], ["$-\\delta$", "0", "$\\delta$", "$2\\delta$"])
    ax.set_xlabel("effect in the claimed direction (95% interval and mean; illustrative)")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# SVG files for the book

DIAGRAMS: dict[str, Callable[[], Figure]] = {
    "vae_graphical_model": vae_graphical_model,
    "m2_graphical_model": m2_graphical_model,
    "encoder_decoder_sketch": encoder_decoder_sketch,
    "receptive_fields": receptive_fields,
    "verdict_intervals": verdict_intervals,
}


def write_svgs(outdir: str | Path) -> list[Path]:
    """Write every diagram as ``outdir/<name>.svg`` (byte-reproducible); return the paths."""
    if not isinstance(outdir, (str, Path)) or str(outdir) == "":
        raise InputTypeError(f"outdir must be a non-empty str or Path, got {outdir!r}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    with matplotlib.rc_context(SVG_RC):
        for name, make in DIAGRAMS.items():
            fig = make()
            path = outdir / f"{name}.svg"
            fig.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
            plt.close(fig)
            paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m vaebook.diagrams [OUTDIR]`` (default ``book/images/diagrams``)."""
    parser = argparse.ArgumentParser(prog="python -m vaebook.diagrams",
                                     description="Write the book's diagrams as SVG files.")
    parser.add_argument("outdir", nargs="?", default="book/images/diagrams",
                        help="folder for the SVG files (default: %(default)s)")
    args = parser.parse_args(argv)
    for path in write_svgs(args.outdir):
        print(path)
    return 0


if __name__ == "__main__":
    matplotlib.use("Agg")
    raise SystemExit(main())
