"""What the remote-operations console cost and how its queue behaved: handoffs per 1,000 km,
waits, operator utilisation, vehicles per operator, failures during handoffs, and the
Erlang-C staffing estimate beside the simulated queue.

Works on plain tables: episodes (km), handoffs (one row per handoff: wait_s, NaN when never
served; operator_s, the operator's busy time; outcome, "ok" unless the episode failed during
the handoff; operator_error) and the queue sampled over fleet time (time_s, waiting, busy,
operators). `fleet` is the number of vehicles on the road together (the run's batch).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from reliability.staffing import operators_needed, wait_longer_than

# the staffing target of the reference example: P(wait > 5 s) <= 5 %
WAIT_TARGET_S, WAIT_TARGET_SHARE = 5.0, 0.05


def teleop_summary(episodes: pd.DataFrame, handoffs: pd.DataFrame, queue: pd.DataFrame, fleet: int,
                   wait_target_s: float = WAIT_TARGET_S, target_share: float = WAIT_TARGET_SHARE) -> dict:
    km = float(episodes["km"].sum())
    operators = int(queue["operators"].iloc[0]) if len(queue) else 0
    waits = handoffs["wait_s"].astype(float).fillna(np.inf)
    served = handoffs[handoffs["operator"] >= 0]
    span_s = float(queue["time_s"].max() - queue["time_s"].min()) if len(queue) > 1 else 0.0
    arrival_per_s = len(handoffs) / span_s if span_s > 0 else 0.0
    service_s = float(served["operator_s"].mean()) if len(served) else None
    erlang = None
    if arrival_per_s > 0 and service_s:
        needed = operators_needed(arrival_per_s, service_s, wait_target_s, target_share)
        erlang = {"arrival_per_s": arrival_per_s, "service_s": service_s, "operators_needed": needed,
                  "p_wait_over_target_with_operators": wait_longer_than(operators, arrival_per_s, service_s,
                                                                        wait_target_s) if operators else 1.0}
    return {
        "handoffs": len(handoffs), "per_1000_km": len(handoffs) / km * 1000 if km > 0 else None,
        "wait_median_s": float(np.median(waits)) if len(waits) else None,
        "wait_p95_s": float(np.quantile(waits, 0.95)) if len(waits) else None,
        "never_served": int(handoffs["wait_s"].isna().sum()),
        "p_wait_over_target": float((waits > wait_target_s).mean()) if len(waits) else None,
        "wait_target_s": wait_target_s, "target_share": target_share,
        "operators": operators, "fleet": fleet,
        "vehicles_per_operator": fleet / operators if operators else None,
        "utilisation": float((queue["busy"] / operators).mean()) if operators and len(queue) else None,
        "queue_max": int(queue["waiting"].max()) if len(queue) else 0,
        "failures_during_handoff": int((handoffs["outcome"] != "ok").sum()),
        "operator_errors": int(handoffs["operator_error"].sum()),
        "by_mode": handoffs["mode"].value_counts().to_dict(),
        "by_reason": handoffs["reason"].value_counts().to_dict(),
        "erlang_c": erlang,
    }
