"""The engine: data, features, scaling, clustering, metrics (numpy, pandas, scikit-learn).

Plain typed functions that return small dataclasses. Nothing here draws or imports
Streamlit, plotly or pydeck; figures and ui build on these results.
"""
