"""The tables of the vaccination record (issue 15); filled by its own module's work."""

from __future__ import annotations
