"""The FULL = True path of Chapter 5: SHOT-VAE with the paper's Wide ResNet trunk on CIFAR.

SHOT-VAE's CIFAR numbers (Feng et al. 2021) use a WRN-28-2 encoder (Zagoruyko & Komodakis 2016),
a 128-dimensional z and a transposed-convolution decoder, trained with SGD for 600 epochs on a
GPU. :func:`shot_vae_cifar` builds that network from our pieces: :class:`WideResNet` as the
trunk and the book's :class:`~vaebook.models.vae.ConvDecoder` reading [z, y].
"""

from __future__ import annotations

import torch
from torch import nn

from vaebook.checks import check_int, check_int_sequence
from vaebook.models.shot_vae import SHOTVAE
from vaebook.models.vae import ConvDecoder

__all__ = ["WideResNet", "shot_vae_cifar"]


class _Block(nn.Module):
    """Pre-activation residual block: BN-ReLU-conv3x3-BN-ReLU-conv3x3, 1x1 shortcut if needed."""

    def __init__(self, in_ch: int, out_ch: int, stride: int) -> None:
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(in_ch), nn.BatchNorm2d(out_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False)
        self.shortcut = (nn.Identity() if in_ch == out_ch and stride == 1 else
                         nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False))
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.bn1(x))
        skip = x if isinstance(self.shortcut, nn.Identity) else self.shortcut(h)
        h = self.conv2(self.act(self.bn2(self.conv1(h))))
        return h + skip


class WideResNet(nn.Module):
    """WRN-depth-k: x (B, C, H, W) -> features (B, 64 k) after global average pooling.

    depth = 6 n + 4 (28 gives n = 4 blocks per group); widen_factor = k (2 for WRN-28-2).
    """

    def __init__(self, in_channels: int = 3, depth: int = 28, widen_factor: int = 2) -> None:
        super().__init__()
        check_int(in_channels, "in_channels", minimum=1)
        check_int(depth, "depth")
        check_int(widen_factor, "widen_factor", minimum=1)
        if depth < 10 or (depth - 4) % 6:
            raise ValueError(f"depth must be 6 n + 4 with n >= 1 (10, 16, 22, 28, ...), got {depth}")
        if widen_factor < 1 or in_channels < 1:
            raise ValueError(f"widen_factor and in_channels must be >= 1, got {widen_factor}, "
                             f"{in_channels}")
        n = (depth - 4) // 6
        widths = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        layers: list[nn.Module] = [nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False)]
        for group in range(3):
            for i in range(n):
                stride = 2 if group > 0 and i == 0 else 1
                layers.append(_Block(widths[group] if i == 0 else widths[group + 1],
                                     widths[group + 1], stride))
        layers += [nn.BatchNorm2d(widths[3]), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.net = nn.Sequential(*layers)
        self.out_dim = widths[3]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def shot_vae_cifar(num_classes: int = 10, latent_dim: int = 128, depth: int = 28,
                   widen_factor: int = 2, image_shape: tuple[int, int, int] = (3, 32, 32),
                   **shot_kwargs) -> SHOTVAE:
    """SHOT-VAE with a WRN trunk and a conv decoder (defaults: the paper's CIFAR-10 network).

    image_shape: (C, H, W) with H, W divisible by 8; shot_kwargs go to :class:`SHOTVAE`
    (alpha, ramp_steps, smooth, interpolate, ...).
    """
    image_shape = check_int_sequence(image_shape, "image_shape", minimum=1)
    if len(image_shape) != 3 or image_shape[1] % 8 or image_shape[2] % 8:
        raise ValueError(f"image_shape must be (C, H, W) with H and W divisible by 8, got "
                         f"{image_shape}")
    check_int(num_classes, "num_classes", minimum=2)
    check_int(latent_dim, "latent_dim", minimum=1)
    trunk = WideResNet(image_shape[0], depth, widen_factor)
    decoder = ConvDecoder(image_shape, latent_dim + num_classes, channels=(64, 128, 256),
                          hidden_dim=512)
    return SHOTVAE(image_shape=image_shape, num_classes=num_classes, latent_dim=latent_dim,
                   trunk=trunk, decoder=decoder, **shot_kwargs)
