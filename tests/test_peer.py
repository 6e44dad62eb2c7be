"""The peer reader's adapter: PassportEye's readings must land in the contract's field names
and value forms, or the bench would score PassportEye on formatting, not on reading."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest
from passporteye.mrz.text import MRZ

from flows.peer import FIELDS, ReaderTally, passporteye_fields, passporteye_reader, score_passport
from pipeline.mrz import MrzData, format_mrz, parse_mrz
from samples.degrade import degrade
from samples.documents.passport import render_passport
from samples.identity import random_identity

AS_OF = date(2026, 11, 23)


@pytest.mark.parametrize(
    "data",
    [
        MrzData("TD1", "ID", "D", "MUSTERMANN", "ERIKA", "T220001293", "D",
                date(1964, 8, 12), "F", date(2030, 10, 31), "L01X00T47"),
        MrzData("TD3", "P", "UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO",
                date(1974, 8, 12), "X", date(2032, 4, 15), "ZE184226B"),
    ],
)  # fmt: skip
def test_passporteye_reading_of_exact_lines_maps_to_our_parse(data: MrzData) -> None:
    lines = format_mrz(data)
    ours = {name: field.value for name, field in parse_mrz(lines, as_of=AS_OF).fields.items()}
    theirs = passporteye_fields(MRZ(list(lines)).to_dict(), AS_OF)
    assert theirs["mrz_valid"] is True
    assert theirs["mrz_type"] == data.mrz_type
    for name in FIELDS:
        if name != "mrz_type":
            assert theirs[name] == ours[name], name


def test_passporteye_on_a_rendered_passport_is_scored_in_our_terms() -> None:
    rng = random.Random(7)
    rendered = render_passport(random_identity(rng, AS_OF), rng)
    image, _ = degrade(rendered.image, rng, profile="clean")
    bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    read = passporteye_reader(AS_OF)(bgr)
    assert set(read) == set(FIELDS) | {"mrz_valid"}
    for name in ("mrz_type", "document_number", "nationality", "date_of_birth", "sex"):
        assert read[name] == rendered.fields[name], name


def test_a_wrong_number_reported_valid_is_counted_as_such() -> None:
    truth = {name: "x" for name in FIELDS} | {"mrz_valid": True}
    tally = ReaderTally()
    score_passport(truth, truth, 0.5, tally)
    score_passport(truth, truth | {"document_number": "y"}, 0.5, tally)
    score_passport(truth, truth | {"surname": "y", "mrz_valid": False}, 0.5, tally)
    assert (tally.pages, tally.exact, tally.valid, tally.wrong_valid) == (3, 1, 2, 1)
