"""SQL, one module per subject. Functions take a Warehouse and Filters and return polars frames."""
