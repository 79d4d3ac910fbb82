"""Joining Ray: the configured cluster, or one private to this process when none is named."""

from __future__ import annotations

import logging
from types import ModuleType

from citywatch.config.cluster import ClusterConfig
from citywatch.core.errors import CitywatchError

log = logging.getLogger("citywatch.cluster")


class ClusterError(CitywatchError):
    """The cluster cannot do what was asked: unreachable, too small, a host that will not start."""


def connect(config: ClusterConfig) -> tuple[ModuleType, bool]:
    """Ray, initialised; and whether this call started it (then the caller shuts it down)."""
    import ray

    if ray.is_initialized():
        return ray, False
    where = config.address or "a Ray of its own on this machine"
    try:
        ray.init(
            address=config.address,
            namespace=config.namespace,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=True,
        )
    except (ConnectionError, RuntimeError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ClusterError(f"cluster.address: cannot join Ray at {where} ({first})") from None
    log.info("cluster: joined %s (%s CPUs)", where, ray.cluster_resources().get("CPU", 0))
    return ray, True


def check_capacity(ray: ModuleType, config: ClusterConfig) -> None:
    """Fail at once, not after a start timeout, when the actors cannot all be placed."""
    wanted = config.workers * config.cpus_per_worker
    wanted += config.detector_servers * config.cpus_per_detector
    have = float(ray.cluster_resources().get("CPU", 0.0))
    if wanted > have + 1e-9:
        raise ClusterError(
            f"cluster.workers: {config.workers} hosts x {config.cpus_per_worker:g} CPU and "
            f"{config.detector_servers} detector servers x {config.cpus_per_detector:g} CPU "
            f"need {wanted:g} CPUs; the cluster has {have:g}"
        )
