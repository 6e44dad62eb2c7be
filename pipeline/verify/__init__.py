"""The verifier: checklists and cross-document rules that explain every verdict.

Pure functions over the report schema (no OCR, no images). `verify_case` is the entry point;
rules live in `pipeline.verify.rules`, each registered with its finding code, severity and
source, and read documents only through `pipeline.verify.case.Case`.
"""

from pipeline.verify.case import LOW_CONFIDENCE_THRESHOLD, CaseContext
from pipeline.verify.verifier import Verification, decide, verify_case

__all__ = ["LOW_CONFIDENCE_THRESHOLD", "CaseContext", "Verification", "decide", "verify_case"]
