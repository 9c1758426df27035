"""Ready-made episode specs for looking at the simulator: a map with a car ahead, a
pedestrian on the kerb, a cone and a truck in view, under a given weather."""
from __future__ import annotations

from scenarios.families.map_routes import route_keys
from sim.actor_kinds import ActorKind
from sim.episode_spec import ActorSpec, EpisodeSpec
from sim.map_catalog import load_map
from sim.weather import Weather


def showcase_episode(template: str, weather: Weather, seed: int = 0) -> EpisodeSpec:
    """The ego at the start of the map's first route (an imported map's: the route
    nominal_route draws first), with a few actors ahead of it."""
    network = load_map(template)
    route = next(iter(network.routes), "showcase")
    route_lanes = () if network.routes else route_keys(template, 0.0)
    road, lane = network.routes[route][0] if network.routes else route_lanes[0]
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
    return EpisodeSpec(template, route, seed=seed, ego_s_m=5.0, actors=actors, weather=weather,
                       route_lanes=route_lanes)
