"""What every table and column of the results store means, and docs/store.md made from it.

`python -m nines.store_docs > docs/store.md` writes the page; tests/test_store_docs.py fails
when a column of the store's schema (nines/store.py) has no description here, when one is
described that the schema lacks, or when docs/store.md differs from what this module makes.
"""
from __future__ import annotations

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "runs": ("One row per run.", {
        "run_id": "the run's id: suite name, start time and a random suffix",
        "created": "when the run was created (UTC)",
        "suite": "the suite's name",
        "suite_yaml": "the suite file as it was read, so a run can be resumed or re-read",
        "code_version": "the git commit (short) of the code that made the run, or unknown",
        "driver": "the driver's name (expert, camera, lane_keeping, blind)",
        "checkpoint": "the camera checkpoint the driver loaded (empty for drivers without one)",
        "config": "the run's settings as JSON (driver, batch, device, checkpoint, console, backend, executor)",
        "backend": "where it drove: embedded or carla",
        "device": "cpu or cuda",
        "status": "running or complete",
    }),
    "episodes": ("One row per finished episode, keyed by (run_id, episode_id).", {
        "run_id": "the run",
        "episode_id": "family:sampler:round:index, unique within the run",
        "family": "the scenario family",
        "sampler": "naturalistic, halton or ce",
        "round": "the CE round (0 for other samplers)",
        "idx": "the episode's index within its family and round",
        "seed": "the episode's own seed (everything random in it derives from it)",
        "params": "the family's parameters as JSON",
        "condition": "the weather and light condition",
        "log_f": "log of the naturalistic density f at the parameters (the suite's fixed ones conditioned on)",
        "log_q": "log of the density q they were drawn from; w = exp(log_f - log_q) reweights the episode",
        "template": "the map template",
        "route": "the route the ego drove on that map",
        "km": "km driven along the route",
        "duration_s": "simulated seconds",
        "outcome": "success, collision, route_deviation, blocked or timeout",
        "failure": "whether the outcome is a failure (collision, route_deviation or blocked)",
        "failure_type": "the failure with its kind, e.g. collision_vehicle (empty without one)",
        "collisions_pedestrian": "collisions with pedestrians (Leaderboard bookkeeping)",
        "collisions_vehicle": "collisions with vehicles and cyclists",
        "collisions_static": "collisions with static objects",
        "impact_speed_mps": "relative speed at the first collision, m/s",
        "collision_kind": "the kind of actor the first collision hit (e.g. pedestrian, car; none without one)",
        "red_lights": "red lights run",
        "off_road_m": "metres driven off the road",
        "wrong_way_m": "metres driven against the lane's direction",
        "min_ttc_s": "smallest time to collision with another road user, s",
        "min_distance_m": "smallest distance to another road user, m",
        "route_completion": "share of the route completed, 0 to 1",
        "clip_path": "the failure clip (PNG strip of the last camera frames beside a BEV), if any",
        "handoffs": "handoffs to remote operations (NULL in runs without a console)",
        "max_grip_use": "peak share of the road's grip the controls asked for (over 1: the tyres slid)",
    }),
    "events": ("What happened during an episode, in time order.", {
        "run_id": "the run",
        "episode_id": "the episode",
        "time_s": "simulated time of the event, s",
        "kind": "collision, red_light, off_road or wrong_way",
        "detail": "for collisions, the collision type and the actor kind hit",
        "value": "for collisions, the impact speed, m/s",
    }),
    "ticks": ("The driver's confidence over time, for drivers that report one.", {
        "run_id": "the run",
        "episode_id": "the episode",
        "time_s": "simulated time, s",
        "confidence": "the driver's confidence, 0 to 1",
        "reason": "why it was low, when it was",
    }),
    "failure_causes": ("The perception / planning split of a run's failures (`nines split`).", {
        "run_id": "the run",
        "episode_id": "the failed episode",
        "cause": "perception (the expert drives the same episode without failing) or planning",
        "expert_outcome": "the privileged expert's outcome on the same episode",
    }),
    "handoffs": ("One row per handoff to the remote-operations console.", {
        "run_id": "the run",
        "episode_id": "the episode",
        "start_s": "simulated time of the request, s",
        "reason": "what triggered it",
        "urgency_s": "the time budget the request had before it became critical, s",
        "wait_s": "time until an operator took it, s (NULL if never served)",
        "awareness_s": "the operator's situation-awareness time, s",
        "mode": "assistance or remote driving",
        "operator": "the operator's index (-1 if never served)",
        "operator_s": "the operator's busy time on it, s",
        "resolution": "how it ended, e.g. guidance_given, released_confident, episode_ended",
        "outcome": "ok, unless the episode failed during the handoff",
        "operator_error": "whether the simulated operator erred",
        "frame_path": "the camera frame sent with the request",
    }),
    "teleop_queue": ("The console's queue sampled over fleet time.", {
        "run_id": "the run",
        "time_s": "fleet time, s",
        "waiting": "requests waiting for an operator",
        "busy": "operators busy",
        "operators": "operators on shift",
        "remote_driving": "vehicles driven remotely",
        "open_requests": "the open requests as JSON (for the live console page)",
    }),
    "infrastructure_errors": ("Episodes lost to the infrastructure (a CARLA server gone), retried, never "
                              "counted as driving failures.", {
                                  "run_id": "the run",
                                  "episode_id": "the episode",
                                  "attempt": "which attempt failed",
                                  "failed_at": "when (UTC)",
                                  "message": "what the infrastructure said",
                              }),
}


def markdown(types: dict[tuple[str, str], str]) -> str:
    """docs/store.md, from TABLES and the column types of the schema ((table, column) -> type)."""
    lines = ["# The results store", "",
             "One DuckDB file (`--db`, default `runs.duckdb`); its schema is `SCHEMA` in",
             "[nines/store.py](../nines/store.py). This page is made by `python -m nines.store_docs`",
             "from the descriptions in [nines/store_docs.py](../nines/store_docs.py), and a test fails",
             "when the two differ. `nines export-parquet RUN_ID DIR` writes a run's tables as Parquet.", ""]
    for table, (what, columns) in TABLES.items():
        lines += [f"## {table}", "", what, "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{name}` | {types[table, name]} | {meaning} |" for name, meaning in columns.items()]
        lines.append("")
    return "\n".join(lines)


def schema_types() -> dict[tuple[str, str], str]:
    """(table, column) -> DuckDB type of a fresh store's schema."""
    import duckdb

    from nines.store import SCHEMA

    con = duckdb.connect()
    con.execute(SCHEMA)
    rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                       "ORDER BY table_name, ordinal_position").fetchall()
    con.close()
    return {(table, column): kind for table, column, kind in rows}


if __name__ == "__main__":
    print(markdown(schema_types()), end="")
