"""The Ray executor: a run's episodes in chunks on a Ray cluster, streamed back to the one
store writer in the calling process.

Each chunk is one Ray task that builds its own world and driver (a batched embedded world on
its GPU when Ray gave it one, or one CARLA server's worth of episodes: worker k drives the
server at the run's CARLA port + 2k) and yields every finished episode as it ends
(nines/episode_stream.py). At most `workers` chunks run at once. A task whose worker dies
(killed, out of memory, node lost) is an infrastructure failure, never a driving one: its
episodes that had not come back are reported and queued again, up to WORKER_RETRIES times
each; the ones that had come back are already stored. An error raised by our own code in a
chunk stops the run, as it would locally; so does a driver that breaks mid-chunk (DriverError,
its one line).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Iterable, Iterator

from nines.episode_stream import (EpisodeResult, InfrastructureNote, InfrastructureRetries, StreamItem,
                                  stream_episodes)
from nines.run_settings import RunSettings
from planner.driver_interface import DriverError
from scenarios.episode_plan import EpisodeTask
from scenarios.suite import Suite
from sim.carla_wire.server import port_is_open

CHUNK_BATCHES = 2  # a chunk holds at most this many world batches of episodes: few tasks, short tails
CHUNKS_PER_WORKER = 2  # and is small enough that a run gives each worker at least this many
WORKER_RETRIES = 3
CARLA_PORT_STEP = 2  # a CARLA server uses its port and the next one (streams)


class RayUnavailable(Exception):
    """Ray is not installed or no cluster answers; the message is one line for the user."""


@dataclass
class RayOptions:
    """address: None starts a Ray instance on this machine, "auto" joins the cluster this
    machine belongs to, or HOST:PORT; workers: chunks running at once; gpus_per_worker: the
    GPUs Ray reserves for each chunk (its world and network run on them)."""

    address: str | None = None
    workers: int = 2
    gpus_per_worker: float = 0.0


@dataclass
class _Chunk:
    tasks: list[EpisodeTask]
    worker: int
    returned: set[str] = field(default_factory=set)


def connect(options: RayOptions) -> None:
    """Join (or start) the Ray cluster once per process."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable("--executor ray needs Ray: pip install 'nines[ray]'") from None
    if ray.is_initialized():
        return
    if options.address not in (None, "auto"):
        host, _, port = options.address.rpartition(":")
        try:
            reachable = port.isdigit() and port_is_open(host or "127.0.0.1", int(port))
        except OSError:  # a host name that does not resolve
            reachable = False
        if not reachable:
            raise RayUnavailable(f"no Ray cluster answers at {options.address}; expected HOST:PORT of a head node "
                                 "(ray start --head), or auto")
    try:
        ray.init(address=options.address, include_dashboard=False, log_to_driver=False,
                 configure_logging=True, logging_level="ERROR")
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise RayUnavailable(f"cannot join the Ray cluster at {options.address}: {str(error).splitlines()[0][:160]}"
                             "; with token authentication on, set RAY_AUTH_MODE=token") from None


def drive_chunk(settings: RunSettings, suite: Suite, tasks: list[EpisodeTask], worker: int) -> Iterator[StreamItem]:
    """A Ray task: drive one chunk of episodes on a world of at most the run's batch and yield
    what each leaves behind."""
    settings = replace(settings, batch=min(settings.batch, len(tasks)))
    if settings.carla is not None:
        port = settings.carla.get("port", 2000) + CARLA_PORT_STEP * worker
        settings = replace(settings, carla={**settings.carla, "port": port})
    yield from stream_episodes(settings, suite, [tasks])


def chunk_size(batch: int, planned: int, workers: int) -> int:
    """Episodes per chunk for a run of `planned` episodes (0: not known ahead)."""
    most = CHUNK_BATCHES * batch
    return most if planned == 0 else max(1, min(most, math.ceil(planned / (CHUNKS_PER_WORKER * workers))))


def stream_on_ray(settings: RunSettings, suite: Suite, waves: Iterable[Iterable[EpisodeTask]],
                  options: RayOptions, planned: int = 0) -> Iterator[StreamItem]:
    """Like episode_stream.stream_episodes, with each wave's tasks spread over Ray workers in
    chunks sized for `planned` episodes in all; a wave is asked for only once the one before
    has come back."""
    import ray

    connect(options)
    remote = ray.remote(drive_chunk).options(num_cpus=1, num_gpus=options.gpus_per_worker, max_retries=0)
    size = chunk_size(settings.batch, planned, options.workers)
    retries = InfrastructureRetries(WORKER_RETRIES)
    for wave in waves:
        tasks, requeued = iter(wave), []
        running: dict[object, _Chunk] = {}
        free = list(range(options.workers))
        try:
            while True:
                while free:
                    chunk = requeued[:size] + list(islice(tasks, max(0, size - len(requeued))))
                    del requeued[:size]
                    if not chunk:
                        break
                    worker = free.pop(0)
                    running[remote.remote(settings, suite, chunk, worker)] = _Chunk(chunk, worker)
                if not running:
                    break
                [ready], _ = ray.wait(list(running), num_returns=1)
                chunk = running[ready]
                try:
                    item = ray.get(next(ready))
                except StopIteration:
                    del running[ready]
                    free.append(chunk.worker)
                    continue
                except ray.exceptions.RayTaskError as error:
                    if isinstance(error.cause, DriverError):  # a driver's one line, not Ray's traceback
                        raise DriverError(str(error.cause)) from None
                    raise error.as_instanceof_cause() from None
                except ray.exceptions.RayError as error:
                    del running[ready]
                    free.append(chunk.worker)
                    yield from _requeue(chunk, f"Ray worker lost mid-chunk: {str(error).splitlines()[0][:200]}",
                                        retries, requeued)
                    continue
                if isinstance(item, EpisodeResult):
                    chunk.returned.add(item.task.episode_id)
                yield item
        finally:
            for generator in running:  # the run stopped (an error, or the store refused a write)
                ray.cancel(generator, force=True)


def _requeue(chunk: _Chunk, message: str, retries: InfrastructureRetries,
             requeued: list[EpisodeTask]) -> Iterator[InfrastructureNote]:
    """A lost chunk's episodes that had not come back: reported, and queued again while
    they have retries left."""
    for task in chunk.tasks:
        if task.episode_id in chunk.returned:
            continue
        note, again = retries.failed(task, message)
        yield note
        if again:
            requeued.append(task)
