"""Reusable Streamlit widgets (the only part of app/ besides main/resources that uses st)."""
