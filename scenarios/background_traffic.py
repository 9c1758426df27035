"""Random everyday episodes: a template and route, background vehicles on the ego's lanes,
and one scripted encounter (a lead car braking, a pedestrian crossing, a parked car pulling
out, a cone in the lane). Everything is drawn from the episode's own seed."""
from __future__ import annotations

import numpy as np

from sim.actor_kinds import ActorKind
from sim.episode_spec import Action, ActorSpec, EpisodeSpec, ScriptedEvent, Trigger
from sim.map_templates import TEMPLATES
from sim.weather import PRESETS

EVERYDAY_WEATHER = ("clear_noon", "cloudy", "wet", "rain", "fog", "night", "low_sun")
ROUTES = {
    "straight": "main", "curve": "forward", "highway_on_ramp": "main", "junction_4way": "west_to_east",
    "t_junction": "west_to_east", "urban_street": "forward",
}


def _colour(rng: np.random.Generator) -> tuple[float, float, float]:
    return tuple(float(c) for c in rng.uniform(0.1, 0.9, 3))


def _encounter(rng: np.random.Generator, template: str, first_lane: tuple[int, int]) -> ActorSpec:
    kind = rng.choice(["lead_brakes", "pedestrian", "cone"] + (["pull_out"] if template == "urban_street" else []))
    if kind == "lead_brakes":
        brake = ScriptedEvent(Trigger("time", float(rng.uniform(2, 6))), Action("brake", float(rng.uniform(3, 8))))
        return ActorSpec(ActorKind.CAR, "lane", lanes=(first_lane,), s_m=float(rng.uniform(30, 50)),
                         speed_mps=8.0, colour=_colour(rng), events=(brake,))
    if kind == "pedestrian":
        x = float(rng.uniform(45, 70))
        side = float(rng.choice([-1.0, 1.0]))
        cross = ScriptedEvent(Trigger("distance", float(rng.uniform(15, 30))), Action("start_path", 1.4))
        return ActorSpec(ActorKind.PEDESTRIAN, "path", path=((x - 60, side * 8.0), (x - 60, -side * 8.0)),
                         colour=(0.8, 0.2, 0.2), events=(cross,))
    if kind == "pull_out":
        go = ScriptedEvent(Trigger("distance", float(rng.uniform(8, 20))), Action("pull_out", 4.0))
        return ActorSpec(ActorKind.CAR, "lane", lanes=((1, -2),), s_m=float(rng.uniform(50, 90)),
                         colour=_colour(rng), events=(go,))
    return ActorSpec(ActorKind.CONE, "static", lanes=(first_lane,), s_m=float(rng.uniform(40, 90)),
                     offset_m=float(rng.uniform(-1, 1)))


def sample_episode(seed: int, templates: tuple[str, ...] = ("straight", "curve", "urban_street")) -> EpisodeSpec:
    """One everyday episode on one of `templates`, fully determined by `seed`."""
    rng = np.random.default_rng(seed)
    template = str(rng.choice(templates))
    route = ROUTES[template]
    first_lane = TEMPLATES[template]().routes[route][0]
    actors = [_encounter(rng, template, first_lane)]
    encounter = actors[0]
    if encounter.motion == "path" and template == "urban_street":
        actors[0] = ActorSpec(**{**encounter.__dict__, "path": tuple((x + 60, y) for x, y in encounter.path)})
    for k in range(int(rng.integers(1, 4))):
        s = 120.0 + 40.0 * k + float(rng.uniform(0, 20))
        actors.append(ActorSpec(ActorKind.CAR if rng.random() < 0.8 else ActorKind.TRUCK, "lane", lanes=(first_lane,),
                                s_m=s, speed_mps=float(rng.uniform(6, 11)), colour=_colour(rng)))
    oncoming = (first_lane[0], -first_lane[1])
    actors.append(ActorSpec(ActorKind.CAR, "lane", lanes=(oncoming,), s_m=float(rng.uniform(20, 120)),
                            speed_mps=float(rng.uniform(8, 12)), colour=_colour(rng)))
    weather = PRESETS[str(rng.choice(EVERYDAY_WEATHER))]
    return EpisodeSpec(template, route, seed=seed, ego_speed_mps=8.0, actors=tuple(actors), weather=weather,
                       max_time_s=40.0)
