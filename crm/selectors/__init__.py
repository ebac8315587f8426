"""Reads of the core app with their joins, one module per topic."""
