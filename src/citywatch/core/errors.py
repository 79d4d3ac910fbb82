"""Errors meant for people. The CLI prints `str(error)` as one line and exits with `exit_code`.

Exit codes follow DESIGN.md: 2 for usage or configuration errors (the message names the bad key
or file), 1 for failures at run time.
"""

from __future__ import annotations


class CitywatchError(Exception):
    exit_code = 1


class UsageError(CitywatchError):
    """A bad argument: a file that does not exist, an empty folder, an unknown name."""

    exit_code = 2


class ConfigError(UsageError):
    """A configuration value that does not validate; the message carries the key path."""


class SourceError(CitywatchError):
    """A video source that cannot be opened or stops decoding (corrupt, truncated, unreachable)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class SourceUsageError(SourceError):
    """A source that names nothing usable: a missing path, an empty folder, an unknown scheme."""

    exit_code = 2


class ModelError(CitywatchError):
    """A model file missing, failing its checksum, or not loadable."""


class StoreError(CitywatchError):
    """The database or media directory cannot be used."""
