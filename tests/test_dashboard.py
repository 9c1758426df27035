"""The dashboard on a store made by real small runs in this test: the lane-keeping baseline and
the expert on one suite (failures, clips, a regression), and the camera stack with a
remote-operations console on foggy episodes. Each page is run with streamlit's AppTest and
its shown values are held against the reliability module on the same episodes; bad stores
get a plain sentence. A browser test serves `nines dashboard` and loads every page in
headless Chromium."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from ce_runs import adaptive_ce_run
from dashboard import store_queries
from nines.cli import app
from nines.report import family_table
from nines.store import Store
from reliability.event_streams import stream_counts, stream_events
from reliability.handoff_stats import teleop_summary
from reliability.nines_ladder import ladder
from reliability.poisson_rate import rate_estimate
from reliability.run_comparison import newly_failing
from reliability.weighted_estimate import family_sums, round_sums, weighted_rate
from run_helpers import free_port
from sim.carla_wire.server import wait_until_listening

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = ("Nines", "Curves", "Families", "Teleop", "Regression", "Replays", "Console")
ROADS = {"name": "roads", "seed": 4, "batch": 8, "camera": {"width": 128, "height": 64},
         "families": [{"family": "lead_vehicle_stopped", "episodes": 2}, {"family": "nominal_urban", "episodes": 2},
                      {"family": "pedestrian_near_side", "episodes": 2}]}
CALM = {"name": "calm", "seed": 1, "batch": 2, "families": [{"family": "nominal_urban", "episodes": 2}]}
FOG = {"name": "fog", "seed": 2, "driver": "camera", "batch": 8, "camera": {"width": 128, "height": 64},
       "clips": False, "families": [{"family": "nominal_urban", "episodes": 3, "fixed": {"condition": "fog"}},
                                    {"family": "lead_vehicle_brakes", "episodes": 3, "fixed": {"condition": "fog"}}]}


def _run(tmp: Path, db: Path, suite: dict, *flags: str) -> str:
    path = tmp / f"{suite['name']}.yaml"
    path.write_text(yaml.safe_dump(suite))
    return app(["run", str(path), "--db", str(db), "--no-progress", *flags], standalone_mode=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dashboard")
    db = tmp / "runs.duckdb"
    runs = {"expert": _run(tmp, db, ROADS, "--driver", "expert"),
            "lane_keeping": _run(tmp, db, ROADS, "--driver", "lane_keeping"),
            "calm": _run(tmp, db, CALM, "--driver", "expert"),
            "console": _run(tmp, db, FOG, "--operators", "2", "--handoff-threshold", "0.7")}
    return db, runs


def _page(db: Path, page: str, **params) -> AppTest:
    os.environ["NINES_DB"] = str(db)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["page"] = page
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _episodes(db: Path, run_id: str):
    store = Store(db, read_only=True)
    try:
        return store.done_episodes(run_id), store.handoffs(run_id), store.queue(run_id)
    finally:
        store.close()


def _metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_sql_streams_equal_the_reliability_streams(store):
    db, runs = store
    con = duckdb.connect(str(db), read_only=True)
    for run_id in runs.values():
        counts = stream_counts(_episodes(db, run_id)[0])
        assert store_queries.streams_of(con, run_id) == list(counts)
        for stream, count in counts.items():
            assert store_queries.stream_totals(con, [run_id], stream).at[0, "events"] == count
    con.close()


def test_sql_family_sums_equal_the_reliability_sums_with_ce_rounds():
    """A CE family's exploring rounds are left out the same way from SQL as from episodes."""
    ce = adaptive_ce_run(1e-4, 50, 6, np.random.default_rng(3))
    nominal = ce.assign(family="nominal_urban", sampler="naturalistic", round=0, log_q=ce.log_f)
    episodes = pd.concat([ce, nominal], ignore_index=True).assign(
        run_id="r", collisions_vehicle=lambda t: t.failure.astype(int), collisions_pedestrian=0,
        collisions_static=0, handoffs=None)
    episodes["episode_id"] = [f"e{i:05d}" for i in range(len(episodes))]
    con = duckdb.connect()
    con.register("frame", episodes)
    con.execute("CREATE TABLE episodes AS SELECT * FROM frame")
    from_sql = store_queries.family_sums(con, "r", "crash")
    expected = family_sums(round_sums(episodes, episodes.failure.to_numpy(float)))
    assert from_sql.loc["gauss", "exploring_episodes"] > 0
    pd.testing.assert_frame_equal(from_sql.drop(columns="wy_values").astype(float),
                                  expected.drop(columns="wy_values").astype(float), rtol=1e-9)
    for family in expected.index:
        assert sorted(from_sql.at[family, "wy_values"]) == pytest.approx(sorted(expected.at[family, "wy_values"]))


def test_a_console_run_stores_handoffs_and_the_interventions_ladder_counts_them(store, capsys):
    db, runs = store
    episodes, handoffs, queue = _episodes(db, runs["console"])
    assert len(handoffs) == episodes["handoffs"].sum() > 0 and len(queue) > 10
    capsys.readouterr()
    app(["report", runs["console"], "--db", str(db), "--json"], standalone_mode=False)
    report = json.loads(capsys.readouterr().out)
    crashes = episodes[["collisions_pedestrian", "collisions_vehicle", "collisions_static"]].sum(axis=1) > 0
    interventions = crashes.astype(float) + episodes["handoffs"]  # every handoff counts, not episodes with one
    union = report["streams"]["crash_or_handoff"]
    assert union["events"] == int(interventions.sum()) == int(crashes.sum()) + len(handoffs)
    expected = weighted_rate(episodes, interventions.to_numpy(float), family_table())
    assert union["weighted"]["rate"] == pytest.approx(expected.rate_per_km)
    assert [r["verdict"] for r in union["weighted"]["ladder"]] == [r.verdict for r in ladder(expected.bound)]
    teleop = report["teleop"]
    assert teleop["handoffs"] == len(handoffs) and teleop["operators"] == 2 and teleop["fleet"] == 8
    assert teleop["per_1000_km"] == pytest.approx(len(handoffs) / episodes["km"].sum() * 1000)
    assert 0 < teleop["utilisation"] <= 1 and teleop["erlang_c"]["operators_needed"] >= 1


def test_nines_page_shows_the_reliability_ladder(store):
    db, runs = store
    at = _page(db, "Nines", run=runs["lane_keeping"])
    episodes = _episodes(db, runs["lane_keeping"])[0]
    crashes = stream_counts(episodes)["crash"]
    assert crashes > 0
    assert at.header[0].value == f"Nines: run {runs['lane_keeping']}, stream crash"
    assert _metric(at, "events") == str(crashes)
    weighted = weighted_rate(episodes, stream_events(episodes)["crash"].to_numpy(), family_table())
    assert _metric(at, "exposure-weighted rate") == f"{weighted.rate_per_km:.3g}"
    shown = at.dataframe[0].value
    assert list(shown["verdict"]) == [r.verdict for r in ladder(weighted.bound)]
    assert "fatal" in list(at.dataframe[1].value["severity"])
    march = at.dataframe[2].value
    assert set(march["run_id"]) == {runs["expert"], runs["lane_keeping"]}


def test_curves_page_ends_at_the_run_rate_and_shows_the_weighted_rate(store):
    db, runs = store
    at = _page(db, "Curves", run=runs["lane_keeping"])
    episodes = _episodes(db, runs["lane_keeping"])[0]
    crashes = stream_counts(episodes)["crash"]
    last = at.dataframe[0].value.iloc[-1]
    assert last["rate"] == pytest.approx(rate_estimate(crashes, episodes["km"].sum()).rate)
    flags = episodes[["collisions_pedestrian", "collisions_vehicle", "collisions_static"]].sum(axis=1) > 0
    weighted = weighted_rate(episodes, flags.to_numpy(), family_table())
    assert _metric(at, "exposure-weighted rate").startswith(f"{weighted.rate_per_km:.3g} ")


def test_families_page_shows_each_family_estimate(store):
    db, runs = store
    at = _page(db, "Families", run=runs["lane_keeping"])
    episodes = _episodes(db, runs["lane_keeping"])[0]
    flags = episodes[["collisions_pedestrian", "collisions_vehicle", "collisions_static"]].sum(axis=1) > 0
    expected = {f.family: f.p for f in weighted_rate(episodes, flags.to_numpy(), family_table()).families}
    shown = at.dataframe[0].value.set_index("family")["p"].to_dict()
    assert shown == pytest.approx(expected)
    assert at.dataframe[1].value["episodes"].sum() == len(episodes)  # weather breakdown


def test_teleop_page_shows_the_console_figures(store):
    db, runs = store
    at = _page(db, "Teleop", run=runs["console"])
    episodes, handoffs, queue = _episodes(db, runs["console"])
    expected = teleop_summary(episodes, handoffs, queue, 8)
    assert len(handoffs) > 0
    assert _metric(at, "handoffs per 1,000 km") == f"{expected['per_1000_km']:.3g}"
    assert _metric(at, "utilisation") == f"{expected['utilisation']:.0%}"
    staffing = at.dataframe[0].value
    assert staffing["P(wait > 5 s)"].is_monotonic_decreasing
    plain = _page(db, "Teleop", run=runs["expert"])
    assert "without a remote-operations console" in plain.info[0].value


def test_regression_page_lists_the_newly_failing_scenarios(store):
    db, runs = store
    at = _page(db, "Regression", run=runs["lane_keeping"], baseline=runs["expert"])
    a, b = _episodes(db, runs["expert"])[0], _episodes(db, runs["lane_keeping"])[0]
    expected = newly_failing(a, b)
    assert len(expected) > 0
    shown = at.dataframe[1].value
    assert sorted(shown["episode_id"]) == sorted(expected["episode_id_b"])
    assert all(link.startswith("?page=Replays&run=") for link in shown["replay"])


def test_replays_page_gives_a_command_that_reruns_the_episode_exactly(store, capsys):
    db, runs = store
    episodes = _episodes(db, runs["lane_keeping"])[0]
    failed = episodes[episodes["failure"]].iloc[0]
    at = _page(db, "Replays", run=runs["lane_keeping"], episode=failed["episode_id"])
    command = at.code[0].value
    assert command == f"nines rerun {runs['lane_keeping']} {failed['episode_id']} --db {db}"
    assert len(at.dataframe[0].value) > 0 and "collision" in set(at.dataframe[0].value["kind"])
    capsys.readouterr()
    app(command.split()[1:], standalone_mode=False)
    assert f"{failed['episode_id']}: {failed['outcome']}, {failed['km']:.3f} km" in capsys.readouterr().out
    assert not _episodes(db, runs["calm"])[0]["failure"].any()
    assert "has no failed episodes" in _page(db, "Replays", run=runs["calm"]).info[0].value


def test_console_page_shows_the_live_snapshot(store):
    db, runs = store
    snapshot = json.loads((db.parent / "clips" / runs["console"] / "console.json").read_text())
    at = _page(db, "Console")
    assert at.header[0].value == f"Console: run {runs['console']}"
    assert _metric(at, "requests waiting") == str(snapshot["waiting"])
    assert _metric(at, "operators busy") == f"{snapshot['busy']} of 2"


def test_bad_stores_get_a_plain_sentence(tmp_path):
    missing = _page(tmp_path / "none.duckdb", "Nines")
    assert "There is no store at" in missing.warning[0].value
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"this is not a database" * 100)
    assert "not a usable DuckDB store" in _page(corrupt, "Families").warning[0].value
    empty = tmp_path / "empty.duckdb"
    Store(empty).close()
    assert "has no runs yet" in _page(empty, "Curves").warning[0].value


def _browser():
    """Headless Chromium driven through chromedriver (Debian's packages, installed when missing)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver"],
                       check=True, capture_output=True)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1800"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


def test_every_page_loads_in_a_browser(store, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    db, runs = store
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "nines", "dashboard", "--db", str(db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = _browser()
    try:
        assert wait_until_listening("127.0.0.1", port, 60), "the dashboard did not start"
        for page in PAGES:
            run_id = runs["console"] if page in ("Teleop", "Console") else runs["lane_keeping"]
            browser.get(f"http://127.0.0.1:{port}/?page={page}&run={run_id}")
            WebDriverWait(browser, 90).until(
                lambda b: f"{page}: run {run_id}" in b.find_element(By.TAG_NAME, "body").text)
            WebDriverWait(browser, 90).until(
                lambda b: not b.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))
            time.sleep(1)  # let tables and charts draw before the screenshot
            assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]'), page
            shot = tmp_path / f"{page}.png"
            browser.save_screenshot(str(shot))
            assert shot.stat().st_size > 20_000, page
    finally:
        browser.quit()
        server.terminate()
        server.wait(timeout=30)
