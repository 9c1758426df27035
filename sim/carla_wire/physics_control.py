"""carla.VehiclePhysicsControl as the wire server answers it: CARLA 0.9.16's 17 fields in
their wire order (read from the client library's debug info), filled from our vehicle model
(`sim.ego_dynamics`: wheelbase, steering lock) and a mass. Our dynamics are a planar bicycle
model: of what a client sets, the mass is used (impulses and forces change the speed by
J / m and F dt / m); the rest is kept and answered back as set, not simulated.
"""
from __future__ import annotations

import math

from sim.carla_wire.messages import WireError
from sim.ego_dynamics import MAX_STEER_RAD, WHEELBASE_M

VEHICLE_MASS_KG = 1500.0
FIELDS = 17  # torque curve ... use_sweep_wheel_collision
MASS = 11  # the index of mass among them
WHEEL_FIELDS = 10  # tire friction ... position
TRACK_CM = 160.0


def _wheel(x_cm: float, y_cm: float, max_steer_deg: float) -> list:
    """tire_friction, damping_rate, max_steer_angle (deg), radius (cm), max brake and handbrake
    torque (Nm), lateral stiffness max load and value, longitudinal stiffness, position (cm)."""
    return [3.5, 0.25, max_steer_deg, 33.0, 1500.0, 3000.0, 3.0, 17.0, 3000.0, [x_cm, y_cm, 0.0]]


def default_control(mass_kg: float = VEHICLE_MASS_KG) -> list:
    """The msgpack array of a VehiclePhysicsControl for one of our vehicles."""
    lock = math.degrees(MAX_STEER_RAD)
    axle = 50.0 * WHEELBASE_M  # half the wheelbase, cm
    wheels = [_wheel(axle, -TRACK_CM / 2, lock), _wheel(axle, TRACK_CM / 2, lock),
              _wheel(-axle, -TRACK_CM / 2, 0.0), _wheel(-axle, TRACK_CM / 2, 0.0)]
    gears = [[3.7, 0.2, 0.65], [2.0, 0.5, 0.65], [1.4, 0.5, 0.65], [1.0, 0.5, 0.65]]
    return [[[0.0, 400.0], [1890.0, 500.0], [5730.0, 400.0]], 5000.0, 1.0, 0.15, 2.0, 0.35, True, 0.5, 10.0, 4.0,
            gears, mass_kg, 0.3, [0.0, 0.0, 0.0], [[0.0, 1.0], [20.0, 0.9], [60.0, 0.8], [120.0, 0.7]], wheels, True]


def checked(raw: list) -> list:
    """A client's VehiclePhysicsControl array, or CARLA's error naming what is wrong."""
    if not isinstance(raw, list) or len(raw) != FIELDS:
        raise WireError(f"apply_physics_control: expected the {FIELDS} fields of CARLA 0.9.16's "
                        f"VehiclePhysicsControl, got {len(raw) if isinstance(raw, list) else type(raw).__name__}")
    if not float(raw[MASS]) > 0:
        raise WireError(f"apply_physics_control: mass {raw[MASS]} kg must be positive")
    if any(len(wheel) != WHEEL_FIELDS for wheel in raw[15]):
        raise WireError(f"apply_physics_control: each wheel has {WHEEL_FIELDS} fields")
    return raw
