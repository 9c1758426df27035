"""Checkpoints of the camera network: weights plus metadata (network config, camera, training
data and settings, code version, evaluation results), saved as plain tensors and containers
and always loaded with torch.load(weights_only=True), so a checkpoint cannot run code.

Training checkpoints also carry the optimiser state and the step, to resume from. A
checkpoint may also carry a failure monitor fitted to its network's rollouts ("monitor": its
state dict and how it was fitted; see planner.failure_monitor), added by `with_monitor`.
"""
from __future__ import annotations

import os
import pickle
import warnings
import zipfile
from pathlib import Path

import torch

from perception.network import CameraNet, NetConfig

FORMAT = "nines-camera-1"
SHIPPED = Path(__file__).resolve().parent / "checkpoints" / "camera.pt"


class CheckpointError(Exception):
    """A checkpoint that cannot be used; the message is one line for the user."""


def save(path: Path, net: CameraNet, metadata: dict, training_state: dict | None = None) -> None:
    """Write atomically (temporary file, then rename), so a kill never leaves half a checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "config": net.config.as_dict(), "metadata": metadata,
               "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()}}
    if training_state is not None:
        payload["training_state"] = training_state
    _write(path, payload)


def _write(path: Path, payload: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def with_monitor(source: Path, destination: Path, monitor_state: dict, info: dict) -> None:
    """Copy the checkpoint at source to destination (atomically; it may be the same file)
    with this failure monitor in place of any it had."""
    payload = read(source)
    payload["monitor"] = {"state_dict": {k: v.detach().cpu() for k, v in monitor_state.items()}, "info": info}
    Path(destination).parent.mkdir(parents=True, exist_ok=True)
    _write(Path(destination), payload)


def monitor(path: Path) -> dict | None:
    """The checkpoint's failure monitor ({"state_dict", "info"}), or None if it has none."""
    return read(path).get("monitor")


def read(path: Path) -> dict:
    """The checkpoint's contents, or CheckpointError naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} not found; expected a .pt file written by train.py")
    try:
        with warnings.catch_warnings():
            # torch warns about unusual pickle protocols; the refusal below says it in one line
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(f"checkpoint {path} holds pickled objects, not plain weights; refusing to load "
                              "untrusted code (expected a checkpoint written by train.py)") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError):
        raise CheckpointError(f"checkpoint {path} is corrupt or truncated; expected a .pt file written by "
                              "train.py") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path} is not a nines camera checkpoint (expected format {FORMAT})")
    return payload


def load(path: Path, width: int | None = None, height: int | None = None) -> tuple[CameraNet, dict]:
    """The network (eval mode) and its metadata; width/height: the camera it must fit."""
    payload = read(path)
    config = NetConfig.from_dict(payload["config"])
    if width is not None and (config.width, config.height) != (width, height):
        raise CheckpointError(f"checkpoint {path} was trained for a {config.width}x{config.height} camera, "
                              f"not {width}x{height}; use a matching camera or another checkpoint")
    net = CameraNet(config)
    try:
        net.load_state_dict(payload["state_dict"])
    except RuntimeError:
        raise CheckpointError(f"checkpoint {path} does not match the network its config describes") from None
    return net.eval(), payload["metadata"]
