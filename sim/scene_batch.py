"""What the camera renderer needs from the world for one tick: a batch of B scenes.

The world fills a `SceneBatch` from its state; the renderer turns it into frames. Nothing
here is ground truth the camera stack could read: it goes to the renderer only.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch


@dataclass
class SceneBatch:
    """B scenes with up to N actors and S traffic lights each.

    map_index [B] int64: template index in the renderer's map list.
    ego_pose [B, 3] float32: x_m, y_m, yaw_rad of the ego (the camera is mounted on it).
    actor_kind [B, N] int64: `ActorKind` codes, 0 = empty slot.
    actor_pose [B, N, 3] float32: x_m, y_m, yaw_rad.
    actor_size [B, N, 3] float32: length_m, width_m, height_m.
    actor_colour [B, N, 3] float32: body colour in [0, 1].
    actor_door_open [B, N] bool: a car with its driver door open.
    light_state [B, S] int64: 0 green, 1 yellow, 2 red, for the map's signals in order (-1 padding).
    weather [B, K] float32: rows from `sim.weather.as_vector`.
    time_s [B] float32: episode time (tunnel and fault timing, moving rain).
    seed [B] int64: per-episode seed for procedural effects (lens dirt, noise).
    actor_label [B, N] int64 or None: tag + 256 * instance id of each actor for the label
        cameras (`sim.render.labels`); None: each kind's tag, instance 0.
    """

    map_index: torch.Tensor
    ego_pose: torch.Tensor
    actor_kind: torch.Tensor
    actor_pose: torch.Tensor
    actor_size: torch.Tensor
    actor_colour: torch.Tensor
    actor_door_open: torch.Tensor
    light_state: torch.Tensor
    weather: torch.Tensor
    time_s: torch.Tensor
    seed: torch.Tensor
    actor_label: torch.Tensor | None = None

    @property
    def batch_size(self) -> int:
        return int(self.map_index.shape[0])

    def with_actor(self, kind: int, pose: torch.Tensor, size_m: tuple[float, float, float],
                   colour: tuple[float, float, float], label: int = 0) -> "SceneBatch":
        """The scenes with one more actor each: kind, pose [B, 3] (x_m, y_m, yaw_rad), a size and
        a colour (a camera outside the ego draws the ego this way), and its label where the
        scenes carry actor labels."""
        b = self.batch_size

        def column(value: torch.Tensor, existing: torch.Tensor) -> torch.Tensor:
            return torch.cat([existing, value.to(existing.dtype).view(b, 1, *existing.shape[2:])], 1)

        device = self.actor_pose.device
        return replace(self, actor_kind=column(torch.full((b,), kind, device=device), self.actor_kind),
                       actor_pose=column(pose, self.actor_pose),
                       actor_size=column(torch.tensor(size_m, device=device).expand(b, 3), self.actor_size),
                       actor_colour=column(torch.tensor(colour, device=device).expand(b, 3), self.actor_colour),
                       actor_door_open=column(torch.zeros(b, dtype=torch.bool, device=device),
                                              self.actor_door_open),
                       actor_label=None if self.actor_label is None else column(
                           torch.full((b,), label, device=device), self.actor_label))
