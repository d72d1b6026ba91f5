"""Import the heavy data libraries whole, once, before any session's script goes further.

Each browser session runs app.py in a thread of its own, and on a fresh server the first
sessions used to import pandas and pyarrow lazily (Streamlit, polars and plotly import them on
first use) all at the same moment. Python makes a thread that imports a module wait until that
module is complete, but plotly and narwhals look pandas up in `sys.modules` without importing it,
so they found it half-initialised: a crowd of first visitors got error pages ("partially
initialized module 'pandas' has no attribute 'Series'"). Lazy imports of libraries that import
each other (pandas and pyarrow) from several threads can also hand one thread a half-made module.

app.py imports this module first. Python runs its body once, in one thread, and every other
session importing it waits until it has finished, so no page starts before these are whole.
"""
import numpy  # noqa: F401
import pandas  # noqa: F401
import pyarrow  # noqa: F401
import polars  # noqa: F401
import plotly.express  # noqa: F401
import plotly.graph_objects  # noqa: F401
