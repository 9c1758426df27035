"""The `nines` command line. User errors end with one line on stderr and exit code 2."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from nines.user_error import UserError, describe_validation

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Simulate driving, count failures per km.")
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


def check_template(name: str) -> str:
    from sim.map_templates import TEMPLATES

    if name not in TEMPLATES:
        raise UserError(f"map {name!r} is unknown; expected one of: {', '.join(TEMPLATES)}")
    return name


@app.command()
def render(
    map_name: str = typer.Option("urban_street", "--map", help="map template"),
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

    template = check_template(map_name)
    weathers = [parse_weather(text) for text in weather]
    camera = make_camera(width, height, fov)
    if not out.parent.exists():
        raise UserError(f"output folder {out.parent} does not exist")
    world = BatchedWorld(WorldConfig(batch_size=len(weathers), camera=camera))
    for slot, condition in enumerate(weathers):
        world.load(slot, showcase_episode(template, condition, seed=slot))
    hold = torch.zeros(len(weathers), 3)
    for _ in range(max(0, round(seconds / world.config.dt_s))):
        world.step(hold)
    frames = world.render()
    world.close()
    save_tile_png(frames, out)
    console.print(f"wrote {out} ({len(weathers)} tiles of {width}x{height})")


@app.command()
def demo(
    episodes: int = typer.Option(32, min=1, help="episodes to run"),
    batch: int = typer.Option(16, min=1, help="episodes stepped together"),
    camera: bool = typer.Option(True, help="render the camera every tick"),
    seed: int = typer.Option(0, help="first episode seed"),
) -> None:
    """Drive everyday episodes with the simple lane-keeping driver and print what happened."""
    import time

    import pandas as pd

    from nines.closed_loop import run_episodes
    from planner.lane_keeping import LaneKeepingDriver
    from scenarios.background_traffic import sample_episode
    from sim.camera import CameraConfig
    from sim.world import BatchedWorld, WorldConfig

    world = BatchedWorld(WorldConfig(batch_size=min(batch, episodes), camera=CameraConfig() if camera else None))
    specs = (sample_episode(seed + k) for k in range(episodes))
    start = time.perf_counter()
    with console.status("driving"):
        records = run_episodes(world, LaneKeepingDriver(), specs)
    elapsed = time.perf_counter() - start
    world.close()
    table = pd.DataFrame(records)
    _print_demo(table, elapsed)


def _print_demo(table, elapsed_s: float) -> None:
    per_template = Table(title="episodes by map")
    for column in ("map", "episodes", "km", "collisions", "off-road m", "red lights", "outcomes"):
        per_template.add_column(column)
    table["collisions"] = table[["collisions_pedestrian", "collisions_vehicle", "collisions_static"]].sum(axis=1)
    for template, rows in table.groupby("template"):
        outcomes = ", ".join(f"{k} {v}" for k, v in rows["outcome"].value_counts().items())
        per_template.add_row(template, str(len(rows)), f"{rows['km'].sum():.3f}", str(int(rows["collisions"].sum())),
                             f"{rows['off_road_m'].sum():.1f}", str(int(rows["red_lights"].sum())), outcomes)
    console.print(per_template)
    km = table["km"].sum()
    sim_hours = table["time_s"].sum() / 3600
    console.print(f"{len(table)} episodes, {km:.3f} km, {int(table['collisions'].sum())} collisions "
                  f"(pedestrian {int(table['collisions_pedestrian'].sum())}, vehicle "
                  f"{int(table['collisions_vehicle'].sum())}, static {int(table['collisions_static'].sum())}), "
                  f"min TTC median {table['min_ttc_s'].replace(float('inf'), float('nan')).median():.2f} s; "
                  f"{sim_hours * 3600 / elapsed_s:.1f}x real time, {km / (elapsed_s / 3600):.0f} km/h simulated")


@app.command()
def maps() -> None:
    """List the map templates and their routes."""
    from sim.map_templates import TEMPLATES

    for name, build in TEMPLATES.items():
        console.print(f"{name}: routes {', '.join(build().routes)}")


@app.command("export-map")
def export_map(map_name: str = typer.Argument(..., help="map template"),
               out: Path = typer.Option(..., help=".xodr file to write")) -> None:
    """Write a map template as OpenDRIVE."""
    from sim.map_templates import TEMPLATES
    from sim.opendrive import write_xodr

    write_xodr(TEMPLATES[check_template(map_name)](), out)
    console.print(f"wrote {out}")


def main() -> None:
    from sim.render.gl_context import RenderUnavailable

    try:
        app(standalone_mode=False)
    except (UserError, RenderUnavailable) as error:
        print(f"nines: {error}", file=sys.stderr)
        sys.exit(2)
    except Exception as error:
        import click

        if isinstance(error, click.exceptions.ClickException):
            error.show()
            sys.exit(2)
        if isinstance(error, click.exceptions.Abort):
            sys.exit(130)
        raise
