"""Gait signature settings (citywatch.gait)."""

from __future__ import annotations

from pydantic import Field

from citywatch.config.base import Section


class GaitConfig(Section):
    enabled: bool = Field(default=False, description="silhouette gait signature per track")
