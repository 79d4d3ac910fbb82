"""Real servers for ingest tests: how network cameras behave, minus the camera.

`LiveTsServer` streams MPEG-TS (encoded here with PyAV from a shared clip) over HTTP at about
real time and can drop every connection and refuse new ones for a while, then come back on the
same port. `MjpegServer` serves JPEG frames as multipart/x-mixed-replace, like `/video.mjpg`.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from pathlib import Path

TS_PACKET = 188


def encode_mpegts(clip: Path, *, frames: int, fps: int) -> bytes:
    """Re-encode the first `frames` frames of `clip` as an MPEG-TS byte string at `fps`.

    H.264 with one key frame a second and no B-frames, as IP cameras send it, so a reader that
    joins (or rejoins) mid-stream has a picture within a second.
    """
    import av

    out_buffer = io.BytesIO()
    with av.open(str(clip)) as source, av.open(out_buffer, mode="w", format="mpegts") as out:
        in_stream = source.streams.video[0]
        try:
            stream = out.add_stream("libx264", rate=fps)
            stream.options = {"preset": "ultrafast", "tune": "zerolatency"}
        except (av.error.FFmpegError, ValueError):  # a PyAV build without x264
            stream = out.add_stream("mpeg2video", rate=fps)
        stream.width = in_stream.codec_context.width
        stream.height = in_stream.codec_context.height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = fps
        for i, frame in enumerate(source.decode(in_stream)):
            if i >= frames:
                break
            picture = frame.reformat(format="yuv420p")
            picture.pts = i
            out.mux(stream.encode(picture))
        out.mux(stream.encode(None))
    return out_buffer.getvalue()


class LiveTsServer:
    """Serves `payload` to every HTTP client from its start, paced to last `duration` seconds.

    `drop()` closes every connection and the listening socket (clients then get "connection
    refused"); `resume()` listens again on the same port. `stall()` keeps every connection open
    but sends nothing (a camera that hangs), until `unstall()`.
    """

    def __init__(self, payload: bytes, duration: float) -> None:
        self.payload = payload
        self.rate = len(payload) / duration  # bytes per second
        self.port = 0
        self.connections = 0
        self._listener: socket.socket | None = None
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._accepting = threading.Event()
        self._flowing = threading.Event()
        self._flowing.set()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/live.ts"

    def resume(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(8)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._accepting.set()
        thread = threading.Thread(target=self._accept_loop, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)

    start = resume

    def stall(self) -> None:
        self._flowing.clear()

    def unstall(self) -> None:
        self._flowing.set()

    def drop(self) -> None:
        self._accepting.clear()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    def close(self) -> None:
        self.drop()
        for thread in self._threads:
            thread.join(timeout=2)

    def _accept_loop(self, listener: socket.socket) -> None:
        while self._accepting.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # listener closed by drop()
            with self._lock:
                self._clients.add(client)
                self.connections += 1
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, client: socket.socket) -> None:
        try:
            client.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(4096)
                if not chunk:
                    return
                request += chunk
            # HTTP/1.0 with no Content-Length: the body runs until the server closes, like a
            # camera's live stream.
            client.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: video/mp2t\r\n\r\n")
            start = time.monotonic()
            sent = 0
            step = TS_PACKET * 20
            while sent < len(self.payload):
                due = start + sent / self.rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if not self._flowing.is_set():
                    self._flowing.wait()  # hung: the connection stays open, silent
                    return  # a stalled connection is not taken up again (the reader gave up)
                client.sendall(self.payload[sent : sent + step])
                sent += step
        except OSError:
            pass  # dropped on purpose, or the reader went away
        finally:
            with self._lock:
                self._clients.discard(client)
            client.close()


class MjpegServer:
    """One client gets `images` as multipart/x-mixed-replace JPEG parts at `fps`, as many IP
    cameras serve `/video.mjpg`; then the connection closes."""

    def __init__(self, images: list[Path], fps: float) -> None:
        self.images = images
        self.fps = fps
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(4)
        self._listener.settimeout(10)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/video.mjpg"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        with client:
            try:
                client.recv(4096)
                client.sendall(
                    b"HTTP/1.0 200 OK\r\n"
                    b"Content-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n"
                )
                for path in self.images:
                    data = path.read_bytes()
                    head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}"
                    client.sendall(head.encode() + b"\r\n\r\n" + data + b"\r\n")
                    time.sleep(1 / self.fps)
            except OSError:
                pass

    def close(self) -> None:
        self._listener.close()
        self._thread.join(timeout=5)
