"""The rows of the results store's tables, one typed dataclass per table: the single source of
the schema (nines/store.py builds its CREATE TABLE statements from these fields), of what the
runner writes (it fills these types, never dicts keyed by strings) and of docs/store.md
(nines/store_docs.py prints each field's meaning).

A field is declared with `column(sql_type, meaning)`; a table's key is its `KEY`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import ClassVar

from scenarios.episode_plan import EpisodeTask
from sim.events import FAILURE_OUTCOMES, EpisodeRecord
from teleop.console_records import HandoffRecord, QueueSample


def column(sql_type: str, meaning: str):
    """A dataclass field that is a store column of `sql_type`, described by `meaning`."""
    return field(metadata={"sql": sql_type, "meaning": meaning})


@dataclass
class RunRow:
    """One row per run."""

    TABLE: ClassVar[str] = "runs"
    KEY: ClassVar[tuple[str, ...]] = ("run_id",)
    run_id: str = column("VARCHAR", "the run's id: suite name, start time and a random suffix")
    created: datetime = column("TIMESTAMP", "when the run was created (UTC)")
    suite: str = column("VARCHAR", "the suite's name")
    suite_yaml: str = column("VARCHAR", "the suite file as it was read, so a run can be resumed or re-read")
    code_version: str = column("VARCHAR", "the git commit (short) of the code that made the run, or unknown")
    driver: str = column("VARCHAR", "the driver's name: a built-in (expert, camera, lane_keeping, blind), an "
                                    "entry point or package.module:factory")
    checkpoint: str = column("VARCHAR", "the camera checkpoint the driver loaded (empty for drivers without one)")
    config: str = column("VARCHAR", "the run's settings as JSON (driver and its arguments, batch, device, console, "
                                    "backend, executor)")
    backend: str = column("VARCHAR", "where it drove: embedded or carla")
    device: str = column("VARCHAR", "cpu or cuda")
    status: str = column("VARCHAR", "running or complete")
    driver_spec: str = column("VARCHAR", "how the driver is made, as JSON: name, arguments, the distribution that "
                                         "provides it and its version, the sha256 of each file its arguments name")


@dataclass
class EpisodeRow:
    """One row per finished episode."""

    TABLE: ClassVar[str] = "episodes"
    KEY: ClassVar[tuple[str, ...]] = ("run_id", "episode_id")
    run_id: str = column("VARCHAR", "the run")
    episode_id: str = column("VARCHAR", "family:sampler:round:index, unique within the run")
    family: str = column("VARCHAR", "the scenario family")
    sampler: str = column("VARCHAR", "naturalistic, halton or ce")
    round: int = column("INTEGER", "the CE round (0 for other samplers)")
    idx: int = column("INTEGER", "the episode's index within its family and round")
    seed: int = column("UBIGINT", "the episode's own seed (everything random in it derives from it)")
    params: str = column("VARCHAR", "the family's parameters as JSON")
    condition: str = column("VARCHAR", "the weather and light condition")
    log_f: float = column("DOUBLE", "log of the naturalistic density f at the parameters (the suite's fixed ones "
                                    "conditioned on)")
    log_q: float = column("DOUBLE", "log of the density q they were drawn from; w = exp(log_f - log_q) reweights "
                                    "the episode")
    template: str = column("VARCHAR", "the map template")
    route: str = column("VARCHAR", "the route the ego drove on that map")
    km: float = column("DOUBLE", "km driven along the route")
    duration_s: float = column("DOUBLE", "simulated seconds")
    outcome: str = column("VARCHAR", "success, collision, route_deviation, blocked or timeout")
    failure: bool = column("BOOLEAN", "whether the outcome is a failure (collision, route_deviation or blocked)")
    failure_type: str = column("VARCHAR", "the failure with its kind, e.g. collision_vehicle (none without one)")
    collisions_pedestrian: int = column("INTEGER", "collisions with pedestrians (Leaderboard bookkeeping)")
    collisions_vehicle: int = column("INTEGER", "collisions with vehicles and cyclists")
    collisions_static: int = column("INTEGER", "collisions with static objects")
    impact_speed_mps: float = column("DOUBLE", "relative speed at the first collision, m/s")
    collision_kind: str = column("VARCHAR", "the kind of actor the first collision hit (e.g. pedestrian, car; none "
                                         "without one)")
    red_lights: int = column("INTEGER", "red lights run")
    off_road_m: float = column("DOUBLE", "metres driven off the road")
    wrong_way_m: float = column("DOUBLE", "metres driven against the lane's direction")
    min_ttc_s: float = column("DOUBLE", "smallest time to collision with another road user, s")
    min_distance_m: float = column("DOUBLE", "smallest distance to another road user, m")
    route_completion: float = column("DOUBLE", "share of the route completed, 0 to 1")
    clip_path: str = column("VARCHAR", "the failure clip (PNG strip of the last camera frames beside a BEV), if any")
    handoffs: int | None = column("INTEGER", "handoffs to remote operations (NULL in runs without a console)")
    max_grip_use: float = column("DOUBLE", "peak share of the road's grip the controls asked for (over 1: the "
                                           "tyres slid)")
    slot: int | None = column("INTEGER", "the batch slot it ran in (its camera tile): `nines rerun` drives it in "
                                         "the same slot of a world of the run's batch size")

    @staticmethod
    def of(run_id: str, task: EpisodeTask, slot: int, record: EpisodeRecord, clip_path: str,
           handoffs: int | None) -> EpisodeRow:
        """The stored row of a finished episode: its task's identity, the world's record."""
        return EpisodeRow(
            run_id=run_id, episode_id=task.episode_id, family=task.family, sampler=task.sampler, round=task.round,
            idx=task.index, seed=task.seed, params=json.dumps(task.params), condition=task.params["condition"],
            log_f=task.log_f, log_q=task.log_q, template=record.template, route=record.route, km=record.km,
            duration_s=record.time_s, outcome=record.outcome, failure=record.outcome in FAILURE_OUTCOMES,
            failure_type=record.failure_type, collisions_pedestrian=record.collisions_pedestrian,
            collisions_vehicle=record.collisions_vehicle, collisions_static=record.collisions_static,
            impact_speed_mps=record.first_impact_speed_mps, collision_kind=record.first_collision_kind,
            red_lights=record.red_lights, off_road_m=record.off_road_m, wrong_way_m=record.wrong_way_m,
            min_ttc_s=record.min_ttc_s, min_distance_m=record.min_distance_m,
            route_completion=record.route_completion, clip_path=clip_path, handoffs=handoffs,
            max_grip_use=record.max_grip_use, slot=slot)


@dataclass
class EventRow:
    """What happened during an episode, in time order."""

    TABLE: ClassVar[str] = "events"
    KEY: ClassVar[tuple[str, ...]] = ()
    run_id: str = column("VARCHAR", "the run")
    episode_id: str = column("VARCHAR", "the episode")
    time_s: float = column("DOUBLE", "simulated time of the event, s")
    kind: str = column("VARCHAR", "collision, red_light, off_road or wrong_way")
    detail: str = column("VARCHAR", "for collisions, the collision type and the actor kind hit")
    value: float = column("DOUBLE", "for collisions, the impact speed, m/s")


@dataclass
class TickRow:
    """The driver's confidence over time, for drivers that report one."""

    TABLE: ClassVar[str] = "ticks"
    KEY: ClassVar[tuple[str, ...]] = ()
    run_id: str = column("VARCHAR", "the run")
    episode_id: str = column("VARCHAR", "the episode")
    time_s: float = column("DOUBLE", "simulated time, s")
    confidence: float = column("DOUBLE", "the driver's confidence, 0 to 1")
    reason: str = column("VARCHAR", "why it was low, when it was")


@dataclass
class DiagnosticRow:
    """Values a driver names in its output (DriverOutput.diagnostics), every 0.25 s."""

    TABLE: ClassVar[str] = "diagnostics"
    KEY: ClassVar[tuple[str, ...]] = ()
    run_id: str = column("VARCHAR", "the run")
    episode_id: str = column("VARCHAR", "the episode")
    time_s: float = column("DOUBLE", "simulated time, s")
    name: str = column("VARCHAR", "the diagnostic's name, as the driver gives it")
    value: float = column("DOUBLE", "its value (units: the driver's documentation)")


@dataclass
class FailureCauseRow:
    """The perception / planning split of a run's failures (`nines split`)."""

    TABLE: ClassVar[str] = "failure_causes"
    KEY: ClassVar[tuple[str, ...]] = ("run_id", "episode_id")
    run_id: str = column("VARCHAR", "the run")
    episode_id: str = column("VARCHAR", "the failed episode")
    cause: str = column("VARCHAR", "camera drivers: perception (the expert drives the same episode without failing) "
                                   "or planning; any other driver: driver or scenario (the expert fails too)")
    expert_outcome: str = column("VARCHAR", "the privileged expert's outcome on the same episode")


@dataclass
class HandoffRow:
    """One row per handoff to the remote-operations console (teleop.console_records.HandoffRecord
    with its run and episode)."""

    TABLE: ClassVar[str] = "handoffs"
    KEY: ClassVar[tuple[str, ...]] = ()
    run_id: str = column("VARCHAR", "the run")
    episode_id: str = column("VARCHAR", "the episode")
    start_s: float = column("DOUBLE", "simulated time of the request, s")
    reason: str = column("VARCHAR", "what triggered it")
    urgency_s: float = column("DOUBLE", "the time budget the request had before it became critical, s")
    wait_s: float | None = column("DOUBLE", "time until an operator took it, s (NULL if never served)")
    awareness_s: float | None = column("DOUBLE", "the operator's situation-awareness time, s")
    mode: str = column("VARCHAR", "assistance or remote driving")
    operator: int = column("INTEGER", "the operator's index (-1 if never served)")
    operator_s: float | None = column("DOUBLE", "the operator's busy time on it, s")
    resolution: str = column("VARCHAR", "how it ended, e.g. guidance_given, released_confident, episode_ended")
    outcome: str = column("VARCHAR", "ok, unless the episode failed during the handoff")
    operator_error: bool = column("BOOLEAN", "whether the simulated operator erred")
    frame_path: str | None = column("VARCHAR", "the camera frame sent with the request")

    @staticmethod
    def of(run_id: str, episode_id: str, record: HandoffRecord) -> HandoffRow:
        return HandoffRow(run_id, episode_id, **vars(record))


@dataclass
class QueueRow:
    """The console's queue sampled over fleet time."""

    TABLE: ClassVar[str] = "teleop_queue"
    KEY: ClassVar[tuple[str, ...]] = ()
    run_id: str = column("VARCHAR", "the run")
    time_s: float = column("DOUBLE", "fleet time, s")
    waiting: int = column("INTEGER", "requests waiting for an operator")
    busy: int = column("INTEGER", "operators busy")
    operators: int = column("INTEGER", "operators on shift")
    remote_driving: int = column("INTEGER", "vehicles driven remotely")
    open_requests: str = column("VARCHAR", "the open requests as JSON (for the live console page)")

    @staticmethod
    def of(run_id: str, sample: QueueSample) -> QueueRow:
        return QueueRow(run_id, **vars(sample))


@dataclass
class InfrastructureErrorRow:
    """Episodes lost to the infrastructure (a CARLA server gone), retried, never counted as
    driving failures."""

    TABLE: ClassVar[str] = "infrastructure_errors"
    KEY: ClassVar[tuple[str, ...]] = ()
    run_id: str = column("VARCHAR", "the run")
    episode_id: str = column("VARCHAR", "the episode")
    attempt: int = column("INTEGER", "which attempt failed")
    failed_at: datetime = column("TIMESTAMP", "when (UTC)")
    message: str = column("VARCHAR", "what the infrastructure said")


TABLES = (RunRow, EpisodeRow, EventRow, TickRow, DiagnosticRow, FailureCauseRow, HandoffRow, QueueRow, InfrastructureErrorRow)


def column_names(row_type: type) -> list[str]:
    return [f.name for f in fields(row_type)]


def create_statements(row_type: type) -> str:
    """CREATE TABLE for a row type, then ADD COLUMN for each column, so that a store made by an
    older version gains the columns added since."""
    columns = [f"{f.name} {f.metadata['sql']}" for f in fields(row_type)]
    if row_type.KEY:
        columns.append(f"PRIMARY KEY ({', '.join(row_type.KEY)})")
    statements = [f"CREATE TABLE IF NOT EXISTS {row_type.TABLE} ({', '.join(columns)});"]
    statements += [f"ALTER TABLE {row_type.TABLE} ADD COLUMN IF NOT EXISTS {f.name} {f.metadata['sql']};"
                   for f in fields(row_type) if f.name not in row_type.KEY]
    return "\n".join(statements)


SCHEMA = "\n".join(create_statements(row_type) for row_type in TABLES)
