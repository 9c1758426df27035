"""Unit meshes of the actors, one per `MeshKind`, in a local frame: x forward, y left, z up;
x and y span -0.5..0.5 and z 0..1. The actor vertex shader scales a unit mesh by the
instance's (length, width, height), turns it by its yaw and moves it to its position.

Parts with `Material.BODY` take the instance's colour (car paint, a pedestrian's clothes).
Traffic light lamps carry the lamp materials; the one matching the instance's state glows.
"""
from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.actor_kinds import ActorKind
from sim.render.materials import Material
from sim.render.mesh import Mesh, MeshBuilder

TYRE = (0.06, 0.06, 0.06)
BODY_WHITE = (1.0, 1.0, 1.0)  # BODY parts ignore their vertex colour
CARGO = (0.84, 0.84, 0.80)
TROUSERS = (0.13, 0.13, 0.20)
SKIN = (0.86, 0.65, 0.50)
HAIR = (0.20, 0.14, 0.10)
ORANGE = (1.0, 0.40, 0.04)
STRIPE_WHITE = (0.95, 0.95, 0.95)
BARRIER_RED = (0.85, 0.07, 0.07)
METAL = (0.45, 0.45, 0.46)
DEBRIS = ((0.30, 0.27, 0.24), (0.22, 0.22, 0.22), (0.40, 0.33, 0.25))
HOUSING = (0.07, 0.07, 0.07)
POLE = (0.25, 0.25, 0.26)
LAMP_COLOURS = {Material.LAMP_RED: (1.0, 0.08, 0.05), Material.LAMP_YELLOW: (1.0, 0.72, 0.05),
                Material.LAMP_GREEN: (0.10, 1.0, 0.35)}
TAIL = (0.75, 0.06, 0.05)
HEAD = (0.95, 0.95, 0.85)

TRAFFIC_LIGHT_SIZE_M = (0.4, 0.56, 4.3)  # the unit traffic light mesh is scaled to this
LAMP_SIZE_M = 0.36
LAMP_HEIGHTS_M = {Material.LAMP_RED: 3.98, Material.LAMP_YELLOW: 3.58, Material.LAMP_GREEN: 3.18}
HOUSING_FRONT_M = 0.15
PEDESTRIAN_TORSO_Z = (0.47, 0.80)  # fraction of height; the torso wears the instance colour


class MeshKind(IntEnum):
    CAR = 0
    TRUCK = 1
    PEDESTRIAN = 2
    CYCLIST = 3
    CONE = 4
    BARRIER = 5
    DEBRIS = 6
    TRAFFIC_LIGHT = 7
    CAR_DOOR = 8  # drawn on top of CAR for cars whose driver door is open
    CAR_FAR = 9  # the *_FAR meshes stand in when the actor is small on screen (`FAR_VERSION`)
    TRUCK_FAR = 10
    PEDESTRIAN_FAR = 11
    CYCLIST_FAR = 12
    BARRIER_FAR = 13


FAR_VERSION = {MeshKind.CAR: MeshKind.CAR_FAR, MeshKind.TRUCK: MeshKind.TRUCK_FAR,
               MeshKind.PEDESTRIAN: MeshKind.PEDESTRIAN_FAR, MeshKind.CYCLIST: MeshKind.CYCLIST_FAR,
               MeshKind.BARRIER: MeshKind.BARRIER_FAR}


MESH_OF_ACTOR = {
    ActorKind.CAR: MeshKind.CAR, ActorKind.TRUCK: MeshKind.TRUCK, ActorKind.PEDESTRIAN: MeshKind.PEDESTRIAN,
    ActorKind.CYCLIST: MeshKind.CYCLIST, ActorKind.CONE: MeshKind.CONE, ActorKind.BARRIER: MeshKind.BARRIER,
    ActorKind.DEBRIS: MeshKind.DEBRIS,
}


def _block(b: MeshBuilder, x: tuple[float, float], y: tuple[float, float], z: tuple[float, float], colour,
           material: Material) -> None:
    """A box given by its extents along each axis (unit frame)."""
    b.box(((x[0] + x[1]) / 2, (y[0] + y[1]) / 2, (z[0] + z[1]) / 2), (x[1] - x[0], y[1] - y[0], z[1] - z[0]),
          colour, material)


def _panel(b: MeshBuilder, x: float, y: tuple[float, float], z: tuple[float, float], colour, material: Material,
           facing: float) -> None:
    """A flat rectangle at x facing +x (facing=1) or -x (facing=-1): lights, lamps."""
    quad = np.array([[x, y[0], z[0]], [x, y[1], z[0]], [x, y[1], z[1]], [x, y[0], z[1]]])
    b.quads(quad[None], colour, material, (facing, 0.0, 0.0))


def _lights(b: MeshBuilder, front: float, back: float, z: tuple[float, float]) -> None:
    for y in ((0.28, 0.46), (-0.46, -0.28)):
        _panel(b, front + 0.005, y, z, HEAD, Material.HEAD_LIGHT, 1.0)
        _panel(b, back - 0.005, y, z, TAIL, Material.TAIL_LIGHT, -1.0)


def _car() -> Mesh:
    b = MeshBuilder()
    _block(b, (-0.5, 0.5), (-0.5, 0.5), (0.2, 0.58), BODY_WHITE, Material.BODY)
    _block(b, (-0.30, 0.18), (-0.44, 0.44), (0.58, 0.92), BODY_WHITE, Material.GLASS)
    _block(b, (-0.28, 0.15), (-0.45, 0.45), (0.92, 1.0), BODY_WHITE, Material.BODY)
    for x in ((0.22, 0.38), (-0.38, -0.22)):
        _block(b, x, (-0.49, 0.49), (0.0, 0.36), TYRE, Material.PLAIN)
    _lights(b, 0.5, -0.5, (0.40, 0.50))
    return b.build()


def _car_far() -> Mesh:
    """Body, windows and a dark band for the wheels: what is left of a car a few pixels big."""
    b = MeshBuilder()
    _block(b, (-0.45, 0.45), (-0.47, 0.47), (0.0, 0.2), TYRE, Material.PLAIN)
    _block(b, (-0.5, 0.5), (-0.5, 0.5), (0.2, 0.58), BODY_WHITE, Material.BODY)
    _block(b, (-0.30, 0.18), (-0.44, 0.44), (0.58, 0.97), BODY_WHITE, Material.GLASS)
    for y in ((0.28, 0.46), (-0.46, -0.28)):
        _panel(b, -0.505, y, (0.40, 0.50), TAIL, Material.TAIL_LIGHT, -1.0)
    return b.build()


def _car_door() -> Mesh:
    """The driver door swung ~55 degrees open from its hinge at the front of the cabin (left side)."""
    b = MeshBuilder()
    hinge = np.array([0.12, 0.5])
    tip = hinge + np.array([-0.125, 0.43])  # 1 m door at 55 deg on a 4.6 x 1.9 m car
    across = np.array([tip[1] - hinge[1], -(tip[0] - hinge[0])])
    across *= 0.02 / np.linalg.norm(across)
    outline = np.array([hinge, tip, tip + across, hinge + across])
    b.prism(outline, 0.22, 0.60, BODY_WHITE, Material.BODY)
    b.prism(outline, 0.60, 0.88, BODY_WHITE, Material.GLASS)
    return b.build()


def _truck() -> Mesh:
    b = MeshBuilder()
    _block(b, (0.27, 0.5), (-0.5, 0.5), (0.12, 0.50), BODY_WHITE, Material.BODY)
    _block(b, (0.29, 0.47), (-0.47, 0.47), (0.50, 0.74), BODY_WHITE, Material.GLASS)
    _block(b, (0.28, 0.48), (-0.48, 0.48), (0.74, 0.78), BODY_WHITE, Material.BODY)
    _block(b, (-0.5, 0.25), (-0.5, 0.5), (0.14, 1.0), CARGO, Material.PLAIN)
    for x in ((0.33, 0.43), (-0.20, -0.10), (-0.38, -0.28)):
        _block(b, x, (-0.49, 0.49), (0.0, 0.16), TYRE, Material.PLAIN)
    _lights(b, 0.5, -0.5, (0.15, 0.22))
    return b.build()


def _truck_far() -> Mesh:
    b = MeshBuilder()
    _block(b, (-0.45, 0.45), (-0.47, 0.47), (0.0, 0.14), TYRE, Material.PLAIN)
    _block(b, (0.27, 0.5), (-0.5, 0.5), (0.12, 0.78), BODY_WHITE, Material.BODY)
    _block(b, (-0.5, 0.25), (-0.5, 0.5), (0.14, 1.0), CARGO, Material.PLAIN)
    return b.build()


def _pedestrian() -> Mesh:
    b = MeshBuilder()
    torso_low, torso_high = PEDESTRIAN_TORSO_Z
    for y in ((0.04, 0.24), (-0.24, -0.04)):
        _block(b, (-0.18, 0.18), y, (0.0, torso_low), TROUSERS, Material.PLAIN)
    _block(b, (-0.28, 0.28), (-0.34, 0.34), (torso_low, torso_high), BODY_WHITE, Material.BODY)
    for y in ((0.35, 0.5), (-0.5, -0.35)):
        _block(b, (-0.14, 0.14), y, (0.46, 0.79), BODY_WHITE, Material.BODY)
    _block(b, (-0.22, 0.22), (-0.17, 0.17), (0.81, 0.96), SKIN, Material.PLAIN)
    _block(b, (-0.24, 0.2), (-0.18, 0.18), (0.96, 1.0), HAIR, Material.PLAIN)
    return b.build()


def _pedestrian_far() -> Mesh:
    """Legs, torso with arms, head: three blocks."""
    b = MeshBuilder()
    torso_low, torso_high = PEDESTRIAN_TORSO_Z
    _block(b, (-0.18, 0.18), (-0.24, 0.24), (0.0, torso_low), TROUSERS, Material.PLAIN)
    _block(b, (-0.28, 0.28), (-0.5, 0.5), (torso_low, torso_high), BODY_WHITE, Material.BODY)
    _block(b, (-0.22, 0.22), (-0.17, 0.17), (0.81, 1.0), SKIN, Material.PLAIN)
    return b.build()


def _wheel(b: MeshBuilder, x: float, radius_x: float, radius_z: float) -> None:
    """A hexagonal wheel in the x-z plane, thin along y, both sides drawn."""
    angles = np.arange(6) * np.pi / 3
    rim = np.column_stack([x + radius_x * np.cos(angles), np.zeros(6), radius_z * (1 + np.sin(angles))])
    for y, facing in ((0.06, 1.0), (-0.06, -1.0)):
        side = rim + np.array([0.0, y, 0.0])
        b.polygon(side, TYRE, Material.PLAIN, (0.0, facing, 0.0))


def _cyclist() -> Mesh:
    b = MeshBuilder()
    for x in (0.3, -0.3):
        _wheel(b, x, 0.19, 0.2)
    _block(b, (-0.3, 0.3), (-0.04, 0.04), (0.33, 0.39), BODY_WHITE, Material.BODY)
    _block(b, (0.22, 0.27), (-0.3, 0.3), (0.55, 0.6), METAL, Material.PLAIN)
    _block(b, (-0.12, 0.06), (-0.18, 0.18), (0.28, 0.55), TROUSERS, Material.PLAIN)
    _block(b, (-0.14, 0.10), (-0.3, 0.3), (0.55, 0.83), BODY_WHITE, Material.BODY)
    _block(b, (0.06, 0.24), (-0.3, 0.3), (0.66, 0.74), BODY_WHITE, Material.BODY)
    _block(b, (-0.07, 0.07), (-0.17, 0.17), (0.84, 1.0), SKIN, Material.PLAIN)
    return b.build()


def _cyclist_far() -> Mesh:
    b = MeshBuilder()
    _block(b, (-0.5, 0.5), (-0.05, 0.05), (0.0, 0.4), TYRE, Material.PLAIN)
    _block(b, (-0.14, 0.10), (-0.3, 0.3), (0.4, 0.83), BODY_WHITE, Material.BODY)
    _block(b, (-0.07, 0.07), (-0.17, 0.17), (0.84, 1.0), SKIN, Material.PLAIN)
    return b.build()


def _cone() -> Mesh:
    b = MeshBuilder()
    _block(b, (-0.5, 0.5), (-0.5, 0.5), (0.0, 0.06), (0.12, 0.12, 0.12), Material.PLAIN)

    def half(z: float) -> tuple[float, float]:
        width = 0.36 + (0.07 - 0.36) * (z - 0.06) / 0.94
        return width, width

    bands = (((0.06, 0.42), ORANGE), ((0.42, 0.62), STRIPE_WHITE), ((0.62, 1.0), ORANGE))
    for k, ((z0, z1), colour) in enumerate(bands):
        b.frustum(z0, z1, half(z0), half(z1), colour, Material.PLAIN, top=k == len(bands) - 1)
    return b.build()


def _barrier() -> Mesh:
    """Red and white striped panel across the lane (along y) on two legs."""
    b = MeshBuilder()
    for y in ((0.32, 0.40), (-0.40, -0.32)):
        _block(b, (-0.06, 0.06), y, (0.0, 0.55), METAL, Material.PLAIN)
        _block(b, (-0.5, 0.5), y, (0.0, 0.05), METAL, Material.PLAIN)
    edges = np.linspace(-0.5, 0.5, 7)
    for k in range(6):
        colour = BARRIER_RED if k % 2 == 0 else STRIPE_WHITE
        for x, facing in ((0.06, 1.0), (-0.06, -1.0)):
            _panel(b, x, (edges[k], edges[k + 1]), (0.55, 0.95), colour, Material.PLAIN, facing)
    top = np.array([[-0.06, -0.5, 0.95], [0.06, -0.5, 0.95], [0.06, 0.5, 0.95], [-0.06, 0.5, 0.95]])
    b.quads(top[None], STRIPE_WHITE, Material.PLAIN, (0.0, 0.0, 1.0))
    return b.build()


def _barrier_far() -> Mesh:
    """Three stripes instead of six, and legs without feet."""
    b = MeshBuilder()
    for y in ((0.32, 0.40), (-0.40, -0.32)):
        _block(b, (-0.06, 0.06), y, (0.0, 0.55), METAL, Material.PLAIN)
    edges = np.linspace(-0.5, 0.5, 4)
    for k in range(3):
        colour = BARRIER_RED if k % 2 == 0 else STRIPE_WHITE
        for x, facing in ((0.06, 1.0), (-0.06, -1.0)):
            _panel(b, x, (edges[k], edges[k + 1]), (0.55, 0.95), colour, Material.PLAIN, facing)
    return b.build()


def _debris() -> Mesh:
    """A few flat, irregular chunks (tyre tread, a bumper, a box) scattered over the footprint."""
    b = MeshBuilder()
    chunks = (((-0.22, -0.15), 0.26, 0.7, 0.4, DEBRIS[0], Material.PLAIN),
              ((0.2, 0.12), 0.22, 1.0, 1.3, DEBRIS[1], Material.BODY),
              ((0.05, -0.3), 0.16, 0.45, 2.2, DEBRIS[2], Material.PLAIN))
    angles = np.array([0.0, 1.1, 2.3, 3.4, 4.9])
    stretch = np.array([1.0, 0.7, 1.1, 0.8, 0.9])
    for centre, radius, height, yaw, colour, material in chunks:
        outline = radius * stretch[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])
        b.prism(outline, 0.0, height, colour, material, yaw, centre)
    return b.build()


def _traffic_light() -> Mesh:
    """Pole and signal head facing +x (towards approaching traffic), built in metres then
    scaled to the unit frame."""
    b = MeshBuilder()
    _block(b, (-0.07, 0.07), (-0.07, 0.07), (0.0, 2.9), POLE, Material.PLAIN)
    _block(b, (-HOUSING_FRONT_M, HOUSING_FRONT_M), (-0.26, 0.26), (2.9, 4.3), HOUSING, Material.PLAIN)
    half = LAMP_SIZE_M / 2
    for material, z in LAMP_HEIGHTS_M.items():
        _panel(b, HOUSING_FRONT_M + 0.005, (-half, half), (z - half, z + half), LAMP_COLOURS[material], material, 1.0)
    mesh = b.build()
    scale = np.asarray(TRAFFIC_LIGHT_SIZE_M)
    mesh.position = mesh.position / scale
    mesh.normal = mesh.normal * scale
    mesh.normal /= np.linalg.norm(mesh.normal, axis=1, keepdims=True)
    return mesh


def lamp_centre_m(material: Material) -> np.ndarray:
    """Centre (m) of a traffic light lamp in the light's frame (x towards the traffic it faces)."""
    return np.array([HOUSING_FRONT_M + 0.005, 0.0, LAMP_HEIGHTS_M[material]])


def build_actor_meshes() -> list[Mesh]:
    """The unit mesh of every MeshKind, in MeshKind order."""
    builders = {
        MeshKind.CAR: _car, MeshKind.TRUCK: _truck, MeshKind.PEDESTRIAN: _pedestrian, MeshKind.CYCLIST: _cyclist,
        MeshKind.CONE: _cone, MeshKind.BARRIER: _barrier, MeshKind.DEBRIS: _debris,
        MeshKind.TRAFFIC_LIGHT: _traffic_light, MeshKind.CAR_DOOR: _car_door, MeshKind.CAR_FAR: _car_far,
        MeshKind.TRUCK_FAR: _truck_far, MeshKind.PEDESTRIAN_FAR: _pedestrian_far, MeshKind.CYCLIST_FAR: _cyclist_far,
        MeshKind.BARRIER_FAR: _barrier_far,
    }
    return [builders[kind]() for kind in MeshKind]
