"""Which host runs which camera: spread evenly at start; a lost host's cameras go one by one to
whichever host then runs the fewest (pure functions, so the rules are tested without Ray)."""

from __future__ import annotations

from collections.abc import Mapping


def spread(camera_ids: list[str], hosts: int) -> list[list[str]]:
    """Round-robin: host i gets cameras i, i + hosts, ...; some hosts may get none."""
    if hosts < 1:
        raise ValueError("at least one host is needed")
    return [camera_ids[i::hosts] for i in range(hosts)]


def least_loaded(loads: Mapping[int, int]) -> int:
    """The host running the fewest cameras (the lowest index among equals)."""
    if not loads:
        raise ValueError("no host is left to take cameras")
    return min(loads, key=lambda host: (loads[host], host))


def resume_index(last_analysed: int | None, given_at: int) -> int:
    """Where a moved camera starts again: after the newest frame its host reported analysed,
    never before where that host was told to start (a host lost before its first report)."""
    if last_analysed is None or last_analysed < 0:
        return given_at
    return max(last_analysed + 1, given_at)
