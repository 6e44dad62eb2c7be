"""Measure the reader of born-digital application forms: fillable PDFs (AcroForm fields) and
flat ones (a text layer), rendered with known answers for every procedure that has a form.

    .venv/bin/python tools/form_bench.py --count 10

For each kind it prints how many fields came out exact and the seconds per page of loading,
preparing and reading a page, as the pipeline does: no OCR is run on these pages.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from pipeline.extract.application_form import extract_application_form
from pipeline.load import load_file
from pipeline.ocr import default_engine
from pipeline.preprocess import prepare_page
from samples.documents.forms import PROCEDURES_WITH_FORMS, FormAnswers, FormStyle, render_form
from samples.identity import random_identity

AS_OF = date(2026, 11, 23)
KINDS = ("pdf_fillable", "pdf_flat")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10, help="forms per procedure and kind")
    parser.add_argument("--show", action="store_true", help="print each value not exact")
    args = parser.parse_args()
    ocr = default_engine()
    counts = {kind: Counter[str]() for kind in KINDS}
    seconds = {kind: 0.0 for kind in KINDS}
    pages = Counter[str]()
    with tempfile.TemporaryDirectory() as folder:
        for procedure in PROCEDURES_WITH_FORMS:
            for seed in range(args.count):
                rng = random.Random(f"form-bench-{procedure}-{seed}")
                identity = random_identity(rng, AS_OF)
                style = FormStyle.random(rng)
                rendering = render_form(procedure, identity, FormAnswers(), rng, style)
                for kind in KINDS:
                    path = Path(folder) / f"{kind}.pdf"
                    path.write_bytes(getattr(rendering, kind))
                    start = time.perf_counter()
                    read: dict[str, object] = {}
                    for page in load_file(path, path.name):
                        pages[kind] += 1
                        fields = extract_application_form(prepare_page(page, ocr), ocr)
                        for name, found in fields.items():
                            if found.value is not None or name not in read:
                                read[name] = found.value
                    seconds[kind] += time.perf_counter() - start
                    for name, truth in rendering.fields.items():
                        exact = read.get(name) == truth
                        counts[kind]["exact" if exact else "wrong"] += 1
                        if args.show and not exact:
                            found = read.get(name)
                            print(f"{kind} {procedure} {seed} {name}: {truth!r} read {found!r}")
    for kind in KINDS:
        total = counts[kind]["exact"] + counts[kind]["wrong"]
        print(
            f"{kind:13s} fields exact {counts[kind]['exact']}/{total}"
            f"  s/page {seconds[kind] / max(1, pages[kind]):.3f} ({pages[kind]} pages)"
        )


if __name__ == "__main__":
    main()
