"""The camera renderer: real renders on the map templates, checked against the camera model
and against what conditions must do to a picture (fog, night, lights, faults, lens dirt)."""
import ctypes.util

import numpy as np
import pytest
import torch

from sim.actor_kinds import DEFAULT_SIZE_M, ActorKind
from sim.camera import CameraConfig
from sim.lane_graph import build_lane_graph
from sim.map_templates import TEMPLATES
from sim.render import conditions
from sim.render.actor_mesh import PEDESTRIAN_TORSO_Z, lamp_centre_m
from sim.render.camera_model import project_points
from sim.render.gl_context import RenderUnavailable, create_context
from sim.render.materials import Material
from sim.render.preview import lane_point
from sim.scene_batch import SceneBatch
from sim.traffic_lights import GREEN, RED, place_signals
from sim.weather import PRESETS, Weather, as_vector

TEMPLATE_NAMES = list(TEMPLATES)
MAGENTA = (1.0, 0.0, 1.0)


@pytest.fixture(scope="module")
def graphs():
    return [build_lane_graph(build()) for build in TEMPLATES.values()]


@pytest.fixture(scope="module")
def camera():
    return CameraConfig(width=256, height=128)


@pytest.fixture(scope="module")
def renderer(graphs, camera):
    from sim.render.renderer import Renderer

    r = Renderer(graphs, camera, max_batch=8)
    yield r
    r.close()


def scene(graphs, tiles: list[dict]) -> SceneBatch:
    """A batch from per-tile dicts: template, ego (x, y, yaw), actors [(kind, (x, y, yaw), colour)],
    weather, time_s, seed, lights {signal index: state}."""
    n = max(1, max(len(t.get("actors", [])) for t in tiles))
    signals = max(1, max(len(place_signals(g)) for g in graphs))
    kind = torch.zeros(len(tiles), n, dtype=torch.int64)
    pose = torch.zeros(len(tiles), n, 3)
    size = torch.ones(len(tiles), n, 3)
    colour = torch.zeros(len(tiles), n, 3)
    lights = torch.full((len(tiles), signals), RED)
    for b, tile in enumerate(tiles):
        for k, (actor, where, rgb) in enumerate(tile.get("actors", [])):
            kind[b, k], pose[b, k], size[b, k], colour[b, k] = actor, torch.tensor(where), \
                torch.tensor(DEFAULT_SIZE_M[actor]), torch.tensor(rgb)
        for index, state in tile.get("lights", {}).items():
            lights[b, index] = state
    return SceneBatch(
        map_index=torch.tensor([TEMPLATE_NAMES.index(t.get("template", "straight")) for t in tiles]),
        ego_pose=torch.tensor([t["ego"] for t in tiles], dtype=torch.float32),
        actor_kind=kind, actor_pose=pose, actor_size=size, actor_colour=colour,
        actor_door_open=torch.zeros(len(tiles), n, dtype=torch.bool), light_state=lights,
        weather=torch.tensor([as_vector(t.get("weather", PRESETS["clear_noon"])) for t in tiles]),
        time_s=torch.tensor([float(t.get("time_s", 1.0)) for t in tiles]),
        seed=torch.tensor([int(t.get("seed", 0)) for t in tiles]))


def straight_lane(graphs):
    graph = graphs[TEMPLATE_NAMES.index("straight")]
    return graph.lanes[graph.index_of[(1, -1)]]


def pixel(frame: torch.Tensor, u: float, v: float) -> np.ndarray:
    return frame[int(v), int(u)].numpy().astype(int)


def luminance(rgb: np.ndarray) -> float:
    return float(rgb @ np.array([0.299, 0.587, 0.114]))


@pytest.mark.parametrize("size", [(128, 64), (256, 128)])
def test_frames_are_uint8_batches_of_the_camera_size(graphs, size):
    from sim.render.renderer import Renderer

    width, height = size
    r = Renderer(graphs, CameraConfig(width=width, height=height), max_batch=3)
    ego = lane_point(straight_lane(graphs), 10.0)
    frames = r.render(scene(graphs, [{"ego": ego}, {"ego": ego, "template": "urban_street"}]))
    r.close()
    assert frames.shape == (2, height, width, 3) and frames.dtype == torch.uint8
    assert frames.float().std() > 10  # a picture, not a blank


def test_pedestrian_is_drawn_where_project_points_puts_it(graphs, camera, renderer):
    lane = straight_lane(graphs)
    ego = lane_point(lane, 10.0)
    walker = lane_point(lane, 22.0, -0.5)
    frames = renderer.render(scene(graphs, [
        {"ego": ego, "actors": [(ActorKind.PEDESTRIAN, walker, MAGENTA)]}, {"ego": ego}]))
    torso_z = np.mean(PEDESTRIAN_TORSO_Z) * DEFAULT_SIZE_M[ActorKind.PEDESTRIAN][2]
    u, v, depth = project_points(camera, torch.tensor([ego]), torch.tensor([[[walker[0], walker[1], torso_z]]]))
    assert depth.item() == pytest.approx(12.0 - camera.mount_x_m, abs=0.3)
    with_walker, road = pixel(frames[0], u.item(), v.item()), pixel(frames[1], u.item(), v.item())
    assert min(with_walker[0], with_walker[2]) > 70 and with_walker[1] < 0.3 * min(with_walker[0], with_walker[2]), \
        with_walker
    assert road[1] > 0.8 * road[0] and road[1] - with_walker[1] > 60  # the road there is grey, not magenta


def test_a_camera_turned_on_its_mount_sees_what_a_turned_car_sees(graphs):
    """A camera with yaw_deg on the car's centre sees what the straight-ahead camera of a car
    turned by as much sees; the headlights stay the car's (seen 35 degrees to the right)."""
    from sim.render.renderer import Renderer

    forward = CameraConfig(width=128, height=64, mount_x_m=0.0, mount_y_m=0.0, pitch_deg=-5.0)
    turned = forward.model_copy(update={"yaw_deg": 35.0})
    x, y, yaw = lane_point(straight_lane(graphs), 20.0)
    views = []
    for camera, heading in ((forward, yaw + np.radians(35.0)), (turned, yaw), (forward, yaw)):
        r = Renderer(graphs, camera, max_batch=1)
        views.append(r.render(scene(graphs, [{"ego": (x, y, heading)}]))[0])
        r.close()
    assert torch.equal(views[0], views[1]) and views[0].float().std() > 5
    assert (views[2].float() - views[1].float()).abs().mean() > 5  # the turn is seen
    _, ahead = conditions.headlight_in_camera(forward)
    _, beam = conditions.headlight_in_camera(turned)
    assert ahead[0] == pytest.approx(0.0, abs=1e-9)
    assert np.degrees(np.arctan2(beam[0], beam[2])) == pytest.approx(35.0, abs=1.0)


def test_project_points_puts_the_optical_axis_at_the_image_centre(camera):
    ego = torch.tensor([[5.0, -2.0, 0.7]])
    pitch = np.radians(camera.pitch_deg)
    ahead = np.array([np.cos(pitch) * np.cos(0.7), np.cos(pitch) * np.sin(0.7), np.sin(pitch)]) * 30.0
    mount = np.array([5.0 + np.cos(0.7) * camera.mount_x_m, -2.0 + np.sin(0.7) * camera.mount_x_m, camera.mount_z_m])
    u, v, depth = project_points(camera, ego, torch.tensor((mount + ahead)[None, None], dtype=torch.float32))
    assert (u.item(), v.item(), depth.item()) == pytest.approx((camera.width / 2, camera.height / 2, 30.0), abs=1e-3)


def test_fog_lowers_contrast_with_distance(graphs, camera, renderer):
    lane = straight_lane(graphs)
    ego = lane_point(lane, 10.0)
    neighbour = graphs[TEMPLATE_NAMES.index("straight")].lanes[lane.right]
    dark = (0.04, 0.04, 0.04)
    tiles, probes = [], []
    for weather in (PRESETS["fog"], PRESETS["clear_noon"]):
        for ahead in (10.0, 45.0):
            car = lane_point(lane, 10.0 + ahead)
            beside = lane_point(neighbour, 10.0 + ahead)
            tiles.append({"ego": ego, "weather": weather, "actors": [(ActorKind.CAR, car, dark)]})
            probes.append([[car[0], car[1], 0.4], [beside[0], beside[1], 0.0]])
    frames = renderer.render(scene(graphs, tiles))
    u, v, _ = project_points(camera, torch.tensor([t["ego"] for t in tiles]), torch.tensor(probes))
    contrast = [abs(luminance(pixel(f, u[b, 0], v[b, 0])) - luminance(pixel(f, u[b, 1], v[b, 1])))
                for b, f in enumerate(frames)]
    fog_near, fog_far, clear_near, clear_far = contrast
    assert fog_far < 0.6 * fog_near
    assert fog_far < 0.6 * clear_far
    assert clear_near > 40


def test_night_is_darker_than_noon(graphs, renderer):
    ego = lane_point(straight_lane(graphs), 10.0)
    frames = renderer.render(scene(graphs, [{"ego": ego}, {"ego": ego, "weather": PRESETS["night"]}]))
    noon, night = frames.float().mean(dim=(1, 2, 3))
    assert night < 0.35 * noon


def test_each_tile_gets_the_cheapest_surface_variant_that_draws_it_exactly(graphs, renderer, monkeypatch):
    """Wet tiles skip the point lights' work (WET_SHEEN) and draw what the full POINT_LIGHTS
    variant draws for them; night and low sun (headlights) need the full one."""
    ego = lane_point(straight_lane(graphs), 10.0)
    names = ("clear_noon", "wet", "rain", "night", "low_sun")
    tiles = [{"ego": ego, "weather": PRESETS[name], "seed": 3} for name in names]
    variant = conditions.surface_variant
    chosen = {}
    monkeypatch.setattr(conditions, "surface_variant", lambda rows: chosen.setdefault("v", variant(rows)))
    frames = renderer.render(scene(graphs, tiles))
    assert chosen["v"].tolist() == [0, 1, 1, 2, 2]
    monkeypatch.setattr(conditions, "surface_variant", lambda rows: np.where(variant(rows) > 0, 2, 0))
    assert torch.equal(frames, renderer.render(scene(graphs, tiles)))


def test_traffic_light_shows_its_state_in_its_lamp(graphs, camera, renderer):
    graph = graphs[TEMPLATE_NAMES.index("junction_4way")]
    signals = place_signals(graph)
    index, signal = 0, signals[0]
    lane = graph.lanes[signal.lane]
    ego = lane_point(lane, signal.stop_s_m - 18.0)
    turn = np.array([[np.cos(signal.facing_rad), -np.sin(signal.facing_rad)],
                     [np.sin(signal.facing_rad), np.cos(signal.facing_rad)]])
    lamps = []
    for material in (Material.LAMP_RED, Material.LAMP_GREEN):
        local = lamp_centre_m(material)
        lamps.append([*(signal.pole_xy + turn @ local[:2]), local[2]])
    tiles = [{"template": "junction_4way", "ego": ego, "lights": {index: state}} for state in (RED, GREEN)]
    frames = renderer.render(scene(graphs, tiles))
    u, v, depth = project_points(camera, torch.tensor([ego, ego]), torch.tensor([lamps, lamps]))
    assert (depth > 5).all()
    red_on, green_off = pixel(frames[0], u[0, 0], v[0, 0]), pixel(frames[0], u[0, 1], v[0, 1])
    red_off, green_on = pixel(frames[1], u[1, 0], v[1, 0]), pixel(frames[1], u[1, 1], v[1, 1])
    assert red_on[0] > 180 and red_on[1] < 90, red_on
    assert green_on[1] > 180 and green_on[0] < 120, green_on
    assert green_off.sum() < 120 and red_off.sum() < 120, (green_off, red_off)


def test_tiles_do_not_affect_each_other(graphs, renderer):
    lane = straight_lane(graphs)
    ego = lane_point(lane, 10.0)
    calm = {"ego": ego, "actors": [(ActorKind.CAR, lane_point(lane, 25.0), (0.2, 0.3, 0.8))]}
    busy = {"template": "urban_street", "ego": (40.0, -1.6, 0.0), "weather": PRESETS["heavy_rain"], "seed": 7,
            "actors": [(ActorKind.TRUCK, (43.0, -1.6, 0.2), (0.9, 0.9, 0.1)),
                       (ActorKind.PEDESTRIAN, (41.5, -3.0, 1.0), MAGENTA)]}
    low_sun = {"ego": ego, "weather": Weather(sun_altitude_angle=3, lens_dirt=80, sensor_fault="noise"), "seed": 3}
    alone = renderer.render(scene(graphs, [calm, calm]))
    crowded = renderer.render(scene(graphs, [calm, busy, low_sun]))
    assert torch.equal(alone[0], crowded[0])
    assert not torch.equal(alone[1], crowded[1])


def test_overlays_do_not_depend_on_a_sun_elsewhere_in_the_batch(graphs, renderer):
    """The sun is drawn only when some tile of the batch faces it; a night tile's two-pass
    sensor noise must come out the same with and without such a neighbour."""
    ego = lane_point(straight_lane(graphs), 10.0)
    night_noise = {"ego": ego, "weather": Weather(sun_altitude_angle=-30, sensor_fault="noise"), "seed": 4}
    facing_sun = {"ego": ego, "weather": PRESETS["low_sun"]}
    without_sun = renderer.render(scene(graphs, [night_noise, night_noise]))
    with_sun = renderer.render(scene(graphs, [night_noise, facing_sun]))
    assert torch.equal(without_sun[0], with_sun[0])


def test_the_same_scene_renders_the_same_frame(graphs, renderer):
    lane = straight_lane(graphs)
    tiles = [{"ego": lane_point(lane, 10.0), "weather": PRESETS[name], "seed": 5, "time_s": 2.5,
              "actors": [(ActorKind.CYCLIST, lane_point(lane, 20.0, -1.0), (0.1, 0.6, 0.2))]}
             for name in ("rain", "snow", "noisy_frame", "lens_dirt")]
    first = renderer.render(scene(graphs, tiles))
    renderer.render(scene(graphs, [{"ego": (0.0, 0.0, 1.0), "template": "curve"}]))
    assert torch.equal(first, renderer.render(scene(graphs, tiles)))


def test_the_cached_background_and_lighting_follow_changing_conditions(graphs, camera, renderer):
    """Each frame equals the one a fresh renderer (nothing cached: background, lighting rows)
    draws, while tiles enter and leave a tunnel, adapt their exposure, swap weathers and face
    the low sun."""
    from sim.render.renderer import Renderer

    ego = lane_point(straight_lane(graphs), 10.0)
    tunnel = Weather(tunnel_entry_s=1.0, tunnel_exit_s=3.0)
    sequence = [[("clear_noon", 0.5), ("fog", 0.5), ("low_sun", 0.5)],
                [("clear_noon", 1.1), ("fog", 1.1), ("low_sun", 1.1)],
                [("night", 1.2), ("tunnel", 2.0), ("clear_noon", 1.2)],
                [("tunnel", 3.1), ("low_sun", 3.1), ("fog", 3.1)]]
    for step in sequence:
        tiles = [{"ego": ego, "weather": tunnel if name == "tunnel" else PRESETS[name], "time_s": t}
                 for name, t in step]
        cached = renderer.render(scene(graphs, tiles))
        fresh = Renderer(graphs, camera, max_batch=8)
        try:
            assert torch.equal(cached, fresh.render(scene(graphs, tiles))), step
        finally:
            fresh.close()


def test_bgra_frames_are_the_rgb_frames_in_carlas_layout(graphs, renderer):
    lane = straight_lane(graphs)
    tiles = [{"ego": lane_point(lane, 10.0), "weather": PRESETS[name], "seed": 2,
              "actors": [(ActorKind.CAR, lane_point(lane, 22.0), (0.8, 0.1, 0.1))]} for name in ("clear_noon", "night")]
    rgb = renderer.render(scene(graphs, tiles)).numpy()
    bgra = renderer.render_bgra(scene(graphs, tiles))
    assert bgra.shape == rgb.shape[:3] + (4,) and bgra.dtype == np.uint8
    assert np.array_equal(bgra[..., :3], rgb[..., ::-1]) and (bgra[..., 3] == 255).all()
    assert (rgb[..., 0] != rgb[..., 2]).mean() > 0.5  # the swap is visible: red and blue differ


def test_black_fault_gives_all_zeros(graphs, renderer):
    ego = lane_point(straight_lane(graphs), 10.0)
    black = Weather(sensor_fault="black", precipitation=80, lens_dirt=50, sun_altitude_angle=4)
    frames = renderer.render(scene(graphs, [{"ego": ego, "weather": black}, {"ego": ego}]))
    assert frames[0].sum() == 0 and frames[1].sum() > 0


def test_lens_dirt_pattern_follows_the_seed(graphs, renderer):
    ego = lane_point(straight_lane(graphs), 10.0)
    dirty = [{"ego": ego, "weather": PRESETS["lens_dirt"], "seed": seed} for seed in (1, 2)]
    first = renderer.render(scene(graphs, dirty + [{"ego": ego}]))
    again = renderer.render(scene(graphs, dirty[:1] + [{"ego": ego}]))
    assert torch.equal(first[0], again[0])
    assert (first[0] != first[1]).any(-1).float().mean() > 0.05
    assert first[0].float().mean() < first[2].float().mean()


def test_noise_fault_has_the_configured_spread(graphs, renderer):
    ego = lane_point(straight_lane(graphs), 10.0)
    noisy = Weather(sensor_fault="noise", noise_level=10)
    frames = renderer.render(scene(graphs, [{"ego": ego, "weather": noisy}, {"ego": ego}])).float()
    spread = (frames[0] - frames[1]).std().item()
    assert 0.07 * 255 < spread < 0.12 * 255


def test_tunnel_exposure_lags_entry_and_exit(graphs, renderer):
    ego = lane_point(straight_lane(graphs), 10.0)
    tunnel = Weather(tunnel_entry_s=1.0, tunnel_exit_s=6.0)
    times = (0.9, 1.05, 3.0, 6.05, 9.0)
    frames = renderer.render(scene(graphs, [{"ego": ego, "weather": tunnel, "time_s": t} for t in times]))
    before, entered, adapted, exited, outside = frames.float().mean(dim=(1, 2, 3)).tolist()
    assert entered < 0.25 * before and adapted > 2 * entered
    assert exited > 1.3 * outside and outside == pytest.approx(before, rel=0.1)


def test_missing_egl_is_reported_in_one_line(monkeypatch):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    with pytest.raises(RenderUnavailable) as error:
        create_context()
    message = str(error.value)
    assert "\n" not in message and "libEGL" in message and "apt-get install libegl1" in message


def test_tiles_in_several_framebuffer_columns_come_out_in_batch_order(graphs, monkeypatch):
    import sim.render.tile_layout as tile_layout
    from sim.render.renderer import Renderer

    lane = straight_lane(graphs)
    tiles = [{"ego": lane_point(lane, 10.0 + 15 * k), "weather": PRESETS[name]}
             for k, name in enumerate(("clear_noon", "night", "fog", "snow", "cloudy"))]
    camera = CameraConfig(width=48, height=32)
    single = Renderer(graphs, camera, max_batch=5)
    expected = single.render(scene(graphs, tiles))
    single.close()
    monkeypatch.setattr(tile_layout, "MAX_FRAMEBUFFER_PX", 100)  # three tiles per column
    split = Renderer(graphs, camera, max_batch=5)
    frames = split.render(scene(graphs, tiles))
    split.close()
    assert (split.layout.rows, split.layout.cols) == (3, 2)
    difference = (frames.float() - expected.float()).abs().mean(dim=(1, 2, 3))
    assert (difference < 2.0).all(), difference


def test_two_worlds_in_one_process_render_independently():
    """Training renders its data world while a closed-loop evaluation world comes and goes: a
    renderer must draw in its own GL context whatever another one made current."""
    from scenarios.background_traffic import sample_episode
    from sim.world import BatchedWorld, WorldConfig

    first = BatchedWorld(WorldConfig(batch_size=8, camera=CameraConfig()))
    for slot in range(8):
        first.load(slot, sample_episode(slot))
    before = first.render()
    second = BatchedWorld(WorldConfig(batch_size=2, camera=CameraConfig()))
    for slot in range(2):
        second.load(slot, sample_episode(100 + slot))
    second.render()
    assert torch.equal(first.render(), before)
    second.close()
    assert torch.equal(first.render(), before)
    first.close()


def test_label_cameras_see_the_rgb_cameras_geometry_with_carlas_encodings(graphs, camera, renderer):
    """Semantic, instance and depth renders of the scene the RGB camera draws: the walker's
    pixels are those the RGB frame changes, tagged Pedestrians with its instance id; depth there is
    project_points' depth, and on open ground the camera height over the ray's descent."""
    from sim.render.labels import DEPTH_FAR_M, DEPTH_LEVELS, ImageKind, Tag
    from sim.render.renderer import Renderer

    lane = straight_lane(graphs)
    ego, walker = lane_point(lane, 10.0), lane_point(lane, 22.0, -0.5)
    tiles = [{"ego": ego, "actors": [(ActorKind.PEDESTRIAN, walker, MAGENTA)]}, {"ego": ego}]
    rgb = renderer.render_bgra(scene(graphs, tiles))
    labelled = scene(graphs, tiles)
    labelled.actor_label = torch.tensor([[Tag.PEDESTRIANS + 256 * 300], [0]])
    frames = {}
    for kind in (ImageKind.SEMANTIC, ImageKind.INSTANCE, ImageKind.DEPTH):
        label_renderer = Renderer(graphs, camera, max_batch=8, image=kind)
        frames[kind] = label_renderer.render_bgra(labelled).astype(np.int64)
        label_renderer.close()
    drawn = (rgb[0].astype(int) != rgb[1].astype(int)).any(-1)  # the walker, in the RGB frames
    walker_pixels = frames[ImageKind.SEMANTIC][0, ..., 2] == Tag.PEDESTRIANS
    assert drawn.sum() > 50 and (drawn & walker_pixels).sum() >= 0.95 * max(drawn.sum(), walker_pixels.sum())
    instance = frames[ImageKind.INSTANCE][0]
    assert set((instance[..., 1] + 256 * instance[..., 0])[walker_pixels].tolist()) == {300}
    assert not (frames[ImageKind.SEMANTIC][1, ..., 2] == Tag.PEDESTRIANS).any()
    assert (frames[ImageKind.SEMANTIC][1, :10, :, 2] == Tag.SKY).all()
    depth = frames[ImageKind.DEPTH]
    metres = DEPTH_FAR_M * (depth[..., 2] + 256 * depth[..., 1] + 65536 * depth[..., 0]) / DEPTH_LEVELS
    torso_z = np.mean(PEDESTRIAN_TORSO_Z) * DEFAULT_SIZE_M[ActorKind.PEDESTRIAN][2]
    u, v, expected = project_points(camera, torch.tensor([ego]), torch.tensor([[[walker[0], walker[1], torso_z]]]))
    assert metres[0, int(v.item()), int(u.item())] == pytest.approx(expected.item(), abs=0.15)
    assert (metres[1, :10] == DEPTH_FAR_M).all()
    # the bottom row sees the road: depth = h / tan(angle below the axis) at pitch -5 degrees
    k_focal = 0.5 * camera.width / np.tan(np.radians(camera.fov_deg / 2))
    below = np.arctan((camera.height - 0.5 - 0.5 * camera.height) / k_focal) + np.radians(-camera.pitch_deg)
    along_axis = camera.mount_z_m / np.sin(below) * np.cos(below - np.radians(-camera.pitch_deg))
    assert metres[1, -1, camera.width // 2] == pytest.approx(along_axis, rel=0.01)
