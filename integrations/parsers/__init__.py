"""Pure-Python parsers for files that cross the CRM boundary (no models, no database)."""
