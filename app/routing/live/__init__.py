"""Routers that call models while they route (cascades, self-consistency, LLM-as-router,
multi-candidate + refine). They live in app/ because they do I/O; each reports every call
it made, so its true total cost and latency compare fairly with one-shot routers."""
