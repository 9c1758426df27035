"""Ready-made episode specs for looking at the simulator: a template with a car ahead, a
pedestrian on the kerb, a cone and a truck in view, under a given weather."""
from __future__ import annotations

from sim.actor_kinds import ActorKind
from sim.episode_spec import ActorSpec, EpisodeSpec
from sim.map_templates import TEMPLATES
from sim.weather import Weather


def showcase_episode(template: str, weather: Weather, seed: int = 0) -> EpisodeSpec:
    """The ego at the start of the template's first route, with a few actors ahead of it."""
    network = TEMPLATES[template]()
    route = next(iter(network.routes))
    road, lane = network.routes[route][0]
    oncoming = (road, -lane) if any(spec.id == -lane for spec in network.road(road).lanes) else (road, lane)
    actors = (
        ActorSpec(ActorKind.CAR, "lane", lanes=((road, lane),), s_m=30.0, colour=(0.75, 0.1, 0.1)),
        ActorSpec(ActorKind.TRUCK, "lane", lanes=(oncoming,), s_m=40.0, colour=(0.2, 0.3, 0.7)),
        ActorSpec(ActorKind.PEDESTRIAN, "lane", lanes=((road, lane),), s_m=20.0, offset_m=-2.6,
                  colour=(0.9, 0.8, 0.1)),
        ActorSpec(ActorKind.CYCLIST, "lane", lanes=((road, lane),), s_m=45.0, offset_m=-1.2, colour=(0.1, 0.6, 0.2)),
        ActorSpec(ActorKind.CONE, "static", lanes=((road, lane),), s_m=14.0, offset_m=-1.3),
        ActorSpec(ActorKind.BARRIER, "static", lanes=((road, lane),), s_m=60.0, offset_m=1.0),
    )
    return EpisodeSpec(template, route, seed=seed, ego_s_m=5.0, actors=actors, weather=weather)
