"""What the remote-operations console hands back: a record per handoff at its episode's end,
and samples of its queue over fleet time. The runner stores them (nines/store_rows.py)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class HandoffRecord:
    """One handoff. Times in s of simulated time (start_s: episode time of the request); mode:
    assistance or driving; operator -1 if never served; wait_s, operator_s None if never
    served; awareness_s NaN if no operator started on it."""

    start_s: float
    reason: str
    urgency_s: float
    wait_s: float | None
    awareness_s: float
    mode: str
    operator: int
    operator_s: float | None
    resolution: str
    outcome: str
    operator_error: bool
    frame_path: str | None


@dataclass
class QueueSample:
    """The console's queue at fleet time time_s (s): requests waiting, operators busy and on
    shift, vehicles driven remotely, and the open requests as JSON (for the live page)."""

    time_s: float
    waiting: int
    busy: int
    operators: int
    remote_driving: int
    open_requests: str
