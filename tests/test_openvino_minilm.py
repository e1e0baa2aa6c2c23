"""MiniLM run by OpenVINO gives sentence-transformers' tokens and vectors, keeps its
converted network for the next process, sends no telemetry, and gives way to PyTorch."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app import settings
from app.embed import embeddings, openvino_minilm
from app.embed.embeddings import MiniLM
from tests.conftest import REPO

# find_spec, not importorskip: importing openvino here, before routelab does, would load
# its telemetry (import_openvino handles that too, tested below in a fresh process)
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    importlib.util.find_spec("openvino") is None,
    reason="openvino is not installed (pip install -e .)")]

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
    """Compared with the tokens sentence-transformers' own encode path feeds its model."""
    texts = _texts()
    theirs = pytorch.model.tokenize(texts)
    ours = openvino_f32.tokenize(texts)
    assert ours["input_ids"].shape == (len(texts), 256)  # LONG is cut at the model's cap
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        assert np.array_equal(ours[name], theirs[name].numpy()), name


@pytest.mark.parametrize("bf16", [False, True])
def test_the_same_vectors_as_pytorch_float32(pytorch, openvino_f32, bf16):
    """Kept as MiniLM's own vectors (one cache, one name) only because they stay within
    cosine 0.9999 of PyTorch's float32 and every text keeps its nearest neighbour (up to a
    near tie), in bulk and one query at a time."""
    texts = _texts()
    encoder = openvino_f32 if not bf16 else openvino_minilm.OpenVinoMiniLM(bf16=True)
    if encoder.precision != ("bf16" if bf16 else "f32"):
        pytest.skip(f"this CPU runs {encoder.precision} when asked for bf16")
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


@pytest.mark.parametrize("failure", ["a file in the way", "save_model fails"])
def test_an_unwritable_models_folder_still_encodes(tmp_path, monkeypatch, caplog, failure):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(settings, "MODELS_DIR", blocker if failure == "a file in the way"
                        else tmp_path / "models")
    if failure == "save_model fails":
        openvino = openvino_minilm.import_openvino()

        def full_disk(*args, **kwargs):
            raise RuntimeError("Couldn't create directory")  # what save_model raises
        monkeypatch.setattr(openvino, "save_model", full_disk)
    with caplog.at_level(logging.WARNING):
        encoder = openvino_minilm.OpenVinoMiniLM()
    assert encoder.encode(["still works"]).shape == (1, 384)
    assert "could not keep MiniLM's OpenVINO network" in caplog.text


def test_pytorch_runs_it_when_asked_or_when_openvino_fails(monkeypatch, caplog):
    for asked in ("torch", "PyTorch"):
        monkeypatch.setenv("ROUTELAB_EMBED_BACKEND", asked)
        assert isinstance(embeddings.load_minilm(), MiniLM)
    monkeypatch.setenv("ROUTELAB_EMBED_BACKEND", "onnx")
    with caplog.at_level(logging.WARNING):
        assert isinstance(embeddings.load_minilm(), openvino_minilm.OpenVinoMiniLM)
    assert "ROUTELAB_EMBED_BACKEND is 'onnx'" in caplog.text
    monkeypatch.delenv("ROUTELAB_EMBED_BACKEND")
    assert isinstance(embeddings.load_minilm(), openvino_minilm.OpenVinoMiniLM)

    def broken(**kwargs):
        raise RuntimeError("no CPU plugin")
    monkeypatch.setattr(openvino_minilm, "OpenVinoMiniLM", broken)
    with caplog.at_level(logging.WARNING):
        assert isinstance(embeddings.load_minilm(), MiniLM)
    assert "OpenVINO cannot run all-MiniLM-L6-v2 here (RuntimeError: no CPU plugin)" in caplog.text
    assert openvino_minilm.NAME == embeddings.DEFAULT_ENCODER


CONVERT = (
    "from pathlib import Path\n"
    "from app import settings\n"
    "settings.MODELS_DIR = Path({models!r})\n"
    "from app.embed.openvino_minilm import OpenVinoMiniLM\n"
    "OpenVinoMiniLM().encode(['hello'])\n"
    "import openvino.tools.ovc.convert_impl as convert\n"
    "import openvino.tools.ovc.telemetry_utils as utils\n"
    "print(convert.tm.__name__, utils.tm.__name__)\n")


# what openvino_telemetry reads to stay silent in a CI job
CI_MARKERS = ("CI", "TF_BUILD", "JENKINS_URL")


def _convert_in_a_fresh_process(tmp_path, before: str = "") -> tuple[list[str], Path]:
    """(the lines printed, the empty HOME it ran with) of a process that runs `before`,
    then converts MiniLM into a folder of its own."""
    home = tmp_path / "home"
    home.mkdir()
    # as on a user's machine: OpenVINO's converter sends nothing where CI=true (as on CI),
    # which would hide a telemetry that routelab failed to keep out
    env = {name: value for name, value in os.environ.items() if name not in CI_MARKERS}
    env.update(HOME=str(home), HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    code = before + CONVERT.format(models=str(tmp_path / "models"))
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "models" / "openvino").is_dir()  # it did convert
    return done.stdout.splitlines(), home


def test_converting_sends_no_telemetry(tmp_path):
    """OpenVINO's converter sends usage events (38 for this conversion) unless the machine
    opted out, and importing openvino sends one; routelab keeps the telemetry module out,
    so its converter uses OpenVINO's own stub and nothing lands in the user's home (where
    the telemetry keeps a client id)."""
    printed, home = _convert_in_a_fresh_process(tmp_path)
    assert printed[-1].split() == ["openvino.tools.ovc.telemetry_stub"] * 2
    assert list(home.iterdir()) == []  # no ~/intel/openvino_ga_cid


def test_converting_sends_nothing_after_openvino_was_imported_first(tmp_path):
    """A process that imported openvino before routelab (a notebook, say) has the real
    telemetry loaded, and that import has sent its one event: routelab's conversion sends
    none on top. The sends are counted at the telemetry's backend, never made. Consent is
    given in the process: where the user opted out, the telemetry would send nothing and
    this test would show nothing."""
    count = ("from openvino_telemetry.utils import opt_in_checker as consent\n"
             "consent.OptInChecker.check = lambda self, *args, **kwargs: "
             "consent.ConsentCheckResult.ACCEPTED\n"
             "import openvino_telemetry.backend.backend_ga4 as ga4\n"
             "sent = []\n"
             "ga4.GA4Backend.send = lambda self, message: sent.append(message)\n"
             "import openvino\n"
             "on_import = len(sent)\n")
    printed, _ = _convert_in_a_fresh_process(
        tmp_path, count + "import atexit\n"
        "atexit.register(lambda: print('sends', on_import, len(sent)))\n")
    assert printed[-2].split() == ["openvino.tools.ovc.telemetry_stub"] * 2
    on_import, after = map(int, printed[-1].split()[1:])
    assert on_import >= 1 and after == on_import
