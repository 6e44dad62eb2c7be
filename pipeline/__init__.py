"""docintake's processing steps as plain functions: load -> preprocess -> classify -> OCR ->
extract -> verify -> report. Nothing here imports Prefect; flows/ wraps these steps."""

import os

# Tesseract's OpenMP threads fight each other on small machines (about 4x slower on 2 cores);
# parallelism comes from running pages in separate processes instead.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
