"""Failure clips: the last seconds of camera frames of a failed episode beside a BEV of the
moment it ended, written as one PNG strip and referenced from the store."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

BEV_COLOURS = np.array([[60, 60, 60], [220, 80, 60], [240, 200, 40], [80, 200, 250]], np.uint8)  # RGB per channel


def bev_image(bev: np.ndarray, height: int) -> np.ndarray:
    """BEV channels [4, 64, 64] (drivable, vehicle, pedestrian, static) -> RGB image [height, height, 3]."""
    image = np.full(bev.shape[1:] + (3,), 20, np.uint8)
    for channel, colour in enumerate(BEV_COLOURS):
        image[bev[channel] > 0.5] = colour
    image[-3:, bev.shape[2] // 2 - 1: bev.shape[2] // 2 + 1] = 255  # the ego
    return cv2.resize(image, (height, height), interpolation=cv2.INTER_NEAREST)


def clip_strip(frames: list[np.ndarray], bev: np.ndarray) -> np.ndarray:
    """frames: RGB [H, W, 3] oldest first; bev [4, 64, 64] -> one RGB strip [H, n * W + H, 3]."""
    height = frames[0].shape[0]
    return np.concatenate(list(frames) + [bev_image(bev, height)], axis=1)


def write_clip(path: Path, strip: np.ndarray) -> Path:
    """Write an RGB strip as PNG at `path`; OSError if it could not be written (a full disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")
    return path
