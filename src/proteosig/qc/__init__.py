"""Quality control: sample and assay flags, plate diagnostics and the analysis matrix.

The verbs are small and separate (``matrix``, ``samples``, ``assays``, ``plates``);
``run_qc`` in ``proteosig.qc.pipeline`` chains them in the documented order.
"""

from proteosig.qc.pipeline import QCResult, QCSettings, run_qc

__all__ = ["QCResult", "QCSettings", "run_qc"]
