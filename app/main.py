"""routelab's Streamlit entrypoint: page config, the shared sidebar, and navigation.

Run from the repository root: `streamlit run app/main.py`. The entrypoint lives in app/ so
Streamlit does not switch to its legacy pages/ mode.
"""

from pathlib import Path

import streamlit as st

from app import settings

settings.force_offline()
# the tab icon from a file, sent inside the page: a ":material/...:" page icon has the
# browser fetch it from fonts.gstatic.com (a broken icon offline, and a request to Google)
st.set_page_config(page_title="routelab", layout="wide",
                   page_icon=str(Path(__file__).resolve().parent / "ui" / "favicon.svg"))

PAGES = Path(__file__).resolve().parent.parent / "pages"

# after set_page_config, which must come first
from app.embed.embeddings import EncoderProblem, default_encoder  # noqa: E402
from app.store.db import DatabaseLocked  # noqa: E402
from app.ui import context, profiling, resources, sidebar, state  # noqa: E402

try:
    store = resources.store()
except DatabaseLocked as exc:
    st.error(f"**The database is locked.** {exc}", icon=":material/lock:")
    st.stop()

try:
    default_encoder()
except EncoderProblem as exc:
    st.error(f"**Check the encoder setting.** {exc}.", icon=":material/settings:")
    st.stop()

resources.ensure_demo()
navigation = st.navigation([
    st.Page(PAGES / "data.py", title="Data", icon=":material/database:", default=True),
    st.Page(PAGES / "map.py", title="Map", icon=":material/scatter_plot:"),
    st.Page(PAGES / "routers.py", title="Routers", icon=":material/alt_route:"),
    st.Page(PAGES / "compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page(PAGES / "playground.py", title="Playground", icon=":material/chat:"),
    st.Page(PAGES / "label.py", title="Label", icon=":material/thumbs_up_down:"),
    st.Page(PAGES / "learning.py", title="Learning", icon=":material/insights:"),
    st.Page(PAGES / "models.py", title="Models", icon=":material/smart_toy:"),
])
with profiling.profiled(navigation.url_path):
    dataset = sidebar.dataset_picker(store)
    context.enter(context.PageContext(store, dataset, state.session_id()))
    st.title(navigation.title)
    navigation.run()
