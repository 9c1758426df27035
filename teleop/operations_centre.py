"""The fleet-wide operations centre: N operators shared by every vehicle of a run, and one
queue of waiting requests ordered by urgency (the smallest time budget first, then the
earliest). Times are on the fleet clock (s); the centre knows nothing of vehicles or torch,
so the same code runs inside the closed loop and in a plain discrete-event simulation.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from itertools import count

import numpy as np


@dataclass
class Request:
    """A vehicle asking for help: its batch slot, time budget (s), why, the camera frame it
    sent ([H, W, 3] uint8, or None; frame_path where it was saved) and, once served, who took
    it and when."""

    slot: int
    urgency_s: float
    submitted_s: float
    reason: str
    frame: np.ndarray | None = None
    frame_path: str = ""
    operator: int = -1
    assigned_s: float | None = None
    withdrawn: bool = field(default=False, repr=False)

    @property
    def wait_s(self) -> float | None:
        return None if self.assigned_s is None else self.assigned_s - self.submitted_s


class OperationsCentre:
    def __init__(self, operators: int):
        self.operators = operators
        self._free = list(range(operators))
        self._queue: list[tuple[float, int, Request]] = []
        self._order = count()
        self.waiting = 0

    def submit(self, request: Request) -> None:
        heapq.heappush(self._queue, (request.urgency_s, next(self._order), request))
        self.waiting += 1

    def withdraw(self, request: Request) -> None:
        """A waiting request whose vehicle no longer needs help (its episode ended)."""
        if request.assigned_s is None and not request.withdrawn:
            request.withdrawn = True
            self.waiting -= 1

    def assign(self, now_s: float) -> list[Request]:
        """Give free operators the most urgent waiting requests; returns those just assigned."""
        assigned = []
        while self._free and self._queue:
            request = heapq.heappop(self._queue)[2]
            if request.withdrawn:
                continue
            request.operator, request.assigned_s = heapq.heappop(self._free), now_s
            self.waiting -= 1
            assigned.append(request)
        while self._queue and self._queue[0][2].withdrawn:
            heapq.heappop(self._queue)
        return assigned

    def release(self, operator: int) -> None:
        heapq.heappush(self._free, operator)

    @property
    def busy(self) -> int:
        return self.operators - len(self._free)
