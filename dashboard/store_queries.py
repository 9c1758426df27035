"""Aggregated queries on the results store for the dashboard. Every function asks DuckDB for
a small table (sums per run, per family, per bin, a downsampled curve) and never pulls every
episode into pandas, so pages stay fast on stores of millions of episodes.

STREAM_SQL is the SQL form of reliability.event_streams (the tests hold them equal).
"""
from __future__ import annotations

import json

import duckdb
import pandas as pd

from reliability import weighted_estimate
from reliability.nines_ladder import ladder, nines_demonstrated
from scenarios.suite import Suite, suite_from_yaml

CRASH_SQL = "(collisions_pedestrian > 0 OR collisions_vehicle > 0 OR collisions_static > 0)::DOUBLE"
# events of each stream per episode, as reliability.event_streams counts them
STREAM_SQL = {
    "crash": CRASH_SQL, "crash_pedestrian": "(collisions_pedestrian > 0)::DOUBLE",
    "crash_vehicle": "(collisions_vehicle > 0)::DOUBLE", "crash_static": "(collisions_static > 0)::DOUBLE",
    "route_deviation": "(outcome = 'route_deviation')::DOUBLE", "blocked": "(outcome = 'blocked')::DOUBLE",
    "red_light": "red_lights::DOUBLE", "failure": "failure::DOUBLE", "handoff": "handoffs::DOUBLE",
    "crash_or_handoff": f"({CRASH_SQL} + handoffs)",
}
CURVE_POINTS = 200


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per run, newest first: identity, settings and totals (episodes, km, crashes,
    handoffs; handoffs NULL for runs without a console)."""
    return _df(con, f"""
        SELECT r.run_id, r.created, r.suite, r.driver, r.checkpoint, r.code_version, r.status, r.config,
               count(e.episode_id) AS episodes, coalesce(sum(e.km), 0) AS km,
               coalesce(sum({CRASH_SQL}), 0) AS crashes, sum(e.handoffs) AS handoffs
        FROM runs r LEFT JOIN episodes e USING (run_id)
        GROUP BY ALL ORDER BY r.created DESC""")


def run_settings(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """A run's stored settings (driver, batch, device, checkpoint, teleop), from the runs table alone."""
    return json.loads(con.execute("SELECT config FROM runs WHERE run_id = ?", [run_id]).fetchone()[0])


def streams_of(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """The streams a run has: crashes always, handoffs only with a console."""
    console = con.execute("SELECT count(*) > 0 AND bool_and(handoffs IS NOT NULL) FROM episodes WHERE run_id = ?",
                          [run_id]).fetchone()[0]
    return [s for s in STREAM_SQL if console or "handoff" not in s]


def stream_totals(con: duckdb.DuckDBPyConnection, run_ids: list[str], stream: str) -> pd.DataFrame:
    """Per run: episodes, km and events of `stream`."""
    return _df(con, f"""
        SELECT run_id, count(*) AS episodes, sum(km) AS km, sum({STREAM_SQL[stream]}) AS events
        FROM episodes WHERE list_contains(?, run_id) GROUP BY run_id""", [run_ids])


def cumulative(con: duckdb.DuckDBPyConnection, run_id: str, stream: str, points: int = CURVE_POINTS) -> pd.DataFrame:
    """Cumulative km and events of `stream` over the naturalistic episodes (q = f) in the order
    they were stored, at about `points` evenly spaced episodes (and the last)."""
    return _df(con, f"""
        WITH ordered AS (
            SELECT sum(km) OVER w AS km, sum({STREAM_SQL[stream]}) OVER w AS events,
                   row_number() OVER w AS n, count(*) OVER () AS total
            FROM episodes WHERE run_id = ? AND log_f = log_q WINDOW w AS (ORDER BY rowid))
        SELECT km, events, n FROM ordered
        WHERE n % greatest(1, total // ?) = 0 OR n = total ORDER BY n""", [run_id, points])


def run_families(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> list[str]:
    """The families the runs drove (plugins among them need resolving for their exposure)."""
    return list(_df(con, "SELECT DISTINCT family FROM episodes WHERE list_contains(?, run_id)", [run_ids])["family"])


def run_suites(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> list[Suite]:
    """The suites the runs were made from (the exposures per km they give)."""
    rows = _df(con, "SELECT suite_yaml FROM runs WHERE list_contains(?, run_id)", [run_ids])
    return [suite_from_yaml(text) for text in rows["suite_yaml"]]


def family_sums(con: duckdb.DuckDBPyConnection, run_id: str, stream: str) -> pd.DataFrame:
    """Per family the sums the weighted estimate needs (reliability.weighted_estimate.family_sums),
    from the sums per (family, round) that DuckDB aggregates."""
    y, w = STREAM_SQL[stream], "exp(log_f - log_q)"
    rounds = _df(con, f"""
        SELECT family, round, count(*) AS episodes, sum(km) AS km, sum({y}) AS events,
               sum(failure::INT) AS failures, sum({w}) AS w, sum({w} * {w}) AS w2, sum({w} * km) AS wkm,
               sum({w} * {y}) AS wy, sum(({w} * {y}) * ({w} * {y})) AS wy2, max({w}) AS w_max, max({y}) AS y_max,
               coalesce(list({w} * {y} ORDER BY episode_id) FILTER (WHERE {y} > 0), []) AS wy_values,
               bool_and({y} = round({y})) AS integral, bool_or(sampler = 'ce') AS ce,
               bool_and(log_f = log_q) AS naturalistic
        FROM episodes WHERE run_id = ? GROUP BY family, round ORDER BY family, round""", [run_id])
    rounds["wy_values"] = rounds["wy_values"].map(list)
    return weighted_estimate.family_sums(rounds.set_index(["family", "round"]))


def weighted_rates(con: duckdb.DuckDBPyConnection, run_ids: list[str], stream: str, families: pd.DataFrame,
                  confidence: float) -> pd.DataFrame:
    """Per run: the exposure-weighted rate of `stream` with its interval, one-sided bound and
    nines demonstrated (reliability.weighted_estimate and nines_ladder)."""
    rows = []
    for run_id in run_ids:
        rate = weighted_estimate.weighted_rate_from_sums(family_sums(con, run_id, stream), families, confidence)
        rows.append({"run_id": run_id, "rate per km": rate.rate_per_km, "lower": rate.lower, "upper": rate.upper,
                     "upper bound per km": rate.upper_one_sided,
                     "nines shown": nines_demonstrated(ladder(rate.bound, confidence)),
                     "unreliable families": ", ".join(rate.unhealthy_families)})
    return pd.DataFrame(rows)


def criticality(con: duckdb.DuckDBPyConnection, run_id: str, bin_s: float = 0.5, top_s: float = 10.0) -> pd.DataFrame:
    """Histogram of each family's smallest time to collision (s), in bins of bin_s up to top_s."""
    return _df(con, """
        SELECT family, least(floor(min_ttc_s / ?) * ?, ?) AS min_ttc_s, count(*) AS episodes
        FROM episodes WHERE run_id = ? AND min_ttc_s IS NOT NULL AND isfinite(min_ttc_s)
        GROUP BY ALL ORDER BY ALL""", [bin_s, bin_s, top_s, run_id])


def by_condition(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    return _df(con, """
        SELECT condition, count(*) AS episodes, sum(failure::INT) AS failures, sum(km) AS km
        FROM episodes WHERE run_id = ? GROUP BY condition ORDER BY episodes DESC""", [run_id])


def newly_failing(con: duckdb.DuckDBPyConnection, run_a: str, run_b: str) -> pd.DataFrame:
    """Scenarios (same family, seed and parameters) that passed in run_a and fail in run_b."""
    return _df(con, """
        SELECT b.episode_id, b.family, b.failure_type, b.clip_path
        FROM episodes a JOIN episodes b ON a.family = b.family AND a.seed = b.seed AND a.params = b.params
        WHERE a.run_id = ? AND b.run_id = ? AND NOT a.failure AND b.failure ORDER BY b.episode_id""",
               [run_a, run_b])


def failed_episodes(con: duckdb.DuckDBPyConnection, run_id: str, limit: int = 500) -> pd.DataFrame:
    return _df(con, """SELECT episode_id, failure_type, condition FROM episodes
                       WHERE run_id = ? AND failure ORDER BY episode_id LIMIT ?""", [run_id, limit])


def episode(con: duckdb.DuckDBPyConnection, run_id: str, episode_id: str) -> dict:
    """One episode's record with its events, confidence ticks and handoffs."""
    row = _df(con, "SELECT * FROM episodes WHERE run_id = ? AND episode_id = ?", [run_id, episode_id])
    record = row.iloc[0].to_dict()
    record["params"] = json.loads(record["params"])
    for table in ("events", "ticks", "handoffs"):
        record[table] = _df(con, f"SELECT * EXCLUDE (run_id, episode_id) FROM {table} "
                                 "WHERE run_id = ? AND episode_id = ? ORDER BY 1", [run_id, episode_id])
    return record


def handoff_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """The run's handoffs without their frames: one row each (a few per episode at most)."""
    return _df(con, "SELECT * EXCLUDE (run_id) FROM handoffs WHERE run_id = ?", [run_id])


def queue(con: duckdb.DuckDBPyConnection, run_id: str, points: int = CURVE_POINTS) -> pd.DataFrame:
    """The console's queue over fleet time, downsampled to about `points` samples."""
    return _df(con, """
        WITH q AS (SELECT *, row_number() OVER (ORDER BY time_s) AS n, count(*) OVER () AS total
                   FROM teleop_queue WHERE run_id = ?)
        SELECT * EXCLUDE (run_id, n, total) FROM q
        WHERE n % greatest(1, total // ?) = 0 OR n = total ORDER BY time_s""", [run_id, points])


def latest_queue(con: duckdb.DuckDBPyConnection, run_id: str) -> dict | None:
    """The newest queue sample with its open requests, or None."""
    row = _df(con, "SELECT * EXCLUDE (run_id) FROM teleop_queue WHERE run_id = ? ORDER BY time_s DESC LIMIT 1",
              [run_id])
    if row.empty:
        return None
    sample = row.iloc[0].to_dict()
    sample["open_requests"] = json.loads(sample["open_requests"] or "[]")
    return sample
