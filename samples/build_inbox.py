"""Write the small sample inbox committed with the project (`python -m samples.build_inbox`):
eight cases a new user can run at once, with their expected results in samples/expected.json.
Mildly degraded and compact, so that it reads quickly and stays small in the repository."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samples.cases import plan_case
from samples.generate import SAMPLES_AS_OF, case_rng, write_case

# Picked among a few seeds: this one yields every file format (fillable, flat and scanned
# PDFs, a multi-page bundle, JPEG, PNG, TIFF) within the size budget.
SEED = 4
HERE = Path(__file__).resolve().parent
INBOX = HERE / "inbox"
EXPECTED = HERE / "expected.json"
# Scans at 300 and 150 dpi; one document comes as a phone photo (marked below).
PROFILES = {"clean": 0.5, "scan150": 0.5}
# JPEG keeps the committed files small; one lossless page shows the other formats work.
FORMATS = {"JPEG": 0.92, "PNG": 0.08}


@dataclass(frozen=True)
class _SampleCase:
    procedure: str
    fault: str | None = None
    phone: str | None = None  # kind of the one document photographed with a phone
    case_yaml: bool = True  # without it, the procedure comes from the form's title


CASES: tuple[_SampleCase, ...] = (
    _SampleCase("special_reentry"),
    _SampleCase("special_reentry", fault="ed_not_ticked", phone="ed_card"),
    _SampleCase("reentry_permit"),
    _SampleCase("extension_of_stay", fault="period_not_allowed"),
    _SampleCase("change_of_status", case_yaml=False),
    _SampleCase("certificate_of_eligibility", fault="status_not_eligible"),
    _SampleCase("provisional_release"),
    _SampleCase("departure_order", fault="missing_item"),
)


def build(inbox: Path = INBOX, expected: Path = EXPECTED) -> dict[str, dict[str, Any]]:
    """Rewrite `inbox` and `expected` from scratch; the same bytes every time."""
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    truths: dict[str, dict[str, Any]] = {}
    for index, sample in enumerate(CASES):
        rng = case_rng(SEED, index)
        plan = plan_case(
            f"c{index + 1:03d}", sample.procedure, SAMPLES_AS_OF, rng, fault=sample.fault
        )
        plan.write_case_yaml = sample.case_yaml
        for document in plan.documents:
            if document.kind == sample.phone:
                document.profile = "phone"
        truths[plan.case_id] = write_case(
            inbox, plan, rng, PROFILES, formats=FORMATS, truth_file=False
        )
    expected.write_text(json.dumps(truths, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return truths


if __name__ == "__main__":
    built = build()
    size = sum(p.stat().st_size for p in INBOX.rglob("*") if p.is_file())
    print(f"wrote {len(built)} cases to {INBOX} ({size / 1e6:.1f} MB) and {EXPECTED}")
