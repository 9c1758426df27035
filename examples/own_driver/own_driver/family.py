"""A scenario family of a third party, written only against nines' public family interface
(scenarios.family.Family, scenarios.parameters, scenarios.actor_builders, sim.episode_spec): a slow truck in the
ego's lane on a straight road, found late.

Installed, its entry point in the `nines.families` group makes `family: slow-truck` work in a
suite, with every sampler (naturalistic, halton, ce) and the report's exposure weighting.
"""
from scenarios.actor_builders import episode
from scenarios.family import Family
from scenarios.parameters import Continuous, norm, uniform
from sim.actor_kinds import ActorKind
from sim.episode_spec import ActorSpec

EGO_S_M = 5.0


def _build(p: dict, seed: int):
    truck = ActorSpec(ActorKind.TRUCK, "lane", lanes=((1, -1),), s_m=EGO_S_M + p["gap"], speed_mps=p["truck_speed"])
    return episode(p, seed, "straight", "main", EGO_S_M, p["ego_speed"], [truck])


SLOW_TRUCK = Family(
    "slow_truck", "a slow truck ahead in the ego lane", "Euro NCAP CCRm with a truck", "straight",
    (Continuous("ego_speed", "m/s", 10.0, 20.0, norm(15.0, 2.5), "assumed: rural roads near 55 km/h"),
     Continuous("gap", "m", 25.0, 120.0, uniform(25.0, 95.0), "assumed"),
     Continuous("truck_speed", "m/s", 1.0, 8.0, uniform(1.0, 7.0), "assumed: farm and works traffic")),
    0.05, "assumed: one slow truck every 20 km", _build)
