"""Human reference rates per km, each with its severity (reference/statistics.md). A failure
rate means nothing without its severity, so every line says which one it is."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReferenceRate:
    name: str
    severity: str
    per_km: float
    source: str


HUMAN_RATES = (
    ReferenceRate("US road fatalities 2023", "fatal", 7.8e-9, "NHTSA: 1.26 per 100 M miles"),
    ReferenceRate("US police-reported crashes 2023", "police-reported crash", 1.18e-6, "NHTSA: 6.14 M crashes"),
    ReferenceRate("all crashes incl. unreported", "any crash", 2.37e-6, "RAND / Blincoe: 382 per 100 M miles"),
    ReferenceRate("naturalistic near-crashes", "near-crash", 2.3e-5, "SHRP2 / 100-car: 37-82 per million miles"),
)
