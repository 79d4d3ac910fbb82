"""Person attribute settings (citywatch.attributes): search filters, never identities."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from citywatch.config.base import Section

AttributesBackend = Literal["auto", "openvino", "colour"]
ColourMethod = Literal["region", "points"]


class AttributesConfig(Section):
    """Clothing colours, yes/no attributes and appearance estimates per person track.

    `auto` runs person-attributes-recognition-crossroad-0230 (bag, backpack, hat, sleeves,
    ...) and age-gender-recognition-retail-0013 (on faces) when their files are in the model
    directory, and otherwise reads clothing colours only, saying so once in the log;
    `openvino` requires the models; `colour` never loads them. There is no ethnicity, race
    or skin attribute, and no setting adds one.
    """

    enabled: bool = Field(default=True, description="read clothing colours and attributes")
    backend: AttributesBackend = "auto"
    person_model: str = Field(
        default="person-attributes-recognition-crossroad-0230",
        description="OMZ model for body attributes and clothing colour points",
    )
    face_model: str | None = Field(
        default="age-gender-recognition-retail-0013",
        description="OMZ age/gender estimator on face crops; null: no age or face gender",
    )
    precision: str | None = Field(default=None, description="OMZ precision folder, e.g. FP16")
    device: str = "CPU"
    colour_method: ColourMethod = Field(
        default="region",
        description="where clothing colour is sampled: fixed body bands (`region`) or around "
        "0230's colour points (`points`, needs the model); they tied on our labels and "
        "`region` gives the same colours whether or not the model is installed",
    )
    min_colour_share: float = Field(
        default=0.35,
        gt=0,
        le=1,
        description="a region's winning colour needs this share of its vote, else unknown",
    )
    present_threshold: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        description="a yes/no attribute counts as present at this probability (model card: 0.5)",
    )
    gender_min_probability: float = Field(
        default=0.7,
        ge=0.5,
        le=1,
        description="below this the gender estimate is left unknown (its probability is kept)",
    )
    face_padding: float = Field(
        default=0.15,
        ge=0,
        le=1,
        description="face box growth for age/gender (0.15: 15 %); gender was less sure at 0.4",
    )
    face_crop_margin: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="margin per side, as a share of the face box, that the face crops handed "
        "to the reader carry (pipeline face thumbnails: 0.2); trimmed to face_padding",
    )
    min_face_px: int = Field(
        default=24, ge=1, description="face crops smaller than this are not used for age/gender"
    )
    body_gender_min_px: int = Field(
        default=80,
        ge=1,
        description="without a face, a gender estimate comes from body crops at least this "
        "wide only: 0230's model card minimum (narrower, it said female for men we saw)",
    )
