"""routelab's llama.cpp server: llama-cpp-python's OpenAI-compatible server, with every model
of its config kept loaded (`python -m app.models.llama_serve --config_file FILE`).

llama-cpp-python's server holds one model at a time: asking for another closes the first
and loads the second. With routelab's two local models every switch between them (two
Playground columns, each hand-off of a token router) reloaded a model, about 6 s on 2
cores, and threw away the prompt the model had just read. Both are small (about 100 and
250 MB), so both stay loaded, and each keeps its prompt cache between calls: continuing an
answer reads only the new tokens.
"""

from __future__ import annotations

from llama_cpp.server.model import LlamaProxy


class KeepLoaded(LlamaProxy):
    """LlamaProxy that loads each model once and keeps it."""

    def __init__(self, models) -> None:
        super().__init__(models)  # loads the default model
        self._loaded = {self._current_model_alias: self._current_model}

    def __call__(self, model: str | None = None):
        alias = model if model in self._model_settings_dict else self._default_model_alias
        if alias not in self._loaded:
            self._loaded[alias] = self.load_llama_from_model_settings(
                self._model_settings_dict[alias])
        self._current_model, self._current_model_alias = self._loaded[alias], alias
        return self._loaded[alias]

    def free(self) -> None:
        for llama in self._loaded.values():
            llama.close()
        self._loaded.clear()
        self._current_model = None


def main() -> None:
    from llama_cpp.server import __main__ as server_main
    from llama_cpp.server import app as server_app

    server_app.LlamaProxy = KeepLoaded  # the name create_app builds its proxy from
    server_main.main()


if __name__ == "__main__":
    main()
