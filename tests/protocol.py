"""A Streamlit session driven over Streamlit's own websocket protocol, without a browser.

The browser load test (tests/load.py) runs 20 Chromium tabs on the machine that serves
them; on 2 cores the tabs' parsing and drawing, not the server, set its times. A user's
browser runs on the user's machine, so the server's capacity is measured here the way a
load generator measures any server: a client that speaks the protocol (protobuf BackMsg /
ForwardMsg on /_stcore/stream, Streamlit's own message classes), asks for a page, sets
widgets and presses buttons as the frontend would, and times each request from the
message sent to the run's end (its `script_finished`), reading the page's elements from
the deltas it received. Whole-page runs only: a fragment's run would end the wait and
replace the page with the fragment's elements.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

# a run's end that leaves nothing to run; FINISHED_EARLY_FOR_RERUN means another run follows
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


@dataclass
class Page:
    """The elements a run drew, by delta path (a rerun replaces what it redraws)."""

    elements: dict = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)

    def find(self, kind: str, label: str | None = None) -> list:
        """Elements of a proto kind ('button', 'button_group', 'progress', ...), with a
        label when given, in page order."""
        found = []
        for path in sorted(self.elements):
            element = self.elements[path]
            if element.WhichOneof("type") != kind:
                continue
            inner = getattr(element, kind)
            if label is None or getattr(inner, "label", None) == label:
                found.append(inner)
        return found


class Session:
    """One browser-less session of a Streamlit app: `await Session.open(url, page)`."""

    def __init__(self, socket, page_name: str, query_string: str = ""):
        self.socket = socket
        self.page_name = page_name
        self.query_string = query_string  # e.g. "dataset=scale", as in the page's URL
        self.page = Page()
        self.widgets: dict[str, WidgetState] = {}  # values set so far, sent on every run

    @classmethod
    async def open(cls, url: str, page_name: str, timeout: float = 120.0,
                   query_string: str = "") -> Session:
        import websockets

        socket = await websockets.connect(
            url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
            max_size=None, open_timeout=timeout)
        return cls(socket, page_name, query_string)

    async def run(self, trigger: str | None = None, timeout: float = 120.0) -> float:
        """Rerun the page with the widgets set so far (and a button `trigger`, by widget
        id); seconds until the run, and any rerun it asked for, finished."""
        message = BackMsg()
        state = message.rerun_script
        state.page_name = self.page_name
        state.query_string = self.query_string
        for widget in self.widgets.values():
            state.widget_states.widgets.append(widget)
        if trigger:
            state.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        try:
            await asyncio.wait_for(self._until_finished(), timeout)
        except TimeoutError:
            raise TimeoutError(f"the {self.page_name or 'main'} page's run had not finished "
                               f"after {timeout:g} s") from None
        return time.perf_counter() - started

    def set(self, widget_id: str, **value) -> None:
        """Set a widget's value for the next runs, e.g. string_array_value=..."""
        state = WidgetState(id=widget_id)
        for name, given in value.items():
            target = getattr(state, name)
            if hasattr(target, "data"):  # an array value
                target.data.extend(given)
            else:
                setattr(state, name, given)
        self.widgets[widget_id] = state

    async def _until_finished(self) -> None:
        """Read messages until a run ends with nothing left to run (st.rerun starts a
        new one after FINISHED_EARLY_FOR_RERUN)."""
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.socket.recv())
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.page = Page()
            elif kind == "delta":
                path = tuple(message.metadata.delta_path)
                delta = message.delta
                if delta.WhichOneof("type") == "new_element":
                    self.page.elements[path] = delta.new_element
                    if delta.new_element.WhichOneof("type") == "exception":
                        self.page.exceptions.append(delta.new_element.exception.message)
            elif kind == "script_finished":
                if message.script_finished in DONE:
                    return
                if message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    raise RuntimeError(f"the run ended with status {message.script_finished}")

    async def close(self) -> None:
        await self.socket.close()
