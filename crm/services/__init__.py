"""Write operations of the core, one module per topic."""
