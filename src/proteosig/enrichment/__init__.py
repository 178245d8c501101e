"""Gene-set enrichment on the measured proteome.

Submodules:

* ``proteosig.enrichment.scores``: per-sample gene-set scores (GSVA, ssGSEA, z-score,
  PLAGE) equal to R GSVA 1.46, and the restriction of gene sets to the measured proteins.
"""
