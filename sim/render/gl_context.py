"""The headless OpenGL context the renderer draws with (EGL, no display needed).

When EGL or the Mesa drivers are missing, `create_context` raises `RenderUnavailable` with
one line naming the missing library and the package that provides it, instead of a stack of
loader errors.
"""
from __future__ import annotations

import ctypes.util
from functools import cache

import moderngl

INSTALL_HINT = "install it with: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri"
REQUIRED_GL_VERSION = 330


class RenderUnavailable(Exception):
    """The camera cannot be rendered on this machine; the message says what to install."""


def _missing_library() -> str | None:
    """The first system library the EGL context needs that the loader cannot find."""
    for name in ("EGL", "GL"):
        if ctypes.util.find_library(name) is None:
            return f"lib{name}"
    return None


def create_context() -> moderngl.Context:
    """A standalone OpenGL >= 3.3 core context on EGL; RenderUnavailable if there is none."""
    missing = _missing_library()
    if missing is not None:
        raise RenderUnavailable(f"camera rendering needs {missing}, which is not installed; {INSTALL_HINT}")
    try:
        ctx = moderngl.create_standalone_context(backend="egl", require=REQUIRED_GL_VERSION)
    except Exception as error:
        # The loader's own message can span lines; keep the first so the CLI prints one line.
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RenderUnavailable(f"no EGL OpenGL context ({reason}); the Mesa EGL driver may be missing; "
                                f"{INSTALL_HINT}") from None
    return ctx


GL_READ_FRAMEBUFFER, GL_DRAW_FRAMEBUFFER = 0x8CA8, 0x8CA9
GL_COLOR_BUFFER_BIT, GL_NEAREST = 0x4000, 0x2600


@cache
def _gl_function(name: str, *argtypes):
    """A GL entry point of the current driver, through eglGetProcAddress (for the few calls
    moderngl does not offer)."""
    egl = ctypes.CDLL(ctypes.util.find_library("EGL"))
    egl.eglGetProcAddress.restype = ctypes.c_void_p
    egl.eglGetProcAddress.argtypes = [ctypes.c_char_p]
    return ctypes.CFUNCTYPE(None, *argtypes)(egl.eglGetProcAddress(name.encode()))


def flush() -> None:
    """glFlush on the current context: start executing the commands so far without waiting
    (moderngl offers only finish). A software rasteriser then fills pixels on its threads
    while Python prepares the next pass."""
    _gl_function("glFlush")()


def copy_colour(source: moderngl.Framebuffer, target: moderngl.Framebuffer, region: tuple[int, int, int, int]) -> None:
    """Copy the colour of region (x, y, width, height; px) from one framebuffer to the same
    place in another of the same format (moderngl's copy_framebuffer copies whole buffers).
    Leaves `target` bound."""
    bind = _gl_function("glBindFramebuffer", ctypes.c_uint, ctypes.c_uint)
    bind(GL_READ_FRAMEBUFFER, source.glo)
    bind(GL_DRAW_FRAMEBUFFER, target.glo)
    x, y, width, height = region
    _gl_function("glBlitFramebuffer", *[ctypes.c_int] * 8, ctypes.c_uint, ctypes.c_uint)(
        x, y, x + width, y + height, x, y, x + width, y + height, GL_COLOR_BUFFER_BIT, GL_NEAREST)
    target.use()
