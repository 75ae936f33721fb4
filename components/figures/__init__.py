"""Figures: plotly charts and pydeck maps built from engine results (never Streamlit)."""
