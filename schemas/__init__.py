"""The vocabulary of docintake: report, checklist and reference-data models."""
