"""The `nines` command line. User errors end with one line on stderr and exit code 2."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from nines.user_error import UserError, describe_validation, run_app

if TYPE_CHECKING:
    from nines.run_request import RunRequest
    from nines.store_rows import EpisodeRow

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Simulate driving, count failures per km.")
console = Console()


def parse_weather(text: str):
    """'PRESET' or 'PRESET:key=value,key=value' -> Weather."""
    from sim.weather import PRESETS, Weather

    name, _, overrides = text.partition(":")
    if name not in PRESETS:
        raise UserError(f"weather preset {name!r} is unknown; expected one of: {', '.join(PRESETS)}")
    fields = PRESETS[name].model_dump()
    for item in filter(None, overrides.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise UserError(f"weather override {item!r} is malformed; expected key=value, e.g. fog_density=40")
        fields[key.strip()] = value.strip()
    try:
        return Weather(**fields)
    except ValidationError as error:
        raise UserError(describe_validation("weather", error)) from None


def make_camera(width: int, height: int, fov_deg: float):
    from sim.camera import CameraConfig

    try:
        return CameraConfig(width=width, height=height, fov_deg=fov_deg)
    except ValidationError as error:
        raise UserError(describe_validation("camera", error)) from None


def check_map(name: str) -> str:
    """A map name that resolves (a template, an imported map or an .xodr path), else UserError."""
    from sim.map_catalog import load_map

    load_map(name)  # MapError (a user error) names what is wrong
    return name


@app.command()
def render(
    map_name: str = typer.Option("urban_street", "--map", help="map: template, imported map or .xodr path"),
    weather: list[str] = typer.Option(["clear_noon"], help="preset[:key=value,...]; repeat for more tiles"),
    out: Path = typer.Option(Path("frame.png"), help="PNG to write"),
    width: int = typer.Option(256, help="pixels per tile"),
    height: int = typer.Option(128, help="pixels per tile"),
    fov: float = typer.Option(90.0, help="horizontal field of view, degrees"),
    seconds: float = typer.Option(1.0, help="simulated seconds before the picture"),
) -> None:
    """Write a PNG grid of camera frames: one tile per --weather, on one map."""
    from nines.scene_presets import showcase_episode
    from sim.render.preview import save_tile_png
    from sim.world import BatchedWorld, WorldConfig
    import torch

    template = check_map(map_name)
    weathers = [parse_weather(text) for text in weather]
    camera = make_camera(width, height, fov)
    if not out.parent.exists():
        raise UserError(f"output folder {out.parent} does not exist")
    world = BatchedWorld(WorldConfig(batch_size=len(weathers), camera=camera, maps=(template,)))
    for slot, condition in enumerate(weathers):
        world.load(slot, showcase_episode(template, condition, seed=slot))
    hold = torch.zeros(len(weathers), 3)
    for _ in range(max(0, round(seconds / world.config.dt_s))):
        world.step(hold)
    frames = world.render()
    world.close()
    save_tile_png(frames, out)
    console.print(f"wrote {out} ({len(weathers)} tiles of {width}x{height})")


def _open_store(db: Path, read_only: bool = False):
    from nines.store import Store, StoreError

    try:
        return Store(db, read_only=read_only)
    except StoreError as error:
        raise UserError(str(error)) from None


def _episode_line(row: EpisodeRow) -> None:
    print(f"episode {row.episode_id} {row.outcome} {row.km:.3f} km", flush=True)


def _run(request: RunRequest, db: Path, progress: bool = True) -> str:
    """Create (or resume) the run asked for and drive it to its end; returns its run id."""
    from nines.drivers import DriverError
    from nines.ray_executor import RayUnavailable
    from nines.runner import execute_run, new_run
    from nines.store import StoreError, StoreWriteError
    from sim.carla_backend import InfrastructureError

    planned = request.plan()
    store = _open_store(db)
    run_id = request.resume
    try:
        if planned is None:
            _check_stored_driver(store, run_id)
        else:
            run_id = new_run(store, planned.suite, planned.suite_yaml, planned.settings)
            console.print(f"run {run_id} -> {db}")
        execute_run(store, run_id, show_progress=progress, on_episode=None if progress else _episode_line)
    except StoreError as error:
        raise UserError(str(error)) from None
    except InfrastructureError as error:
        console.print(f"nines: {error}; nothing was counted as a driving failure; continue with --resume {run_id}",
                      soft_wrap=True)
        raise typer.Exit(1) from None
    except RayUnavailable as error:
        raise UserError(str(error)) from None
    except StoreWriteError as error:
        print(f"nines: {error}; the episodes stored before it are kept; make room, then continue with "
              f"--resume {run_id}", file=sys.stderr)
        raise typer.Exit(1) from None
    except DriverError as error:
        if planned is not None and store.done_episodes(run_id).empty:
            store.delete_run(run_id)
            raise UserError(f"{error}; nothing was stored") from None
        print(f"nines: {error}; the episodes finished before it are stored; continue with --resume {run_id}",
              file=sys.stderr)
        raise typer.Exit(1) from None
    finally:
        store.close()
    return run_id


def _check_stored_driver(store, run_id: str) -> None:
    """Refuse to resume a run whose driver cannot be rebuilt as it was (one line, exit 2)."""
    import json

    from nines.drivers import DriverError, DriverSpec, check_files, resolve
    from nines.run_settings import RunSettings

    settings = RunSettings.stored(json.loads(store.run(run_id)["config"]))
    try:
        resolve(settings.driver)
        check_files(DriverSpec(settings.driver, settings.driver_args, **settings.driver_source))
    except DriverError as error:
        raise UserError(str(error)) from None


def _report(db: Path, run_id: str, confidence: float = 0.95):
    """(the report of a run, its episodes, its failures in the order to look at them)."""
    from nines.report import build_report, load_episodes, load_failure_causes, load_teleop, run_suite
    from nines.run_summary import failures_of

    if not 0 < confidence < 1:
        raise UserError(f"confidence = {confidence} is invalid: expected 0 < confidence < 1")
    store = _open_store(db, read_only=True)
    try:
        episodes = load_episodes(store, run_id)
        causes = load_failure_causes(store, run_id)
        result = build_report(episodes, run_id, confidence, store.ticks(run_id), causes,
                              load_teleop(store, run_id, episodes), run_suite(store, run_id))
    finally:
        store.close()
    return result, episodes, failures_of(episodes, causes)


def _summarise(db: Path, run_id: str) -> None:
    from nines.run_summary import print_summary

    result, _, failures = _report(db, run_id)
    print_summary(console, result, failures, db)


@app.command()
def run(
    suite: Optional[str] = typer.Argument(None, help="suite YAML, or a shipped suite: smoke, regression, nines"),
    resume: Optional[str] = typer.Option(None, help="continue this run id instead of starting one"),
    db: Path = typer.Option(Path("runs.duckdb"), help="the DuckDB store"),
    driver: Optional[str] = typer.Option(None, help="camera, expert, blind, lane_keeping, an installed driver's "
                                                    "name, package.module:factory or leaderboard:AGENT.py (a "
                                                    "CARLA Leaderboard agent; default: the suite's)"),
    driver_arg: list[str] = typer.Option([], help="KEY=VALUE for the driver's factory; repeat for more"),
    checkpoint: Optional[Path] = typer.Option(None, help="camera network checkpoint (default: the shipped one)"),
    agent_config: Optional[Path] = typer.Option(None, help="a Leaderboard agent's configuration (its setup's path)"),
    batch: Optional[int] = typer.Option(None, min=1, help="episodes stepped together (default: the suite's)"),
    device: Optional[str] = typer.Option(None, help="cpu or cuda (default: the suite's)"),
    progress: bool = typer.Option(True, help="a progress bar; without it, one line per finished episode"),
    operators: Optional[int] = typer.Option(None, help="put a remote-operations console with this many operators "
                                                       "behind the camera driver"),
    teleop: Optional[Path] = typer.Option(None, help="YAML of console settings (teleop.config.TeleopConfig)"),
    latency_ms: Optional[float] = typer.Option(None, help="console link: median one-way latency (ms)"),
    handoff_threshold: Optional[float] = typer.Option(None, help="console: request help below this confidence"),
    teleop_mode: Optional[str] = typer.Option(None, help="console: auto, assistance or driving"),
    backend: Optional[str] = typer.Option(None, help="embedded, or carla: a CARLA server (or nines serve-carla); "
                                                     "default: the suite's"),
    carla_host: str = typer.Option("127.0.0.1", help="carla backend: the server's address"),
    carla_port: int = typer.Option(2000, min=1, max=65535, help="carla backend: the server's RPC port"),
    carla_retries: int = typer.Option(3, min=0, help="carla backend: retries of an episode whose server failed"),
    carla_timeout: float = typer.Option(10.0, min=0.5, help="carla backend: seconds before a silent server counts "
                                                             "as failed"),
    executor: str = typer.Option("local", help="local (this process) or ray (chunks on a Ray cluster)"),
    address: Optional[str] = typer.Option(None, help="ray: the cluster (auto, or HOST:PORT); default: start Ray "
                                                     "on this machine"),
    workers: int = typer.Option(2, min=1, help="ray: chunks running at once"),
    gpus_per_worker: Optional[float] = typer.Option(None, min=0.0, help="ray: GPUs per worker (default: 1 with "
                                                                        "--device cuda, else 0)"),
) -> str:
    """Run a suite into the store (or resume a killed run) and print its summary.
    Any console option puts a remote-operations console behind the camera driver."""
    from nines.run_request import CarlaOptions, ConsoleOptions, RayRequest, RunRequest, parse_driver_args

    request = RunRequest(suite, resume, driver, parse_driver_args(driver_arg), checkpoint, agent_config,
                         batch, device,
                         ConsoleOptions(teleop, operators, latency_ms, handoff_threshold, teleop_mode), backend,
                         CarlaOptions(carla_host, carla_port, carla_retries, carla_timeout), executor,
                         RayRequest(address, workers, gpus_per_worker))
    run_id = _run(request, db, progress)
    _summarise(db, run_id)
    return run_id


@app.command()
def demo(db: Path = typer.Option(Path("runs.duckdb"), help="the DuckDB store")) -> None:
    """The main job: the smoke suite driven by the camera stack (the shipped checkpoint) with a
    remote-operations console, its failures split into perception and planning, then the summary."""
    from nines.run_request import ConsoleOptions, RunRequest

    run_id = _run(RunRequest(suite="smoke", driver="camera", backend="embedded",
                             console=ConsoleOptions(operators=4)), db)
    _split(db, run_id)
    _summarise(db, run_id)


@app.command()
def collect(suite: str = typer.Argument(..., help="suite YAML, or a shipped suite"),
            out: Path = typer.Option(..., help="new dataset folder"),
            every: int = typer.Option(4, min=1, help="record every N-th tick"),
            batch: Optional[int] = typer.Option(None, min=1, help="episodes stepped together (default: the suite's)"),
            device: str = typer.Option("cpu", help="cpu or cuda"),
            backend: str = typer.Option("embedded", help="where to drive: embedded")) -> None:
    """Record labelled camera frames (the expert driving a suite) for `train.py --data DIR`."""
    from nines.collect import collect as collect_frames
    from nines.dataset_files import DatasetError
    from nines.run_request import read_suite

    if backend != "embedded":
        raise UserError(f"backend {backend!r} is not available for collect yet; expected embedded")
    _, parsed = read_suite(suite)
    try:
        count = collect_frames(parsed, out, every, batch or parsed.batch, device)
    except DatasetError as error:
        raise UserError(str(error)) from None
    console.print(f"wrote {count} labelled frames to {out}")


@app.command("calibrate-monitor")
def calibrate_monitor(
        out: Path = typer.Option(..., help="checkpoint to write (may be the --checkpoint itself)"),
        checkpoint: Optional[Path] = typer.Option(None, help="camera checkpoint (default: the shipped one)"),
        suite: str = typer.Option("regression", help="suite whose families calibrate (its seed is not used)"),
        seeds: str = typer.Option("101,202,303", help="comma-separated suite seeds of the calibration runs"),
        batch: Optional[int] = typer.Option(None, min=1, help="episodes stepped together (default: the suite's)"),
        device: str = typer.Option("cpu", help="cpu or cuda")) -> None:
    """Fit the camera stack's failure monitor (P(failure within 3 s)) on calibration runs in
    fog, night, low sun and lens dirt, and write it into a checkpoint."""
    from nines.drivers import checkpoint_path
    from nines.monitor_calibration import calibrate
    from nines.run_request import check_checkpoint, check_device, read_suite

    try:
        seed_list = [int(s) for s in seeds.split(",")]
    except ValueError:
        raise UserError(f"--seeds {seeds!r}: expected comma-separated integers, e.g. 101,202,303") from None
    check_device(device)
    _, parsed = read_suite(suite)
    source = checkpoint_path(str(checkpoint or ""))
    check_checkpoint(source, parsed)
    info = calibrate(parsed, seed_list, source, out, batch or parsed.batch, device, console.print)
    console.print(f"failure monitor fitted on {info['ticks']} ticks of {info['episodes']} episodes "
                  f"({info['failures']} failures): AUROC {info['auroc_calibration']:.3f} on its calibration "
                  f"ticks; written to {out}")


def _split(db: Path, run_id: str) -> None:
    from nines.failure_split import split_failures

    store = _open_store(db)
    try:
        causes = split_failures(store, run_id)
    finally:
        store.close()
    counts = ", ".join(f"{cause} {count}" for cause, count in causes.cause.value_counts().sort_index().items())
    console.print(f"failure causes (the expert re-drives each failure): {counts or 'no failures'}")


@app.command()
def split(run_id: str = typer.Argument(..., help="run id"),
          db: Path = typer.Option(Path("runs.duckdb"), help="the DuckDB store")) -> None:
    """Split a run's failures into perception and planning: re-drive each with the expert."""
    _split(db, run_id)


@app.command()
def report(run_id: str = typer.Argument(..., help="run id"),
           db: Path = typer.Option(Path("runs.duckdb"), help="the DuckDB store"),
           confidence: float = typer.Option(0.95, help="confidence of the bounds, in (0, 1)"),
           full: bool = typer.Option(False, "--full", help="every table, not the one-screen summary"),
           as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
           leaderboard_json: Optional[Path] = typer.Option(None, help="also write the run as a Leaderboard "
                                                                      "results JSON file here"),
           leaderboard_version: str = typer.Option("2.0", help="Leaderboard scoring for that file: 2.0 or 2.1"),
           ) -> None:
    """The nines of a run on one screen; --full: the ladder per stream, the weighted rates,
    per-family estimates, Leaderboard scores; --json: all of it as JSON."""
    import json
    import os

    from nines.report_view import print_report
    from nines.run_summary import print_summary
    from reliability.leaderboard import results_json

    if leaderboard_version not in ("2.0", "2.1"):
        raise UserError(f"leaderboard version {leaderboard_version!r} is unknown; expected 2.0 or 2.1")
    result, episodes, failures = _report(db, run_id, confidence)
    if leaderboard_json is not None:
        partial = leaderboard_json.with_name(leaderboard_json.name + ".partial")
        partial.write_text(results_json(episodes, leaderboard_version), encoding="utf-8")
        os.replace(partial, leaderboard_json)
    if as_json:
        print(json.dumps(result, indent=2, default=float))
    elif full:
        print_report(console, result)
    else:
        print_summary(console, result, failures, db)


@app.command()
def compare(run_a: str = typer.Argument(..., help="the baseline run"),
            run_b: str = typer.Argument(..., help="the run to judge against it"),
            db: Path = typer.Option(Path("runs.duckdb"), help="the DuckDB store"),
            stream: str = typer.Option("failure", help="the event stream compared (see `nines report`)"),
            confidence: float = typer.Option(0.95, help="confidence of the interval, in (0, 1)"),
            fail_on_regression: Optional[float] = typer.Option(
                None, help="exit 1 when B's rate is above this multiple of A's (the ratio's lower end above it), "
                           "more scenarios fail in B only (McNemar) or a family got worse after Holm's correction: "
                           "a regression gate for CI")) -> None:
    """Regressions between two runs: the ratio of their exposure-weighted rates with its test,
    per-family changes (Holm-corrected), a paired test on the scenarios both drove, newly
    failing scenarios."""
    from nines.report import family_table, load_episodes, run_suite
    from nines.report_view import print_comparison
    from reliability.event_streams import stream_events
    from reliability.run_comparison import (family_changes, newly_failing, paired_test, regressions,
                                            weighted_rate_ratio)
    from reliability.weighted_estimate import weighted_rate

    if not 0 < confidence < 1:
        raise UserError(f"confidence = {confidence} is invalid: expected 0 < confidence < 1")
    if fail_on_regression is not None and not fail_on_regression > 0:
        raise UserError(f"--fail-on-regression {fail_on_regression:g} is invalid: expected a rate ratio > 0, e.g. 1.0")
    store = _open_store(db, read_only=True)
    try:
        a, b = load_episodes(store, run_a), load_episodes(store, run_b)
        suites = {run_a: run_suite(store, run_a), run_b: run_suite(store, run_b)}
    finally:
        store.close()
    rates = []
    for run_id, episodes in ((run_a, a), (run_b, b)):
        events = stream_events(episodes)
        if stream not in events:
            raise UserError(f"stream {stream!r} is not in run {run_id}; expected one of {', '.join(events)}")
        catalogue = family_table(episodes["family"], [suites[run_id]])
        rates.append(weighted_rate(episodes, events[stream].to_numpy(), catalogue, confidence))
    ratio = weighted_rate_ratio(rates[0], rates[1], confidence)
    changes = family_changes(rates[0].families, rates[1].families)
    paired = paired_test(a, b)
    print_comparison(console, run_a, run_b, stream, ratio, changes, paired, newly_failing(a, b))
    if fail_on_regression is not None:
        found = regressions(ratio, changes, paired, fail_on_regression, 1 - confidence)
        for line in found:
            console.print(f"regression: {line}", soft_wrap=True)
        if found:
            raise typer.Exit(1)
        console.print(f"no regression at ratio {fail_on_regression:g}")


@app.command()
def dashboard(db: Path = typer.Option(Path("runs.duckdb"), help="the DuckDB store"),
              port: int = typer.Option(8501, min=1, max=65535, help="port to serve on"),
              host: str = typer.Option("127.0.0.1", help="address to bind (127.0.0.1: this machine only)")) -> None:
    """Serve the reliability dashboard on a store (streamlit)."""
    import os
    import sys

    app_file = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    console.print(f"dashboard on http://{host}:{port} for {db.resolve()}")
    env = {**os.environ, "NINES_DB": str(db.resolve())}
    # this process becomes streamlit, so stopping it (Ctrl-C, SIGTERM) stops the server itself
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.port", str(port),
                               "--server.address", host, "--server.headless", "true",
                               "--browser.gatherUsageStats", "false"], env)


def parse_size(text: str) -> tuple[int, int]:
    """'WxH' -> (width, height) in pixels."""
    width, x, height = text.lower().partition("x")
    if not x or not width.isdigit() or not height.isdigit():
        raise UserError(f"camera size {text!r} is malformed; expected WIDTHxHEIGHT, e.g. 800x600")
    make_camera(int(width), int(height), 90.0)
    return int(width), int(height)


@app.command("serve-carla")
def serve_carla(host: str = typer.Option("127.0.0.1", help="address to bind (127.0.0.1: this machine only)"),
                port: int = typer.Option(2000, min=1, max=65534, help="RPC port; sensor streams use port + 1"),
                map_name: str = typer.Option("straight", "--map",
                                             help="map loaded at start: template, imported map or .xodr path"),
                map_dir: Path = typer.Option(None, help="folder of .xodr files the client may load by name "
                                                        "(load_world('Town01') loads DIR/Town01.xodr)"),
                camera: str = typer.Option("800x600", help="default RGB camera size, WxH (CARLA's is 800x600)"),
                trace: bool = typer.Option(False, help="print every RPC call to stderr")) -> None:
    """Serve the embedded simulator to the unmodified `carla` 0.9.16 client (RPC and streams)."""
    from sim.carla_wire.server import port_is_open, serve_forever

    check_map(map_name)
    if map_dir is not None and not map_dir.is_dir():
        raise UserError(f"--map-dir {map_dir}: no such folder; expected a folder of .xodr files")
    extra = tuple(sorted(str(path) for path in map_dir.glob("*.xodr"))) if map_dir is not None else ()
    for path in extra:
        check_map(path)
    width, height = parse_size(camera)
    for candidate in (port, port + 1):
        if port_is_open(host, candidate):
            raise UserError(f"port {candidate} on {host} is already in use; choose another --port")
    console.print(f"nines serve-carla: CARLA 0.9.16 on {host}:{port} (streams {port + 1}), map {map_name}")
    serve_forever(map_name, host, port, (width, height), trace, extra)


@app.command()
def rerun(run_id: str = typer.Argument(..., help="run id"),
          episode_id: str = typer.Argument(..., help="episode id, FAMILY:SAMPLER:ROUND:INDEX"),
          db: Path = typer.Option(Path("runs.duckdb"), help="the DuckDB store")) -> None:
    """Drive one stored episode again, exactly: same suite, seed, parameters and driver settings."""
    from nines.rerun import rerun as rerun_episode

    store = _open_store(db, read_only=True)
    try:
        result = rerun_episode(store, run_id, episode_id)
    finally:
        store.close()
    record = result.record
    console.print(f"{episode_id}: {record.outcome}, {record.km:.3f} km in {record.time_s:.1f} s; "
                  f"events: {', '.join(f'{e.kind} at {e.time_s:.1f} s' for e in result.events) or 'none'}; "
                  f"handoffs: {len(result.handoffs)}")


@app.command("teleop-sweep")
def teleop_sweep(suite: str = typer.Argument(..., help="suite YAML, or a shipped suite"),
                 thresholds: str = typer.Option("0.3,0.4,0.5,0.6", help="comma-separated handoff thresholds in [0, 1]"),
                 operators: int = typer.Option(4, help="operators on duty while the suite runs"),
                 fleet: int = typer.Option(100, help="fleet size to staff (vehicles on the road together)"),
                 target_nine: int = typer.Option(2, help="crashes per km <= 10^-n to meet"),
                 teleop: Optional[Path] = typer.Option(None, help="YAML of other console settings"),
                 db: Path = typer.Option(Path("runs.duckdb"), help="the DuckDB store"),
                 batch: Optional[int] = typer.Option(None, min=1, help="episodes stepped together"),
                 confidence: float = typer.Option(0.95, help="confidence of the crash-rate bound"),
                 progress: bool = typer.Option(True, help="progress bars")) -> None:
    """Handoffs per 1,000 km against crashes per km, one run per threshold, and for a target
    nine the cheapest threshold and the staffing that meet it."""
    from nines.drivers import checkpoint_path
    from nines.run_request import ConsoleOptions, check_checkpoint, read_suite
    from nines.run_settings import RunSettings
    from nines.teleop_sweep import cheapest, run_sweep

    try:
        values = [float(part) for part in thresholds.split(",")]
    except ValueError:
        raise UserError(f"--thresholds {thresholds!r} is invalid: expected numbers in [0, 1] separated by "
                        "commas") from None
    if fleet < 1 or not 1 <= target_nine <= 9 or not 0 < confidence < 1:
        raise UserError("expected --fleet >= 1, --target-nine in 1..9 and 0 < --confidence < 1")
    console_settings = None
    for value in values:
        console_settings = ConsoleOptions(teleop, operators, threshold=value).settings()
    path, parsed = read_suite(suite)
    check_checkpoint(checkpoint_path(""), parsed)
    store = _open_store(db)
    try:
        curve = run_sweep(store, parsed, path.read_text(encoding="utf-8"),
                          RunSettings("camera", batch or parsed.batch, parsed.device, {}, console_settings), values,
                          fleet, confidence, progress)
    finally:
        store.close()
    view = Table(title=f"handoff threshold sweep, {parsed.name}; staffing for {fleet} vehicles, "
                       f"P(wait > 5 s) <= 5 %")
    for column in ("threshold", "handoffs/1,000 km", "crashes/km", f"upper {confidence:.0%}", "operators", "run"):
        view.add_column(column)
    for row in curve.itertuples():
        view.add_row(f"{row.threshold:g}", f"{row.handoffs_per_1000_km:.3g}", f"{row.crashes_per_km:.3g}",
                     f"{row.crash_upper_per_km:.3g}", str(row.operators_needed), row.run_id)
    console.print(view)
    best = cheapest(curve, target_nine)
    if best is None:
        console.print(f"no threshold demonstrates {target_nine} nines (crashes per km <= 1e-{target_nine} at "
                      f"{confidence:.0%}) with {curve['km'].iloc[0]:.2f} km per run; run more km")
    else:
        console.print(f"cheapest for {target_nine} nines: threshold {best.threshold:g}, {best.operators_needed} "
                      f"operators for {fleet} vehicles ({best.handoffs_per_1000_km:.3g} handoffs per 1,000 km)")


@app.command()
def families() -> None:
    """List the scenario families (built-in and installed) with their parameters, sources and exposure rates."""
    from rich.markup import escape

    from scenarios.catalog import FamilyError, listed

    try:
        rows = listed()
    except FamilyError as error:
        raise UserError(str(error)) from None
    for row in rows:
        family = row.family
        exposure = "nominal (per km)" if family.nominal else f"{family.exposure_per_km:g} per km"
        flag = " (assumed)" if family.assumed else ""
        source = "" if row.source == "built-in" else f", from {row.source}"
        console.print(f"[bold]{escape(row.name)}[/bold]{flag}: {escape(family.title)} ({escape(family.vocabulary)}"
                      f"{escape(source)}); map {family.template}; exposure {exposure} ({escape(family.exposure_source)})")
        for parameter in family.all_parameters:
            console.print(f"    {parameter.name}: {escape(parameter.describe())}  ({escape(parameter.source)})")


@app.command()
def export(family: str = typer.Argument(..., help="scenario family"),
           seed: int = typer.Option(0, min=0, help="draws the parameters from the family's f"),
           out: Path = typer.Option(Path("export"), help="folder for FAMILY_SEED.xodr and .xosc")) -> None:
    """Write one episode of a family as OpenDRIVE + OpenSCENARIO 1.0."""
    import numpy as np

    from scenarios.catalog import FamilyError, find_family
    from scenarios.openscenario import export_episode

    try:
        chosen = find_family(family)
    except FamilyError as error:
        raise UserError(str(error)) from None
    params = chosen.from_unit(np.random.default_rng(seed).random((1, len(chosen.all_parameters))))[0]
    xodr, xosc = export_episode(chosen.build(params, seed), out, f"{family.replace(':', '_')}_{seed}")
    console.print(f"wrote {xodr} and {xosc}")


@app.command("export-parquet")
def export_parquet(run_id: str = typer.Argument(..., help="run id"), out: Path = typer.Argument(..., help="folder"),
                   db: Path = typer.Option(Path("runs.duckdb"), help="the DuckDB store")) -> None:
    """Write a run's runs, episodes and events tables as Parquet files."""
    from nines.store import StoreError

    store = _open_store(db, read_only=True)
    try:
        written = store.export_parquet(run_id, out)
    except StoreError as error:
        raise UserError(str(error)) from None
    finally:
        store.close()
    console.print("wrote " + ", ".join(str(p) for p in written))


@app.command()
def maps() -> None:
    """List the map templates with their routes, and the maps imported on this machine."""
    from sim.map_catalog import imported_names, map_dir
    from sim.map_templates import TEMPLATES

    for name, build in TEMPLATES.items():
        console.print(f"{name}: routes {', '.join(build().routes)}", markup=False)
    for name in imported_names():
        console.print(f"{name}: imported ({map_dir() / name}.xodr); drive it with nominal_route@{name}", markup=False)


@app.command("import-map")
def import_map(xodr: Path = typer.Argument(..., help="OpenDRIVE 1.4-1.6 file"),
               name: str = typer.Option(None, help="the map's name (default: the file's stem)"),
               verify: bool = typer.Option(False, help="compare every lane with CARLA's parser (needs the carla "
                                                       "package)")) -> None:
    """Import an OpenDRIVE map: afterwards NAME is a map like a template (suites, render, serve-carla)."""
    from sim.lane_graph import build_lane_graph
    from sim.map_catalog import import_map as keep_map, map_dir

    network = keep_map(xodr, name)
    graph = build_lane_graph(network)
    driving_km = sum(lane.length_m for lane in graph.lanes if lane.type == "driving") / 1000
    console.print(f"imported {xodr} as {network.name}: {len(network.roads)} roads (one per lane section), "
                  f"{len(graph.lanes)} lanes ({driving_km:.1f} km of driving lanes), {len(network.junctions)} "
                  f"junctions, {len(network.signals)} stop lines; kept in {map_dir()}", markup=False)
    for note in network.notes:
        console.print(f"note: {note}", markup=False)
    if verify:
        try:
            from sim.opendrive_check import compare_with_carla

            deviation = compare_with_carla(network)
        except ImportError:
            raise UserError("--verify needs the carla package (pip install 'nines[carla]')") from None
        console.print(f"CARLA's parser: worst lane-centre gap {deviation.max_m * 1000:.2f} mm over "
                      f"{deviation.points} points, {deviation.missing} without a CARLA waypoint")
    console.print(f"drive it: a suite entry {{family: nominal_route@{network.name}, episodes: 20}}", markup=False)


@app.command("import-scenario")
def import_scenario(xosc: Path = typer.Argument(..., help="OpenSCENARIO 1.0-1.2 scenario, or a 1.2 "
                                                           "ParameterValueDistribution over one"),
                    check: bool = typer.Option(False, help="list the file's elements, supported or not, and stop"),
                    ego: str = typer.Option(None, help="the entity the driver drives (default: hero or ego)")) -> None:
    """Read an OpenSCENARIO scenario, list the parameters a distribution file gives it, and drive
    it once at its declared values with the expert (a suite names the file by its path)."""
    from scenarios.openscenario_family import open_scenario
    from scenarios.openscenario_files import parse_xosc
    from scenarios.openscenario_import import check_xosc, find_ego, import_xosc
    from scenarios.openscenario_storyboard import ego_events

    if check:
        findings = check_xosc(xosc)
        refused = [f for f in findings if not f.supported]
        for finding in refused:
            console.print(f"{finding.file}:{finding.line}: <{finding.element}> not supported", markup=False,
                          soft_wrap=True)
        kinds = sorted({f.element for f in findings if f.supported})
        console.print(f"{len(findings) - len(refused)} of {len(findings)} elements supported "
                      f"({', '.join(kinds)})", markup=False)
        if refused:
            raise typer.Exit(1)
        return
    from nines.closed_loop import finished_episodes
    from planner.expert import ExpertDriver
    from scenarios.episode_plan import EpisodeTask
    from sim.world import BatchedWorld, WorldConfig

    opened = open_scenario(xosc)
    for parameter in opened.distribution.parameters if opened.distribution is not None else ():
        console.print(f"parameter {parameter.name}: {parameter.describe()} (source: {parameter.source})", markup=False,
                      soft_wrap=True)
    spec = import_xosc(opened.scenario, ego)
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=max(1, len(spec.actors)), maps=(spec.template,)))
    task = EpisodeTask(str(xosc), str(xosc), "import", 0, 0, spec.seed, {}, 0.0, 0.0, spec)
    episode = next(iter(finished_episodes(world, ExpertDriver(), [task], keep_clips=False)))
    world.close()
    record = episode.record
    console.print(f"{xosc}: map {spec.template}, {len(spec.actors)} actors, "
                  f"{sum(len(a.events) for a in spec.actors)} scripted events; the expert: {record.outcome}, "
                  f"{record.km:.3f} km in {record.time_s:.1f} s; events: "
                  f"{', '.join(f'{e.kind} at {e.time_s:.1f} s' for e in episode.log.events) or 'none'}", markup=False)
    root = parse_xosc(opened.scenario)
    names = [obj.get("name") for obj in root.findall("Entities/ScenarioObject")]
    ignored = ego_events(root, find_ego(str(opened.scenario), names, ego))
    if ignored:
        console.print(f"not carried out: the ego's events {', '.join(ignored)} (the run's driver drives the ego)",
                      markup=False, soft_wrap=True)


@app.command("export-map")
def export_map(map_name: str = typer.Argument(..., help="map: template, imported map or .xodr path"),
               out: Path = typer.Option(..., help=".xodr file to write")) -> None:
    """Write a map as OpenDRIVE (an imported map as the file it came from)."""
    from sim.map_catalog import load_map
    from sim.opendrive import write_xodr

    write_xodr(load_map(check_map(map_name)), out)
    console.print(f"wrote {out}")


def _user_errors() -> tuple[type[Exception], ...]:
    from nines.drivers import DriverError
    from nines.store import StoreError, StoreWriteError
    from perception.checkpoint import CheckpointError
    from scenarios.suite import SuiteError
    from scenarios.openscenario_files import ScenarioImportError
    from sim.map_catalog import MapError
    from sim.opendrive_import import MapImportError
    from sim.render.gl_context import RenderUnavailable

    return (RenderUnavailable, StoreError, StoreWriteError, SuiteError, CheckpointError, DriverError, MapError,
            MapImportError, ScenarioImportError)


def main() -> None:
    run_app(app, "nines", _user_errors)
