"""Traffic-signal state for red-light rules: from a timetable, a controller, or the picture.

Each source answers "red", "amber", "green" or "unknown" for a frame. Unknown (a controller
that went quiet, a lamp the camera cannot make out) is a state of its own and never makes an
offence: a red-light event needs a signal that was seen to be red.

`SignalBoard` reads every source of a camera once per frame and remembers since when each has
shown its state, so an event can say how long the light had been red.
"""

from citywatch.rules.signals.board import SignalBoard, create_signal
from citywatch.rules.signals.feeds import HttpSignal, MqttClient, MqttSignal
from citywatch.rules.signals.image import ImageSignal
from citywatch.rules.signals.schedule import ScheduleSignal
from citywatch.rules.signals.types import (
    UNKNOWN,
    SignalReading,
    SignalSample,
    SignalSource,
    SignalState,
    parse_state_payload,
)

__all__ = [
    "UNKNOWN",
    "HttpSignal",
    "ImageSignal",
    "MqttClient",
    "MqttSignal",
    "ScheduleSignal",
    "SignalBoard",
    "SignalReading",
    "SignalSample",
    "SignalSource",
    "SignalState",
    "create_signal",
    "parse_state_payload",
]
