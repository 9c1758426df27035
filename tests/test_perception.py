"""The camera stack's parts: labels, the grid planner inputs, inference and checkpoints."""
import pickle

import pytest
import torch

from perception import checkpoint
from perception.bev_grid import COLS, OCCUPANCY_TIMES_S, ROWS, cell_centres, cell_index
from perception.camera_stack import CameraStack
from perception.obstacle_rays import MAX_RANGE_M, RAYS, ray_of, ray_targets, rays_to_occupancy
from perception.network import CameraNet, NetConfig
from planner.grid_drivable import grid_drivable
from planner.ray_conflict import ray_conflict
from planner.sampling_planner import plan_times
from run_helpers import nines_here


def _box(x, y, yaw=0.0, speed=0.0, length=4.0, width=2.0):
    return torch.tensor([[[1.0, x, y, yaw, speed, length, width]]])


def test_ray_labels_find_the_nearest_box_and_draw_it_on_the_grid_as_it_moves():
    objects = torch.cat([_box(20.0, 0.0, speed=5.0), _box(30.0, 0.0), _box(15.0, 12.0)], 1)
    distance, speed = ray_targets(objects, torch.tensor([[True, True, True]]))
    central, _ = ray_of(torch.tensor(20.0), torch.tensor(0.0))
    # the nearer car hides the farther one: its rear bumper (x = 18) at 5 m/s
    assert abs(distance[0, central].item() - 18.0) < 0.2 and abs(speed[0, central].item() - 5.0) < 1e-5
    side, _ = ray_of(torch.tensor(14.0), torch.tensor(12.0))
    assert distance[0, side].item() < 15.0 and speed[0, side].item() == 0.0
    assert (distance[0] == MAX_RANGE_M).sum() > RAYS // 2
    occupancy = rays_to_occupancy(distance, speed)
    centres = cell_centres().view(ROWS, COLS, 2)
    for k, t in enumerate(OCCUPANCY_TIMES_S):
        ahead = centres[(occupancy[0, k] > 0) & (centres[..., 1].abs() < 1.0)]
        assert abs(ahead[:, 0].min().item() - (18.0 + 5.0 * t)) <= 1.5
    hidden = ray_targets(objects, torch.tensor([[False, False, False]]))[0]
    assert (hidden == MAX_RANGE_M).all() and rays_to_occupancy(hidden, torch.zeros_like(hidden)).sum() == 0


def test_ray_conflict_finds_the_step_that_reaches_the_obstacle():
    distance = torch.full((1, RAYS), MAX_RANGE_M)
    distance[0, RAYS // 2 - 1:RAYS // 2 + 1] = 30.0  # something 30 m straight ahead
    times = plan_times()
    x = 10.0 * times
    xy = torch.stack([torch.stack([x, torch.zeros_like(x)], -1), torch.stack([x, torch.full_like(x, 6.0)], -1)])
    heading = torch.zeros(1, 2, len(times))
    step = ray_conflict(distance, torch.zeros(1, RAYS))(xy.unsqueeze(0), heading, times)
    # the front (centre + 2.3 m + 1 m margin) reaches 30 m at 2.67 s; the candidate 6 m to the left passes
    assert times[step[0, 0]].item() == 2.75 and step[0, 1].item() == len(times)
    receding = ray_conflict(distance, torch.full((1, RAYS), 10.0))(xy.unsqueeze(0), heading, times)
    assert (receding == len(times)).all()
    cell, _ = cell_index(torch.tensor([30.0, 0.0]))
    drivable = torch.zeros(1, ROWS, COLS)
    drivable.view(1, -1)[0, cell] = 1.0
    route = torch.tensor([[[float(k), 20.0] for k in range(0, 60, 2)]])  # a route 20 m to the left
    query = grid_drivable(drivable, route)(torch.tensor([[[30.0, 0.0], [10.0, 0.0], [80.0, 0.0], [10.0, 19.0]]]))
    assert query.tolist() == [[True, False, True, True]]


def test_fused_inference_matches_the_training_network():
    torch.manual_seed(0)
    net = CameraNet(NetConfig(members=2))
    net.train()
    frames = torch.randint(0, 255, (4, 64, 128, 3), dtype=torch.uint8)
    net(frames, torch.ones(4), torch.zeros(4, 40, 2))  # moves the batch-norm statistics off their defaults
    net.eval()
    stack = CameraStack(net)
    with torch.no_grad():
        expected = net(frames, torch.ones(4), torch.zeros(4, 40, 2))
        got = stack.net(frames, torch.ones(4), torch.zeros(4, 40, 2))
    assert torch.allclose(expected.ray_distance_m, got.ray_distance_m, atol=1e-3)
    assert torch.allclose(expected.drivable_logits, got.drivable_logits, atol=1e-4)
    assert torch.allclose(expected.waypoints, got.waypoints, atol=1e-4)


class _Payload:
    def __reduce__(self):
        return (print, ("this would run on load",))


@pytest.mark.parametrize("case, message", [
    ("missing", "not found"), ("truncated", "corrupt or truncated"), ("pickle", "pickled objects"),
    ("camera", "trained for a 256x128 camera"), ("foreign", "not a nines camera checkpoint"),
])
def test_bad_checkpoints_are_refused_with_one_line(tmp_path, case, message, monkeypatch, capsys):
    path = tmp_path / "camera.pt"
    net = CameraNet(NetConfig(members=2, width=256 if case == "camera" else 128, height=128 if case == "camera" else 64))
    if case != "missing":
        checkpoint.save(path, net, {"note": "test"})
    if case == "truncated":
        path.write_bytes(path.read_bytes()[:5000])
    elif case == "pickle":
        torch.save({"format": checkpoint.FORMAT, "payload": _Payload()}, path, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    elif case == "foreign":
        torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(checkpoint.CheckpointError, match=message) as error:
        checkpoint.load(path, 128, 64)
    assert "\n" not in str(error.value)
    result = nines_here(monkeypatch, capsys, "run", "smoke", "--driver", "camera", "--checkpoint", path,
                        "--db", tmp_path / "runs.duckdb")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs.duckdb").exists()


def test_checkpoint_round_trip_keeps_weights_and_metadata(tmp_path):
    net = CameraNet(NetConfig(members=2))
    net.feature_mean.fill_(0.25)
    checkpoint.save(tmp_path / "c.pt", net, {"camera": {"width": 128}, "evaluation": {"route_completion": 0.9}})
    loaded, metadata = checkpoint.load(tmp_path / "c.pt", 128, 64)
    assert metadata["evaluation"]["route_completion"] == 0.9
    assert torch.equal(loaded.feature_mean, net.feature_mean)
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), net.state_dict().values()))
