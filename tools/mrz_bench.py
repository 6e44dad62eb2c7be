"""Measure the passport reader on rendered, degraded data pages with known truth.

    .venv/bin/python tools/mrz_bench.py --count 40 --profiles clean,scan150,phone,rotated
    .venv/bin/python tools/mrz_bench.py --peer passporteye   # PassportEye on the same pages
    .venv/bin/python tools/mrz_bench.py --print-gain 1       # zones printed heavier than the font

Per profile: the share of pages whose MRZ fields all come out exact, how many were reported
valid while a checked field was wrong (must stay 0), and seconds per page for the reader
alone (zone detection included, page OCR not: the visual-zone check reuses classify's).
Scoring is flows/peer.py's, the same as `docintake bench --peer`."""

from __future__ import annotations

import argparse
import random
from datetime import date

import numpy as np

from flows.peer import PEERS, SideBySide, format_row, our_reader, peer_reader
from pipeline.ocr import default_engine
from samples.degrade import degrade, with_print_gain
from samples.documents.passport import render_passport
from samples.identity import random_identity

AS_OF = date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=40, help="passport pages per profile")
    parser.add_argument(
        "--profiles",
        default="clean,scan150,phone,rotated",
        help="samples degradation profiles, comma-separated",
    )
    parser.add_argument("--seed", type=int, default=2000, help="first seed: same seed, same pages")
    parser.add_argument("--peer", choices=PEERS, help="also run this reader on the same pages")
    parser.add_argument(
        "--print-gain",
        type=int,
        default=0,
        help="pixels of ink added round every stroke at 300 dpi before degrading (negative:"
        " taken away): laser-engraved and inkjet zones print heavier or lighter than the font",
    )
    args = parser.parse_args()
    readers = {"docintake": our_reader(default_engine(), AS_OF)}
    if args.peer:
        readers[args.peer] = peer_reader(args.peer, AS_OF)
    for profile in args.profiles.split(","):
        side_by_side = SideBySide(readers)
        for index in range(args.count):
            rng = random.Random(args.seed + index)
            rendered = render_passport(random_identity(rng, AS_OF), rng)
            page = with_print_gain(rendered.image, args.print_gain)
            image, _ = degrade(page, rng, profile=profile)
            # Pages are read as they arrive: a turned page tests the reader's own turning.
            bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
            side_by_side.add(profile, bgr, rendered.fields)
        for reader, figures in side_by_side.as_dict()[profile].items():
            print(format_row(profile, reader, figures), flush=True)


if __name__ == "__main__":
    main()
