"""Person attribute settings (citywatch.attributes): search filters, never identities."""

from __future__ import annotations

from pydantic import Field

from citywatch.config.base import Section


class AttributesConfig(Section):
    enabled: bool = Field(default=True, description="read clothing colours and attributes")
