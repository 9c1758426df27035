"""Train a small policy of your own on nines' labelled stream, then drive it with `nines run`:

    python examples/train_own_policy.py 300 policy.pt      # steps, output
    PYTHONPATH=examples nines run smoke --driver train_own_policy:OwnDriver --driver-arg weights=policy.pt
"""
import sys

import torch
from torch import nn

from nines.training_stream import LabelledStream, StreamSettings
from planner.controller import follow
from planner.driver_interface import DriverCapabilities, DriverNeeds, DriverOutput
from sim.camera import CameraConfig


class Policy(nn.Module):
    """frames [B, 64, 128, 3] uint8 -> the expert's 5 waypoints [B, 5, 2] (m) and target speed [B] (m/s)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 16, 5, 4), nn.ReLU(), nn.Conv2d(16, 32, 3, 2), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d((2, 4)), nn.Flatten(), nn.Linear(256, 11))

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.net(frames.permute(0, 3, 1, 2).float() / 255.0) * 10.0
        return out[:, :10].view(-1, 5, 2), out[:, 10]


class OwnDriver:
    """The driver factory too: `OwnDriver(context, weights=PATH)`."""

    needs, capabilities = DriverNeeds(camera=True), DriverCapabilities()

    def __init__(self, context, weights: str):
        self.policy = Policy().eval()
        self.policy.load_state_dict(torch.load(weights))

    def reset(self, starts) -> None:
        pass

    @torch.no_grad()
    def act(self, obs, truth=None) -> DriverOutput:
        waypoints, speed = self.policy(obs.frames)
        return DriverOutput(follow(waypoints, speed.clamp(0, 15), obs.speed_mps))


if __name__ == "__main__":
    steps, out = int(sys.argv[1]), sys.argv[2]
    policy = Policy()
    optimiser = torch.optim.Adam(policy.parameters(), lr=3e-3)
    stream = LabelledStream(StreamSettings(batch=16, camera=CameraConfig(width=128, height=64), every=4))
    for step, samples in zip(range(steps), stream):
        waypoints, speed = policy(samples.frames)
        loss = (nn.functional.smooth_l1_loss(waypoints, samples.targets.waypoints)
                + nn.functional.smooth_l1_loss(speed, samples.targets.target_speed_mps))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        print(f"step {step}: loss {loss.item():.3f}", flush=True)
    torch.save(policy.state_dict(), out)
