"""The store's master key and sealed files: made for an empty store only, refused when missing,
wrong or readable by others, rotated without losing anything; tampering is detected."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from diktat.store.keys import (
    StoreKeyError,
    StoreRoots,
    exclusive,
    open_keyring,
    read_key,
    rotate,
    shared,
)
from diktat.store.sealed import (
    HEADER_BYTES,
    Appender,
    Keyring,
    MasterKey,
    Reader,
    SealedDamaged,
    extent,
    read_file,
    write_document,
)
from diktat.store.sessions import SessionStore

SECRET = "Pasienten Kari Nordmann fikk Zyxoflamin 5 mg"


def store(tmp_path):
    return StoreRoots((tmp_path / "store" / "sessions", tmp_path / "store" / "notes",
                       tmp_path / "store" / "uploads"))


def test_a_key_is_made_for_an_empty_store_owner_only_and_announced(tmp_path):
    key_file = tmp_path / "config" / "store.key"
    made = []
    keys = open_keyring(key_file, store(tmp_path), on_created=made.append)
    assert [m.path for m in made] == [key_file]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert read_key(key_file).id == keys.current.id
    # opened again: the same key, nothing announced
    again = open_keyring(key_file, store(tmp_path), on_created=made.append)
    assert again.current.id == keys.current.id and len(made) == 1


def test_a_store_with_content_and_no_key_is_an_error_and_no_key_is_made(tmp_path):
    roots = store(tmp_path)
    keys = open_keyring(tmp_path / "k1", roots)
    SessionStore(roots.folders[0], keys).create(input_description="test").close()
    missing = tmp_path / "elsewhere" / "store.key"
    with pytest.raises(StoreKeyError, match="missing.*holds encrypted journal material"):
        open_keyring(missing, roots)
    assert not missing.exists()


def test_another_stores_key_is_refused_by_name(tmp_path):
    roots = store(tmp_path)
    keys = open_keyring(tmp_path / "right.key", roots)
    SessionStore(roots.folders[0], keys).create(input_description="test").close()
    open_keyring(tmp_path / "wrong.key", StoreRoots((tmp_path / "empty",)))
    with pytest.raises(StoreKeyError, match="is not the key this store was encrypted with"):
        open_keyring(tmp_path / "wrong.key", roots)


def test_a_key_file_others_can_read_is_refused(tmp_path):
    key_file = tmp_path / "store.key"
    open_keyring(key_file, store(tmp_path))
    os.chmod(key_file, 0o644)
    with pytest.raises(StoreKeyError, match="chmod 600"):
        open_keyring(key_file, store(tmp_path))


@pytest.mark.parametrize("content", [b"", b"not base64 at all\n", b"# only a comment\n"])
def test_a_file_that_is_no_key_is_refused(tmp_path, content):
    key_file = tmp_path / "store.key"
    key_file.write_bytes(content)
    os.chmod(key_file, 0o600)
    with pytest.raises(StoreKeyError, match="not a diktat store key"):
        read_key(key_file)


def test_a_plain_file_left_in_the_store_is_named_and_rotation_seals_it(tmp_path):
    roots = store(tmp_path)
    key_file = tmp_path / "store.key"
    open_keyring(key_file, roots)
    plain = roots.folders[1] / "t-0123456789abcdef" / "draft.json"
    plain.parent.mkdir(parents=True)
    plain.write_text('{"text": "' + SECRET + '"}', encoding="utf-8")
    with pytest.raises(StoreKeyError, match="not encrypted.*rotate-key"):
        open_keyring(key_file, roots)
    done = rotate(key_file, roots, lock=tmp_path / "lock")
    assert done.sealed == 1
    keys = open_keyring(key_file, roots)
    assert SECRET.encode() not in plain.read_bytes()
    assert SECRET in read_file(keys, plain).decode()


def test_rotation_rewraps_every_file_and_the_old_key_opens_nothing(tmp_path):
    roots = store(tmp_path)
    key_file = tmp_path / "store.key"
    old = open_keyring(key_file, roots)
    session = SessionStore(roots.folders[0], old).create(input_description="test")
    samples = np.sin(np.arange(48_000) / 7).astype(np.float32) * 0.5
    session.append_audio(samples)
    session.close()
    doc = roots.folders[1] / "t-0123456789abcdef" / "draft.json"
    doc.parent.mkdir(parents=True)
    write_document(old, doc, SECRET)
    body_before = doc.read_bytes()[HEADER_BYTES:]

    done = rotate(key_file, roots, lock=tmp_path / "lock")
    assert done.rewrapped == 3 and done.sealed == 0  # session.json, audio.pcm, draft.json
    new = open_keyring(key_file, roots)
    assert new.current.id != old.current.id and done.new_key_id == new.current.id.hex()
    assert doc.read_bytes()[HEADER_BYTES:] == body_before  # only the header changed
    assert read_file(new, doc).decode() == SECRET
    resumed = SessionStore(roots.folders[0], new).resume(session.id)
    assert resumed.samples_written == len(samples)
    resumed.close()
    with pytest.raises(Exception, match="another master key"):
        read_file(old, doc)
    old_file = tmp_path / "old.key"
    old_file.write_bytes(old.current.secret)
    os.chmod(old_file, 0o600)
    with pytest.raises(StoreKeyError, match="not the key this store"):
        open_keyring(old_file, roots)


def test_a_rotation_cut_short_is_finished_by_running_it_again(tmp_path):
    roots = store(tmp_path)
    key_file = tmp_path / "store.key"
    old = open_keyring(key_file, roots)
    docs = []
    for n in range(3):
        doc = roots.folders[1] / f"t-{n:016x}" / "draft.json"
        doc.parent.mkdir(parents=True)
        write_document(old, doc, f"{SECRET} {n}")
        docs.append(doc)
    pending_key = MasterKey.generate()
    pending = tmp_path / "store.key.new"
    pending.write_bytes(pending_key.secret)
    os.chmod(pending, 0o600)
    # as if the rotation had rewrapped the first file before it was killed
    write_document(Keyring(pending_key), docs[0], f"{SECRET} 0")
    both = open_keyring(key_file, roots)  # meanwhile both keys open the store
    assert [read_file(both, d).decode() for d in docs] == [f"{SECRET} {n}" for n in range(3)]
    done = rotate(key_file, roots, lock=tmp_path / "lock")
    assert done.rewrapped == 2 and not pending.exists()
    assert read_key(key_file).id == pending_key.id


def test_rotation_waits_for_no_one_while_the_store_is_in_use(tmp_path):
    roots = store(tmp_path)
    key_file = tmp_path / "store.key"
    open_keyring(key_file, roots)
    lock = tmp_path / "lock"
    with shared(lock), pytest.raises(Exception, match="another diktat process"):
        rotate(key_file, roots, lock=lock)
    with exclusive(lock), pytest.raises(Exception, match="being rotated"), shared(lock):
        pass


def test_tampering_with_a_sealed_file_is_detected(tmp_path):
    keys = Keyring(MasterKey.generate())
    folder = tmp_path / "t-0123456789abcdef"
    folder.mkdir()
    doc = folder / "draft.json"
    write_document(keys, doc, SECRET)
    data = bytearray(doc.read_bytes())
    data[-3] ^= 1
    doc.write_bytes(bytes(data))
    with pytest.raises(SealedDamaged, match="fails its check"):
        read_file(keys, doc)
    # a sealed file moved into another note's folder (or under another name) does not open
    other = tmp_path / "t-fedcba9876543210"
    other.mkdir()
    write_document(keys, folder / "draft.json", SECRET)
    (folder / "draft.json").rename(other / "draft.json")
    with pytest.raises(SealedDamaged, match="does not open"):
        read_file(keys, other / "draft.json")


def test_appended_records_survive_a_kill_and_a_torn_record_is_dropped(tmp_path):
    keys = Keyring(MasterKey.generate())
    path = tmp_path / "s" / "audio.pcm"
    path.parent.mkdir()
    writer = Appender(keys, path)
    for n in range(10):
        writer.append(bytes([n]) * 3200)
    writer.close()
    whole = path.stat().st_size
    with open(path, "ab") as f:
        f.write(b"\x00\x00\x0c\x90" + b"torn")  # a record cut short by a kill
    assert extent(path).plain_bytes == 32_000 and extent(path).end == whole
    again = Appender(keys, path)  # resumed: the torn tail is cut off first
    again.append(b"\xff" * 100)
    again.close()
    content = read_file(keys, path)
    assert content == b"".join(bytes([n]) * 3200 for n in range(10)) + b"\xff" * 100
    with Reader(keys, path) as reader:
        reader.seek(3199)
        assert reader.read(3) == b"\x00\x01\x01"
    assert b"\x05" * 64 not in path.read_bytes()


SIGKILL_WRITER = """
import sys
from pathlib import Path
from diktat.store.sealed import Appender, Keyring, MasterKey
writer = Appender(Keyring(MasterKey(bytes.fromhex(sys.argv[2]))), Path(sys.argv[1]))
n = 0
while True:
    writer.append(n.to_bytes(4, "big") * 400)
    n += 1
    print(n, flush=True)
"""


def test_a_process_killed_while_appending_keeps_every_acknowledged_record(tmp_path):
    key = MasterKey.generate()
    path = tmp_path / "s" / "audio.pcm"
    path.parent.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", SIGKILL_WRITER, str(path), key.secret.hex()],
                            stdout=subprocess.PIPE, text=True)
    try:
        acknowledged = [int(proc.stdout.readline()) for _ in range(300)][-1]
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    content = read_file(Keyring(key), path)
    assert len(content) // 1600 >= acknowledged
    assert content == b"".join(n.to_bytes(4, "big") * 400 for n in range(len(content) // 1600))


def test_a_foreign_file_beside_the_store_is_not_the_stores(tmp_path):
    """What retention leaves alone (a file or folder put there by hand) neither stops the store
    from opening nor is sealed by a rotation."""
    roots = store(tmp_path)
    key_file = tmp_path / "store.key"
    open_keyring(key_file, roots)
    foreign = [roots.folders[0] / "stille.wav", roots.folders[1] / "t-shirts" / "liste.txt",
               roots.folders[2] / "README"]
    for path in foreign:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("blå, grønn", encoding="utf-8")
    open_keyring(key_file, roots)
    assert rotate(key_file, roots, lock=tmp_path / "lock").sealed == 0
    assert [p.read_text(encoding="utf-8") for p in foreign] == ["blå, grønn"] * 3
