"""Person attributes as search filters: clothing colours, bag/hat/sleeves, age and gender
estimates. Never identities, and never ethnicity, race or skin (see `types`).

Heavy modules (OpenVINO models) load only when `create_attribute_reader` builds them.
"""

from citywatch.attributes.query import AttributeQuery, matches, score
from citywatch.attributes.types import PALETTE, PersonAttributes, age_band

__all__ = ["PALETTE", "AttributeQuery", "PersonAttributes", "age_band", "matches", "score"]
