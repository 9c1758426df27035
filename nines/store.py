"""The results store: one DuckDB file with runs, episodes, events, the driver's confidence
over time (ticks), the perception-or-planning cause of failures, and for runs with a
remote-operations console its handoffs and its queue over time (teleop_queue).

Episodes are keyed by (run_id, episode_id) and written in one transaction with their events,
so a run killed at any moment resumes without losing or repeating an episode. A file that is
not a DuckDB database (corrupt, truncated, something else) raises `StoreError` and is never
overwritten. A write the disk refuses (full, over a file-size limit) raises StoreWriteError:
the episode in flight is rolled back, everything committed before stays, and the run can be
resumed once there is room.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, created TIMESTAMP, suite TEXT, suite_yaml TEXT, code_version TEXT,
    driver TEXT, checkpoint TEXT, config TEXT, backend TEXT, device TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS episodes (
    run_id TEXT, episode_id TEXT, family TEXT, sampler TEXT, round INTEGER, idx INTEGER, seed UBIGINT,
    params TEXT, condition TEXT, log_f DOUBLE, log_q DOUBLE, template TEXT, route TEXT,
    km DOUBLE, duration_s DOUBLE, outcome TEXT, failure BOOLEAN, failure_type TEXT,
    collisions_pedestrian INTEGER, collisions_vehicle INTEGER, collisions_static INTEGER,
    impact_speed_mps DOUBLE, collision_kind TEXT, red_lights INTEGER, off_road_m DOUBLE, wrong_way_m DOUBLE,
    min_ttc_s DOUBLE, min_distance_m DOUBLE, route_completion DOUBLE, clip_path TEXT, handoffs INTEGER,
    max_grip_use DOUBLE, PRIMARY KEY (run_id, episode_id));
ALTER TABLE episodes ADD COLUMN IF NOT EXISTS handoffs INTEGER;
ALTER TABLE episodes ADD COLUMN IF NOT EXISTS max_grip_use DOUBLE;
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT, episode_id TEXT, time_s DOUBLE, kind TEXT, detail TEXT, value DOUBLE);
CREATE TABLE IF NOT EXISTS ticks (
    run_id TEXT, episode_id TEXT, time_s DOUBLE, confidence DOUBLE, reason TEXT);
CREATE TABLE IF NOT EXISTS failure_causes (
    run_id TEXT, episode_id TEXT, cause TEXT, expert_outcome TEXT, PRIMARY KEY (run_id, episode_id));
CREATE TABLE IF NOT EXISTS handoffs (
    run_id TEXT, episode_id TEXT, start_s DOUBLE, reason TEXT, urgency_s DOUBLE, wait_s DOUBLE,
    awareness_s DOUBLE, mode TEXT, operator INTEGER, operator_s DOUBLE, resolution TEXT, outcome TEXT,
    operator_error BOOLEAN, frame_path TEXT);
ALTER TABLE handoffs ADD COLUMN IF NOT EXISTS frame_path TEXT;
CREATE TABLE IF NOT EXISTS teleop_queue (
    run_id TEXT, time_s DOUBLE, waiting INTEGER, busy INTEGER, operators INTEGER, remote_driving INTEGER,
    open_requests TEXT);
ALTER TABLE teleop_queue ADD COLUMN IF NOT EXISTS open_requests TEXT;
CREATE TABLE IF NOT EXISTS infrastructure_errors (
    run_id TEXT, episode_id TEXT, attempt INTEGER, failed_at TIMESTAMP, message TEXT);
"""
EVENT_COLUMNS = ("run_id", "episode_id", "time_s", "kind", "detail", "value")
TICK_COLUMNS = ("run_id", "episode_id", "time_s", "confidence", "reason")
HANDOFF_COLUMNS = ("run_id", "episode_id", "start_s", "reason", "urgency_s", "wait_s", "awareness_s", "mode",
                   "operator", "operator_s", "resolution", "outcome", "operator_error", "frame_path")
QUEUE_COLUMNS = ("run_id", "time_s", "waiting", "busy", "operators", "remote_driving", "open_requests")
EPISODE_COLUMNS = (
    "run_id", "episode_id", "family", "sampler", "round", "idx", "seed", "params", "condition", "log_f", "log_q",
    "template", "route", "km", "duration_s", "outcome", "failure", "failure_type", "collisions_pedestrian",
    "collisions_vehicle", "collisions_static", "impact_speed_mps", "collision_kind", "red_lights", "off_road_m",
    "wrong_way_m", "min_ttc_s", "min_distance_m", "route_completion", "clip_path", "handoffs", "max_grip_use")
FAILURE_OUTCOMES = ("collision", "route_deviation", "blocked")
HEADER_BYTES = 3 * 4096  # a DuckDB file starts with its main header and two database headers


class StoreError(Exception):
    """The store file cannot be used; the message is one line for the user."""


class StoreWriteError(Exception):
    """The disk refused a write; what was committed before is intact. One line for the user."""


# what DuckDB raises when the file system refuses a write (the commit fails, or the database
# stops accepting writes after a failed checkpoint)
WRITE_FAILURES = (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException)


class Store:
    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such store")
        try:
            self.db = duckdb.connect(str(self.path), read_only=read_only)
            self._refuse_truncated()
            if not read_only:
                self.db.execute(SCHEMA)
        except duckdb.Error as error:
            reason = str(error).strip().splitlines()[0]
            raise StoreError(f"{self.path}: not a usable DuckDB store ({reason[:160]})") from None

    def _refuse_truncated(self) -> None:
        """DuckDB opens a file cut short and fails only when a query reaches a missing block.
        A whole file is its headers plus whole blocks, at least as many as it uses (free
        blocks at its end may have been cut off by a checkpoint): check that before reading."""
        block_bytes, used = self.db.execute(
            "SELECT block_size, total_blocks - free_blocks FROM pragma_database_size()").fetchone()
        size = self.path.stat().st_size
        if used and (size < HEADER_BYTES + used * block_bytes or (size - HEADER_BYTES) % block_bytes):
            self.db.close()
            raise StoreError(f"{self.path}: not a usable DuckDB store (truncated: {size} bytes, not its "
                             f"{HEADER_BYTES}-byte headers and {used} whole blocks of {block_bytes})")

    def close(self) -> None:
        try:
            self.db.close()
        except WRITE_FAILURES:
            pass  # the final checkpoint was refused; the write-ahead log keeps every commit

    @contextmanager
    def _transaction(self):
        """One atomic write: all of it commits or none of it, even when the disk refuses."""
        self.db.execute("BEGIN TRANSACTION")
        try:
            yield
            self.db.execute("COMMIT")
        except WRITE_FAILURES as error:
            try:
                self.db.execute("ROLLBACK")
            except duckdb.Error:
                pass  # a failed COMMIT has already ended the transaction
            reason = str(error).strip().splitlines()[0]
            raise StoreWriteError(f"{self.path}: the disk refused a write ({reason[:200]})") from None
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def create_run(self, run_id: str, suite: str, suite_yaml: str, code_version: str, driver: str,
                   checkpoint: str, config: dict, backend: str, device: str) -> None:
        with self._transaction():
            self.db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')",
                            [run_id, datetime.now(timezone.utc), suite, suite_yaml, code_version, driver,
                             checkpoint, json.dumps(config), backend, device])

    def run(self, run_id: str) -> dict:
        row = self.db.execute("SELECT * FROM runs WHERE run_id = ?", [run_id]).fetchone()
        if row is None:
            known = [r[0] for r in self.db.execute("SELECT run_id FROM runs ORDER BY created DESC LIMIT 5").fetchall()]
            raise StoreError(f"no run {run_id!r} in {self.path}; latest runs: {', '.join(known) or 'none'}")
        return dict(zip([d[0] for d in self.db.description], row))

    def set_status(self, run_id: str, status: str) -> None:
        with self._transaction():
            self.db.execute("UPDATE runs SET status = ? WHERE run_id = ?", [status, run_id])

    def done_episodes(self, run_id: str) -> pd.DataFrame:
        return self.db.execute("SELECT * FROM episodes WHERE run_id = ? ORDER BY family, round, idx",
                               [run_id]).df()

    def write_episodes(self, rows: list[dict], events: list[dict], ticks: list[dict] | None = None,
                       handoffs: list[dict] | None = None) -> None:
        """Insert finished episodes with their events, ticks and handoffs atomically; an
        episode already stored is kept as it is."""
        if not rows:
            return
        frame = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
        with self._transaction():
            self.db.register("new_episodes", frame)
            self.db.execute("INSERT INTO episodes SELECT * FROM new_episodes ON CONFLICT DO NOTHING")
            self.db.unregister("new_episodes")
            for table, columns, values in (("events", EVENT_COLUMNS, events), ("ticks", TICK_COLUMNS, ticks or []),
                                           ("handoffs", HANDOFF_COLUMNS, handoffs or [])):
                if not values:
                    continue
                self.db.register("new_rows", pd.DataFrame(values, columns=list(columns)))
                self.db.execute(f"INSERT INTO {table} SELECT n.* FROM new_rows n WHERE NOT EXISTS "
                                f"(SELECT 1 FROM {table} o WHERE o.run_id = n.run_id AND o.episode_id = n.episode_id)")
                self.db.unregister("new_rows")

    def write_queue(self, run_id: str, samples: list[dict]) -> None:
        """Append samples of the console's queue (fleet time, waiting, busy operators, ...)."""
        if not samples:
            return
        with self._transaction():
            self.db.register("new_samples", pd.DataFrame(samples).assign(run_id=run_id)[list(QUEUE_COLUMNS)])
            self.db.execute("INSERT INTO teleop_queue SELECT * FROM new_samples")
            self.db.unregister("new_samples")

    def write_infrastructure_error(self, run_id: str, episode_id: str, attempt: int, message: str) -> None:
        """An episode the simulator server failed under: kept apart, never a driving failure."""
        with self._transaction():
            self.db.execute("INSERT INTO infrastructure_errors VALUES (?, ?, ?, now(), ?)",
                            [run_id, episode_id, attempt, message])

    def infrastructure_errors(self, run_id: str) -> pd.DataFrame:
        return self.db.execute("SELECT episode_id, attempt, failed_at, message FROM infrastructure_errors "
                               "WHERE run_id = ? ORDER BY failed_at", [run_id]).df()

    def queue_end_s(self, run_id: str) -> float:
        """The last fleet time sampled for run_id (0 if none): a resumed run's clock goes on from it."""
        end = self.db.execute("SELECT max(time_s) FROM teleop_queue WHERE run_id = ?", [run_id]).fetchone()[0]
        return float(end or 0.0)

    def handoffs(self, run_id: str) -> pd.DataFrame:
        return self.db.execute("SELECT * FROM handoffs WHERE run_id = ?", [run_id]).df()

    def queue(self, run_id: str) -> pd.DataFrame:
        return self.db.execute("SELECT * FROM teleop_queue WHERE run_id = ? ORDER BY time_s", [run_id]).df()

    def ticks(self, run_id: str) -> pd.DataFrame:
        return self.db.execute("SELECT episode_id, time_s, confidence, reason FROM ticks WHERE run_id = ?",
                               [run_id]).df()

    def write_failure_causes(self, run_id: str, causes: pd.DataFrame) -> None:
        """causes: episode_id, cause, expert_outcome; replaces earlier causes of those episodes."""
        frame = causes.assign(run_id=run_id)[["run_id", "episode_id", "cause", "expert_outcome"]]
        with self._transaction():
            self.db.register("new_causes", frame)
            self.db.execute("INSERT OR REPLACE INTO failure_causes SELECT * FROM new_causes")
            self.db.unregister("new_causes")

    def drop_episodes(self, run_id: str, episode_ids: list[str]) -> None:
        if not episode_ids:
            return
        with self._transaction():
            for table in ("episodes", "events", "ticks", "failure_causes", "handoffs"):
                self.db.execute(f"DELETE FROM {table} WHERE run_id = ? AND list_contains(?, episode_id)",
                                [run_id, episode_ids])

    def export_parquet(self, run_id: str, folder: Path) -> list[Path]:
        self.run(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for table in ("runs", "episodes", "events", "ticks", "failure_causes", "handoffs", "teleop_queue"):
            target = folder / f"{table}.parquet"
            self.db.execute(f"SELECT * FROM {table} WHERE run_id = ?", [run_id]).df().to_parquet(target)
            written.append(target)
        return written
