"""Figures, text and reports, without streamlit."""
