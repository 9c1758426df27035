"""What the shipped camera stack must show, on real closed-loop runs through the runner and
the store: it drives clear nominal routes about as well as the expert, it really uses the
camera (the blind baseline crashes far more), its confidence ranks the ticks before failures
lower in bad weather, its failures split into perception and planning by an expert re-run,
and every episode reruns alone to the end it had in a batch."""
import pytest
import torch
import yaml

from nines.run_request import SUITES_DIR
from nines.failure_split import split_failures
from nines.report import build_report, load_episodes
from nines.run_settings import RunSettings
from nines.runner import execute_run, new_run
from nines.store import Store
from sim.events import FAILURE_OUTCOMES
from perception.checkpoint import SHIPPED, load, monitor
from reliability.monitor_quality import auroc
from scenarios.suite import Suite, load_suite

REGRESSION = load_suite(SUITES_DIR / "regression.yaml")


def _run(store: Store, suite: Suite, driver: str) -> str:
    text = yaml.safe_dump(suite.model_dump(mode="json"))
    run_id = new_run(store, suite, text, RunSettings(driver, suite.batch, "cpu"))
    execute_run(store, run_id, show_progress=False)
    return run_id


def _crashes_per_km(episodes) -> float:
    return float((episodes["outcome"] == "collision").sum() / episodes["km"].sum())


def test_the_shipped_checkpoint_is_small_calibrated_and_records_how_it_was_made():
    assert SHIPPED.stat().st_size <= 20 * 2 ** 20
    net, metadata = load(SHIPPED, 128, 64)
    training, evaluation = metadata["training"], metadata["evaluation"]
    assert training["command"].startswith("train.py ") and training["steps"] > 0 and training["seed"] is not None
    assert evaluation["step"] == training["steps"] and evaluation["episodes"] > 0
    assert evaluation["collisions_per_km"] == pytest.approx(evaluation["collisions"] / evaluation["km"])
    assert not torch.equal(net.feature_mean, torch.zeros_like(net.feature_mean))  # calibrated


def test_clear_nominal_driving_is_close_to_the_expert(tmp_path):
    # the regression suite's nominal families (same seed and positions), in clear daylight
    nominal = [e.model_copy(update={"fixed": {"condition": "clear"}}) for e in REGRESSION.families[:2]]
    suite = REGRESSION.model_copy(update={"families": nominal, "clips": False})
    store = Store(tmp_path / "runs.duckdb")
    camera = load_episodes(store, _run(store, suite, "camera"))
    expert = load_episodes(store, _run(store, suite, "expert"))
    assert camera["route_completion"].mean() >= 0.95
    assert _crashes_per_km(camera) <= 3 * _crashes_per_km(expert)
    assert camera["km"].sum() > 2.0


def test_blind_baseline_is_far_worse(tmp_path):
    suite = Suite(name="obstacles", seed=5, batch=18, clips=False, families=[
        {"family": f, "episodes": 6, "fixed": {"condition": "clear"}}
        for f in ("lead_vehicle_stopped", "parked_obstacle", "debris_on_road")])
    store = Store(tmp_path / "runs.duckdb")
    camera = load_episodes(store, _run(store, suite, "camera"))
    blind = load_episodes(store, _run(store, suite, "blind"))
    crashes_camera, crashes_blind = (int((e["outcome"] == "collision").sum()) for e in (camera, blind))
    assert crashes_blind >= max(2 * crashes_camera, crashes_camera + 8)


@pytest.fixture(scope="module")
def bad_weather_run(tmp_path_factory):
    """The regression suite in fog, night, low sun and lens dirt, driven by the camera stack."""
    weather = {"fog": 1.0, "night": 1.0, "low_sun": 1.0, "lens_dirt": 1.0}
    families = [e.model_copy(update={"weather": weather}) for e in REGRESSION.families]
    suite = REGRESSION.model_copy(update={"families": families, "clips": False})
    store = Store(tmp_path_factory.mktemp("weather") / "runs.duckdb")
    run_id = _run(store, suite, "camera")
    yield store, run_id
    store.close()


def test_confidence_ranks_ticks_before_failures_lower_in_bad_weather(bad_weather_run):
    """The issue's target: AUROC >= 0.8 for "failure within 3 s" in fog, night, low sun and
    lens dirt, on the regression suite's own seeds, which the failure monitor never saw (it
    was calibrated on other seeds)."""
    store, run_id = bad_weather_run
    assert REGRESSION.seed not in monitor(SHIPPED)["info"]["seeds"]
    episodes, ticks = load_episodes(store, run_id), store.ticks(run_id)
    monitor_quality = build_report(episodes, run_id, ticks=ticks)["monitor"]["adverse"]
    assert monitor_quality["episodes"] == sum(e.episodes for e in REGRESSION.families)
    assert monitor_quality["failures"] >= 20
    failure_time = episodes.set_index("episode_id")["duration_s"].where(episodes.set_index("episode_id")["failure"])
    assert monitor_quality["auroc"] == pytest.approx(auroc(ticks, failure_time, 3.0))
    assert monitor_quality["auroc"] >= 0.8
    assert monitor_quality["lead_time_median_s"] is not None and monitor_quality["lead_time_median_s"] > 0


def test_failures_split_into_perception_and_planning(bad_weather_run):
    store, run_id = bad_weather_run
    causes = split_failures(store, run_id)
    failed = load_episodes(store, run_id).query("failure")
    assert sorted(causes["episode_id"]) == sorted(failed["episode_id"])
    planning = causes["cause"] == "planning"
    assert causes.loc[planning, "expert_outcome"].isin(FAILURE_OUTCOMES).all()
    assert not causes.loc[~planning, "expert_outcome"].isin(FAILURE_OUTCOMES).any()
    assert (~planning).sum() >= 1
    stored = store.db.execute("SELECT count(*) FROM failure_causes WHERE run_id = ?", [run_id]).fetchone()[0]
    assert stored == len(causes)


def test_every_episode_of_a_batched_run_reruns_alone_to_the_same_end(tmp_path):
    """Batch-invariant inference: perception in fixed padded chunks, every slot's state reset
    with its episode, the rerun in the slot the episode ran in. 2 slots, 3 episodes: one of
    them ran in a slot refilled after another episode."""
    from nines.rerun import rerun

    suite = Suite(name="reruns", seed=4, batch=2, clips=False, families=[
        {"family": f, "episodes": 1} for f in ("pedestrian_near_side", "lead_vehicle_brakes", "nominal_urban")])
    store = Store(tmp_path / "runs.duckdb")
    run_id = _run(store, suite, "camera")
    episodes = load_episodes(store, run_id)
    assert episodes["slot"].value_counts().max() >= 2  # some ran in a slot refilled after another
    for row in episodes.itertuples():
        again = rerun(store, run_id, row.episode_id)
        stored = store.db.execute("SELECT time_s, kind, detail, value FROM events WHERE run_id = ? AND "
                                  "episode_id = ? ORDER BY time_s, kind", [run_id, row.episode_id]).fetchall()
        events = sorted((e.time_s, e.kind, e.detail, e.value) for e in again.events)
        assert (again.record.outcome, again.record.km, again.record.time_s) == (row.outcome, row.km, row.duration_s)
        assert events == stored, row.episode_id
    store.close()
