"""Every session-state key the entrypoint, pages and views share, in one place.

Widget keys that only one widget reads stay beside that widget; a key two modules read
(a page and a view, or a key family like one vote per answer) lives here.
"""

from __future__ import annotations

import uuid

import streamlit as st

DATASET = "dataset"                 # the dataset picked in the sidebar (a name)
DATASET_PENDING = "dataset_pending"  # set by a page; applied before the picker renders
UPLOADS = "uploads"                 # file_id -> temp path of files uploaded this session
DOCTOR = "doctor_findings"          # the Models page's last health-check results
PAGE_CONTEXT = "page_context"       # the PageContext of this script run (app/ui/context.py)
SESSION_ID = "session_id"           # who votes: one id per browser session
PLAYGROUND_ROUND = "playground_round"  # the Playground's current prompt and its plans
PLAYGROUND_PROMPT = "playground_prompt"  # the Playground's prompt box
LABELLED = "labelled"               # dataset name -> query ids labelled this session
SKIPPED = "skipped"                 # query ids skipped on the Label page
LABEL_EVENTS = "label_events"       # the event ids of each label, for undo
IMPORT_RESULT = "import_result"     # what the last import said, shown once
POOL_HEALTH = "pool_health"         # model -> (reachable, message)
POOL_HEALTH_AT = "pool_health_at"
CONFIRM_DELETE = "confirm_delete"   # the Data page's delete checkbox


def voted(round_id: str, column: int) -> str:
    """The event id of the vote on a Playground column (None until voted)."""
    return f"voted_{round_id}_{column}"


def thumbs(round_id: str, column: int) -> str:
    """The thumbs widget of a Playground column."""
    return f"thumbs_{round_id}_{column}"


def label_sent(query_id: int, model: str) -> str:
    """Whether this session's label of an answer was recorded."""
    return f"sent_{query_id}_{model}"


def label_thumb(query_id: int, model: str) -> str:
    """The thumbs widget of an answer on the Label page."""
    return f"label_{query_id}_{model}"


def session_id() -> str:
    return st.session_state.setdefault(SESSION_ID, uuid.uuid4().hex)


def shown_default(key: str, set_this_run: bool, fallback):
    """The default for a keyed widget whose value the script sets through session state:
    the value shown. A browser that mounts the widget afresh (its first drawing overtaken
    by a quicker rerun) shows the widget's default and sends it back with the next click,
    which under load switched users to the first dataset listed. In the run that sets the
    value, `fallback` (the widget's own default): that run sends the value itself, and a
    default as well draws Streamlit's warning about setting both."""
    return fallback if set_this_run else st.session_state.get(key, fallback)
