"""The wire server's recorder and replayer: CARLA's start_recorder / stop_recorder,
show_recorder_file_info, show_recorder_collisions, show_recorder_actors_blocked and
replay_file, on a file format of our own (CARLA's is the engine's binary; a recording made
here is read back here).

A recording is JSON lines: a header (format version, map, date), then one record per tick
with the actors created and destroyed since the last, every free actor's pose, and the pairs
of solid actors whose boxes touch. Replaying reloads the map, spawns the recorded actors with
physics off and moves them frame by frame, one recorded frame per tick.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sim.carla_wire.messages import WireError

FORMAT_VERSION = 1
# show_recorder_collisions' actor categories: hero, vehicle, walker, traffic light, other, any
CATEGORIES = "hvwtoa"


@dataclass
class Recording:
    """A recording read back: its header and its tick records."""

    path: Path
    header: dict
    ticks: list[dict]

    @staticmethod
    def read(path: Path) -> "Recording":
        if not path.is_file():
            raise WireError(f"recorder file '{path}' not found")
        lines = path.read_text().splitlines()
        try:
            header, ticks = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
        except (IndexError, json.JSONDecodeError):
            raise WireError(f"'{path}' is not a recording of nines serve-carla") from None
        if header.get("format") != FORMAT_VERSION:
            raise WireError(f"'{path}' is not a recording of nines serve-carla (format {FORMAT_VERSION})")
        return Recording(path, header, ticks)

    def actors(self) -> dict[int, dict]:
        """Every actor ever created in it, by recorded id: type id, role, frame created."""
        created = {}
        for tick in self.ticks:
            for actor_id, type_id, role in tick["created"]:
                created[actor_id] = {"type_id": type_id, "role": role, "frame": tick["frame"]}
        return created

    def file_info(self, show_all: bool) -> str:
        lines = [f"Version: {self.header['format']}", f"Map: {self.header['map']}", f"Date: {self.header['date']}", ""]
        for tick in self.ticks:
            events = [f" Create {i}: {type_id} ({role})" for i, type_id, role in tick["created"]]
            events += [f" Destroy {i}" for i in tick["destroyed"]]
            if show_all:
                events += [f" Position {i}: ({x:.2f}, {y:.2f}, {z:.2f}) yaw {yaw:.1f}"
                           for i, x, y, z, yaw in tick["poses"]]
            if events:
                lines += [f"Frame {tick['frame']} at {tick['time_s']:.3f} seconds"] + events
        duration = self.ticks[-1]["time_s"] - self.ticks[0]["time_s"] if self.ticks else 0.0
        return "\n".join(lines + ["", f"Frames: {len(self.ticks)}", f"Duration: {duration:.3f} seconds"]) + "\n"

    def collisions(self, first: str, second: str) -> str:
        """Collisions between actors of two categories (CATEGORIES), each pair once, when it began."""
        actors = self.actors()
        seen, rows = set(), []
        for tick in self.ticks:
            for a, b in tick["collisions"]:
                kinds = (_category(actors.get(a, {})), _category(actors.get(b, {})))
                if (a, b) in seen or not _matches(kinds, first, second):
                    continue
                seen.add((a, b))
                rows.append(f"{tick['time_s']:8.3f}  {kinds[0]} {kinds[1]}  {a:6d} {actors[a]['type_id']:32s} "
                            f"{b:6d} {actors[b]['type_id']}")
        header = [f"Version: {self.header['format']}", f"Map: {self.header['map']}", "",
                  "    Time  Types     Id Actor 1                              Id Actor 2"]
        return "\n".join(header + rows + ["", f"Frames: {len(self.ticks)}"]) + "\n"

    def actors_blocked(self, min_time_s: float, min_distance_m: float) -> str:
        """Actors that moved less than min_distance_m over at least min_time_s."""
        track: dict[int, list[tuple[float, float, float]]] = {}
        for tick in self.ticks:
            for actor_id, x, y, _, _ in tick["poses"]:
                track.setdefault(actor_id, []).append((tick["time_s"], x, y))
        actors, rows = self.actors(), []
        for actor_id, samples in track.items():
            start = 0
            for end in range(len(samples)):
                while math.dist(samples[start][1:], samples[end][1:]) >= min_distance_m:
                    start += 1
                if samples[end][0] - samples[start][0] >= min_time_s:
                    type_id = actors.get(actor_id, {}).get("type_id", "?")
                    rows.append(f"{samples[start][0]:8.3f}  {actor_id:6d} {type_id:32s} "
                                f"{samples[end][0] - samples[start][0]:.1f}")
                    break
        return "\n".join(["    Time      Id Actor                            Duration"] + rows) + "\n"


def _category(actor: dict) -> str:
    type_id, role = actor.get("type_id", ""), actor.get("role", "")
    if role in ("hero", "ego"):
        return "h"
    if type_id.startswith("vehicle."):
        return "v"
    if type_id.startswith("walker."):
        return "w"
    return "t" if type_id.startswith("traffic.") else "o"


def _matches(kinds: tuple[str, str], first: str, second: str) -> bool:
    def fits(kind: str, wanted: str) -> bool:
        return wanted == "a" or kind == wanted
    return (fits(kinds[0], first) and fits(kinds[1], second)) or (fits(kinds[0], second) and fits(kinds[1], first))


@dataclass
class Recorder:
    """Appends a tick record per tick to `path` while recording."""

    path: Path
    known: set[int] = field(default_factory=set)

    def start(self, map_name: str) -> None:
        header = {"format": FORMAT_VERSION, "map": map_name, "date": datetime.now().strftime("%m/%d/%y %H:%M:%S")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(header) + "\n")

    def record(self, frame: int, time_s: float, actors: list[tuple[int, str, str]],
               poses: list[tuple[int, float, float, float, float]], collisions: list[tuple[int, int]]) -> None:
        """actors: every actor now (id, type id, role name); poses: the free actors' (id, x, y,
        z, yaw deg) in CARLA's frame; collisions: pairs of ids touching this tick."""
        now = {actor_id for actor_id, _, _ in actors}
        record = {"frame": frame, "time_s": round(time_s, 6),
                  "created": [list(a) for a in actors if a[0] not in self.known],
                  "destroyed": sorted(self.known - now), "poses": [list(p) for p in poses],
                  "collisions": [list(pair) for pair in collisions]}
        self.known = now
        with self.path.open("a") as out:
            out.write(json.dumps(record) + "\n")


@dataclass
class Replay:
    """A recording being replayed: the next tick record to play, when to stop (s into the
    recording), and the live actor of each recorded one."""

    recording: Recording
    next_tick: int
    end_s: float
    ids: dict[int, int] = field(default_factory=dict)

    @staticmethod
    def of(recording: Recording, start_s: float, duration_s: float) -> "Replay":
        """CARLA's convention: a negative start counts from the end; a duration of 0 plays to the end."""
        times = [tick["time_s"] for tick in recording.ticks]
        first = times[0] if times else 0.0
        start = first + (start_s if start_s >= 0 else max(times[-1] - first + start_s, 0.0)) if times else 0.0
        end = start + duration_s if duration_s > 0 else math.inf
        index = next((k for k, t in enumerate(times) if t >= start - 1e-9), len(times))
        return Replay(recording, index, end)

    def next(self) -> dict | None:
        """The tick record to play now, or None once the replay is over."""
        if self.next_tick >= len(self.recording.ticks):
            return None
        tick = self.recording.ticks[self.next_tick]
        if tick["time_s"] > self.end_s + 1e-9:
            return None
        self.next_tick += 1
        return tick
