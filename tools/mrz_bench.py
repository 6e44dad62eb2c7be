"""Measure the passport reader on rendered, degraded data pages with known truth.

    .venv/bin/python tools/mrz_bench.py --count 40 --profiles clean,scan150,phone,rotated

Per profile: the share of pages whose MRZ fields all come out exact, how many were reported
valid while a checked field was wrong (must stay 0), and seconds per page for the reader
alone (zone detection included, page OCR not: the visual-zone check reuses classify's)."""

from __future__ import annotations

import argparse
import random
import time
from datetime import date

import cv2
import numpy as np

from pipeline.extract.passport import extract_passport
from pipeline.ocr import TesseractEngine
from pipeline.page import Page, PreparedPage
from samples.degrade import degrade
from samples.documents.passport import render_passport
from samples.identity import random_identity
from schemas.report import CONTRACT_FIELDS

AS_OF = date(2026, 11, 23)
FIELDS = tuple(f for f in CONTRACT_FIELDS["passport"] if f != "mrz_valid")
CHECKED = ("document_number", "date_of_birth", "date_of_expiry", "personal_number")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--profiles", default="clean,scan150,phone,rotated")
    parser.add_argument("--seed", type=int, default=2000)
    args = parser.parse_args()
    ocr = TesseractEngine()
    for profile in args.profiles.split(","):
        exact = valid = wrong_valid = 0
        seconds = 0.0
        for index in range(args.count):
            rng = random.Random(args.seed + index)
            rendered = render_passport(random_identity(rng, AS_OF), rng)
            image, _ = degrade(rendered.image, rng, profile=profile)
            bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
            gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
            # Pages are read as they arrive: a turned page tests the reader's own turning.
            page = PreparedPage(Page("p.png", 1, "0" * 64, bgr), gray, np.eye(3))
            start = time.perf_counter()
            fields = extract_passport(page, ocr, as_of=AS_OF)
            seconds += time.perf_counter() - start
            truth = rendered.fields
            read = {name: fields[name].value if name in fields else None for name in FIELDS}
            exact += read == {name: truth[name] for name in FIELDS}
            if fields["mrz_valid"].value:
                valid += 1
                wrong_valid += any(read[name] != truth[name] for name in CHECKED)
        print(
            f"{profile:8s} pages={args.count} all-fields-exact={exact / args.count:.0%} "
            f"valid={valid / args.count:.0%} wrong-but-valid={wrong_valid} "
            f"s/page={seconds / args.count:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
