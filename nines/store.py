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

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from nines.store_rows import (SCHEMA, DiagnosticRow, EpisodeRow, EventRow, FailureCauseRow, HandoffRow,
                              InfrastructureErrorRow, QueueRow, RunRow, TickRow, column_names)

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

    def _insert(self, row_type: type, rows: list, only_new_episodes: bool = False) -> None:
        """Insert rows of row_type (inside a transaction); with only_new_episodes, none for an
        episode that already has rows in the table (a resumed run writes each episode once)."""
        if not rows:
            return
        self.db.register("new_rows", pd.DataFrame([vars(row) for row in rows], columns=column_names(row_type)))
        where = (f" WHERE NOT EXISTS (SELECT 1 FROM {row_type.TABLE} o WHERE o.run_id = n.run_id "
                 "AND o.episode_id = n.episode_id)") if only_new_episodes else ""
        conflict = " ON CONFLICT DO NOTHING" if row_type.KEY else ""
        self.db.execute(f"INSERT INTO {row_type.TABLE} BY NAME SELECT n.* FROM new_rows n{where}{conflict}")
        self.db.unregister("new_rows")

    def create_run(self, run: RunRow) -> None:
        with self._transaction():
            self._insert(RunRow, [run])

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

    def write_episode(self, episode: EpisodeRow, events: list[EventRow], ticks: list[TickRow],
                      diagnostics: list[DiagnosticRow], handoffs: list[HandoffRow], queue: list[QueueRow]) -> None:
        """Insert a finished episode with its events, ticks, diagnostics, handoffs and the
        console's queue since the episode before, atomically; an episode already stored is
        kept as it is."""
        with self._transaction():
            self._insert(EpisodeRow, [episode])
            for row_type, rows in ((EventRow, events), (TickRow, ticks), (DiagnosticRow, diagnostics),
                                   (HandoffRow, handoffs)):
                self._insert(row_type, rows, only_new_episodes=True)
            self._insert(QueueRow, queue)

    def write_infrastructure_error(self, run_id: str, episode_id: str, attempt: int, message: str) -> None:
        """An episode the simulator server failed under: kept apart, never a driving failure."""
        with self._transaction():
            self._insert(InfrastructureErrorRow, [InfrastructureErrorRow(run_id, episode_id, attempt,
                                                                         datetime.now(timezone.utc), message)])

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

    def write_failure_causes(self, causes: list[FailureCauseRow]) -> None:
        """Store causes, replacing earlier causes of those episodes."""
        with self._transaction():
            for cause in causes:
                self.db.execute("DELETE FROM failure_causes WHERE run_id = ? AND episode_id = ?",
                                [cause.run_id, cause.episode_id])
            self._insert(FailureCauseRow, causes)

    def delete_run(self, run_id: str) -> None:
        """Remove a run that stored no episode (it stopped before its first one ended)."""
        with self._transaction():
            for table in ("runs", "teleop_queue", "infrastructure_errors"):
                self.db.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])

    def drop_episodes(self, run_id: str, episode_ids: list[str]) -> None:
        if not episode_ids:
            return
        with self._transaction():
            for table in ("episodes", "events", "ticks", "diagnostics", "failure_causes", "handoffs"):
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
