"""Event streams of a run: how many events of each stream every episode had.

Every failure kind is a stream, each with its severity: crashes by type (pedestrian, vehicle,
static) and all crashes, route deviation (the ego left its route: off the road or sliding
off it), blocked (it stood still for the world's blocked_after_s), red-light violations
(counted per violation), and, for runs with a remote-operations console, handoffs (counted
per handoff, an episode can have several) and interventions (crashes plus handoffs).
"failure" is any of the outcomes that end an episode as failed (collision, route deviation,
blocked), the event cross-entropy sampling is steered to.

A timeout is no failure and no stream: the episode reached its max_time_s still driving,
without a collision, without leaving its route and without standing still long enough to be
blocked, i.e. it was too slow to finish its route in time. It costs route completion (the
Leaderboard's score) and the report counts timeouts beside the streams.

Counts are per episode: an episode ends at its first crash, route deviation or block, so
those streams are 0 or 1; red lights and handoffs can be more.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Stream:
    name: str
    what: str
    severity: str
    console_only: bool = False


STREAMS = (
    Stream("crash", "collisions of any kind", "crash (any severity)"),
    Stream("crash_pedestrian", "collisions with a pedestrian", "crash with a vulnerable road user"),
    Stream("crash_vehicle", "collisions with a vehicle or cyclist", "crash"),
    Stream("crash_static", "collisions with a static object", "crash"),
    Stream("route_deviation", "left its route: off the road or slid off it", "road departure (no contact)"),
    Stream("blocked", "stood still until the episode was given up", "mission failure (no contact)"),
    Stream("red_light", "red lights run, per violation", "traffic violation"),
    Stream("failure", "episodes ended by a collision, route deviation or block", "any failure"),
    Stream("handoff", "requests to remote operations, per handoff", "intervention (no contact)", True),
    Stream("crash_or_handoff", "crashes plus handoffs", "intervention or crash", True),
)
STREAM_BY_NAME = {s.name: s for s in STREAMS}
CRASH_COLUMNS = {"crash_pedestrian": "collisions_pedestrian", "crash_vehicle": "collisions_vehicle",
                 "crash_static": "collisions_static"}


def has_console(episodes: pd.DataFrame) -> bool:
    """Whether every episode was driven with a remote-operations console (handoffs recorded)."""
    return "handoffs" in episodes and len(episodes) > 0 and bool(episodes["handoffs"].notna().all())


def stream_events(episodes: pd.DataFrame) -> pd.DataFrame:
    """One column of event counts (float) per stream the run has, one row per episode."""
    events = pd.DataFrame(index=episodes.index)
    for stream, column in CRASH_COLUMNS.items():
        events[stream] = (episodes[column] > 0).astype(float)
    events["crash"] = events[list(CRASH_COLUMNS)].max(axis=1)
    events["route_deviation"] = (episodes["outcome"] == "route_deviation").astype(float)
    events["blocked"] = (episodes["outcome"] == "blocked").astype(float)
    events["red_light"] = episodes["red_lights"].astype(float)
    events["failure"] = episodes["failure"].astype(float)
    if has_console(episodes):
        events["handoff"] = episodes["handoffs"].astype(float)
        events["crash_or_handoff"] = events["crash"] + events["handoff"]
    return events[[s.name for s in STREAMS if s.name in events]]


def stream_counts(episodes: pd.DataFrame) -> dict[str, int]:
    return {stream: int(column.sum()) for stream, column in stream_events(episodes).items()}
