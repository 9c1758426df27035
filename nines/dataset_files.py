"""Recorded training data on disk: labelled camera frames from any backend, for
`train.py --data DIR`. `nines collect` writes it.

Format "nines-dataset-1", a folder of:
- shard-NNNNN.npz (numpy, no pickle), one array per field, first axis the sample:
  frames uint8 [n, H, W, 3]; speed_mps float32 [n]; route float32 [n, P, 2] (ego frame, m);
  obstacle_distance_m, obstacle_speed_mps float32 [n, RAYS]; drivable uint8 [n, R, C] (0/1);
  light_class int64 [n];
  light_distance_m, speed_limit_mps, target_speed_mps float32 [n]; waypoints float32 [n, W, 2]
  (the fields of perception.labels.Targets);
- meta.json, written last: format, camera, sample count, shard names, source.
A folder without meta.json is an unfinished recording and is refused.
"""
from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch

from perception.labels import LabelledFrames, Targets
from sim.camera import CameraConfig

FORMAT = "nines-dataset-1"
SHARD_SAMPLES = 2048
GRIDS = ("drivable",)


class DatasetError(Exception):
    """A dataset folder that cannot be used; the message is one line for the user."""


@dataclass
class Dataset:
    camera: CameraConfig
    samples: LabelledFrames
    source: str


def _arrays(samples: LabelledFrames) -> dict[str, np.ndarray]:
    arrays = {"frames": samples.frames.cpu().numpy(), "speed_mps": samples.speed_mps.cpu().numpy(),
              "route": samples.route.cpu().numpy()}
    for f in fields(Targets):
        value = getattr(samples.targets, f.name).cpu().numpy()
        arrays[f.name] = value.astype(np.uint8) if f.name in GRIDS else value
    return arrays


class DatasetWriter:
    """Appends labelled frames to a new dataset folder; `close()` finishes it."""

    def __init__(self, folder: Path, camera: CameraConfig, source: str):
        self.folder = Path(folder)
        if (self.folder / "meta.json").exists():
            raise DatasetError(f"{self.folder} already holds a dataset; choose an empty folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.camera, self.source = camera, source
        self.pending: list[LabelledFrames] = []
        self.shards: list[str] = []
        self.count = 0

    def add(self, samples: LabelledFrames) -> None:
        self.pending.append(samples)
        if sum(len(p) for p in self.pending) >= SHARD_SAMPLES:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        samples = LabelledFrames.cat(self.pending)
        name = f"shard-{len(self.shards):05d}.npz"
        tmp = self.folder / (name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **_arrays(samples))
        os.replace(tmp, self.folder / name)
        self.shards.append(name)
        self.count += len(samples)
        self.pending = []

    def close(self) -> None:
        self._flush()
        meta = {"format": FORMAT, "camera": self.camera.model_dump(), "samples": self.count, "shards": self.shards,
                "source": self.source}
        (self.folder / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def _read_meta(folder: Path) -> dict:
    if not folder.is_dir():
        raise DatasetError(f"dataset folder {folder} not found")
    path = folder / "meta.json"
    if not path.is_file():
        raise DatasetError(f"{folder} has no meta.json: not a dataset, or an unfinished recording "
                           "(expected a folder written by `nines collect`)")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        camera = CameraConfig(**meta["camera"])
    except (ValueError, KeyError, TypeError):
        raise DatasetError(f"{path} is malformed; expected the meta.json of `nines collect`") from None
    if meta.get("format") != FORMAT:
        raise DatasetError(f"{path}: format {meta.get('format')!r} is not {FORMAT!r}")
    meta["camera"] = camera
    return meta


def _read_shard(path: Path, camera: CameraConfig) -> LabelledFrames:
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: torch.from_numpy(npz[k]) for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        raise DatasetError(f"shard {path} is missing or corrupt") from None
    expected = {"frames", "speed_mps", "route", *(f.name for f in fields(Targets))}
    if set(arrays) != expected:
        raise DatasetError(f"shard {path} has fields {sorted(arrays)}; expected {sorted(expected)}")
    if tuple(arrays["frames"].shape[1:]) != (camera.height, camera.width, 3):
        raise DatasetError(f"shard {path} holds {tuple(arrays['frames'].shape[1:])} frames; meta.json says "
                           f"{camera.width}x{camera.height}")
    targets = Targets(**{f.name: arrays[f.name].float() if f.name in GRIDS else arrays[f.name]
                         for f in fields(Targets)})
    return LabelledFrames(arrays["frames"], arrays["speed_mps"], arrays["route"], targets)


def load_dataset(folder: Path) -> Dataset:
    """The whole dataset in memory, or DatasetError naming what is wrong."""
    folder = Path(folder)
    meta = _read_meta(folder)
    parts = [_read_shard(folder / name, meta["camera"]) for name in meta["shards"]]
    if not parts:
        raise DatasetError(f"dataset {folder} holds no samples")
    samples = LabelledFrames.cat(parts)
    if len(samples) != meta["samples"]:
        raise DatasetError(f"dataset {folder} holds {len(samples)} samples; meta.json says {meta['samples']}")
    return Dataset(meta["camera"], samples, str(meta.get("source", "")))
