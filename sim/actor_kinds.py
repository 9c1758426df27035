"""What an actor is: the class codes shared by the world state, events and the camera."""
from __future__ import annotations

from enum import IntEnum


class ActorKind(IntEnum):
    NONE = 0
    CAR = 1
    TRUCK = 2
    PEDESTRIAN = 3
    CYCLIST = 4
    CONE = 5
    BARRIER = 6
    DEBRIS = 7


VEHICLE_KINDS = (ActorKind.CAR, ActorKind.TRUCK, ActorKind.CYCLIST)
STATIC_KINDS = (ActorKind.CONE, ActorKind.BARRIER, ActorKind.DEBRIS)

# Default box sizes (length, width, height) in m; scenarios may override them per actor.
DEFAULT_SIZE_M = {
    ActorKind.CAR: (4.6, 1.9, 1.5),
    ActorKind.TRUCK: (8.0, 2.5, 3.4),
    ActorKind.PEDESTRIAN: (0.5, 0.6, 1.75),
    ActorKind.CYCLIST: (1.8, 0.6, 1.75),
    ActorKind.CONE: (0.4, 0.4, 0.7),
    ActorKind.BARRIER: (0.5, 2.0, 1.0),
    ActorKind.DEBRIS: (1.0, 0.8, 0.3),
}
CHILD_SIZE_M = (0.4, 0.45, 1.15)  # a pedestrian child of about six years
