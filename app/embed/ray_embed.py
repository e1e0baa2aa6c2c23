"""Beyond one machine: the Ray connection, and bulk embedding on Ray Data actors.

$ROUTELAB_RAY_ADDRESS (or the CLI's `--ray ADDRESS`) names the cluster, and its value goes
to `ray.init(address=...)`: "local" starts a throwaway Ray on this machine, inside this
process; "auto" joins the cluster `ray start` began on this machine; "host:6379" joins a
cluster's head from one of its nodes; "ray://host:10001" goes through Ray Client (needs
ray[client]). Unset, nothing imports ray. Every node needs routelab's environment (the
same checkout, `pip install -e '.[ray]'`).

Embedding runs as Ray Data `map_batches` over a pool of actors, each loading the encoder
once. Vectors come back with their positions; the driver writes them through its one
DuckDB connection, under the same (encoder, text hash) key as the in-process path.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Sequence

import numpy as np

RAY_ADDRESS_VAR = "ROUTELAB_RAY_ADDRESS"
# Switches a remote cluster's workers must share with the driver (a local Ray inherits the
# whole environment). Never provider keys: each node holds its own.
FORWARDED_ENV = ("ROUTELAB_EMBED_BF16", "ROUTELAB_EMBED_BACKEND", "ROUTELAB_LLAMA_PORT",
                 "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "LITELLM_LOCAL_MODEL_COST_MAP")


class RayProblem(RuntimeError):
    """Ray was asked for and cannot be used; the message says what to do."""


def ray_address() -> str | None:
    """The cluster named by $ROUTELAB_RAY_ADDRESS, or None to stay in-process."""
    return os.environ.get(RAY_ADDRESS_VAR, "").strip() or None


def connect():
    """The ray module, joined to the cluster $ROUTELAB_RAY_ADDRESS names (once a process)."""
    address = ray_address()
    if address is None:
        raise RayProblem(f"{RAY_ADDRESS_VAR} is not set")
    try:
        import ray
    except ImportError:
        raise RayProblem(f"{RAY_ADDRESS_VAR} is '{address}' but ray is not installed: run "
                         f".venv/bin/pip install -e '.[ray]', or unset {RAY_ADDRESS_VAR} to "
                         "work on this machine alone.") from None
    if ray.is_initialized():
        return ray
    _check_reachable(address)
    if address == "local":  # its workers inherit this process's environment
        options = {"num_cpus": os.cpu_count() or 2, "include_dashboard": False}
    else:  # a job-wide runtime_env costs seconds per actor pool: only where it is needed
        forwarded = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
        options = {"runtime_env": {"env_vars": forwarded}} if forwarded else {}
    try:
        ray.init(address=address, logging_level=logging.WARNING, **options)
    except (ConnectionError, ValueError, TimeoutError, RuntimeError) as exc:
        raise RayProblem(f"{RAY_ADDRESS_VAR} is '{address}' and Ray cannot use it: {exc} "
                         f"Use 'local', 'auto', host:port or ray://host:port, or unset "
                         f"{RAY_ADDRESS_VAR}.") from None
    _quiet_ray_data(ray)
    return ray


def _quiet_ray_data(ray) -> None:
    """routelab shows its own progress: Ray Data's bars and console log would break its
    line, so they go; its full log stays in the session's ray-data.log."""
    ray.data.DataContext.get_current().enable_progress_bars = False
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setLevel(logging.ERROR)


def _check_reachable(address: str) -> None:
    """Fail in seconds: ray.init waits minutes on a head that is not there."""
    if address in ("local", "auto"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not (host and port.isdigit()):
        raise RayProblem(f"{RAY_ADDRESS_VAR} is '{address}', which is none of 'local', "
                         "'auto', host:port or ray://host:port.")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError:
        raise RayProblem(f"{RAY_ADDRESS_VAR} is '{address}', where no Ray cluster answers: "
                         "start one (ray start --head) or fix the address; 'local' runs Ray "
                         f"on this machine, and unsetting {RAY_ADDRESS_VAR} works without "
                         "Ray.") from None


class EncodeBatch:
    """A Ray Data actor: loads the encoder once, then encodes one batch per call."""

    def __init__(self, encoder: str):
        from app.embed.embeddings import get_encoder

        self.encoder = get_encoder(encoder)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"pos": batch["pos"], "vec": self.encoder.encode(list(batch["text"]))}


def encode_batches(encoder: str, texts: Sequence[str], chunk: int
                   ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(positions in `texts`, vectors) per chunk, in whatever order the actors finish."""
    import pyarrow as pa

    ray = connect()
    # One block per chunk: each actor call encodes exactly the chunk the in-process path
    # would, so both paths batch (and pick bf16) alike, and blocks spread over the actors.
    blocks = [pa.table({"pos": pa.array(range(start, min(start + chunk, len(texts))),
                                        pa.int64()),
                        "text": pa.array(texts[start:start + chunk], pa.string())})
              for start in range(0, len(texts), chunk)]
    actors = max(1, min(len(blocks), int(ray.cluster_resources().get("CPU", 1))))
    vectors = ray.data.from_arrow(blocks).map_batches(
        EncodeBatch, fn_constructor_args=(encoder,), batch_size=chunk, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=1)
    for batch in vectors.iter_batches(batch_size=None, batch_format="numpy"):
        yield batch["pos"], batch["vec"]


def encode(encoder: str, texts: Sequence[str], chunk: int) -> np.ndarray:
    """(n, d) vectors for `texts` (at least one), in input order, encoded on the cluster."""
    parts = list(encode_batches(encoder, list(texts), chunk))
    positions = np.concatenate([p for p, _ in parts])
    vectors = np.concatenate([v for _, v in parts])
    return vectors[np.argsort(positions)].astype(np.float32)
