"""The closed loop of this tree against another commit's, side by side in one run: env-steps/s
of the camera stack at B = 64 through the run path (nines.episode_stream.stream_episodes),
and whether both drive every episode to the same outcome and km.

Each measurement drives the same 64 episodes (a smoke-like mix of families) to their ends in a
fresh process: this tree's, or a git worktree of REV. Runs alternate (REV, this, REV, this, ...)
so a machine slowing down costs both the same. Usage:

    python bench/closed_loop_versions.py --against 2dc0059 [--repeats 2]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ("nominal_urban", "lead_vehicle_brakes", "pedestrian_near_side", "parked_obstacle", "red_light_runner",
            "highway_cut_in", "nominal_highway", "cyclist_crossing")


def drive(root: str, batch: int, episodes: int) -> dict:
    """In the child: drive the episodes with the code under `root`; steps/s and each outcome."""
    sys.path.insert(0, root)
    from nines.episode_stream import EpisodeResult, stream_episodes
    from nines.run_settings import RunSettings
    from scenarios.episode_plan import fixed_tasks
    from scenarios.suite import Suite

    per_family = episodes // len(FAMILIES)
    suite = Suite(name="loop-versions", seed=11, camera={"width": 128, "height": 64}, clips=True,
                  families=[{"family": f, "episodes": per_family} for f in FAMILIES])
    tasks = [t for p in range(len(suite.families)) for t in fixed_tasks(suite, p)]
    settings = RunSettings(driver="camera", batch=batch, device="cpu")
    dt_s, steps, outcomes = 0.05, 0, {}
    start = time.perf_counter()
    for item in stream_episodes(settings, suite, [tasks]):
        if isinstance(item, EpisodeResult):
            record = item.record
            time_s, outcome, km = ((record["time_s"], record["outcome"], record["km"]) if isinstance(record, dict)
                                   else (record.time_s, record.outcome, record.km))
            steps += round(time_s / dt_s)
            outcomes[item.task.episode_id] = (outcome, round(km, 6))
    return {"steps_per_s": steps / (time.perf_counter() - start), "outcomes": outcomes}


def measure(root: Path, batch: int, episodes: int) -> dict:
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import closed_loop_versions as v, json; " \
           f"print(json.dumps(v.drive({str(root)!r}, {batch}, {episodes})))"
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the commit to compare with (e.g. the one before a rewrite)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    episodes = args.batch
    with tempfile.TemporaryDirectory() as folder:
        other = Path(folder) / "other"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(other), args.against],
                       check=True, capture_output=True)
        try:
            rates: dict[str, list[float]] = {args.against: [], "this tree": []}
            outcomes = {}
            for _ in range(args.repeats):
                for name, root in ((args.against, other), ("this tree", ROOT)):
                    result = measure(root, args.batch, episodes)
                    rates[name].append(result["steps_per_s"])
                    outcomes[name] = result["outcomes"]
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=True)
    print(f"camera stack, B = {args.batch}, {episodes} episodes per measurement, {args.repeats} alternating repeats")
    print("| code | env-steps/s (each run) | mean |")
    print("|---|---|---|")
    for name, values in rates.items():
        print(f"| {name} | {', '.join(f'{v:,.0f}' for v in values)} | {sum(values) / len(values):,.0f} |")
    before, after = (sum(v) / len(v) for v in rates.values())
    same = outcomes[args.against] == outcomes["this tree"]
    print(f"this tree / {args.against}: {after / before:.3f}; same outcome and km in every episode: {same}")


if __name__ == "__main__":
    main()
