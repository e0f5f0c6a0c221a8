"""The model registry and store, on the real whisper-base packages and on small real packages."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

import diktat.cli.models  # noqa: F401  (registers the `models` group)
from diktat.cli.app import app
from diktat.errors import InputError, ModelCorrupt, ModelMissing
from diktat.models.registry import (
    REGISTRY,
    WHISPER_BASE,
    ModelFile,
    ModelSpec,
    PartRef,
    default_model,
    locate_parts,
    packages_present,
)
from diktat.models.store import MARKER_NAME, SHA_CACHE_NAME, ModelStore, sha256_file

MODEL_BIN_SHA = WHISPER_BASE.main_file.sha256
runner = CliRunner()


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def base_root(tmp_path_factory) -> Path:
    """A store with whisper-base assembled once for this module (145 MB); never modified."""
    root = tmp_path_factory.mktemp("store-base")
    ModelStore(root).resolve("whisper-base", kind="asr")
    return root


@pytest.fixture
def store_copy(base_root, tmp_path) -> ModelStore:
    """A private copy of the assembled store (mtimes preserved) that a test may damage."""
    root = tmp_path / "store"
    shutil.copytree(base_root / "whisper-base", root / "whisper-base")
    store = ModelStore(root)
    assert store.info("whisper-base").installed  # the copy passes the cheap check as is
    return store


def _make_parts_package(site: Path, blobs: list[bytes]) -> str:
    """A real installed package holding data/part{i}.bin files; returns its import name."""
    name = f"diktat_test_parts_{uuid.uuid4().hex[:8]}"
    pkg = site / name
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for i, blob in enumerate(blobs, 1):
        (pkg / "data" / f"part{i}.bin").write_bytes(blob)
    return name


def _tiny_spec(package: str, content: bytes, n_parts: int, sha256: str | None = None) -> ModelSpec:
    return ModelSpec(
        name="tiny",
        kind="llm",
        description="test model",
        licence="MIT",
        languages=("no",),
        files=(
            ModelFile(
                name="tiny.gguf",
                size=len(content),
                sha256=sha256 or hashlib.sha256(content).hexdigest(),
                parts=tuple(
                    PartRef(package=package, resource=f"data/part{i}.bin")
                    for i in range(1, n_parts + 1)
                ),
            ),
        ),
        pip_packages=("diktat-test-parts==1.0",),
    )


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A 3-part GGUF-like model in a package on sys.path: (spec, content, site dir)."""
    content = b"GGUF" + os.urandom(300_000)
    blobs = [content[:100_000], content[100_000:250_000], content[250_000:]]
    site = tmp_path / "site"
    package = _make_parts_package(site, blobs)
    monkeypatch.syspath_prepend(str(site))
    return _tiny_spec(package, content, 3), content, site


# -- registry ---------------------------------------------------------------------------------


def test_registry_has_one_default_per_kind():
    assert default_model("asr").name == "whisper-base"
    assert default_model("llm").name == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert WHISPER_BASE.main_file.name == "model.bin"
    assert WHISPER_BASE.size == 145_217_532 + 2_309 + 2_203_239 + 459_861


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_installed_parts_add_up_to_the_recorded_sizes(name):
    spec = REGISTRY[name]
    if not packages_present(spec):
        pytest.skip(f"packages of {name} are not installed: pip install {spec.pip_packages[0]} ...")
    sources = locate_parts(spec)
    for f in spec.files:
        assert sum(p.stat().st_size for p in sources[f.name]) == f.size


# -- whisper-base: assemble, reuse, rebuild ---------------------------------------------------


def test_whisper_base_is_assembled_and_verified(base_root):
    store = ModelStore(base_root)
    resolved = store.resolve("whisper-base")
    assert resolved.kind == "asr"
    assert resolved.path == base_root / "whisper-base"
    assert resolved.sha256 == MODEL_BIN_SHA
    assert sha256_file(resolved.path / "model.bin") == MODEL_BIN_SHA
    marker = json.loads((resolved.path / MARKER_NAME).read_text())
    assert marker["files"]["model.bin"]["size"] == 145_217_532
    assert not list(resolved.path.glob(".*.part"))
    result = store.verify("whisper-base")
    assert result.ok and not result.mismatches


def test_second_resolve_reuses_the_assembled_copy(base_root, caplog):
    before = {p.name: p.stat() for p in (base_root / "whisper-base").iterdir()}
    with caplog.at_level(logging.INFO, logger="diktat.models.store"):
        ModelStore(base_root).resolve("whisper-base", kind="asr")
    after = {p.name: p.stat() for p in (base_root / "whisper-base").iterdir()}
    assert {n: (s.st_ino, s.st_mtime_ns) for n, s in before.items()} == {
        n: (s.st_ino, s.st_mtime_ns) for n, s in after.items()
    }
    assert not caplog.records


def test_truncated_model_bin_is_detected_and_rebuilt(store_copy, caplog):
    model_bin = store_copy.model_dir("whisper-base") / "model.bin"
    os.truncate(model_bin, 1_000)
    with caplog.at_level(logging.WARNING, logger="diktat.models.store"):
        resolved = store_copy.resolve("whisper-base")
    assert "model.bin" in caplog.text and "rebuilding" in caplog.text
    assert model_bin.stat().st_size == 145_217_532
    assert resolved.sha256 == MODEL_BIN_SHA
    assert store_copy.verify("whisper-base").ok


def test_bytes_overwritten_in_the_middle_are_detected_and_rebuilt(store_copy, caplog):
    model_bin = store_copy.model_dir("whisper-base") / "model.bin"
    before = model_bin.stat().st_mtime_ns
    _flip_bytes(model_bin, 70_000_000)
    assert model_bin.stat().st_mtime_ns != before
    with caplog.at_level(logging.WARNING, logger="diktat.models.store"):
        store_copy.resolve("whisper-base")
    assert "model.bin" in caplog.text
    assert store_copy.verify("whisper-base").ok


def test_only_the_damaged_file_is_rebuilt(store_copy):
    target = store_copy.model_dir("whisper-base")
    model_ino = (target / "model.bin").stat().st_ino
    (target / "tokenizer.json").unlink()
    store_copy.resolve("whisper-base")
    assert (target / "model.bin").stat().st_ino == model_ino
    assert sha256_file(target / "tokenizer.json") == WHISPER_BASE.files[2].sha256


def test_interrupted_assembly_is_redone(store_copy, caplog):
    target = store_copy.model_dir("whisper-base")
    (target / MARKER_NAME).unlink()
    (target / ".model.bin.abc.part").write_bytes(b"left over by a crash")
    with caplog.at_level(logging.WARNING, logger="diktat.models.store"):
        store_copy.resolve("whisper-base")
    assert "incomplete" in caplog.text
    assert not list(target.glob(".*.part"))
    assert store_copy.info("whisper-base").installed


def test_verify_finds_corruption_behind_an_unchanged_mtime(store_copy):
    model_bin = store_copy.model_dir("whisper-base") / "model.bin"
    st = model_bin.stat()
    _flip_bytes(model_bin, 1_000_000)
    os.utime(model_bin, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert store_copy.info("whisper-base").installed  # the cheap check cannot see it
    result = store_copy.verify("whisper-base")
    assert not result.ok
    [bad] = result.mismatches
    assert bad.name == "model.bin" and bad.size == bad.expected_size
    assert bad.sha256 != MODEL_BIN_SHA
    store_copy.install("whisper-base", force=True)
    assert store_copy.verify("whisper-base").ok


def _flip_bytes(path: Path, offset: int, n: int = 16) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        data = fh.read(n)
        fh.seek(offset)
        fh.write(bytes(b ^ 0xFF for b in data))


# -- names and paths that do not work ---------------------------------------------------------


def test_unknown_name_lists_the_known_models(tmp_path):
    with pytest.raises(ModelMissing) as err:
        ModelStore(tmp_path).resolve("whisper-huge")
    message = str(err.value)
    assert "whisper-huge" in message
    assert all(name in message for name in REGISTRY)
    assert "--model PATH" in message and "GGUF" in message


def test_missing_packages_name_the_pip_install(tmp_path):
    content = b"GGUF" + b"x" * 100
    spec = _tiny_spec("diktat_no_such_package", content, 1)
    with pytest.raises(ModelMissing) as err:
        ModelStore(tmp_path, registry={"tiny": spec}).resolve("tiny")
    assert "pip install diktat-test-parts==1.0" in str(err.value)
    assert "diktat_no_such_package" in str(err.value)
    assert not (tmp_path / "tiny").exists()


def test_registry_name_of_the_wrong_kind(tmp_path):
    with pytest.raises(InputError, match="asr model"):
        ModelStore(tmp_path).resolve("whisper-base", kind="llm")


def test_path_that_does_not_exist(tmp_path):
    with pytest.raises(ModelMissing, match="does not exist"):
        ModelStore(tmp_path).resolve(str(tmp_path / "nb-whisper-small"))


# -- models given by path ---------------------------------------------------------------------


def test_local_whisper_directory_is_used_as_is(base_root, tmp_path):
    user_dir = tmp_path / "my-whisper"
    user_dir.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        shutil.copy2(base_root / "whisper-base" / name, user_dir / name)
    store = ModelStore(tmp_path / "store")
    resolved = store.resolve(str(user_dir), kind="asr")
    assert (resolved.name, resolved.kind, resolved.path) == ("my-whisper", "asr", user_dir)
    assert resolved.sha256 == MODEL_BIN_SHA and resolved.spec is None
    assert sorted(p.name for p in user_dir.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
    ]
    cache_path = store.root / SHA_CACHE_NAME
    cache = json.loads(cache_path.read_text())
    assert cache[str(user_dir / "model.bin")]["sha256"] == MODEL_BIN_SHA
    # The next run takes the checksum from the cache (shown by planting a different one) ...
    cache[str(user_dir / "model.bin")]["sha256"] = "0" * 64
    cache_path.write_text(json.dumps(cache))
    assert store.resolve(str(user_dir)).sha256 == "0" * 64
    # ... until the file changes.
    os.utime(user_dir / "model.bin")
    assert store.resolve(str(user_dir)).sha256 == MODEL_BIN_SHA


def test_directory_without_model_bin_is_rejected(tmp_path):
    user_dir = tmp_path / "not-a-model"
    user_dir.mkdir()
    (user_dir / "config.json").write_text("{}")
    with pytest.raises(InputError) as err:
        ModelStore(tmp_path / "store").resolve(str(user_dir), kind="asr")
    assert "model.bin missing" in str(err.value)
    assert "diktat models convert" in str(err.value)


def test_file_given_as_whisper_model_is_rejected(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\0" * 10)
    with pytest.raises(InputError, match="CTranslate2 directory"):
        ModelStore(tmp_path / "store").resolve(str(path), kind="asr")


def test_local_gguf_file(tmp_path):
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF" + b"\1" * 1000)
    resolved = ModelStore(tmp_path / "store").resolve(str(gguf))
    assert (resolved.kind, resolved.path) == ("llm", gguf)
    assert resolved.sha256 == hashlib.sha256(gguf.read_bytes()).hexdigest()


def test_file_without_gguf_signature_is_rejected(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_text("not a model")
    with pytest.raises(InputError, match="not a GGUF"):
        ModelStore(tmp_path / "store").resolve(str(path), kind="llm")


# -- assembling from parts --------------------------------------------------------------------


def test_parts_are_concatenated_in_order(tiny, tmp_path):
    spec, content, _ = tiny
    resolved = ModelStore(tmp_path / "store", registry={"tiny": spec}).resolve("tiny", kind="llm")
    assert resolved.path == tmp_path / "store" / "tiny" / "tiny.gguf"
    assert resolved.path.read_bytes() == content


def test_parts_with_the_wrong_content_are_refused(tiny, tmp_path):
    spec, content, _ = tiny
    bad = _tiny_spec(spec.packages[0], content, 3, sha256="0" * 64)
    store = ModelStore(tmp_path / "store", registry={"tiny": bad})
    with pytest.raises(ModelCorrupt, match="wrong sha256"):
        store.resolve("tiny")
    assert sorted(p.name for p in store.model_dir("tiny").iterdir()) == []


def test_parts_of_the_wrong_size_are_refused_before_copying(tiny, tmp_path):
    spec, content, _ = tiny
    short = _tiny_spec(spec.packages[0], content, 2)  # the first two parts only
    store = ModelStore(tmp_path / "store", registry={"tiny": short})
    with pytest.raises(ModelCorrupt, match="add up to"):
        store.resolve("tiny")
    assert not store.model_dir("tiny").exists()


def test_assembly_waits_for_the_lock_of_another_process(tiny, tmp_path):
    spec, content, _ = tiny
    store = ModelStore(tmp_path / "store", registry={"tiny": spec})
    store.root.mkdir()
    outcome: list = []
    with (store.root / ".tiny.lock").open("a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        worker = threading.Thread(target=lambda: outcome.append(store.resolve("tiny")))
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive() and not store.model_dir("tiny").exists()
        fcntl.flock(held, fcntl.LOCK_UN)
    worker.join(timeout=30)
    assert outcome and outcome[0].path.read_bytes() == content


def test_two_processes_assembling_at_once(tiny, tmp_path):
    spec, content, site = tiny
    code = (
        "import sys\n"
        "from diktat.models.registry import ModelSpec\n"
        "from diktat.models.store import ModelStore\n"
        "spec = ModelSpec.model_validate_json(sys.argv[2])\n"
        "print(ModelStore(sys.argv[1], registry={'tiny': spec}).resolve('tiny').sha256)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), *sys.path]))
    args = [sys.executable, "-c", code, str(tmp_path / "store"), spec.model_dump_json()]
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs == [hashlib.sha256(content).hexdigest()] * 2
    assert (tmp_path / "store" / "tiny" / "tiny.gguf").read_bytes() == content


# -- status and the CLI -----------------------------------------------------------------------


def test_list_models_reports_assembled_and_installed(base_root, tmp_path):
    rows = {s.name: s for s in ModelStore(base_root).list_models()}
    assert set(rows) == set(REGISTRY)
    base = rows["whisper-base"]
    assert base.installed and base.packages_present and base.path == base_root / "whisper-base"
    assert not ModelStore(tmp_path).info("whisper-base").installed


def test_cli_list(base_root):
    result = runner.invoke(app, ["models", "list", "--models-dir", str(base_root)])
    assert result.exit_code == 0, result.output
    assert "whisper-base" in result.output and "yes" in result.output


def test_cli_verify_ok(base_root):
    args = ["models", "verify", "whisper-base", "--models-dir", str(base_root)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.count("ok") >= 4


def test_cli_verify_mismatch_exits_non_zero(store_copy):
    _flip_bytes(store_copy.model_dir("whisper-base") / "config.json", 100, 4)
    result = runner.invoke(app, ["models", "verify", "--models-dir", str(store_copy.root)])
    assert result.exit_code == ModelCorrupt.exit_code, result.output
    assert "mismatch" in result.output and "--force" in result.output


def test_cli_install_and_info(tmp_path):
    args = ["models", "install", "whisper-base", "--models-dir", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert ModelStore(tmp_path).verify("whisper-base").ok
    result = runner.invoke(app, ["models", "info", "whisper-base", "--models-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "MIT" in result.output and MODEL_BIN_SHA[:16] in result.output


def test_cli_unknown_model_is_a_clean_error(tmp_path):
    result = runner.invoke(app, ["models", "info", "nope", "--models-dir", str(tmp_path)])
    assert result.exit_code == ModelMissing.exit_code
    assert "Unknown model 'nope'" in result.output
    assert "Traceback" not in result.output
