"""Character error rate of Tesseract models on MRZ lines they have never seen.

    .venv/bin/python tools/ocrb_eval.py --model eng --model /tmp/ocrb/ocrb.traineddata

Two held-out sets, both from seeds the training (tools/train_ocrb.py) never used:
- bands: rendered passport pages degraded by every samples profile (clean, scan150, phone,
  rotated), each zone line cut out exactly as the passport reader hands it to Tesseract for
  its second opinion;
- lines: tools/train_ocrb.py's own line renderer, with its degradations.
Each model reads each line with the reader's settings (one line, MRZ alphabet only);
per set and profile it prints the mean per-line CER and the share of lines read exactly.
"""

from __future__ import annotations

import argparse
import random
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytesseract
from rapidfuzz.distance import Levenshtein
from train_ocrb import random_zone, render_line  # tools/ is the script's own folder

from pipeline.extract.passport import _cut_band, _line_image, _rows
from pipeline.mrz import ALPHABET, detect_mrz
from samples.degrade import PROFILES, degrade
from samples.documents.passport import render_passport
from samples.identity import random_identity

AS_OF = date(2026, 11, 23)
SEED = 900_000  # far from tools/mrz_bench.py's 2000.. and the training's line seeds


def band_lines(profile: str, count: int) -> list[tuple[np.ndarray, str]]:
    """(line image as the reader cuts it, true line) for `count` passports of a profile."""
    samples = []
    for index in range(count):
        rng = random.Random(SEED + index)
        rendered = render_passport(random_identity(rng, AS_OF), rng)
        image, _ = degrade(rendered.image, rng, profile=profile)
        gray = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2GRAY)
        region = detect_mrz(gray)
        if region is None:
            continue
        band = _cut_band(gray, region)
        rows = _rows(band.image, 2, 44)
        if rows is None:
            continue
        for row, truth in zip(rows, rendered.fields["_mrz"], strict=True):
            samples.append((_line_image(band.image, row), truth))
    return samples


def rendered_lines(count: int) -> list[tuple[np.ndarray, str]]:
    rng = random.Random(SEED)
    lines: list[str] = []
    while len(lines) < count:
        lines.extend(random_zone(rng))
    return [(np.asarray(render_line(text, rng)), text) for text in lines[:count]]


def read(image: np.ndarray, model: str, psm: int) -> str:
    path = Path(model)
    config = f"--psm {psm} -c tessedit_do_invert=0 -c tessedit_char_whitelist={ALPHABET}"
    lang = model
    if path.suffix == ".traineddata":
        config = f"--tessdata-dir {path.parent} " + config
        lang = path.stem
    return "".join(pytesseract.image_to_string(image, lang=lang, config=config).split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", action="append", required=True, help="eng or a .traineddata path (repeatable)"
    )
    parser.add_argument("--pages", type=int, default=25, help="passports per profile")
    parser.add_argument("--lines", type=int, default=200, help="rendered lines in the lines set")
    parser.add_argument("--psm", type=int, default=7, help="7 as the reader; 13: raw line")
    args = parser.parse_args()
    sets = {f"bands/{p}": band_lines(p, args.pages) for p in PROFILES}
    sets["lines/rendered"] = rendered_lines(args.lines)
    for name, samples in sets.items():
        for model in args.model:
            cer = exact = 0.0
            for image, truth in samples:
                got = read(image, model, args.psm)
                cer += Levenshtein.distance(truth, got) / len(truth)
                exact += got == truth
            n = max(1, len(samples))
            print(
                f"{name:16s} {Path(model).stem:6s} lines={len(samples):3d} "
                f"CER={cer / n:.2%} exact-lines={exact / n:.0%}",
                flush=True,
            )


if __name__ == "__main__":
    main()
