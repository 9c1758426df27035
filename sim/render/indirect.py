"""Multi-draw-indirect command lists and drawing them.

An indexed command is 5 uint32: index count, instance count, first index, base vertex, base
instance; a non-indexed one is vertex count, instance count, first vertex, base instance and
one unused word (moderngl strides both by 20 bytes). Several lists share one buffer.
"""
from __future__ import annotations

import moderngl
import numpy as np

COMMAND_BYTES = 20


def array_commands(vertex_count: int, instance_count: np.ndarray) -> np.ndarray:
    """Non-indexed commands uint32 [K, 5] drawing the same vertex_count vertices for
    consecutive runs of instance_count [K] instances."""
    out = np.zeros((len(instance_count), 5), dtype=np.uint32)
    out[:, 0] = vertex_count
    out[:, 1] = instance_count
    out[:, 3] = np.cumsum(instance_count) - instance_count
    return out


def indexed_commands(index_count: np.ndarray, instance_count: np.ndarray, first_index: np.ndarray,
             base_vertex: np.ndarray) -> np.ndarray:
    """One command per row of the [K] inputs, instances taken in order -> uint32 [K, 5]."""
    out = np.zeros((len(index_count), 5), dtype=np.uint32)
    out[:, 0] = index_count
    out[:, 1] = instance_count
    out[:, 2] = first_index
    out[:, 3] = base_vertex
    out[:, 4] = np.cumsum(instance_count) - instance_count
    return out


def stack(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Join (commands [K_i, 5], instances [N_i, ...]) lists into one command array (base
    instances shifted to the joined instance array), the joined instances, and K_i of each."""
    shifted, offset = [], 0
    for cmds, instances in parts:
        moved = cmds.copy()
        moved[:, 4] += offset
        shifted.append(moved)
        offset += len(instances)
    return np.concatenate(shifted), np.concatenate([p[1] for p in parts]), [len(c) for c, _ in parts]


def multi_draw(vaos: list[moderngl.VertexArray], instance_buffer: moderngl.Buffer, command_buffer: moderngl.Buffer,
               parts: list[tuple[np.ndarray, np.ndarray]], mode: int = moderngl.TRIANGLES) -> None:
    """Draw parts[k] = (commands, instance rows) with vaos[k], all from one instance buffer and
    one command buffer: one multi-draw-indirect call per non-empty part."""
    joined, rows, counts = stack(parts)
    if len(joined) == 0:
        return
    instance_buffer.write(rows.astype(np.float32).tobytes())
    command_buffer.write(joined.tobytes())
    first = 0
    for vao, count in zip(vaos, counts):
        if count:
            vao.render_indirect(command_buffer, mode, count=count, first=first)
        first += count
