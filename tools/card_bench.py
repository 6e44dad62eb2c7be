"""Measure a card reader on rendered, degraded cards with known truth: the residence card
front's (`--card front`) or the re-entry ED card's (`--card ed`, handwritten fields and the
tick box; half the cards printed with labels beside their boxes, a fifth not ticked).

    nice .venv/bin/python tools/card_bench.py --count 50 --profiles clean,scan150,phone,rotated
    nice .venv/bin/python tools/card_bench.py --card ed --count 25

Per profile and field it prints how many values came out exact, how many right values were
doubted (confidence under 0.6: they send a case to review), and how many wrong values were
trusted (0.6 or more: they can make a verdict wrong, so they must stay 0); then seconds per
card page for preparation and reading. Cards are read as the pipeline reads them: prepared
by `prepare_page`, then the card's reader. `--workers` reads cards in parallel processes.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date

import numpy as np

from pipeline.extract.ed_card import extract_ed_card
from pipeline.extract.residence_card import extract_card_front
from pipeline.ocr import OcrEngine, default_engine
from pipeline.page import Page, PreparedPage
from pipeline.preprocess import prepare_page
from pipeline.verify import LOW_CONFIDENCE_THRESHOLD
from samples.degrade import degrade
from samples.documents import Rendered
from samples.documents.ed_card import MARKS, render_ed_card
from samples.documents.residence_card import render_card_front
from samples.identity import Identity, random_identity
from schemas.report import ExtractedField

AS_OF = date(2026, 11, 23)
TRUSTED = LOW_CONFIDENCE_THRESHOLD  # under it a value is a LOW_CONFIDENCE doubt


def _render_ed_card(identity: Identity, rng: random.Random) -> Rendered:
    return render_ed_card(
        identity,
        rng,
        ticked=rng.random() < 0.8,
        mark=rng.choice(MARKS),
        labels_beside=rng.random() < 0.5,
    )


Reader = Callable[[PreparedPage, OcrEngine], dict[str, ExtractedField]]
CARDS: dict[str, tuple[Callable[[Identity, random.Random], Rendered], Reader]] = {
    "front": (render_card_front, extract_card_front),
    "ed": (_render_ed_card, extract_ed_card),
}


@dataclass
class CardResult:
    profile: str
    seed: int
    # field -> "exact" | "doubted_right" | "trusted_wrong" | "doubted_wrong"
    outcomes: dict[str, str]
    # field -> (truth, read, confidence) of each value not exact and trusted
    misses: dict[str, tuple[object, object, float]]
    seconds: float


def read_one(card: str, profile: str, seed: int) -> CardResult:
    render, extract = CARDS[card]
    # The front's seeds are as they were before ED cards were measured here too.
    rng = random.Random(f"{'card' if card == 'front' else card}-bench-{profile}-{seed}")
    rendered = render(random_identity(rng, AS_OF), rng)
    image, _ = degrade(rendered.image, rng, profile=profile)
    bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    ocr = default_engine()
    start = time.perf_counter()
    page = prepare_page(Page("card.jpg", 1, "0" * 64, bgr), ocr)
    fields = extract(page, ocr)
    seconds = time.perf_counter() - start
    outcomes: dict[str, str] = {}
    misses: dict[str, tuple[object, object, float]] = {}
    for name, truth in rendered.fields.items():
        if name.startswith("_"):
            continue
        read = fields[name]
        # An absent value rightly absent (a permanent resident's expiry) is no doubt.
        trusted = read.confidence >= TRUSTED or (truth is None and read.value is None)
        if read.value == truth:
            outcomes[name] = "exact" if trusted else "doubted_right"
        else:
            outcomes[name] = "trusted_wrong" if trusted else "doubted_wrong"
        if outcomes[name] != "exact":
            misses[name] = (truth, read.value, round(read.confidence, 2))
    return CardResult(profile, seed, outcomes, misses, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--card", choices=CARDS, default="front", help="which card to read")
    parser.add_argument("--count", type=int, default=25, help="cards per profile")
    parser.add_argument("--profiles", default="clean,scan150,phone,rotated")
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--show", action="store_true", help="print each value not exact")
    args = parser.parse_args()
    profiles = args.profiles.split(",")
    jobs = [(args.card, p, s) for p in profiles for s in range(args.seed, args.seed + args.count)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(read_one, *zip(*jobs, strict=True)))
    fields = sorted({name for r in results for name in r.outcomes})
    header = f"{'profile':9s} {'field':22s} {'exact':>7s} {'doubted right':>14s}"
    print(f"{header} {'trusted WRONG':>14s}")
    for profile in profiles:
        mine = [r for r in results if r.profile == profile]
        for name in fields:
            counts = Counter(r.outcomes[name] for r in mine if name in r.outcomes)
            total = sum(counts.values())
            print(
                f"{profile:9s} {name:22s} {counts['exact']:3d}/{total:<3d} "
                f"{counts['doubted_right']:14d} {counts['trusted_wrong']:14d}"
            )
        seconds = sorted(r.seconds for r in mine)
        print(
            f"{profile:9s} {'s/page (prepare+read)':22s} mean {sum(seconds) / len(seconds):.2f}"
            f"  p95 {seconds[int(0.95 * (len(seconds) - 1))]:.2f}"
        )
        if args.show:
            for r in mine:
                for name, (truth, read, confidence) in r.misses.items():
                    print(
                        f"    seed {r.seed} {name} {r.outcomes[name]}: "
                        f"{truth!r} read {read!r} at {confidence}"
                    )


if __name__ == "__main__":
    main()
