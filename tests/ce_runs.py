"""A CE-like adaptive run on an analytic family, shared by the reliability and dashboard tests."""
import numpy as np
import pandas as pd
from scipy import stats

from reliability.weighted_estimate import SETTLE_FAILURES


def adaptive_ce_run(p_fail: float, per_round: int, rounds: int, rng: np.random.Generator) -> pd.DataFrame:
    """A CE-like run on one N(0, 1) parameter failing above its (1 - p) quantile: round 0 from
    f, then a defensive mixture 0.1 f + 0.9 N(mu, 1) whose mean steps up by 1 per round until
    SETTLE_FAILURES draws have failed, then sits on the threshold (each proposal depends on
    the rounds before it, as CE's do)."""
    threshold = stats.norm.isf(p_fail)
    rows, mu, failures = [], None, 0
    for round_ in range(rounds):
        n = per_round
        if mu is None:
            x, log_q = rng.normal(0, 1, n), None
        else:
            x = np.where(rng.random(n) < 0.1, rng.normal(0, 1, n), rng.normal(mu, 1, n))
            log_q = np.logaddexp(np.log(0.1) + stats.norm.logpdf(x), np.log(0.9) + stats.norm.logpdf(x, mu))
        log_f = stats.norm.logpdf(x)
        rows.append(pd.DataFrame({"family": "gauss", "round": round_, "sampler": "ce", "log_f": log_f,
                                  "log_q": log_f if log_q is None else log_q, "km": 0.1, "failure": x > threshold}))
        failures += int((x > threshold).sum())
        mu = threshold if failures >= SETTLE_FAILURES else (0.0 if mu is None else mu) + 1.0
    return pd.concat(rows, ignore_index=True)
