"""The message bus: alerts and events from the pipeline to whoever listens (API, webhooks, MQTT).

In one process it is `LocalBus`; Redis/MQTT publishers (later) take the same messages.
"""

from citywatch.bus.local import LocalBus, Subscription

__all__ = ["LocalBus", "Subscription"]
