"""Cross-camera identity association for the whole cluster: one `AssociationServer` actor.

Association compares a finished person track with the tracks that ended recently on the
cameras it could have come from, wherever those cameras run; so the state lives in one actor
that every host's re-ID stage asks (`RemoteAssociator`, the same `assign` as the embedded
`IdentityAssociator`). Its state is the last few minutes of tracks: if it is lost, Ray starts
it again empty and tracks ending meanwhile start new identities (an operator can merge them).
"""

from __future__ import annotations

from typing import Any

from citywatch.cluster.connect import ClusterError
from citywatch.config import CitywatchConfig
from citywatch.reid.association import AppearanceSummary, IdentityLink

ASSIGN_TIMEOUT_S = 30.0


class AssociationServer:
    """Ray actor: an `IdentityAssociator` built from the configuration, shared by all hosts."""

    def __init__(self, config_json: str, threshold: float) -> None:
        from citywatch.pipeline.runner import identity_associator

        config = CitywatchConfig.model_validate_json(config_json)
        self._associator = identity_associator(config, threshold)

    def assign(self, summary: AppearanceSummary) -> IdentityLink:
        return self._associator.assign(summary)


class RemoteAssociator:
    """What a host's re-ID stages call instead of a local `IdentityAssociator`."""

    def __init__(self, server: Any, threshold: float) -> None:
        self._server = server
        self.threshold = threshold

    def assign(self, summary: AppearanceSummary) -> IdentityLink:
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError

        try:
            link: IdentityLink = ray.get(
                self._server.assign.remote(summary), timeout=ASSIGN_TIMEOUT_S
            )
        except (GetTimeoutError, RayActorError) as error:
            raise ClusterError(f"identity association unavailable: {error}") from None
        return link
