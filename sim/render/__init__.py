"""The simulator's camera: real 3D rasterisation of batches of scenes with OpenGL (EGL,
headless). `renderer.Renderer` turns a `SceneBatch` into frames; `camera_model.project_points`
is the same projection for labels and tests; `preview.save_tile_png` writes frames as a PNG."""
