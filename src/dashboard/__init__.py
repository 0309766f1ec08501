"""Manul Progress: the Pallas's cat conservation dashboard."""

__version__ = "0.1.0"
