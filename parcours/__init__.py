"""Parcours: suivi des parcours et preuves Qualiopi (indicateurs 12, 30, 31, 32)."""

__version__ = "0.1.0"
