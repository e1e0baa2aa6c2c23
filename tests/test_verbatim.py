"""Logged text shown literally: prose in st.text, indented text (code) monospaced."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _shown(text: str) -> AppTest:
    def script(text):
        from app.ui.verbatim import verbatim

        verbatim(text)

    return AppTest.from_function(script, args=(text,)).run()


def test_prose_is_plain_text_and_nothing_in_it_acts():
    hostile = "<b>bold?</b> **no** [link](http://x) $x$\nsecond line"
    app = _shown(hostile)
    assert not app.exception and not app.code
    assert app.text[0].value == hostile


def test_indented_text_keeps_its_columns_in_a_code_block():
    code = "def f(x):\n    return x + 1\n"
    app = _shown(code)
    assert not app.exception and not app.text
    assert app.code[0].value == code.rstrip("\n")  # st.code drops the last newline


def test_nothing_logged_says_so():
    assert _shown("").text[0].value == "(empty)"
