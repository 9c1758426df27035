"""What `nines run` (and `nines demo`) is asked to do, and every check of it: the suite or the
run to resume, and the options that override the suite's. `RunRequest.plan` checks them all
before anything is written (a bad one is one UserError line); the command line only parses
options into a RunRequest.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from nines.drivers import BUILT_IN, CAMERA_DRIVERS, LEADERBOARD, DriverError, checkpoint_path, driver_spec
from nines.run_settings import RunSettings
from nines.user_error import UserError, describe_validation
from scenarios.suite import DriverChoice, Suite, SuiteError, load_suite

SUITES_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "suites"


def suite_path(text: str) -> Path:
    """A suite file, or the name of a shipped suite (smoke, regression, nines)."""
    path = Path(text)
    if not path.exists() and (SUITES_DIR / f"{text}.yaml").exists():
        return SUITES_DIR / f"{text}.yaml"
    return path


def read_suite(text: str) -> tuple[Path, Suite]:
    path = suite_path(text)
    try:
        return path, load_suite(path)
    except SuiteError as error:
        raise UserError(str(error)) from None


def parse_driver_args(items: list[str]) -> dict:
    """["key=value", ...] -> {key: value}, each value read as a YAML scalar (3 -> int, 0.5 ->
    float, true -> bool, anything else a string)."""
    import yaml

    args = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key.strip().isidentifier():
            raise UserError(f"--driver-arg {item!r} is malformed; expected KEY=VALUE, e.g. cruise_speed_mps=8")
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            parsed = value
        args[key.strip()] = parsed if isinstance(parsed, (int, float, bool, str)) else value
    return args


@dataclass
class ConsoleOptions:
    """A remote-operations console's settings: a YAML file of TeleopConfig fields, overridden
    by the options given; none given means no console."""

    settings_file: Path | None = None
    operators: int | None = None
    latency_ms: float | None = None
    threshold: float | None = None
    mode: str | None = None

    def settings(self) -> dict | None:
        """TeleopConfig fields, checked (None: no console)."""
        import yaml

        from teleop.config import TeleopConfig

        given = {name: value for name, value in (("operators", self.operators), ("latency_ms", self.latency_ms),
                                                 ("threshold", self.threshold), ("mode", self.mode))
                 if value is not None}
        if self.settings_file is None and not given:
            return None
        base = {}
        if self.settings_file is not None:
            try:
                base = yaml.safe_load(self.settings_file.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
                raise UserError(f"{self.settings_file}: cannot read console settings ({type(error).__name__}); "
                                "expected a YAML mapping of teleop settings") from None
            if not isinstance(base, dict):
                raise UserError(f"{self.settings_file}: expected a YAML mapping of teleop settings")
        try:
            return TeleopConfig(**{**base, **given}).model_dump()
        except ValidationError as error:
            raise UserError(describe_validation("teleop", error)) from None


@dataclass
class CarlaOptions:
    """The carla backend's server: address, RPC port, retries of an episode whose server
    failed, and the seconds before a silent server counts as failed."""

    host: str = "127.0.0.1"
    port: int = 2000
    retries: int = 3
    timeout_s: float = 10.0

    def endpoint(self) -> dict:
        """CarlaEndpoint fields, once a server answers at host:port."""
        from sim.carla_wire.server import port_is_open

        if not port_is_open(self.host, self.port):
            raise UserError(f"no CARLA server answers at {self.host}:{self.port}; start one (e.g. nines serve-carla "
                            f"--port {self.port}) or fix --carla-host / --carla-port")
        return {"host": self.host, "port": self.port, "retries": self.retries, "timeout_s": self.timeout_s}


@dataclass
class RayRequest:
    """The Ray executor: the cluster (None: start Ray here), chunks running at once, and the
    GPUs per worker (None: 1 with device cuda, else 0)."""

    address: str | None = None
    workers: int = 2
    gpus_per_worker: float | None = None

    def options(self, device: str) -> dict:
        """RayOptions fields, checked, with the cluster joined."""
        from nines.ray_executor import RayOptions, RayUnavailable, connect

        gpus = self.gpus_per_worker if self.gpus_per_worker is not None else float(device == "cuda")
        if device == "cuda" and gpus == 0:
            raise UserError("--device cuda with --gpus-per-worker 0 gives Ray workers no GPU; use --gpus-per-worker 1 "
                            "or --device cpu")
        options = RayOptions(self.address, self.workers, gpus)
        try:
            connect(options)
        except RayUnavailable as error:
            raise UserError(str(error)) from None
        return options.__dict__


def check_device(device: str | None) -> None:
    """Refuse a device that is unknown or that this torch does not have (None: the suite's)."""
    if device not in (None, "cpu", "cuda"):
        raise UserError(f"device {device!r} is unknown; expected cpu or cuda")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UserError("device cuda was asked for but this torch has no CUDA device; use --device cpu")


def check_checkpoint(path: Path, suite: Suite) -> None:
    """Refuse, before anything is written, a checkpoint the camera driver could not load."""
    from perception.checkpoint import load

    load(path, suite.camera.width, suite.camera.height)


@dataclass
class RunRequest:
    """`nines run`'s options; None means the suite's own value."""

    suite: str | None = None
    resume: str | None = None
    driver: str | None = None
    driver_args: dict = field(default_factory=dict)
    checkpoint: Path | None = None
    agent_config: Path | None = None
    batch: int | None = None
    device: str | None = None
    console: ConsoleOptions = field(default_factory=ConsoleOptions)
    backend: str | None = None
    carla: CarlaOptions = field(default_factory=CarlaOptions)
    executor: str = "local"
    ray: RayRequest = field(default_factory=RayRequest)

    def driver_choice(self, suite: Suite) -> tuple[str, dict]:
        """The driver's name and arguments: the request's, else the suite's with the request's
        arguments over its own; --checkpoint is the argument `checkpoint`, --agent-config a
        Leaderboard agent's `agent_config`."""
        if self.driver is not None:
            name, args = self.driver, dict(self.driver_args)
        elif isinstance(suite.driver, DriverChoice):
            name, args = suite.driver.import_, {**suite.driver.args, **self.driver_args}
        else:
            name, args = suite.driver, dict(self.driver_args)
        if self.checkpoint is not None:
            args["checkpoint"] = str(self.checkpoint.resolve())
        if self.agent_config is not None:
            args["agent_config"] = str(self.agent_config.resolve())
        return name, args

    def settings(self, suite: Suite) -> RunSettings:
        """The run's settings: the suite's, overridden by this request; every value checked."""
        check_device(self.device)
        driver, args = self.driver_choice(suite)
        try:
            driver = driver_spec(driver, args).name
        except DriverError as error:
            raise UserError(str(error)) from None
        device = self.device or suite.device
        console = self.console.settings()
        backend = self.backend or suite.backend
        if backend not in ("embedded", "carla"):
            raise UserError(f"backend {backend!r} is unknown; expected embedded or carla")
        if self.executor not in ("local", "ray"):
            raise UserError(f"executor {self.executor!r} is unknown; expected local or ray")
        if backend == "carla" and driver.startswith(LEADERBOARD):
            raise UserError("a hosted Leaderboard agent runs on the embedded backend; on a CARLA server, run it with "
                            "CARLA's own leaderboard")
        if console is not None:
            if backend == "carla":
                raise UserError("the remote-operations console runs on the embedded backend only; drop --backend "
                                "carla or the console options")
            if self.executor == "ray":
                raise UserError("the remote-operations console couples every episode through one operator queue, so "
                                "it runs on the local executor only; drop --executor ray or the console options")
            if driver in BUILT_IN and driver not in CAMERA_DRIVERS:
                raise UserError(f"a remote-operations console needs a driver that reports a confidence; {driver} "
                                f"does not (the camera drivers do: {', '.join(CAMERA_DRIVERS)})")
        if driver in CAMERA_DRIVERS:
            check_checkpoint(checkpoint_path(args.get("checkpoint", "")), suite)
        carla = self.carla.endpoint() if backend == "carla" else None
        ray = self.ray.options(device) if self.executor == "ray" else None
        return RunSettings(driver, 1 if carla else self.batch or suite.batch, device, args, console, backend,
                           carla, self.executor, ray)

    def plan(self) -> NewRun | None:
        """The new run of the suite, every option checked (nothing is written yet); None when
        resuming."""
        if (self.suite is None) == (self.resume is None):
            raise UserError("give a suite to run, or --resume RUN_ID, not both")
        check_device(self.device)
        if self.resume is not None:
            return None
        path, suite = read_suite(self.suite)
        return NewRun(suite, path.read_text(encoding="utf-8"), self.settings(suite))


@dataclass
class NewRun:
    """A checked run, ready to be created in a store (nines.runner.new_run)."""

    suite: Suite
    suite_yaml: str
    settings: RunSettings
