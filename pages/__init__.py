"""Thin Streamlit page scripts, run by st.navigation from app/main.py."""
