"""Severity: published injury-risk curves turn each collision's impact speed into a
probability of a fatality, so crashes become expected fatalities per km and can be held
against the human fatal rate.

- Pedestrians: Rosén & Sander (2009), "Pedestrian fatality risk as a function of car impact
  speed", Accident Analysis & Prevention 41(3): logistic, P = 1 / (1 + exp(6.9 - 0.090 v)),
  v in km/h (about 8 % at 50 km/h).
- Vehicle occupants: Joksch (1993), "Velocity change and fatality risk in a crash - a rule
  of thumb", Accident Analysis & Prevention 25(1): P = (delta-v / 71 mph)^4. delta-v of the
  ego is taken as half the relative impact speed against a vehicle of equal mass (a plastic
  impact conserves momentum) and the whole impact speed against a fixed object.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MPS_TO_KMH = 3.6
MPS_TO_MPH = 2.23694


def pedestrian_fatality_risk(impact_speed_mps: np.ndarray) -> np.ndarray:
    v_kmh = np.asarray(impact_speed_mps) * MPS_TO_KMH
    return 1.0 / (1.0 + np.exp(6.9 - 0.090 * v_kmh))


def occupant_fatality_risk(delta_v_mps: np.ndarray) -> np.ndarray:
    return np.minimum(1.0, (np.asarray(delta_v_mps) * MPS_TO_MPH / 71.0) ** 4)


def fatality_risk(episodes: pd.DataFrame) -> np.ndarray:
    """P(at least one fatality) of each episode's first collision (0 without one)."""
    speed = episodes["impact_speed_mps"].to_numpy(float)
    risk = np.zeros(len(episodes))
    pedestrian = episodes["collisions_pedestrian"].to_numpy() > 0
    vehicle = (episodes["collisions_vehicle"].to_numpy() > 0) & ~pedestrian
    static = (episodes["collisions_static"].to_numpy() > 0) & ~pedestrian & ~vehicle
    risk[pedestrian] = pedestrian_fatality_risk(speed[pedestrian])
    risk[vehicle] = occupant_fatality_risk(0.5 * speed[vehicle])
    risk[static] = occupant_fatality_risk(speed[static])
    return risk
