"""Check OpenDRIVE maps nobody here wrote, run by hand: `python scripts/check_maps.py DIR`.

For every DIR/*.xodr: the import's time, its lanes against CARLA's parser (worst distance
of a lane centre from carla.Map's waypoint at the same road, lane and s, every 2 m; needs
the `carla` extra), and the expert on ROUTES random routes of 500-900 m (nominal_route,
traffic included): how many end in success, and any collision, off-road or wrong-way metre.
Prints one markdown table row per map, for docs/scenarios.md.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from nines.closed_loop import finished_episodes
from planner.expert import ExpertDriver
from scenarios.catalog import find_family
from scenarios.episode_plan import EpisodeTask
from sim.opendrive_check import compare_with_carla
from sim.opendrive_import import import_xodr
from sim.world import BatchedWorld, WorldConfig

ROUTES = 20


def _tasks(path: str, count: int) -> list[EpisodeTask]:
    family = find_family(f"nominal_route@{path}")
    rng = np.random.default_rng(0)
    tasks = []
    for index, params in enumerate(family.from_unit(rng.uniform(size=(count, len(family.all_parameters))))):
        params["condition"] = "clear"
        spec = family.build(params, index)
        tasks.append(EpisodeTask(f"{family.name}:{index}", family.name, "check", 0, index, index, params,
                                 family.log_f(params), family.log_f(params), spec))
    return tasks


def check(path: Path) -> str:
    start = time.perf_counter()
    network = import_xodr(path)
    import_s = time.perf_counter() - start
    deviation = compare_with_carla(network)
    try:
        tasks = _tasks(str(path), ROUTES)
    except ValueError as error:  # a map with no route a world can hold
        return (f"| {path.stem} | {path.stat().st_size / 1e6:.2f} | {len(network.roads)} | - | {len(network.signals)} "
                f"| {import_s:.2f} | {deviation.max_m * 1000:.2f} ({deviation.points} points, {deviation.missing} "
                f"missing) | none: {error} | - | - | - | - |")
    world = BatchedWorld(WorldConfig(batch_size=ROUTES, max_actors=4, maps=(str(path),)))
    records = [episode.record for episode in finished_episodes(world, ExpertDriver(), tasks, keep_clips=False)]
    success = sum(r.outcome == "success" for r in records)
    km = sum(r.km for r in records)
    collisions = sum(r.collisions_vehicle + r.collisions_pedestrian + r.collisions_static for r in records)
    off_road = sum(r.off_road_m for r in records)
    wrong_way = sum(r.wrong_way_m for r in records)
    lanes = sum(1 for road in network.roads for lane in road.lanes if lane.type != "none")
    others = sorted({r.outcome for r in records} - {"success"})
    return (f"| {path.stem} | {path.stat().st_size / 1e6:.2f} | {len(network.roads)} | {lanes} "
            f"| {len(network.signals)} | {import_s:.2f} | {deviation.max_m * 1000:.2f} ({deviation.points} points, {deviation.missing} missing) "
            f"| {success}/{ROUTES} ({', '.join(others) or 'all success'}) | {km:.1f} | {collisions} "
            f"| {off_road:.1f} | {wrong_way:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    print("| map | MB | roads | lanes | stop lines | import s | worst lane gap to CARLA, mm | expert routes "
          "| km | collisions | off-road m | wrong-way m |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for path in sorted(args.folder.glob("*.xodr")):
        print(check(path), flush=True)


if __name__ == "__main__":
    main()
