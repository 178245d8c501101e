"""Drug-reversal scoring: drug signatures from a cited library and their reversal of
disease signatures (library, scores, run)."""
