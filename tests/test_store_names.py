"""`NoteId`: the one place a note id is parsed (a dictation session's id, or a text note's)."""

from __future__ import annotations

import pytest

from diktat.errors import InputError
from diktat.store.names import NoteId


def test_parse_tells_the_kind():
    assert NoteId.parse("20260101-120000-abcdef") == NoteId("session", "20260101-120000-abcdef")
    assert NoteId.parse("t-0123456789abcdef") == NoteId("text", "t-0123456789abcdef")
    assert NoteId.parse("t-0123456789abcdef").is_session is False
    assert str(NoteId.parse("t-0123456789abcdef")) == "t-0123456789abcdef"


@pytest.mark.parametrize("bad", [
    "", "t-XYZ", "t-0123456789abcdef\n", "t-0123456789ABCDEF", "20260101-120000-abcdef/..", "..",
    "t-shirts", "../t-0123456789abcdef",
])
def test_a_bad_id_is_refused_with_the_forms_it_may_take(bad):
    with pytest.raises(InputError, match="not a note id made by this server"):
        NoteId.parse(bad)
    assert NoteId.match(bad) is None


def test_an_id_of_the_wrong_kind_cannot_be_made():
    with pytest.raises(InputError):
        NoteId("session", "t-0123456789abcdef")


def test_new_ids_parse_back_as_their_kind():
    for made in (NoteId.new_session(), NoteId.new_text()):
        assert NoteId.parse(made.value) == made
    assert NoteId.new_text() != NoteId.new_text()
