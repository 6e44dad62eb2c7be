"""Renderers of individual documents. Each returns the page image together with the values
a perfect reader would extract from it, named as the public contract names them."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

FieldTruth = str | bool | int | None | tuple[str, ...]


@dataclass
class Rendered:
    image: Image.Image
    # Contract field name -> expected value. Keys starting with "_" are test helpers, not
    # contract fields (e.g. "_mrz": the MRZ lines).
    fields: dict[str, FieldTruth] = field(default_factory=dict)
