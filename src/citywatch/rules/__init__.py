"""Explainable rule events: zones, lines, speeds, crowds, left objects and red lights.

Only rules an operator configured fire, and each event carries the rule and the values that
triggered it. Configuration lives in `citywatch.config.rules`; `RuleStage` runs a camera's
rules over tracked frames.
"""

from citywatch.rules.engine import RuleStage
from citywatch.rules.signals import (
    HttpSignal,
    ImageSignal,
    MqttSignal,
    ScheduleSignal,
    SignalBoard,
    SignalReading,
    SignalSource,
    SignalState,
)

__all__ = [
    "HttpSignal",
    "ImageSignal",
    "MqttSignal",
    "RuleStage",
    "ScheduleSignal",
    "SignalBoard",
    "SignalReading",
    "SignalSource",
    "SignalState",
]
