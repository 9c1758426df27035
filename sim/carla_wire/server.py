"""The wire server's network side: msgpack-RPC over TCP on `port` and CARLA's sensor streams
on `port + 1`, both on one asyncio loop in one process (the client must live in another).

RPC: requests [0, msgid, method, params] -> responses [1, msgid, nil, result]; async calls
get no response. Streams: a client connects, sends the u32 stream id it wants, then reads
u32-size-prefixed frames. In asynchronous mode the world ticks itself in real time.
"""
from __future__ import annotations

import asyncio
import socket
import struct
import sys
import time

import cv2
import msgpack

from sim.carla_wire import stream_frames
from sim.carla_wire.messages import REQUEST, RESPONSE
from sim.carla_wire.session import Session
from sim.carla_wire.wire_world import WireWorld
from sim.map_bank import build_map_bank

READ_CHUNK = 1 << 16
STREAM_SEND_BUFFER = 4 << 20  # bytes: an 800x600 BGRA frame (1.9 MB) fits in one send


class WireServer:
    def __init__(self, template: str, host: str = "127.0.0.1", port: int = 2000,
                 camera_size: tuple[int, int] = (800, 600), trace: bool = False, extra_maps: tuple[str, ...] = ()):
        self.host, self.port, self.trace = host, port, trace
        self.world = WireWorld(build_map_bank("cpu", (template,)), template)
        self.session = Session(self.world, port + 1, self.publish, camera_size, extra_maps)
        self._streams: dict[int, list[asyncio.StreamWriter]] = {}

    def publish(self, stream_id: int, payload: bytes | list) -> None:
        writers = self._streams.get(stream_id, [])
        frame = stream_frames.framed(payload)
        for writer in list(writers):
            if writer.is_closing():
                writers.remove(writer)
                continue
            # part by part: writelines would first join them into one more copy of the pixels
            for part in frame:
                writer.write(part)

    async def _rpc(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
        try:
            while data := await reader.read(READ_CHUNK):
                unpacker.feed(data)
                for message in unpacker:
                    if not isinstance(message, list) or len(message) != 4 or message[0] != REQUEST:
                        continue
                    _, msgid, method, params = message
                    if self.trace:
                        print(f"rpc {method} {str(params)[:160]}", file=sys.stderr, flush=True)
                    result = self.session.call(str(method), list(params))
                    if result is not None:
                        writer.write(msgpack.packb([RESPONSE, msgid, None, result], use_bin_type=True))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            (stream_id,) = struct.unpack("<I", await reader.readexactly(4))
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, STREAM_SEND_BUFFER)
        self._streams.setdefault(stream_id, []).append(writer)
        self.session.subscribed.add(stream_id)
        try:
            await reader.read()  # the client never writes again; this returns when it leaves
        except ConnectionError:
            pass
        finally:
            writer.close()
            writers = self._streams.get(stream_id, [])
            if writer in writers:
                writers.remove(writer)
            if not writers:
                self.session.subscribed.discard(stream_id)

    async def _free_run(self) -> None:
        """Asynchronous mode: tick every dt in wall time, as a real server would."""
        while True:
            if not self.session.settings.synchronous_mode:
                self.session.tick()
            await asyncio.sleep(self.world.dt_s)

    async def serve(self, ready: asyncio.Event | None = None) -> None:
        rpc = await asyncio.start_server(self._rpc, self.host, self.port)
        streams = await asyncio.start_server(self._stream, self.host, self.port + 1)
        if ready is not None:
            ready.set()
        async with rpc, streams:
            await asyncio.gather(rpc.serve_forever(), streams.serve_forever(), self._free_run())


def port_is_open(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on host:port."""
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) == 0


def wait_until_listening(host: str, port: int, timeout_s: float) -> bool:
    """Poll until a server (one started in another process) accepts connections."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if port_is_open(host, port):
            return True
        time.sleep(0.2)
    return False


def serve_forever(template: str, host: str, port: int, camera_size: tuple[int, int] = (800, 600),
                  trace: bool = False, extra_maps: tuple[str, ...] = ()) -> None:
    # cv2's worker threads fight the rasteriser's and the client's for the cores: per frame,
    # one thread converts in a tenth of the time
    cv2.setNumThreads(1)
    server = WireServer(template, host, port, camera_size, trace, extra_maps)
    try:
        asyncio.run(server.serve())
    finally:
        server.world.close()
