"""Cross-disease similarity: how alike two disease-vs-control signatures are.

``similarity_metrics`` compares two signatures; ``signature_similarity`` adds a null that
is correct when both contrasts share the control group, a bootstrap interval and, on
request, the independent-halves-of-the-controls baseline. ``null_calibration`` checks the
null's false-positive rate on simulated cohorts without shared biology.
"""

from proteosig.similarity.signatures import (
    METRICS,
    null_calibration,
    signature_similarity,
    similarity_metrics,
    simulate_cohort,
)

__all__ = [
    "METRICS",
    "null_calibration",
    "signature_similarity",
    "similarity_metrics",
    "simulate_cohort",
]
