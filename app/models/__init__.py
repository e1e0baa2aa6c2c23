"""Calling models: the pool, LiteLLM, the local llama.cpp server, verifiers."""
