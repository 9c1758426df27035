"""Train a small policy of your own on nines' labelled stream, then drive it with `nines run`:

    python examples/train_own_policy.py --steps 300 --out policy.pt
    PYTHONPATH=examples nines run smoke --driver train_own_policy:make_driver --driver-arg weights=policy.pt
"""
import argparse

import torch
from torch import nn

from nines.training_stream import LabelledStream, StreamSettings
from planner.controller import follow
from planner.driver_interface import DriverCapabilities, DriverNeeds, DriverOutput
from sim.camera import CameraConfig

CAMERA = CameraConfig(width=128, height=64)


def policy() -> nn.Module:
    """frames [B, H, W, 3] uint8 -> the expert's 5 waypoints [B, 5, 2] (m) and target speed [B] (m/s)."""
    return nn.Sequential(nn.Conv2d(3, 16, 5, 4), nn.ReLU(), nn.Conv2d(16, 32, 3, 2), nn.ReLU(),
                         nn.AdaptiveAvgPool2d((2, 4)), nn.Flatten(), nn.Linear(256, 11))


def predict(net: nn.Module, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    out = net(frames.permute(0, 3, 1, 2).float() / 255.0)
    return out[:, :10].view(-1, 5, 2) * 10.0, out[:, 10] * 10.0


class OwnDriver:
    needs, capabilities = DriverNeeds(camera=True), DriverCapabilities()

    def __init__(self, net: nn.Module):
        self.net = net.eval()

    def reset(self, starts) -> None:
        pass

    @torch.no_grad()
    def act(self, obs, truth=None) -> DriverOutput:
        waypoints, speed = predict(self.net, obs.frames)
        return DriverOutput(follow(waypoints, speed.clamp(0, 15), obs.speed_mps))


def make_driver(context, weights: str) -> OwnDriver:
    net = policy()
    net.load_state_dict(torch.load(weights))
    return OwnDriver(net)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", default="policy.pt")
    args = parser.parse_args()
    net = policy()
    optimiser = torch.optim.Adam(net.parameters(), lr=3e-3)
    for step, samples in zip(range(args.steps), LabelledStream(StreamSettings(batch=16, camera=CAMERA, every=4))):
        waypoints, speed = predict(net, samples.frames)
        loss = (nn.functional.smooth_l1_loss(waypoints, samples.targets.waypoints)
                + nn.functional.smooth_l1_loss(speed, samples.targets.target_speed_mps))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 50 == 0:
            print(f"step {step}: loss {loss.item():.3f}", flush=True)
    torch.save(net.state_dict(), args.out)
    print(f"wrote {args.out}")
