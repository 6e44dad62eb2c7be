"""The rules, by subject. Importing this package registers every one of them in RULES."""

from pipeline.verify.registry import RULES
from pipeline.verify.rules import applications, consistency, documents, travel

__all__ = ["RULES", "applications", "consistency", "documents", "travel"]
