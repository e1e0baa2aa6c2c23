"""Collect on a Ray cluster: each model call is a Ray task, each answer is written here.

The tasks run `collect.ask` (ask and score, no store) anywhere on the cluster and return
plain data; the driver commits each answer through its one DuckDB writer as it arrives, so
resuming works exactly as in-process: an interruption loses only the calls in flight.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from app.data.collect import Tally, ask, examples_for, record
from app.embed.ray_embed import connect
from app.models.pool import ModelSpec

if TYPE_CHECKING:
    from app.data.collect import _Context


def run_on_ray(pending, pool: dict[str, ModelSpec], context: _Context, concurrency: int,
               tally: Tally, stop: threading.Event | None) -> None:
    """At most `concurrency` calls in flight on the cluster; each answer committed at once."""
    ray = connect()
    stop = stop or threading.Event()
    # A model call waits on a server, not on a CPU: reserving none keeps `concurrency` the
    # only bound on calls in flight, as it is in-process (a 2-CPU Ray would cap it at 2).
    remote_ask = ray.remote(ask).options(num_cpus=0)
    work = iter(pending)
    running = {}  # ObjectRef -> (item, model) of the calls in flight
    try:
        while True:
            while len(running) < max(1, concurrency) and not stop.is_set():
                job = next(work, None)
                if job is None:
                    break
                item, model = job
                ref = remote_ask.remote(item, pool[model], examples_for(item, context),
                                        context.judge)
                running[ref] = job
            if not running:
                break
            finished, _ = ray.wait(list(running), num_returns=1)
            for ref in finished:
                item, model = running.pop(ref)
                tally(*record(context, item, pool[model], ray.get(ref)))
    except BaseException:
        stop.set()  # Ctrl-C or a closed page: drop the calls in flight, start nothing new
        for ref in running:
            ray.cancel(ref)
        raise
