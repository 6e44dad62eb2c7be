"""Synthetic immigration documents and cases with ground truth: no real document may sit in
the repository, so docintake renders its own to test and measure itself against."""
