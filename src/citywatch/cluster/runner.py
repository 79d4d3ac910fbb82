"""`ClusterRunner`: the head's side of cluster mode, in place of the embedded `PipelineRunner`.

It starts the detector servers and the camera hosts (spread over nodes), places the cameras,
and then polls each host for a report every `heartbeat_s` without ever blocking on one: a host
whose actor died (killed, node lost) fails its report at once; one that is alive but silent
for `dead_after_s` is killed. Either way its unfinished cameras go to the least loaded hosts
left (a new host when none is), resuming after the last frame it reported analysed. Its
reports come after a commit, so whatever it reported is stored; frames analysed after its last
report are analysed again by the new host.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from citywatch.bus.local import LocalBus
from citywatch.cluster.batching import BatchStats
from citywatch.cluster.connect import ClusterError, check_capacity, connect
from citywatch.cluster.host import CameraProgress, HostReport, Placement
from citywatch.cluster.live_frames import RedisFrameRelay
from citywatch.cluster.placement import least_loaded, resume_index, spread
from citywatch.config import CitywatchConfig
from citywatch.core.errors import CitywatchError
from citywatch.pipeline.camera import CameraStats
from citywatch.pipeline.live_frames import FrameSink
from citywatch.store import Store

log = logging.getLogger("citywatch.cluster")

ADD_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 60.0


@dataclass
class HostSlot:
    index: int
    run_id: str
    handle: Any  # a Ray actor handle
    cameras: dict[str, int] = field(default_factory=dict)  # camera id -> start index given
    report: HostReport | None = None
    pending: Any = None  # the report asked for and not answered yet
    last_seen: float = field(default_factory=time.monotonic)
    alive: bool = True

    def progress(self, camera_id: str) -> CameraProgress | None:
        """What this host last reported of the camera (None: not reported yet)."""
        if self.report is not None:
            for camera in reversed(self.report.cameras):
                if camera.stats.camera_id == camera_id:
                    return camera
        return None

    def done(self, camera_id: str) -> bool:
        camera = self.progress(camera_id)
        return camera is not None and camera.done


@dataclass(frozen=True)
class Failover:
    """A lost host: why, and where its cameras went (camera -> (host index, start index))."""

    host: int
    reason: str
    moved: dict[str, tuple[int, int]]
    detected_at: float  # time.time()
    took_s: float  # from noticing the loss to every camera started elsewhere


class ClusterRunner:
    def __init__(
        self,
        config: CitywatchConfig,
        store: Store,
        bus: LocalBus,
        model_dir: Path | None,
        reid_threshold: float | None = None,
        frames: FrameSink | None = None,
    ) -> None:
        """`reid_threshold`: the same-person distance of the configured re-ID model (None: no
        re-ID); with it, one association actor joins tracks across every host's cameras.
        `frames`: the API's latest pictures, relayed from the hosts through Redis."""
        self.cameras = [c.id for c in config.cameras if c.enabled]
        if not self.cameras:
            raise CitywatchError("no enabled cameras in the configuration")
        self.config = config
        self.cluster = config.cluster
        self.store = store
        self.bus = bus
        self.run_id = uuid.uuid4().hex[:12]
        self.matcher = None  # the hosts match faces; the head only shows what they raise
        self.associator = None
        self.failovers: list[Failover] = []
        self._model_dir = None if model_dir is None else str(model_dir)
        self._slots: list[HostSlot] = []
        self._servers: list[Any] = []
        self._reid_threshold = reid_threshold
        self._association: Any = None  # the AssociationServer handle, with re-ID
        self._frames = frames
        self._relay: RedisFrameRelay | None = None
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._monitor: threading.Thread | None = None
        self._ray: ModuleType | None = None
        self._owns_ray = False

    # --- start and stop ------------------------------------------------------------------------

    def start(self) -> ClusterRunner:
        self._ray, self._owns_ray = connect(self.cluster)
        try:
            check_capacity(self._ray, self.cluster)
            self._start_servers()
            self._start_association()
            self._slots = [self._new_host(i) for i in range(self.cluster.workers)]
            self._await_ready(self._slots)
            plan = spread(self.cameras, len(self._slots))
            for slot, cameras in zip(self._slots, plan, strict=True):
                self._place(slot, [Placement(c) for c in cameras])
        except BaseException:
            self._teardown()
            raise
        if self._frames is not None and self.config.bus.url is not None:
            self._relay = RedisFrameRelay(
                self.config.bus.url, self.config.bus.stream_prefix, self.cameras, self._frames
            ).start()
        self._monitor = threading.Thread(target=self._watch, name="cluster-monitor", daemon=True)
        self._monitor.start()
        log.info(
            "run %s: %d camera(s) on %d host(s), %d detector server(s)",
            self.run_id,
            len(self.cameras),
            len(self._slots),
            len(self._servers),
        )
        return self

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop every camera (hosts write out open tracks), then the actors."""
        self._halt.set()
        if self._monitor is not None:
            self._monitor.join(timeout)
        assert self._ray is not None
        ray = self._ray
        live = [slot for slot in self._slots if slot.alive]
        calls = {slot.index: slot.handle.stop.remote() for slot in live}
        for slot in live:
            try:
                slot.report = ray.get(calls[slot.index], timeout=timeout)
            except Exception as error:  # a host that cannot stop cleanly is still killed
                log.error("host %d did not stop cleanly: %s", slot.index, _first_line(error))
        self._teardown()

    def _teardown(self) -> None:
        if self._relay is not None:
            self._relay.stop()
        if self._ray is None:
            return
        actors = [slot.handle for slot in self._slots] + self._servers
        if self._association is not None:
            actors.append(self._association)
        for handle in actors:
            with contextlib.suppress(Exception):  # already gone
                self._ray.kill(handle, no_restart=True)
        if self._owns_ray:
            self._ray.shutdown()

    def _start_servers(self) -> None:
        assert self._ray is not None
        from citywatch.cluster.detector_server import DetectorServer

        actor = self._ray.remote(DetectorServer)
        for i in range(self.cluster.detector_servers):
            server = actor.options(
                name=f"citywatch-{self.run_id}-detector-{i}",
                num_cpus=self.cluster.cpus_per_detector,
                max_restarts=-1,  # stateless: Ray brings it back, callers retry meanwhile
                scheduling_strategy="SPREAD",
            ).remote(
                self.config.detector.model_dump_json(),
                self._model_dir,
                self.config.model_dir,
                self.cluster.batch_size,
                self.cluster.batch_wait_ms,
            )
            self._servers.append(server)
        self._wait_all([s.describe.remote() for s in self._servers], "detector servers")

    def _start_association(self) -> None:
        if self._reid_threshold is None:
            return
        assert self._ray is not None
        from citywatch.cluster.association import AssociationServer

        self._association = (
            self._ray.remote(AssociationServer)
            .options(
                name=f"citywatch-{self.run_id}-association",
                num_cpus=0,  # a few vector comparisons as tracks end
                max_restarts=-1,
            )
            .remote(self.config.model_dump_json(), self._reid_threshold)
        )

    def _new_host(self, index: int) -> HostSlot:
        assert self._ray is not None
        from citywatch.cluster.host import CameraHost

        run_id = f"{self.run_id}-h{index}"
        handle = (
            self._ray.remote(CameraHost)
            .options(
                name=f"citywatch-{run_id}",
                num_cpus=self.cluster.cpus_per_worker,
                max_restarts=0,  # a lost host's cameras are moved, not restarted from zero
                scheduling_strategy="SPREAD",
            )
            .remote(
                self.config.model_dump_json(),
                str(self.store.data_dir.resolve()),
                self._model_dir,
                run_id,
                self._servers[index % len(self._servers)],
                self._association,
                self._reid_threshold,
            )
        )
        return HostSlot(index, run_id, handle)

    def _await_ready(self, slots: list[HostSlot]) -> None:
        reports = self._wait_all([slot.handle.report.remote() for slot in slots], "camera hosts")
        for slot, report in zip(slots, reports, strict=True):
            slot.report, slot.last_seen = report, time.monotonic()
            log.info("host %d on %s (pid %d)", slot.index, report.node, report.pid)

    def _wait_all(self, refs: list[Any], what: str) -> list[Any]:
        assert self._ray is not None
        timeout = self.cluster.start_timeout_s
        try:
            return list(self._ray.get(refs, timeout=timeout))
        except self._ray.exceptions.GetTimeoutError:
            raise ClusterError(
                f"cluster: {what} did not start within {timeout:g} s (cluster.start_timeout_s)"
            ) from None
        except self._ray.exceptions.RayError as error:
            raise ClusterError(f"cluster: {what} failed to start: {_first_line(error)}") from None

    def _place(self, slot: HostSlot, placements: list[Placement]) -> None:
        if not placements:
            return
        assert self._ray is not None
        self._ray.get(slot.handle.add.remote(placements), timeout=ADD_TIMEOUT_S)
        with self._lock:
            for placement in placements:
                slot.cameras[placement.camera_id] = placement.start_index

    # --- heartbeats and failover -----------------------------------------------------------------

    def _watch(self) -> None:
        while not self._halt.wait(self.cluster.heartbeat_s):
            try:
                self.poll()
            except Exception:  # the monitor must outlive any one bad poll
                log.exception("cluster monitor: poll failed")

    def poll(self) -> None:
        """Collect the reports that came in, ask again, and move the cameras of lost hosts."""
        assert self._ray is not None
        ray = self._ray
        now = time.monotonic()
        for slot in [s for s in self._slots if s.alive]:
            if slot.pending is not None:
                ready, _ = ray.wait([slot.pending], timeout=0)
                if not ready:
                    if now - slot.last_seen > self.cluster.dead_after_s:
                        self._lose(slot, f"silent for {now - slot.last_seen:.1f} s")
                    continue
                try:
                    report = ray.get(slot.pending)
                except ray.exceptions.RayError as error:
                    self._lose(slot, _first_line(error))
                    continue
                with self._lock:
                    slot.report, slot.last_seen = report, now
            slot.pending = slot.handle.report.remote()

    def _lose(self, slot: HostSlot, reason: str) -> None:
        assert self._ray is not None
        noticed = time.monotonic()
        with self._lock:
            slot.alive = False
        with contextlib.suppress(Exception):  # already dead
            self._ray.kill(slot.handle, no_restart=True)
        moved: dict[str, tuple[int, int]] = {}
        for camera_id, given_at in slot.cameras.items():
            camera = slot.progress(camera_id)
            if camera is not None and camera.done:
                continue
            last = None if camera is None else camera.stats.last_frame_index
            start = resume_index(last, given_at)
            moved[camera_id] = (self._move(camera_id, start), start)
        took = time.monotonic() - noticed
        self.failovers.append(Failover(slot.index, reason, moved, time.time(), took))
        log.warning(
            "host %d lost (%s); moved %s in %.1f s",
            slot.index,
            reason,
            ", ".join(f"{c} to host {h} at frame {s}" for c, (h, s) in moved.items()) or "nothing",
            took,
        )

    def _move(self, camera_id: str, start: int) -> int:
        """Place a lost host's camera on another; a host that cannot take it is lost too."""
        assert self._ray is not None
        while True:
            target = self._target()
            try:
                self._place(target, [Placement(camera_id, start)])
                return target.index
            except self._ray.exceptions.RayError as error:
                self._lose(target, f"could not take camera {camera_id}: {_first_line(error)}")

    def _target(self) -> HostSlot:
        live = {s.index: s for s in self._slots if s.alive}
        if not live:  # every host is gone: start a new one for the cameras
            slot = self._new_host(len(self._slots))
            self._slots.append(slot)
            self._await_ready([slot])
            return slot
        loads = {
            index: sum(1 for c in slot.cameras if not slot.done(c)) for index, slot in live.items()
        }
        return live[least_loaded(loads)]

    # --- what the CLI and API ask ----------------------------------------------------------------

    def _current(self) -> dict[str, HostSlot]:
        """Each camera's latest placement (a moved camera is on a live host)."""
        with self._lock:
            where: dict[str, HostSlot] = {}
            for slot in sorted(self._slots, key=lambda s: s.alive):
                for camera_id in slot.cameras:
                    where[camera_id] = slot
            return where

    def wait(self, timeout: float | None = None, report_every_s: float = 10.0) -> bool:
        """Until every camera is done (files end) or `timeout` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            where = self._current()
            if len(where) == len(self.cameras) and all(
                slot.done(camera_id) for camera_id, slot in where.items()
            ):
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def _progress(self) -> list[CameraProgress]:
        """Each camera's last report from where it runs now (cameras not reported yet left out)."""
        found = (slot.progress(camera_id) for camera_id, slot in self._current().items())
        return [camera for camera in found if camera is not None]

    def stats(self) -> list[CameraStats]:
        return [camera.stats for camera in self._progress()]

    def failures(self) -> list[str]:
        return [
            f"{camera.stats.camera_id}: {camera.failure}"
            for camera in self._progress()
            if camera.failure is not None
        ]

    def detector_stats(self) -> list[BatchStats]:
        """Frames and batches each detector server has served (for benchmarks and logs)."""
        assert self._ray is not None
        return list(self._ray.get([s.stats.remote() for s in self._servers], timeout=10))

    def hosts(self) -> list[HostSlot]:
        with self._lock:
            return list(self._slots)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
