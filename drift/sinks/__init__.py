"""Sinks: everything that reads a DriftReport and writes it somewhere (never the registry)."""
