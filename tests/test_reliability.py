"""The estimators against scipy/statsmodels and analytic truths, with real numbers."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.rates import confint_poisson, confint_poisson_2indep

from ce_runs import adaptive_ce_run
from reliability import leaderboard
from reliability.monitor_quality import auroc, false_alarms_per_1000_km, lead_times
from reliability.nines_ladder import ladder, nines_demonstrated, nines_ladder
from reliability.poisson_rate import rate_estimate
from reliability.run_comparison import newly_failing, rate_ratio
from reliability.severity import occupant_fatality_risk, pedestrian_fatality_risk
from reliability.weighted_estimate import (SETTLE_FAILURES, Z90, acceleration_factor, estimate_from_sums,
                                          family_estimate, family_sums, round_sums, weighted_rate)
from reliability.weighted_poisson import WeightedPoisson


@pytest.mark.parametrize("k", [0, 1, 2, 5, 37, 100, 1000])
@pytest.mark.parametrize("km", [0.5, 10.0, 1e4, 234_212_252.0])
def test_exact_interval_equals_statsmodels(k, km):
    mine = rate_estimate(k, km, 0.95)
    low, high = confint_poisson(k, km, method="exact-c", alpha=0.05)
    assert mine.lower == pytest.approx(low, rel=1e-9, abs=0 if k else 1e-300)
    assert mine.upper == pytest.approx(high, rel=1e-9)
    assert mine.upper_one_sided == pytest.approx(stats.gamma.ppf(0.95, k + 1) / km, rel=1e-9)


def test_reference_anchors():
    zero = rate_estimate(0, 1e6)
    assert zero.lower == 0 and zero.upper == pytest.approx(3.689e-6, rel=1e-3)
    d2rl = rate_estimate(37, 234_212_252)
    assert (d2rl.lower, d2rl.upper) == (pytest.approx(1.112e-7, rel=1e-3), pytest.approx(2.177e-7, rel=1e-3))
    assert rate_estimate(0, 1000).upper_one_sided == pytest.approx(-np.log(0.05) / 1000, rel=1e-12)


def test_one_sided_bound_covers_the_truth_at_least_94_percent():
    rng = np.random.default_rng(0)
    for true_rate, km in ((1e-3, 2000.0), (0.05, 100.0), (2.0, 3.0), (1e-6, 5e6)):
        counts = rng.poisson(true_rate * km, size=2000)
        covered = np.mean([rate_estimate(int(k), km).upper_one_sided >= true_rate for k in counts])
        assert covered >= 0.94, (true_rate, covered)


def test_ladder_verdicts_and_km_still_needed():
    rungs = nines_ladder(0, 3.1e5)
    assert [r.verdict for r in rungs[:5]] == ["demonstrated"] * 5 and rungs[5].verdict == "inconclusive"
    assert nines_demonstrated(rungs) == 5
    assert rungs[5].km_needed == pytest.approx(-np.log(0.05) / 1e-6 - 3.1e5, rel=1e-9)
    assert {r.verdict for r in nines_ladder(50, 100.0)} == {"refuted"}
    # 2 failures in 100 km: upper bound 0.063/km, lower bound 0.0036/km
    assert [r.verdict for r in nines_ladder(2, 100.0, top=3)] == ["demonstrated", "inconclusive", "refuted"]
    # with 1, 2, 3 failures the multiplier on 10^n is 4.74, 6.30, 7.75
    for k, multiplier in ((1, 4.74), (2, 6.30), (3, 7.75)):
        rung = nines_ladder(k, 1000.0, top=3)[2]
        assert rung.verdict == "inconclusive"
        assert rung.km_needed + 1000.0 == pytest.approx(multiplier * 1e3, rel=1e-3)


def gaussian_family_run(p_fail: float, n: int, seed: int, shift: bool):
    """A family with one N(0, 1) parameter failing above the (1 - p) quantile, sampled
    naturally or from a defensive mixture 0.1 f + 0.9 N(threshold, 1)."""
    rng = np.random.default_rng(seed)
    threshold = stats.norm.isf(p_fail)
    if shift:
        from_f = rng.random(n) < 0.1
        x = np.where(from_f, rng.normal(0, 1, n), rng.normal(threshold, 1, n))
        log_q = np.logaddexp(np.log(0.1) + stats.norm.logpdf(x), np.log(0.9) + stats.norm.logpdf(x, threshold))
    else:
        x = rng.normal(0, 1, n)
        log_q = stats.norm.logpdf(x)
    episodes = pd.DataFrame({"family": "gauss", "log_f": stats.norm.logpdf(x), "log_q": log_q, "km": 0.1,
                             "failure": x > threshold})
    return episodes


@pytest.mark.parametrize("p_fail", [1e-3, 1e-4, 1e-5, 1e-6, 1e-7])
def test_importance_sampling_hits_analytic_truth_and_beats_naive(p_fail):
    episodes = gaussian_family_run(p_fail, 4000, seed=int(-np.log10(p_fail)), shift=True)
    estimate = family_estimate("gauss", episodes, episodes.failure.to_numpy(), 1.0, False, False)
    standard_error = np.sqrt(estimate.variance)
    assert abs(estimate.p - p_fail) < 3 * standard_error
    naive_rhw = Z90 * np.sqrt((1 - p_fail) / (len(episodes) * p_fail))
    assert estimate.relative_half_width < naive_rhw
    assert acceleration_factor(estimate) > 10


def test_ce_estimate_starts_at_the_round_after_the_settling_failures():
    episodes = adaptive_ce_run(1e-4, 100, 6, np.random.default_rng(3))
    per_round = episodes.groupby("round").failure.sum().to_numpy()
    before = np.cumsum(per_round) - per_round
    first = int(np.argmax(before >= SETTLE_FAILURES))
    assert 1 <= first < 5 and per_round[:first].sum() >= SETTLE_FAILURES > per_round[:first - 1].sum()
    estimate = family_estimate("gauss", episodes, episodes.failure.to_numpy(), None, False, False)
    kept = episodes[episodes["round"] >= first]
    w_y = np.exp(kept.log_f - kept.log_q) * kept.failure
    assert estimate.p == pytest.approx(w_y.mean(), rel=1e-12)
    assert estimate.variance == pytest.approx(w_y.var(ddof=1) / len(kept), rel=1e-9)
    assert (estimate.episodes, estimate.exploring_episodes) == (len(kept), len(episodes) - len(kept))
    assert estimate.events == int(kept.failure.sum()) and estimate.healthy
    # the naive draws with the same variance, over every draw (the exploring ones too)
    naive = estimate.p * (1 - estimate.p) / estimate.variance
    assert acceleration_factor(estimate) == pytest.approx(naive / len(episodes), rel=1e-12)
    # a run that never settles is estimated from its last round alone
    calm = episodes[episodes["round"] == 0].assign(failure=False)
    calm = pd.concat([calm, calm.assign(round=1)], ignore_index=True)
    assert family_estimate("gauss", calm, calm.failure.to_numpy(), None, False, False).exploring_episodes == 100


def test_ce_estimate_without_its_exploring_rounds_is_unbiased():
    """400 adaptive runs at p = 1e-3 (one family each): the mean estimate is within 3 standard
    errors of p, and leaving out the exploring rounds narrows the interval against pooling
    every round."""
    rng = np.random.default_rng(11)
    runs = pd.concat([adaptive_ce_run(1e-3, 100, 5, rng).assign(family=f"run{k:03d}") for k in range(400)],
                     ignore_index=True)
    failed = runs.failure.to_numpy()
    settled = [estimate_from_sums(name, row, None, False, False)
               for name, row in family_sums(round_sums(runs, failed)).iterrows()]
    pooled = [estimate_from_sums(name, row, None, False, False)
              for name, row in family_sums(round_sums(runs.assign(sampler="naturalistic"), failed)).iterrows()]
    p = np.array([e.p for e in settled])
    assert abs(p.mean() - 1e-3) < 3 * p.std(ddof=1) / np.sqrt(len(p))
    assert all(e.exploring_episodes > 0 for e in settled)
    assert np.median([e.relative_half_width for e in settled]) < np.median([e.relative_half_width for e in pooled])


def test_round_sums_default_to_one_round_of_other_samplers():
    episodes = gaussian_family_run(1e-3, 50, seed=1, shift=False)
    sums = round_sums(episodes, episodes.failure.to_numpy())
    assert list(sums.index) == [("gauss", 0)] and not sums["ce"].any() and sums["episodes"].iloc[0] == 50


def test_weighted_rate_sums_exposure_times_probability_plus_nominal():
    enc = gaussian_family_run(1e-3, 4000, seed=1, shift=True)
    nominal = pd.DataFrame({"family": "drive", "log_f": 0.0, "log_q": 0.0, "km": [1.0] * 500,
                            "failure": [True] * 2 + [False] * 498})
    episodes = pd.concat([enc, nominal], ignore_index=True)
    families = pd.DataFrame([{"name": "gauss", "exposure_per_km": 0.5, "nominal": False, "assumed": True},
                             {"name": "drive", "exposure_per_km": np.nan, "nominal": True, "assumed": False}])
    result = weighted_rate(episodes, episodes.failure.to_numpy(), families)
    p = family_estimate("gauss", enc, enc.failure.to_numpy(), 0.5, True, False).p
    assert result.rate_per_km == pytest.approx(0.5 * p + 2 / 500, rel=1e-12)
    assert result.lower < result.rate_per_km < result.upper and result.assumed_families == ["gauss"]


def test_rate_ratio_interval_test_and_newly_failing():
    ratio = rate_ratio(10, 1000.0, 30, 1000.0)
    low, high = confint_poisson_2indep(30, 1000.0, 10, 1000.0, method="score", compare="ratio")
    # the exact interval is a little wider than the score interval, never narrower
    assert ratio.ratio == pytest.approx(3.0) and ratio.lower < low < 3.0 < high < ratio.upper < 1.3 * high
    assert ratio.p_value == pytest.approx(stats.binomtest(30, 40, 0.5).pvalue, rel=1e-9)
    none_before = rate_ratio(0, 2.0, 5, 1.8)
    assert none_before.upper == float("inf") and none_before.lower > 1.0
    a = pd.DataFrame({"family": ["f", "f", "g"], "seed": [1, 2, 3], "params": ["{}"] * 3,
                      "episode_id": ["a1", "a2", "a3"], "failure": [False, True, False]})
    b = a.assign(episode_id=["b1", "b2", "b3"], failure=[True, True, False], failure_type="collision_vehicle",
                 clip_path="")
    assert list(newly_failing(a, b).episode_id_b) == ["b1"]


def test_the_weighted_rate_ratio_of_plain_runs_is_the_poisson_score_test():
    from statsmodels.stats.rates import test_poisson_2indep

    from reliability.run_comparison import weighted_rate_ratio

    families = catalogue(NOMINAL)
    a, b = nominal_run("drive", 500.0, 4), nominal_run("drive", 800.0, 11)
    ratio = weighted_rate_ratio(*(weighted_rate(e, e.failure.to_numpy(float), families) for e in (a, b)))
    assert ratio.p_value == pytest.approx(test_poisson_2indep(11, 800.0, 4, 500.0, method="score",
                                                              compare="diff").pvalue, rel=1e-9)
    low, high = confint_poisson_2indep(11, 800.0, 4, 500.0, method="score", compare="ratio")
    assert (ratio.ratio, ratio.lower, ratio.upper) == pytest.approx(((11 / 800) / (4 / 500), low, high), rel=1e-6)


def lb_row(**values):
    row = {"episode_id": "r", "outcome": "success", "route_completion": 1.0, "collisions_pedestrian": 0,
           "collisions_vehicle": 0, "collisions_static": 0, "red_lights": 0, "off_road_m": 0.0, "km": 1.0}
    row.update(values)
    return row


def test_leaderboard_scores_by_hand():
    episodes = pd.DataFrame([
        lb_row(collisions_vehicle=1, red_lights=1),                              # 2.0: 0.6*0.7
        lb_row(outcome="collision", route_completion=0.4, collisions_pedestrian=1, off_road_m=100.0),
        lb_row(min_speed_ratios=[0.5, 1.0, 1.0, 0.8]),
    ])
    v20 = leaderboard.scores(episodes, "2.0")
    assert v20.penalty.tolist() == pytest.approx([0.42, 0.5 * 0.9, (1 - 0.3 * 0.5) * (1 - 0.3 * 0.2)])
    assert v20.driving_score.tolist() == pytest.approx([42.0, 40.0 * 0.45, 100 * 0.85 * 0.94])
    v21 = leaderboard.scores(episodes, "2.1")
    assert v21.penalty.tolist() == pytest.approx([1 / (1 + 0.7 + 0.4), 0.9 / 2.0, 1 / (1 + 0.4 * 0.5 + 0.4 * 0.2)])
    summary = leaderboard.summary(episodes, "2.0")
    assert summary["driving_score"] == pytest.approx(v20.driving_score.mean())


def test_injury_risk_curves_at_their_published_anchors():
    assert pedestrian_fatality_risk(50 / 3.6) == pytest.approx(1 / (1 + np.exp(6.9 - 4.5)))
    assert 0.07 < pedestrian_fatality_risk(50 / 3.6) < 0.09
    assert occupant_fatality_risk(71 / 2.23694) == pytest.approx(1.0)
    assert occupant_fatality_risk(35.5 / 2.23694) == pytest.approx(1 / 16)


def test_monitor_quality_on_a_signal_that_drops_before_failures():
    rows, failure_time = [], {}
    for episode in range(20):
        fails = episode % 2 == 0
        failure_time[f"e{episode}"] = 10.0 if fails else np.nan
        for t in np.arange(0, 10, 0.5):
            confidence = 0.2 if fails and t >= 7.0 else 0.9
            rows.append({"episode_id": f"e{episode}", "time_s": t, "confidence": confidence})
    ticks = pd.DataFrame(rows)
    failures = pd.Series(failure_time)
    assert auroc(ticks, failures, horizon_s=3.0) == pytest.approx(1.0)
    assert (lead_times(ticks, failures, threshold=0.5) == 3.0).all()
    km = pd.Series(1.0, index=failures.index)
    assert false_alarms_per_1000_km(ticks, failures, km, threshold=0.5) == 0.0
    flipped = ticks.assign(confidence=1 - ticks.confidence)
    assert auroc(flipped, failures, horizon_s=3.0) == pytest.approx(0.0)


NOMINAL = {"name": "drive", "exposure_per_km": np.nan, "nominal": True, "assumed": False}


def nominal_run(family: str, km: float, failures: int, pieces: int = 100) -> pd.DataFrame:
    """A naturalistic drive of `km` in `pieces` episodes with `failures` of them failed."""
    return pd.DataFrame({"family": family, "log_f": 0.0, "log_q": 0.0, "km": km / pieces,
                         "failure": np.arange(pieces) < failures})


def encounters(family: str, n: int, failures: int) -> pd.DataFrame:
    return pd.DataFrame({"family": family, "log_f": 0.0, "log_q": 0.0, "km": 0.05, "failure": np.arange(n) < failures})


def catalogue(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_the_gamma_interval_of_one_poisson_stratum_is_garwoods():
    for k, km in ((0, 100.0), (3, 1000.0), (37, 234_212_252.0)):
        bound = WeightedPoisson.of_counts(k, km)
        assert bound.upper(0.975) == pytest.approx(rate_estimate(k, km).upper, rel=1e-9)
        assert bound.lower(0.975) == pytest.approx(rate_estimate(k, km).lower, rel=1e-9, abs=1e-300)
        assert bound.upper(0.95) == pytest.approx(rate_estimate(k, km).upper_one_sided, rel=1e-9)


def test_nominal_families_pool_and_quiet_families_share_one_zero_event_bound():
    """The audit's case: 3 failures in 1,000 km plus none in 100 km is the exact pooled bound
    of 3 in 1,100 (not 0.0358); twenty quiet families of 100 encounters at 0.01 per km add one
    zero-event bound, not twenty."""
    episodes = pd.concat([nominal_run("drive", 1000.0, 3), nominal_run("park", 100.0, 0)], ignore_index=True)
    families = catalogue(NOMINAL, {**NOMINAL, "name": "park"})
    rate = weighted_rate(episodes, episodes.failure.to_numpy(float), families)
    assert rate.upper == pytest.approx(rate_estimate(3, 1100.0).upper, rel=1e-9) == pytest.approx(0.0080, abs=5e-5)
    assert rate.lower == pytest.approx(rate_estimate(3, 1100.0).lower, rel=1e-9) and rate.lower > 0
    quiet = pd.concat([encounters(f"quiet{i}", 100, 0) for i in range(20)] + [nominal_run("drive", 1e6, 0)],
                      ignore_index=True)
    families = catalogue(NOMINAL, *({"name": f"quiet{i}", "exposure_per_km": 0.01, "nominal": False, "assumed": False}
                                    for i in range(20)))
    joint = weighted_rate(quiet, quiet.failure.to_numpy(float), families)
    assert joint.upper == pytest.approx(-np.log(0.025) * 0.01 / 100, rel=1e-9)


def test_the_upper_end_never_falls_when_a_failure_is_added():
    """Random catalogue-like runs (nominal km, naturalistic families, an importance-sampled
    family with failures): turning any one success of a nominal or naturalistic episode, or of
    the weighted family, into a failure never lowers the upper end."""
    rng = np.random.default_rng(7)
    families = catalogue(NOMINAL, {"name": "a", "exposure_per_km": 0.3, "nominal": False, "assumed": False},
                         {"name": "b", "exposure_per_km": 2.0, "nominal": False, "assumed": False},
                         {"name": "gauss", "exposure_per_km": 0.5, "nominal": False, "assumed": False})
    for trial in range(40):
        weighted = gaussian_family_run(1e-3, 300, seed=trial, shift=True)
        episodes = pd.concat([nominal_run("drive", float(rng.uniform(10, 1000)), int(rng.integers(0, 4))),
                              encounters("a", int(rng.integers(20, 200)), int(rng.integers(0, 3))),
                              encounters("b", int(rng.integers(20, 200)), 0), weighted], ignore_index=True)
        failed = episodes.failure.to_numpy(float)
        upper = weighted_rate(episodes, failed, families).upper
        for family in ("drive", "a", "b", "gauss"):
            calm = np.flatnonzero((episodes.family == family).to_numpy() & (failed == 0))
            one_more = failed.copy()
            one_more[rng.choice(calm)] = 1.0
            assert weighted_rate(episodes, one_more, families).upper >= upper * (1 - 1e-12), (trial, family)


def test_adding_ce_episodes_to_a_naturalistic_run_keeps_its_ladder():
    """800 nominal km without a crash, then one CE family of true p = 1e-4 (0.05 encounters per
    km, so 5e-6 per km): the raw counts would refute nine 2; the weighted ladder keeps every
    verdict the nominal km gave, and changes an inconclusive one only the way the truth
    (5e-6 per km, the nominal km adding nothing) says."""
    drive = nominal_run("drive", 800.0, 0)
    families = catalogue(NOMINAL, {"name": "gauss", "exposure_per_km": 0.05, "nominal": False, "assumed": False})
    alone = ladder(weighted_rate(drive, drive.failure.to_numpy(float), families).bound)
    ce = adaptive_ce_run(1e-4, 100, 8, np.random.default_rng(2))
    both = pd.concat([drive, ce], ignore_index=True)
    combined = weighted_rate(both, both.failure.to_numpy(float), families)
    assert [r.verdict for r in nines_ladder(int(ce.failure.sum()), both.km.sum())][1] == "refuted"
    truth = 0.05 * 1e-4
    for before, after in zip(alone, ladder(combined.bound)):
        assert after.verdict == before.verdict or (before.verdict == "inconclusive" and (
            (after.verdict == "refuted" and after.threshold_per_km < truth)
            or (after.verdict == "demonstrated" and after.threshold_per_km > truth))), after
    assert combined.rate_per_km == pytest.approx(truth, rel=0.5)
    assert combined.upper == pytest.approx(weighted_rate(drive, drive.failure.to_numpy(float), families).upper, rel=0.01)


def test_the_tail_diagnostic_tells_a_heavy_tail_from_a_light_one():
    """Generalised Pareto samples of known shape: the estimate sits near it, and the health
    threshold of 0.7 separates a light tail (k = 0) from an infinite-variance one (k = 1)."""
    from reliability.weighted_estimate import HEALTH_MAX_TAIL_K, tail_shape

    rng = np.random.default_rng(3)
    light = [tail_shape(list(stats.genpareto.rvs(0.0, size=500, random_state=rng))) for _ in range(30)]
    heavy = [tail_shape(list(stats.genpareto.rvs(1.0, size=500, random_state=rng))) for _ in range(30)]
    assert abs(np.median(light)) < 0.2 and abs(np.median(heavy) - 1.0) < 0.2
    assert np.mean(np.array(light) > HEALTH_MAX_TAIL_K) == 0 and np.mean(np.array(heavy) > HEALTH_MAX_TAIL_K) > 0.8
    assert tail_shape([1.0, 2.0, 3.0]) is None  # too few values for a tail
