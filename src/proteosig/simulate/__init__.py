"""Simulators for SYNTHETIC Olink data (the bundled demo cohort)."""

from proteosig.simulate.demo import DemoCohort, observed_effects, simulate_demo, write_demo

__all__ = ["DemoCohort", "observed_effects", "simulate_demo", "write_demo"]
