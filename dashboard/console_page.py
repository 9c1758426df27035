"""Page 7, Console: the live queue of a run with a remote-operations console. A running run
holds the store, so the live view reads the console's snapshot file (clips/RUN/console.json,
rewritten every second of fleet time) and refreshes every few seconds: requests with their
frame, reason, urgency, wait and link delay; operators busy; the queue over time."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

REFRESH_S = 3


def latest_snapshot(db: Path) -> tuple[Path, dict] | None:
    """The newest console snapshot next to the store, or None."""
    snapshots = sorted((db.parent / "clips").glob("*/console.json"), key=lambda p: p.stat().st_mtime)
    if not snapshots:
        return None
    return snapshots[-1], json.loads(snapshots[-1].read_text(encoding="utf-8"))


@st.fragment(run_every=REFRESH_S)
def _live(db: Path) -> None:
    found = latest_snapshot(db)
    if found is None:
        st.info(f"No console has run next to {db} yet: start one with `nines run SUITE --operators N --db {db}`.")
        return
    path, snapshot = found
    st.header(f"Console: run {path.parent.name}")
    cols = st.columns(4)
    cols[0].metric("fleet time (s)", f"{snapshot['time_s']:.0f}")
    cols[1].metric("requests waiting", snapshot["waiting"])
    cols[2].metric("operators busy", f"{snapshot['busy']} of {snapshot['operators']}")
    cols[3].metric("driven remotely", snapshot["remote_driving"])
    requests = snapshot["open_requests"]
    if not requests:
        st.write("no open requests")
    for request in sorted(requests, key=lambda r: r["urgency_s"]):
        left, right = st.columns([1, 3])
        if request["frame_path"] and Path(request["frame_path"]).exists():
            left.image(request["frame_path"])
        right.write(f"vehicle {request['slot']}: **{request['reason']}**, {request['phase']}, budget "
                    f"{request['urgency_s']:.1f} s, waited {request['waited_s']:.1f} s, operator "
                    f"{request['operator'] if request['operator'] >= 0 else 'none yet'}, link "
                    f"{request['link_ms']:.0f} ms")
    history = pd.DataFrame(snapshot["history"])
    if len(history):
        st.line_chart(history, x="time_s", y=["waiting", "busy"])


def show(db: Path) -> None:
    _live(db)
