"""`docintake bench`: accuracy and speed of the whole pipeline on synthetic cases with ground
truth, and raw Tesseract on the same pages in the same run as the yardstick for speed."""

from __future__ import annotations

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import cv2
from rapidfuzz.distance import Levenshtein

from pipeline.load import load_file
from pipeline.verify.case import case_documents
from samples.generate import SAMPLES_AS_OF, generate_samples
from schemas.report import Report

DEFAULT_SEED = 20261123
DEFAULT_CASES = 14  # about 50 documents over all seven procedures


def _normalized(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).upper().split())


def character_error_rate(truth: str, read: str) -> float:
    if not truth:
        return 0.0 if not read else 1.0
    return Levenshtein.distance(truth, read) / len(truth)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class FieldScore:
    total: int = 0
    exact: int = 0
    errors: float = 0.0  # summed character error rate

    def add(self, truth: Any, read: Any) -> None:
        self.total += 1
        expected, got = _normalized(truth), _normalized(read)
        self.exact += expected == got
        self.errors += character_error_rate(expected, got)

    def as_dict(self) -> dict[str, float]:
        return {
            "documents": self.total,
            "exact": round(self.exact / self.total, 4) if self.total else 0.0,
            "cer": round(self.errors / self.total, 4) if self.total else 0.0,
        }


@dataclass
class Scores:
    documents: int = 0
    doc_type_right: int = 0
    fields: dict[str, dict[str, FieldScore]] = field(default_factory=dict)
    cases: int = 0
    verdict_right: int = 0
    missing_right: int = 0
    findings_right: int = 0
    false_complete: int = 0
    case_rows: list[dict[str, Any]] = field(default_factory=list)


def score_case(truth: dict[str, Any], report: Report, scores: Scores) -> None:
    """Compare one case's report with its truth.json, adding to `scores`."""
    by_page = {(d.file, d.page): d for d in report.documents}
    # The truth gives a multi-page form's answers on its first page; the report gives each
    # answer on the page it is printed on, and the verifier joins the pages (case_documents).
    joined = {
        (report.documents[doc.pages[0]].file, report.documents[doc.pages[0]].page): doc.fields
        for doc in case_documents(report.documents)
        if len(doc.pages) > 1
    }
    for expected in truth["documents"]:
        scores.documents += 1
        key = (expected["file"], expected.get("page", 1))
        read = by_page.get(key)
        doc_type = expected["doc_type"]
        if read is not None and read.doc_type == doc_type:
            scores.doc_type_right += 1
        per_type = scores.fields.setdefault(doc_type, {})
        fields = joined.get(key, read.fields if read is not None else {})
        for name, value in expected.get("fields", {}).items():
            if name.startswith("_"):
                continue
            got = fields.get(name)
            per_type.setdefault(name, FieldScore()).add(value, got.value if got else None)
    scores.cases += 1
    verdict_ok = report.verdict == truth["verdict"]
    missing = sorted(report.missing_items())
    missing_ok = missing == sorted(truth.get("missing", []))
    codes = {f.code for f in report.findings}
    error_codes = {f.code for f in report.findings if f.severity == "error"}
    expected_codes = set(truth.get("findings", []))
    findings_ok = expected_codes <= codes and error_codes <= expected_codes | {"MISSING_DOCUMENT"}
    scores.verdict_right += verdict_ok
    scores.missing_right += missing_ok
    scores.findings_right += findings_ok
    if report.verdict == "complete" and truth["verdict"] != "complete":
        scores.false_complete += 1
    scores.case_rows.append(
        {
            "case_id": truth["case_id"],
            "verdict": [truth["verdict"], report.verdict],
            "missing_ok": missing_ok,
            "findings": [sorted(expected_codes), sorted(codes)],
        }
    )


def _tesseract_once(png: bytes) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "eng"],
        input=png,
        capture_output=True,
        check=False,
        env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
    )
    return time.perf_counter() - start


def raw_tesseract(data: Path, truths: list[dict[str, Any]], workers: int) -> dict[str, float]:
    """Plain `tesseract` (eng, automatic layout) on every page as loaded, `workers` at once:
    the yardstick docintake's own time is compared with."""
    images = []
    for truth in truths:
        folder = data / truth["case_id"]
        for rel in sorted({d["file"] for d in truth["documents"]}):
            for page in load_file(folder / rel, rel):
                images.append(cv2.imencode(".png", page.image)[1].tobytes())
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        seconds = list(pool.map(_tesseract_once, images))
    return {
        "pages": len(images),
        "wall_seconds": round(time.perf_counter() - start, 2),
        "seconds_per_page_p50": round(percentile(seconds, 0.5), 3),
    }


def summarize_timings(content: dict[str, Any]) -> dict[str, Any]:
    """Per-file stage seconds written by the batch flow, reduced to per-document figures."""
    timings = content["files"]
    per_document = [sum(entry["seconds"].values()) / max(1, entry["pages"]) for entry in timings]
    stages: dict[str, float] = {}
    for entry in timings:
        for stage, seconds in entry["seconds"].items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    # A file's seconds are shared evenly by its pages, each counted under its document type.
    by_type: dict[str, list[float]] = {}
    for entry, seconds in zip(timings, per_document, strict=True):
        for doc_type in entry.get("doc_types", []):
            by_type.setdefault(doc_type, []).append(seconds)
    return {
        "pages": sum(entry["pages"] for entry in timings),
        "seconds_per_page_by_type_p50": {
            doc_type: round(percentile(seconds, 0.5), 2)
            for doc_type, seconds in sorted(by_type.items())
        },
        "seconds_per_document_p50": round(percentile(per_document, 0.5), 3),
        "seconds_per_document_p95": round(percentile(per_document, 0.95), 3),
        "stage_seconds": {k: round(v, 2) for k, v in sorted(stages.items())}
        | {"verify_and_report": round(sum(content["verify_and_report"].values()), 2)},
    }


def load_truths(data: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(data.glob("*/truth.json"))]


def scores_as_dict(scores: Scores) -> dict[str, Any]:
    return {
        "documents": scores.documents,
        "doc_type_accuracy": round(scores.doc_type_right / max(1, scores.documents), 4),
        "fields": {
            doc_type: {name: score.as_dict() for name, score in sorted(fields.items())}
            for doc_type, fields in sorted(scores.fields.items())
        },
        "cases": scores.cases,
        "verdict_agreement": round(scores.verdict_right / max(1, scores.cases), 4),
        "missing_agreement": round(scores.missing_right / max(1, scores.cases), 4),
        "findings_agreement": round(scores.findings_right / max(1, scores.cases), 4),
        "false_complete": scores.false_complete,
        "case_rows": scores.case_rows,
    }


def _timed_batch(data: Path, reports_dir: Path, as_of: date, workers: int) -> float:
    """Wall seconds of the batch flow over every case, nothing skipped."""
    from flows.batch import run_batch
    from pipeline.case import RunSettings

    started = time.perf_counter()
    run_batch(data, reports_dir, RunSettings(as_of=as_of), workers=workers, force=True)
    return time.perf_counter() - started


def scaling(
    data: Path,
    truths: list[dict[str, Any]],
    out: Path,
    as_of: date,
    *,
    wall: float,
    raw_many: float,
) -> dict[str, Any]:
    """The same pages read by one worker, docintake and raw Tesseract alike, so the speed-up
    of the run that measured `wall` and `raw_many` over one worker is measured in that same
    run (both without the server's startup)."""
    one_worker = _timed_batch(data, out / "run-1-worker", as_of, 1)
    raw_one = raw_tesseract(data, truths, 1)["wall_seconds"]
    return {
        "wall_seconds_1_worker": round(one_worker, 2),
        "speedup": round(one_worker / wall, 2) if wall else None,
        "raw_tesseract_speedup": round(raw_one / raw_many, 2) if raw_many else None,
    }


def run_bench(
    data: Path | None,
    out: Path,
    *,
    workers: int,
    peer: str | None = None,
    seed: int = DEFAULT_SEED,
    cases: int = DEFAULT_CASES,
    as_of: date = SAMPLES_AS_OF,
    measure_scaling: bool = False,
    measure_api: bool = False,
    measure_watch: bool = False,
) -> dict[str, Any]:
    """Generate (or reuse) the data set, run the batch flow on it, score the reports against
    the truth, time raw Tesseract on the same pages, and return everything as one mapping.
    With `measure_scaling`, also the same pages read by one worker; with `measure_api` and
    `measure_watch`, the time from a case's arrival to its report by those ways in."""
    if data is None:
        data = out / f"data-seed{seed}-cases{cases}"
        if not any(data.glob("*/truth.json")):
            generate_samples(data, seed=seed, cases=cases, as_of=as_of)
    truths = load_truths(data)
    if not truths:
        raise FileNotFoundError(f"{data} holds no case with a truth.json")
    as_of = date.fromisoformat(truths[0].get("as_of", as_of.isoformat()))
    reports_dir = out / "run"
    # A batch over no case: the embedded Prefect server starts once per process, so the
    # runs timed after it compare reading alone, and its cost is shown on its own.
    (out / "no-cases").mkdir(parents=True, exist_ok=True)
    startup = _timed_batch(out / "no-cases", out / "no-cases-run", as_of, workers)
    wall = startup + _timed_batch(data, reports_dir, as_of, workers)
    scores = Scores()
    for truth in truths:
        path = reports_dir / truth["case_id"] / "report.json"
        score_case(truth, Report.model_validate_json(path.read_text("utf-8")), scores)
    timings = summarize_timings(json.loads((reports_dir / "timings.json").read_text("utf-8")))
    raw = raw_tesseract(data, truths, workers)
    result = {
        "data": str(data),
        "workers": workers,
        "accuracy": scores_as_dict(scores),
        "speed": timings
        | {
            "wall_seconds": round(wall, 2),
            "prefect_startup_seconds": round(startup, 2),
            "pages_per_second": round(timings["pages"] / wall, 3) if wall else 0.0,
            "raw_tesseract": raw,
            "ratio_to_raw_tesseract": round(wall / raw["wall_seconds"], 2)
            if raw["wall_seconds"]
            else None,
        },
    }
    if peer is not None:  # both MRZ readers alone on the same passport pages
        from flows.peer import compare_on_cases
        from pipeline.ocr import default_engine

        result["peer"] = compare_on_cases(data, truths, peer, default_engine(), as_of)
    if measure_scaling:
        result["speed"]["scaling"] = scaling(
            data, truths, out, as_of, wall=wall - startup, raw_many=raw["wall_seconds"]
        )
    if measure_api or measure_watch:
        from flows import intake_bench

        if measure_api:
            result["speed"]["api"] = intake_bench.measure_api(data, out, as_of, workers=workers)
        if measure_watch:
            result["speed"]["watch"] = intake_bench.measure_watch(data, out, as_of, workers=workers)
    return result
