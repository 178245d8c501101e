"""Differential analysis: a vectorised re-implementation of limma's linear-model workflow.

The verbs follow limma: ``lm_fit`` (lmFit) -> ``contrasts_fit`` (contrasts.fit) ->
``ebayes`` (eBayes) or ``treat`` -> ``top_table`` (topTable). ``squeeze_var`` (squeezeVar)
is the standalone shrinkage kernel. Results equal limma 3.54's (tests/differential).
"""

from proteosig.differential.contrasts import contrast_matrix, contrasts_fit
from proteosig.differential.design import design_matrix
from proteosig.differential.fit import LinearFit, lm_fit
from proteosig.differential.moderate import ModeratedFit, ebayes, treat
from proteosig.differential.squeeze import squeeze_var
from proteosig.differential.table import top_table

__all__ = [
    "LinearFit",
    "ModeratedFit",
    "contrast_matrix",
    "contrasts_fit",
    "design_matrix",
    "ebayes",
    "lm_fit",
    "squeeze_var",
    "top_table",
    "treat",
]
