"""The Streamlit layer: caches, data sources and settings, controls, tables, navigation."""
