"""Object classes citywatch reasons about; every detector maps its own labels onto these."""

from enum import IntEnum


class ObjectClass(IntEnum):
    PERSON = 0
    VEHICLE = 1
    BICYCLE = 2
    FACE = 3

    @classmethod
    def parse(cls, name: str) -> "ObjectClass":
        try:
            return cls[name.strip().upper()]
        except KeyError:
            known = ", ".join(c.name.lower() for c in cls)
            raise ValueError(f"unknown object class {name!r} (known: {known})") from None
