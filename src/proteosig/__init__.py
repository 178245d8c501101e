"""proteosig: immune signatures shared across diseases in blood proteomics."""

__version__ = "0.1.0"
