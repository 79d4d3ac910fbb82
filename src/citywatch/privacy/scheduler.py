"""The scheduled purge of `citywatch serve`: a background thread, one purge every interval.

    scheduler = RetentionScheduler(store, lambda: services.config).start()
    ...
    scheduler.stop()

The configuration is read again before each purge (cameras edited through the API bring their
retention with them). A purge that fails is logged and tried again at the next interval; the
thread never takes the server down.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from citywatch.config.root import CitywatchConfig
from citywatch.privacy.retention import PurgeReport, purge
from citywatch.store.repository import Store

log = logging.getLogger("citywatch.privacy")

FIRST_PURGE_DELAY_S = 60.0  # let the cameras start before the first purge


class RetentionScheduler:
    def __init__(
        self,
        store: Store,
        config: Callable[[], CitywatchConfig],
        *,
        first_delay_s: float = FIRST_PURGE_DELAY_S,
        lock: Any | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.first_delay_s = first_delay_s
        self.lock = lock  # e.g. the API's face-index lock: searches wait while vectors go
        self.runs = 0
        self.last_report: PurgeReport | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)

    def start(self) -> RetentionScheduler:
        settings = self.config().retention
        if settings.enabled:
            self._thread.start()
            log.info("retention: purging every %.0f s", settings.purge_interval_s)
        else:
            log.info("retention: scheduled purge disabled (retention.enabled: false)")
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> PurgeReport | None:
        """One purge now; None (logged) when it failed."""
        try:
            with self.lock if self.lock is not None else contextlib.nullcontext():
                report = purge(self.store, self.config())
        except Exception:  # the server keeps running; the next interval tries again
            log.exception("retention: scheduled purge failed")
            return None
        self.runs += 1
        self.last_report = report
        log.info("retention (scheduled): %s in %.1f s", report.summary(), report.duration_s)
        return report

    def _loop(self) -> None:
        delay = self.first_delay_s
        while not self._stop.wait(delay):
            if self.store.closed:
                return
            self.run_once()
            delay = self.config().retention.purge_interval_s
