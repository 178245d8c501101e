"""Figures. Plotting functions read result tables and compute nothing new."""
