"""Event streams of a run: which episodes count as an event of each stream, and the km.

Streams: crashes by type, all crashes, handoffs (when the episode table has a `handoffs`
column filled in by a remote-operations console), and the union "crash or handoff", which is what the ladder
uses for interventions. Counts are per episode (an episode ends at its first crash)."""
from __future__ import annotations

import pandas as pd

CRASH_COLUMNS = {"crash_pedestrian": "collisions_pedestrian", "crash_vehicle": "collisions_vehicle",
                 "crash_static": "collisions_static"}


def stream_flags(episodes: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per stream, one row per episode."""
    flags = pd.DataFrame(index=episodes.index)
    for stream, column in CRASH_COLUMNS.items():
        flags[stream] = episodes[column] > 0
    flags["crash"] = flags[list(CRASH_COLUMNS)].any(axis=1)
    if "handoffs" in episodes and episodes["handoffs"].notna().all():
        flags["handoff"] = episodes["handoffs"] > 0
        flags["crash_or_handoff"] = flags["crash"] | flags["handoff"]
    return flags


def stream_counts(episodes: pd.DataFrame) -> dict[str, int]:
    return {stream: int(column.sum()) for stream, column in stream_flags(episodes).items()}
