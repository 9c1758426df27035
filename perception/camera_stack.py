"""Runs the camera network over the whole simulator batch, bf16 autocast and channels-last on
CUDA, batch-norm folded into the convolutions for inference.

The batch goes through the network in chunks of a fixed size (CHUNK, per device type), the
last one padded with blank frames: a convolution's float results depend on the batch it is
computed in, so only a fixed batch makes an episode's percepts the same whatever batch and
slot it runs in (an episode rerun alone reproduces the run)."""
from __future__ import annotations

import copy
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from perception import checkpoint
from perception.network import CameraNet
from perception.percept import Percept
from perception.uncertainty import to_percept
from sim.observation import Observation


def _fold_input_scaling(conv: nn.Conv2d) -> None:
    """Make conv take centred pixels x - 127.5 unscaled: conv(x / 127.5) = conv'(x), exactly
    (zero padding stays zero)."""
    with torch.no_grad():
        conv.weight /= 127.5


def fused_for_inference(net: CameraNet) -> CameraNet:
    """A copy of net in eval mode whose conv + batch-norm pairs are single convolutions and
    whose first convolution takes the centred pixels unscaled."""
    fused = copy.deepcopy(net).eval()
    for trunk in fused.trunks:
        for name in ("stem", "top"):
            layers = list(getattr(trunk, name))
            for i, layer in enumerate(layers):
                if isinstance(layer, nn.BatchNorm2d):
                    layers[i - 1] = fuse_conv_bn_eval(layers[i - 1], layer)
                    layers[i] = nn.Identity()
            setattr(trunk, name, nn.Sequential(*layers))
        _fold_input_scaling(trunk.stem[0])
    fused.scale_input = False
    return fused


CHUNK = {"cpu": 64, "cuda": 256}


def _padded(tensor: torch.Tensor, size: int) -> torch.Tensor:
    """tensor [B, ...] zero-padded along its batch to `size` rows."""
    if tensor.shape[0] == size:
        return tensor
    return torch.cat([tensor, tensor.new_zeros((size - tensor.shape[0], *tensor.shape[1:]))])


class CameraStack:
    def __init__(self, net: CameraNet, device: torch.device | str = "cpu", metadata: dict | None = None):
        self.device = torch.device(device)
        self.net = fused_for_inference(net).to(self.device)
        if self.device.type == "cuda":
            self.net = self.net.to(memory_format=torch.channels_last)
        self.metadata = metadata or {}

    @staticmethod
    def from_checkpoint(path: Path, width: int, height: int, device: torch.device | str = "cpu") -> "CameraStack":
        net, metadata = checkpoint.load(path, width, height)
        return CameraStack(net, device, metadata)

    @torch.inference_mode()
    def perceive(self, obs: Observation) -> Percept:
        """Observation of B episodes (frames [B, H, W, 3] uint8) -> Percept, on the
        observation's device."""
        chunk, batch = CHUNK[self.device.type], obs.speed_mps.shape[0]
        inputs = [obs.frames.to(self.device), obs.speed_mps.to(self.device), obs.route_ahead.to(self.device)]
        parts = []
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            for start in range(0, batch, chunk):
                rows = min(chunk, batch - start)
                out = self.net(*(_padded(x[start:start + rows], chunk) for x in inputs))
                parts.append(to_percept(self.net, out).rows(rows))
        return Percept.cat(parts).to(obs.speed_mps.device)
