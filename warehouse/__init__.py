"""The warehouse contract (schema), the reference rollups, and the synthetic demo generator."""
