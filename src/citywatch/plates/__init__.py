"""Licence plates: localisation, OCR, text normalisation, voting per track, search patterns.

Stages, each usable alone: `localise` (where plates may be), `ocr` (reading one region with
RapidOCR's bundled models), `normalise` and `patterns` (from what was read to a plate text;
wildcard search), `voting` (one plate per vehicle track), `vehicle` (type and colour). The
hotlist lives in the store (`citywatch.store.plates`), with a reason, legal basis and expiry.
`reader.create_plate_reader` builds the whole reader from a `PlatesConfig`.
Importing this package loads no model library (OpenVINO loads in constructors).
"""

from citywatch.plates.normalise import normalise_plate
from citywatch.plates.patterns import canonical, plate_matches
from citywatch.plates.types import PlateRead, VehicleAttributes, VotedPlate
from citywatch.plates.voting import PlateVoter, vote

__all__ = [
    "PlateRead",
    "PlateVoter",
    "VehicleAttributes",
    "VotedPlate",
    "canonical",
    "normalise_plate",
    "plate_matches",
    "vote",
]
