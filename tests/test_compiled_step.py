"""WorldConfig.compile_step: the torch.compile'd step reports what the eager step reports, on
episodes that take each path the two modes treat differently (contacts, scripted actions,
walkers, lane followers moving onto their next lane)."""
import math
import shutil

import pytest
import torch

from scenarios.background_traffic import sample_episode
from sim.actor_kinds import ActorKind
from sim.episode_spec import Action, ActorSpec, EpisodeSpec, ScriptedEvent, Sync, Trigger
from sim.events import OUTCOMES
from sim.world import BatchedWorld, WorldConfig
from world_helpers import make_world

SECONDS = 12.0


def scripted_episodes() -> list[EpisodeSpec]:
    walker = ActorSpec(ActorKind.PEDESTRIAN, "path", path=((60.0, -9.0), (60.0, 9.0)),
                       events=(ScriptedEvent(Trigger("distance", 30.0), Action("start_path", 1.5)),))
    cutter = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -2),), s_m=30.0, speed_mps=8.0,
                       events=(ScriptedEvent(Trigger("time", 1.0), Action("change_lane", 2.0)),))
    braking = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -2),), s_m=25.0, speed_mps=8.0, events=(
        ScriptedEvent(Trigger("time", 0.5), Action("teleport", x_m=33.0, y_m=-1.75)),  # into the ego's lane
        ScriptedEvent(Trigger("reach_box", 1.0, False, x_m=33.0, y_m=-1.75), Action("brake", 6.0))))
    standing = ActorSpec(ActorKind.PEDESTRIAN, "static", x_m=40.0, y_m=-1.75, yaw_rad=math.pi / 2)
    # the OpenSCENARIO vocabulary: following the ego's speed, a chain on an event's end, a point
    # reached, a synchronization, the episode's scripted end
    chained = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -2),), s_m=40.0, speed_mps=6.0, events=(
        ScriptedEvent(Trigger("time", 0.5), Action("ego_speed_times", 1.3)),
        ScriptedEvent(Trigger("headway", 3.0), Action("change_lane", 1.5)),
        ScriptedEvent(Trigger("after_end", 2.0, delay_s=0.5), Action("jump_speed", 25.0)),
        ScriptedEvent(Trigger("reach", 3.0, True, x_m=150.0, y_m=-1.75), Action("brake", 8.0)),
        ScriptedEvent(Trigger("after_end", 15.0, delay_s=1.0), Action("end_scenario"))))
    syncing = ActorSpec(ActorKind.CAR, "lane", lanes=((1, 1),), s_m=120.0, speed_mps=5.0,
                        sync=Sync(at_m=200.0, ego_at_m=50.0, final_plus_mps=3.0),
                        events=(ScriptedEvent(Trigger("ego_progress", 5.0), Action("synchronize")),))
    # groups of conditions, speed ramps, distances to points, acceleration and standing still
    ramping = ActorSpec(ActorKind.CAR, "lane", lanes=((1, 1),), s_m=20.0, speed_mps=4.0, events=(
        ScriptedEvent(Trigger("time", 0.5, with_events=2 ** 1), Action("speed_time", 9.0, over=2.0)),
        ScriptedEvent(Trigger("ego_reach", 60.0, x_m=80.0, y_m=-1.75), Action("hold")),
        ScriptedEvent(Trigger("actor_speed", 8.9), Action("speed_distance", 0.0, over=15.0)),
        ScriptedEvent(Trigger("actor_still", 0.5, with_events=2 ** 4), Action("speed_rate", 3.0, over=1.5)),
        ScriptedEvent(Trigger("ego_accel", 0.0, False), Action("hold"))))
    return ([EpisodeSpec("urban_street", "forward", seed=0, ego_speed_mps=8.0, actors=(walker,)),
             EpisodeSpec("straight", "main", seed=1, ego_speed_mps=6.0, actors=(cutter,)),
             EpisodeSpec("straight", "main", seed=2, ego_speed_mps=8.0, actors=(braking,)),
             EpisodeSpec("straight", "main", seed=3, ego_speed_mps=8.0, actors=(standing,)),
             EpisodeSpec("straight", "main", seed=4, ego_speed_mps=8.0, actors=(chained, syncing, ramping))]
            + [sample_episode(seed) for seed in range(4)])


@pytest.mark.skipif(not (shutil.which("g++") or shutil.which("clang++")), reason="inductor needs a C++ compiler")
def test_the_compiled_step_reports_what_the_eager_step_reports(bank):
    specs = scripted_episodes()
    eager, fast = make_world(bank, specs), make_world(bank, specs, compile_step=True)
    control = torch.tensor([[0.0, 0.6, 0.0]]).expand(len(specs), 3)
    for _ in range(round(SECONDS / eager.config.dt_s)):
        expected, got = eager.step(control), fast.step(control)
        for name in ("collision", "collided_actor", "off_road", "wrong_way", "red_light", "ended", "outcome"):
            assert torch.equal(getattr(expected, name), getattr(got, name)), name
        torch.testing.assert_close(got.impact_speed_mps, expected.impact_speed_mps, atol=1e-3, rtol=0)
    torch.testing.assert_close(fast.ego.x_m, eager.ego.x_m, atol=1e-3, rtol=0)
    torch.testing.assert_close(fast.actors.y_m, eager.actors.y_m, atol=1e-3, rtol=0)
    torch.testing.assert_close(fast.stats.km, eager.stats.km, atol=1e-6, rtol=0)
    outcomes = [OUTCOMES[k] for k in fast.stats.outcome.tolist()]
    # the car that cut in, the lead teleported ahead that brakes once its box is 1 m past where it landed and the
    # standing pedestrian are hit; the walker crossed
    assert outcomes[1] == outcomes[2] == outcomes[3] == "collision"
    assert fast.actors.fired[2, 0, :2].all() and fast.actors.lane[2, 0].item() == bank.graphs[0].index_of[(1, -1)]
    # the chain ran to its scripted end in both modes, the synchronizing car arrived
    assert fast.actors.fired[4, 0, :5].all() and outcomes[4] == "success" and not fast.actors.syncing[4, 1]
    # the ramping car sped up, stopped over its distance, waited and set off again to 3 m/s
    assert fast.actors.fired[4, 2, :5].all() and fast.actors.speed_mps[4, 2].item() == pytest.approx(3.0)
    assert fast.actors.lane[1, 0].item() == bank.graphs[0].index_of[(1, -1)]
    assert fast.actors.y_m[0, 0].item() > 0.0


def test_compile_step_without_a_cpp_compiler_says_what_to_install(bank, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ValueError, match="needs a C.. compiler .g.. or clang...: install one"):
        BatchedWorld(WorldConfig(batch_size=1, compile_step=True), bank=bank)
