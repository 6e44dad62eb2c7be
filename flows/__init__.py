"""Thin Prefect flows over the pipeline, and the `docintake` command line."""
