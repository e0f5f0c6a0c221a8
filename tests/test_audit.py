"""The audit log's hash chain: real processes writing at once, entries changed or removed
afterwards, a log from before the chain, a line a crash cut short, and `diktat store
verify-audit`."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from diktat.errors import InputError
from diktat.store.audit import GENESIS, AuditLog, verify

DIKTAT = [sys.executable, "-m", "diktat"]
WRITER = """
import sys
from diktat.store.audit import AuditLog
log = AuditLog(sys.argv[1])
for i in range(int(sys.argv[2])):
    log.record("note.structured", actor=sys.argv[3], note_id=f"t-{i:016x}")
"""


def lines(path) -> list[bytes]:
    return path.read_bytes().splitlines()


def test_processes_and_threads_writing_at_once_keep_one_chain(tmp_path):
    path = tmp_path / "audit.log"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), "40", f"proc{n}"])
             for n in range(2)]
    log = AuditLog(path)
    threads = [threading.Thread(target=lambda n=n: [
        log.record("job.done", actor=f"thread{n}", job_id=str(i)) for i in range(40)])
        for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(p.wait(timeout=60) == 0 for p in procs)
    result = verify(path)
    assert result.entries == 160 and result.chained_from == 1 and result.intact
    entries = [json.loads(line) for line in lines(path)]
    assert entries[0]["prev"] == GENESIS
    assert {e["actor"] for e in entries} == {"proc0", "proc1", "thread0", "thread1"}


def test_an_entry_changed_or_removed_afterwards_breaks_the_chain(tmp_path):
    path = tmp_path / "audit.log"
    log = AuditLog(path)
    for i in range(5):
        log.record("note.approved", actor="local", note_id=f"t-{i:016x}", user="sykepleier1")
    original = lines(path)
    assert verify(path).intact

    changed = list(original)
    changed[2] = changed[2].replace(b"sykepleier1", b"sykepleier2")
    path.write_bytes(b"\n".join(changed) + b"\n")
    assert verify(path).broken_at == 4  # the entry after the changed one no longer matches

    path.write_bytes(b"\n".join(original[:1] + original[2:]) + b"\n")
    assert verify(path).broken_at == 2

    path.write_bytes(b"\n".join(original[1:]) + b"\n")  # the first entry removed
    assert verify(path).broken_at == 1

    path.write_bytes(b"\n".join(original[:2] + [b"[]", b"123"] + original[2:]) + b"\n")
    assert verify(path).breaks == (5,)  # lines that are not entries do not crash the check


def test_a_log_from_before_the_chain_is_continued(tmp_path):
    path = tmp_path / "audit.log"
    old = [json.dumps({"time": "2026-11-01T10:00:00+00:00", "actor": "local",
                       "action": "server.started"}) for _ in range(3)]
    path.write_text("\n".join(old) + "\n", encoding="utf-8")
    AuditLog(path).record("server.started", actor="local")
    AuditLog(path).record("note.structured", actor="local", note_id="t-0123456789abcdef")
    result = verify(path)
    assert result.entries == 5 and result.chained_from == 4 and result.intact


def test_a_line_a_crash_cut_short_is_named_and_later_changes_still_found(tmp_path):
    path = tmp_path / "audit.log"
    log = AuditLog(path)
    log.record("server.started", actor="local")
    with path.open("ab") as out:
        out.write(b'{"time": "2026-11-24T10:00:00+00:00", "act')  # killed mid-write
    for i in range(3):
        log.record("note.structured", actor="local", note_id=f"t-{i:016x}")
    entries = lines(path)
    assert len(entries) == 5 and json.loads(entries[2])["action"] == "note.structured"
    result = verify(path)
    assert result.intact and result.cut == (2,)  # a crash, not a change
    path.write_bytes(path.read_bytes().replace(b"t-0000000000000001", b"t-00000000000000ff"))
    result = verify(path)
    assert result.breaks == (5,) and result.cut == (2,)  # checked past the cut line


def test_a_write_the_disk_cuts_short_leaves_no_half_entry(tmp_path):
    path = tmp_path / "audit.log"
    AuditLog(path).record("server.started", actor="local")
    before = path.read_bytes()
    child = f"""
import resource, sys
from diktat.store.audit import AuditLog
from diktat.errors import OutputError
resource.setrlimit(resource.RLIMIT_FSIZE, ({len(before) + 40}, resource.RLIM_INFINITY))
import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
try:
    AuditLog(sys.argv[1]).record("note.approved", actor="local", note_id="t-0123456789abcdef")
except OutputError as exc:
    print("refused:", exc)
"""
    run = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True,
                         text=True, timeout=60)
    assert "refused: cannot write the audit log" in run.stdout, run.stderr
    assert path.read_bytes() == before  # the fragment was taken back


def test_verify_audit_on_the_command_line(tmp_path):
    path = tmp_path / "audit.log"
    for i in range(3):
        AuditLog(path).record("job.done", actor="local", job_id=str(i))
    ok = subprocess.run([*DIKTAT, "store", "verify-audit", "--log", str(path)],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "3 entries, chained from line 1: intact" in ok.stdout
    path.write_bytes(path.read_bytes().replace(b'"job_id": "1"', b'"job_id": "9"'))
    broken = subprocess.run([*DIKTAT, "store", "verify-audit", "--log", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1 and "BROKEN at line(s) 3" in broken.stdout
    unchained = b"\n".join(
        json.dumps({k: v for k, v in json.loads(line).items() if k != "prev"}).encode()
        for line in lines(path)) + b"\n"
    path.write_bytes(unchained)  # the chain stripped: not accepted as fine
    stripped = subprocess.run([*DIKTAT, "store", "verify-audit", "--log", str(path)],
                              capture_output=True, text=True, timeout=120)
    assert stripped.returncode == 1 and "none chained" in stripped.stdout
    with pytest.raises(InputError):
        verify(tmp_path / "missing.log")
