"""MiniLM run by OpenVINO gives sentence-transformers' tokens and vectors, keeps its
converted network for the next process, sends no telemetry, and gives way to PyTorch."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import numpy as np
import pytest

from app import settings
from app.embed import embeddings, openvino_minilm
from app.embed.embeddings import MiniLM
from tests.conftest import REPO

pytestmark = pytest.mark.slow
pytest.importorskip("openvino", reason="openvino is not installed (pip install -e .)")

LONG = " ".join(f"word{i} of a prompt far longer than the model's 256 tokens" for i in range(80))


def _texts() -> list[str]:
    """Real prompts of every task of the built-in demo, and the edges a log may hold."""
    lines = (REPO / "data/demo/prompts.jsonl").read_text().splitlines()
    demo = [json.loads(line)["prompt"] for line in lines[::6]]
    return demo + [LONG, "", "   ", "café ünïcödé 日本語 🙂", "a\tb\nc", "İstanbul"]


@pytest.fixture(scope="module")
def pytorch():
    return MiniLM(bf16=False)


@pytest.fixture(scope="module")
def openvino_f32():
    return openvino_minilm.OpenVinoMiniLM(bf16=False)


def test_the_same_tokens_as_sentence_transformers(pytorch, openvino_f32):
    texts = _texts()
    theirs = pytorch.model.tokenizer(texts, padding=True, truncation=True,
                                     max_length=pytorch.model.max_seq_length,
                                     return_tensors="np")
    ours = openvino_f32.tokenize(texts)
    assert ours["input_ids"].shape == (len(texts), 256)  # LONG is cut at the model's cap
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        assert np.array_equal(ours[name], theirs[name]), name


@pytest.mark.parametrize("bf16", [False, True])
def test_the_same_vectors_as_pytorch_float32(pytorch, openvino_f32, bf16):
    """Kept as MiniLM's own vectors (one cache, one name) only because they stay within
    cosine 0.9999 of PyTorch's float32 and every text keeps its nearest neighbour (up to a
    near tie), in bulk and one query at a time."""
    texts = _texts()
    encoder = openvino_f32 if not bf16 else openvino_minilm.OpenVinoMiniLM(bf16=True)
    reference, vectors = pytorch.encode(texts), encoder.encode(texts)
    assert vectors.shape == reference.shape and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() > 0.9999
    similar = reference @ reference.T
    np.fill_diagonal(similar, -np.inf)
    ours = vectors @ vectors.T
    np.fill_diagonal(ours, -np.inf)
    picked = similar[np.arange(len(texts)), ours.argmax(axis=1)]
    # PyTorch's bfloat16 too swaps two demo prompts 0.0000005 apart; nothing further
    assert (similar.max(axis=1) - picked).max() < 1e-4
    assert np.mean(ours.argmax(axis=1) == similar.argmax(axis=1)) > 0.98
    one = encoder.encode(texts[:1])[0]
    assert one @ reference[0] > 0.9999 and np.allclose(one, vectors[0], atol=1e-2)


def test_a_second_load_reads_the_saved_network(tmp_path, monkeypatch, openvino_f32):
    monkeypatch.setattr(settings, "MODELS_DIR", tmp_path / "models")
    converted = []
    real = openvino_minilm._convert
    monkeypatch.setattr(openvino_minilm, "_convert",
                        lambda folder: converted.append(folder) or real(folder))
    first = openvino_minilm.OpenVinoMiniLM()
    saved = openvino_minilm.network_dir()
    assert len(converted) == 1 and (saved / "model.xml").is_file()
    assert saved.parent == tmp_path / "models" / "openvino"
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # no scratch left over

    def no_conversion(folder):
        raise AssertionError("converted again although the network was saved")
    monkeypatch.setattr(openvino_minilm, "_convert", no_conversion)
    second = openvino_minilm.OpenVinoMiniLM()
    texts = _texts()
    assert np.array_equal(first.encode(texts), second.encode(texts))
    assert np.allclose(first.encode(texts), openvino_f32.encode(texts), atol=1e-6)


def test_a_damaged_saved_network_is_converted_again(tmp_path, monkeypatch, caplog,
                                                    openvino_f32):
    monkeypatch.setattr(settings, "MODELS_DIR", tmp_path / "models")
    openvino_minilm.OpenVinoMiniLM()
    weights = openvino_minilm.network_dir() / "model.bin"
    weights.write_bytes(weights.read_bytes()[:1_000_000])  # an interrupted copy
    with caplog.at_level(logging.WARNING):
        repaired = openvino_minilm.OpenVinoMiniLM()
    assert "cannot be read" in caplog.text and "converting it again" in caplog.text
    assert weights.stat().st_size > 80_000_000  # saved whole again
    texts = _texts()
    assert np.allclose(repaired.encode(texts), openvino_f32.encode(texts), atol=1e-6)


def test_an_unwritable_models_folder_still_encodes(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(settings, "MODELS_DIR", blocker)
    with caplog.at_level(logging.WARNING):
        encoder = openvino_minilm.OpenVinoMiniLM()
    assert encoder.encode(["still works"]).shape == (1, 384)
    assert "could not keep MiniLM's OpenVINO network" in caplog.text


def test_pytorch_runs_it_when_asked_or_when_openvino_fails(monkeypatch, caplog):
    monkeypatch.setenv("ROUTELAB_EMBED_BACKEND", "torch")
    assert isinstance(embeddings.load_minilm(), MiniLM)
    monkeypatch.delenv("ROUTELAB_EMBED_BACKEND")
    assert isinstance(embeddings.load_minilm(), openvino_minilm.OpenVinoMiniLM)

    def broken(**kwargs):
        raise RuntimeError("no CPU plugin")
    monkeypatch.setattr(openvino_minilm, "OpenVinoMiniLM", broken)
    with caplog.at_level(logging.WARNING):
        assert isinstance(embeddings.load_minilm(), MiniLM)
    assert "OpenVINO cannot run all-MiniLM-L6-v2 here (RuntimeError: no CPU plugin)" in caplog.text
    assert openvino_minilm.NAME == embeddings.DEFAULT_ENCODER


def test_converting_sends_no_telemetry(tmp_path):
    """OpenVINO's converter sends usage events unless the machine opted out; routelab keeps
    its telemetry module out, so nothing is written to the user's home (where it would
    keep a client id) and the converter's stub is used instead."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from app import settings\n"
        f"settings.MODELS_DIR = Path({str(tmp_path / 'models')!r})\n"
        "from app.embed.openvino_minilm import OpenVinoMiniLM\n"
        "OpenVinoMiniLM().encode(['hello'])\n"
        "print(sys.modules['openvino_telemetry'], "
        "'openvino.tools.ovc.telemetry_stub' in sys.modules)\n")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["None", "True"]
    assert (tmp_path / "models" / "openvino").is_dir()
    assert list(home.iterdir()) == []  # no ~/intel/openvino_ga_cid
