"""An interactive latent explorer, and the static figure that stands in for it in the book.

In a live notebook, ``latent_explorer`` shows one slider per latent coordinate and redraws the
decoded image as they move. The rendered book cannot run Python, so chapters also show
``latent_grid``: the decoder's output over a grid of two coordinates, the others held fixed.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from vaebook.checks import check_int, check_int_sequence, check_model, check_number, check_tensor
from vaebook.plots import show_images

__all__ = ["latent_grid", "latent_explorer"]


@torch.no_grad()
def latent_grid(model: torch.nn.Module, z0: torch.Tensor | None = None, dims: tuple[int, int] = (0, 1),
                limit: float = 2.5, steps: int = 9) -> Figure:
    """Decode a steps x steps grid over two latent coordinates (rows: dims[0], columns: dims[1]).

    z0: (D,) the code the other coordinates keep (default: zeros, the prior's mean).
    """
    check_model(model, methods=("decode", "mean_image"), what="VAE-like model")
    latent_dim = model.latent_dim
    z0 = torch.zeros(latent_dim) if z0 is None else z0
    if not isinstance(z0, torch.Tensor) or z0.shape != (latent_dim,):
        raise ValueError(f"z0 must be a tensor of shape ({latent_dim},)")
    check_tensor(z0, "z0")
    check_number(limit, "limit", minimum=0, strict_min=True, expected="positive (and finite)")
    check_int_sequence(dims, "dims", minimum=0)
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < latent_dim for d in dims):
        raise ValueError(f"dims must be two different indices below {latent_dim}, got {dims}")
    steps = check_int(steps, "steps", minimum=2)
    values = torch.linspace(-limit, limit, steps)
    z = z0.repeat(steps * steps, 1)
    z[:, dims[0]] = values.repeat_interleave(steps)
    z[:, dims[1]] = values.repeat(steps)
    device = next(model.parameters()).device
    x = model.mean_image(model.decode(z.to(device))).cpu()
    fig = show_images(x, nrow=steps)
    fig.axes[0].set_title(f"decoder over $z_{{{dims[0]}}}$ (down) and $z_{{{dims[1]}}}$ (across), "
                          f"from {-limit} to {limit}")
    return fig


def latent_explorer(model: torch.nn.Module, z0: torch.Tensor | None = None, limit: float = 3.0):
    """Sliders for every latent coordinate and the decoded image; returns the ipywidgets box.

    Needs a live kernel (Jupyter, Colab); in a static page use :func:`latent_grid`.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    check_model(model, methods=("decode", "mean_image"), what="VAE-like model")
    check_number(limit, "limit", minimum=0, strict_min=True, expected="positive (and finite)")
    latent_dim = model.latent_dim
    if isinstance(z0, torch.Tensor):
        z0 = z0.detach().cpu().numpy()
    start = np.zeros(latent_dim) if z0 is None else np.asarray(z0, dtype=float)
    if start.shape != (latent_dim,) or not np.isfinite(start).all():
        raise ValueError(f"z0 must have shape ({latent_dim},) and finite values")
    sliders = [widgets.FloatSlider(value=float(v), min=-limit, max=limit, step=0.1,
                                   description=f"z{i}", continuous_update=False)
               for i, v in enumerate(start)]
    out = widgets.Output()
    device = next(model.parameters()).device

    def redraw(_change=None) -> None:
        z = torch.tensor([[s.value for s in sliders]], dtype=torch.float32, device=device)
        with torch.no_grad():
            image = model.mean_image(model.decode(z)).cpu()[0]
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(2.5, 2.5))
            channels_last = image.permute(1, 2, 0).numpy()
            ax.imshow(channels_last[..., 0] if image.shape[0] == 1 else channels_last,
                      cmap="gray", vmin=0, vmax=1)
            ax.axis("off")
            plt.show()

    for s in sliders:
        s.observe(redraw, names="value")
    redraw()
    return widgets.HBox([widgets.VBox(sliders), out])
