"""CARLA 0.9.16's vehicle library as facts: each blueprint id with the kind of actor it is
here, its base type, wheels, generation and its bounding box (length, width, height in m,
to the centimetre, as CARLA reports them). The wire server offers exactly these; the carla
backend picks from them the blueprint whose box is closest to an actor's.
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.actor_kinds import ActorKind


@dataclass(frozen=True)
class VehicleModel:
    id: str
    kind: ActorKind
    base_type: str  # CARLA's: car, truck, van, bus, motorcycle, bicycle
    size_m: tuple[float, float, float]  # length, width, height
    generation: int = 1

    @property
    def wheels(self) -> int:
        return 2 if self.base_type in ("motorcycle", "bicycle") else 4


def _models(kind: ActorKind, base_type: str, rows: str, generation: int = 1) -> list[VehicleModel]:
    """One VehicleModel per line `id length width height`."""
    models = []
    for line in rows.strip().splitlines():
        bp_id, *size = line.split()
        models.append(VehicleModel(bp_id, kind, base_type, tuple(float(v) for v in size), generation))
    return models


VEHICLES: tuple[VehicleModel, ...] = tuple(
    _models(ActorKind.CAR, "car", """
        vehicle.audi.a2 3.71 1.79 1.55
        vehicle.audi.etron 4.86 2.03 1.65
        vehicle.audi.tt 4.18 1.99 1.39
        vehicle.bmw.grandtourer 4.61 2.24 1.67
        vehicle.chevrolet.impala 5.36 2.03 1.41
        vehicle.citroen.c3 3.99 1.85 1.62
        vehicle.dodge.charger_police 4.97 2.04 1.54
        vehicle.ford.mustang 4.72 1.89 1.30
        vehicle.jeep.wrangler_rubicon 3.87 1.91 1.88
        vehicle.lincoln.mkz_2017 4.90 2.13 1.51
        vehicle.mercedes.coupe 5.03 2.15 1.65
        vehicle.micro.microlino 2.21 1.48 1.38
        vehicle.mini.cooper_s 3.81 1.97 1.48
        vehicle.nissan.micra 3.63 1.85 1.50
        vehicle.nissan.patrol 4.60 1.93 1.85
        vehicle.seat.leon 4.19 1.82 1.47
        vehicle.tesla.model3 4.79 2.16 1.49
        vehicle.toyota.prius 4.51 2.01 1.52
    """)
    + _models(ActorKind.CAR, "car", """
        vehicle.dodge.charger_2020 5.01 1.88 1.53
        vehicle.dodge.charger_police_2020 5.24 1.93 1.64
        vehicle.ford.crown 5.37 1.80 1.57
        vehicle.lincoln.mkz_2020 4.89 1.84 1.49
        vehicle.mercedes.coupe_2020 4.67 1.81 1.44
        vehicle.mini.cooper_s_2021 4.55 2.10 1.77
        vehicle.nissan.patrol_2021 5.57 2.15 2.05
    """, generation=2)
    + _models(ActorKind.TRUCK, "truck", """
        vehicle.carlamotors.carlacola 5.20 2.63 2.47
        vehicle.carlamotors.european_hgv 7.94 2.89 3.46
        vehicle.carlamotors.firetruck 8.47 2.89 3.83
        vehicle.tesla.cybertruck 6.27 2.39 2.10
    """, generation=2)
    + _models(ActorKind.TRUCK, "van", """
        vehicle.ford.ambulance 6.37 2.35 2.43
        vehicle.mercedes.sprinter 5.92 1.99 2.56
        vehicle.volkswagen.t2 4.48 2.07 2.04
        vehicle.volkswagen.t2_2021 4.44 1.77 1.99
    """, generation=2)
    + _models(ActorKind.TRUCK, "bus", """
        vehicle.mitsubishi.fusorosa 10.27 3.94 4.25
    """, generation=2)
    + _models(ActorKind.CYCLIST, "motorcycle", """
        vehicle.harley-davidson.low_rider 2.35 0.77 1.65
        vehicle.kawasaki.ninja 2.04 0.80 1.52
        vehicle.vespa.zx125 1.82 0.87 1.59
        vehicle.yamaha.yzf 2.19 0.87 1.53
    """)
    + _models(ActorKind.CYCLIST, "bicycle", """
        vehicle.bh.crossbike 1.51 0.87 1.61
        vehicle.diamondback.century 1.66 0.58 1.62
        vehicle.gazelle.omafiets 1.84 0.66 1.78
    """))


def closest_vehicle(kind: ActorKind, size_m: tuple[float, float, float]) -> VehicleModel:
    """The model of `kind` whose box is closest (sum of squared differences) to size_m."""
    return min((m for m in VEHICLES if m.kind == kind),
               key=lambda m: sum((a - b) ** 2 for a, b in zip(m.size_m, size_m)))
