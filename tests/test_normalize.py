"""Norwegian spoken-form normalisation: numbers, units, clock times, and the offset map."""

from __future__ import annotations

import random

import pytest

from diktat.norsk.normalize import (
    NormalizedText,
    normalize_spoken,
    parse_number_words,
    parse_quantity,
    spoken_number_to_int,
    spoken_number_to_text,
    tokenize,
)
from diktat.norsk.numbers import NumberMatch, Quantity, is_number_word


def check_offsets(result: NormalizedText) -> None:
    """Invariants every result must satisfy, whatever the input."""
    text, source, pieces = result.text, result.source, result.pieces
    if not source:
        assert (text, pieces) == ("", ())
        return
    # The pieces tile both strings, in order, without gaps.
    assert [p.start for p in pieces] == [0, *[p.end for p in pieces[:-1]]]
    assert [p.source_start for p in pieces] == [0, *[p.source_end for p in pieces[:-1]]]
    assert (pieces[-1].end if pieces else 0) == len(text)
    assert (pieces[-1].source_end if pieces else 0) == len(source)
    for p in pieces:
        if p.replaced:
            assert text[p.start : p.end] != source[p.source_start : p.source_end]
            # A replacement maps as a whole, from either side and from any part of it.
            assert result.to_source_span(p.start, p.end) == (p.source_start, p.source_end)
            assert result.to_source_span(p.start, p.start + 1) == (p.source_start, p.source_end)
            assert result.to_normalized_span(p.source_start, p.source_end) == (p.start, p.end)
        else:
            assert text[p.start : p.end] == source[p.source_start : p.source_end]
    # Untouched text maps character for character.
    for i in range(len(text)):
        s, e = result.to_source_span(i, i + 1)
        assert 0 <= s < e <= len(source)
        piece = next(p for p in pieces if p.start <= i < p.end)
        if not piece.replaced:
            expected = piece.source_start + i - piece.start
            assert (s, e) == (expected, expected + 1)
            assert source[s:e] == text[i]
    if text:
        assert result.to_source_span(0, len(text)) == (0, len(source))
    assert result.to_source_span(len(text), len(text)) == (len(source), len(source))


def assert_maps(result: NormalizedText, normalized: str, original: str) -> None:
    start = result.text.index(normalized)
    s, e = result.to_source_span(start, start + len(normalized))
    assert result.source[s:e] == original


# (spoken, normalised, [(span in normalised text, the original span it must map back to)])
CASES: list[tuple[str, str, list[tuple[str, str]]]] = [
    # cardinals, bokmål
    ("tre", "3", [("3", "tre")]),
    ("sytten", "17", [("17", "sytten")]),
    ("tjueen", "21", [("21", "tjueen")]),
    ("enogtjue", "21", [("21", "enogtjue")]),
    ("trettisju", "37", [("37", "trettisju")]),
    ("tretti sju", "37", [("37", "tretti sju")]),
    ("syvogtretti", "37", [("37", "syvogtretti")]),
    ("to og tjue", "22", [("22", "to og tjue")]),
    ("tjueto", "22", [("22", "tjueto")]),
    ("nittito", "92", [("92", "nittito")]),
    ("tyve", "20", []),
    ("tredve", "30", []),
    ("to og førr", "42", []),
    ("hundre og førti", "140", [("140", "hundre og førti")]),
    ("ett hundre og tjue", "120", [("120", "ett hundre og tjue")]),
    ("tusen fem hundre", "1500", [("1500", "tusen fem hundre")]),
    ("to tusen og tjue", "2020", [("2020", "to tusen og tjue")]),
    ("femten hundre milliliter", "1500 ml", [("1500 ml", "femten hundre milliliter")]),
    ("fire ganger i døgnet", "4 ganger i døgnet", [("4", "fire"), ("ganger i døgnet",) * 2]),
    ("Tre tabletter Paracet", "3 tabletter Paracet", [("3", "Tre"), ("tabletter",) * 2]),
    ("null", "0", []),
    # cardinals, nynorsk
    ("tjueein", "21", [("21", "tjueein")]),
    ("ein og tjue", "21", [("21", "ein og tjue")]),
    ("eitt hundre og tjue", "120", []),
    ("hundre og tjue", "120", []),
    ("tjuefem", "25", []),
    ("tjuge", "20", []),
    ("fyrti", "40", []),
    (
        "Ho fekk ein tablett klokka halv ni",
        "Ho fekk 1 tablett 08:30",
        [("1", "ein"), ("08:30", "klokka halv ni"), ("Ho fekk",) * 2],
    ),
    (
        "Pasienten fekk ti einingar insulin",
        "Pasienten fekk 10 IE insulin",
        [("10 IE", "ti einingar")],
    ),
    ("gav tjuefem mikrogram", "gav 25 mikrog", [("25 mikrog", "tjuefem mikrogram")]),
    (
        "Blodtrykket var hundre og tjue over sytti",
        "Blodtrykket var 120/70",
        [("120/70", "hundre og tjue over sytti")],
    ),
    (
        "Ho hadde trettiåtte komma seks grader",
        "Ho hadde 38,6 °C",
        [("38,6 °C", "trettiåtte komma seks grader")],
    ),
    ("eitt gram", "1 g", [("1 g", "eitt gram")]),
    # decimals
    ("temp trettisju komma fem", "temp 37,5", [("37,5", "trettisju komma fem")]),
    ("37 komma 5", "37,5", [("37,5", "37 komma 5")]),
    ("null komma fem", "0,5", [("0,5", "null komma fem")]),
    ("null komma null fem milligram", "0,05 mg", [("0,05 mg", "null komma null fem milligram")]),
    ("en komma fem milligram", "1,5 mg", []),
    ("37.5 grader", "37,5 °C", [("37,5 °C", "37.5 grader")]),
    ("temp 37.5", "temp 37,5", [("37,5", "37.5")]),
    ("to og en halv liter", "2,5 l", [("2,5 l", "to og en halv liter")]),
    ("halvannen tablett", "1,5 tablett", [("1,5", "halvannen")]),
    ("en halv tablett", "0,5 tablett", [("0,5", "en halv")]),
    # blood pressure
    ("hundre og førti over åtti", "140/80", [("140/80", "hundre og førti over åtti")]),
    ("BT 140 over 80", "BT 140/80", [("140/80", "140 over 80"), ("BT",) * 2]),
    ("blodtrykk 140 / 80", "blodtrykk 140/80", [("140/80", "140 / 80")]),
    (
        "hundre og tretti over nitti millimeter kvikksølv",
        "130/90 mmHg",
        [("130/90 mmHg", "hundre og tretti over nitti millimeter kvikksølv")],
    ),
    # clock times
    ("klokka halv åtte", "07:30", [("07:30", "klokka halv åtte")]),
    ("klokken kvart over tre", "03:15", [("03:15", "klokken kvart over tre")]),
    ("kvart på ni", "08:45", [("08:45", "kvart på ni")]),
    ("ti på halv fire", "03:20", [("03:20", "ti på halv fire")]),
    ("fem over halv to", "01:35", [("01:35", "fem over halv to")]),
    ("klokka fjorten tretti", "14:30", [("14:30", "klokka fjorten tretti")]),
    ("klokka åtte", "08:00", [("08:00", "klokka åtte")]),
    ("kl 8", "08:00", [("08:00", "kl 8")]),
    ("kl. 8 fikk hun mat", "08:00 fikk hun mat", [("08:00", "kl. 8"), ("fikk hun mat",) * 2]),
    ("14.30", "14:30", [("14:30", "14.30")]),
    ("kl. 14.30", "14:30", [("14:30", "kl. 14.30")]),
    ("klokka 8:30", "08:30", []),
    ("halv 8", "07:30", [("07:30", "halv 8")]),
    ("klokka ti over tre", "03:10", []),
    ("klokka fem på tre", "02:55", []),
    ("klokka halv ett", "12:30", []),
    ("kvart på ett", "12:45", []),
    ("klokka tjue tretti", "20:30", []),
    ("klokka atten null fem", "18:05", [("18:05", "klokka atten null fem")]),
    ("kl 1430", "kl 1430", []),
    (
        "klokka åtte fem milligram morfin",
        "08:00 5 mg morfin",
        [("08:00", "klokka åtte"), ("5 mg", "fem milligram")],
    ),
    ("Klokka tolv spiste hun", "12:00 spiste hun", [("12:00", "Klokka tolv")]),
    # units
    ("fem milligram", "5 mg", [("5 mg", "fem milligram")]),
    ("5 milligram", "5 mg", []),
    ("5mg", "5 mg", [("5 mg", "5mg")]),
    ("hundre mikrogram fentanyl", "100 mikrog fentanyl", [("100 mikrog", "hundre mikrogram")]),
    ("50 µg", "50 mikrog", []),
    ("to gram", "2 g", []),
    ("fem hundre milliliter", "500 ml", [("500 ml", "fem hundre milliliter")]),
    ("to liter oksygen", "2 l oksygen", [("2 l", "to liter"), ("oksygen",) * 2]),
    ("to liter i minuttet", "2 l/min", [("2 l/min", "to liter i minuttet")]),
    ("hundre milliliter per time", "100 ml/t", []),
    ("fem milligram per kilo", "5 mg/kg", []),
    ("metning nittito prosent", "metning 92 %", [("92 %", "nittito prosent")]),
    ("SpO2 92%", "SpO2 92 %", [("92 %", "92%"), ("SpO2",) * 2]),
    ("ti enheter insulin", "10 IE insulin", [("10 IE", "ti enheter")]),
    ("åtte internasjonale enheter", "8 IE", [("8 IE", "åtte internasjonale enheter")]),
    ("trettiåtte komma fem grader", "38,5 °C", [("38,5 °C", "trettiåtte komma fem grader")]),
    ("førti grader", "40 °C", []),
    ("hevet hodeenden tretti grader", "hevet hodeenden 30°", [("30°", "tretti grader")]),
    ("tretti grader celsius", "30 °C", []),
    (
        "fem komma fem millimol per liter",
        "5,5 mmol/l",
        [("5,5 mmol/l", "fem komma fem millimol per liter")],
    ),
    ("puls åtti slag i minuttet", "puls 80/min", [("80/min", "åtti slag i minuttet")]),
    ("resp seksten i minuttet", "resp 16/min", [("16/min", "seksten i minuttet")]),
    ("puls 80 per minutt", "puls 80/min", []),
    ("veier sytti kilo", "veier 70 kg", []),
    ("en milligram", "1 mg", [("1 mg", "en milligram")]),
    # a whole note: several replacements, untouched text between them maps 1:1
    (
        "Pasienten fikk fem milligram morfin klokka halv åtte. Blodtrykk hundre og førti over "
        "åtti, puls åtti, temp trettisju komma fem. Metning nittito prosent på to liter oksygen.",
        "Pasienten fikk 5 mg morfin 07:30. Blodtrykk 140/80, puls 80, temp 37,5. "
        "Metning 92 % på 2 l oksygen.",
        [
            ("5 mg", "fem milligram"),
            ("07:30", "klokka halv åtte"),
            ("140/80", "hundre og førti over åtti"),
            ("puls 80,", "puls åtti,"),
            ("37,5", "trettisju komma fem"),
            ("92 %", "nittito prosent"),
            ("2 l", "to liter"),
            ("Pasienten fikk",) * 2,
            (". Blodtrykk",) * 2,
        ],
    ),
]


@pytest.mark.parametrize(("spoken", "expected", "spans"), CASES, ids=[c[0][:40] for c in CASES])
def test_normalizes(spoken: str, expected: str, spans: list[tuple[str, str]]) -> None:
    result = normalize_spoken(spoken)
    assert result.text == expected
    assert result.source == spoken
    check_offsets(result)
    for normalized, original in spans:
        assert_maps(result, normalized, original)


@pytest.mark.parametrize("spoken", [c[0] for c in CASES], ids=[c[0][:40] for c in CASES])
def test_idempotent(spoken: str) -> None:
    once = normalize_spoken(spoken).text
    twice = normalize_spoken(once)
    assert twice.text == once
    assert twice.replacements == ()
    check_offsets(twice)


UNCHANGED = [
    "en pasient",
    "En pasient på rom fire",  # "fire" alone is 4 → checked separately below
    "et par timer",
    "ei stund",
    "ein pasient",
    "en gang til",
    "ett døgn",
    "tiltak",
    "totalt",
    "annen",
    "en annen pasient",
    "tidligere",
    "halvparten",
    "sov godt over natten",
    "over natten",
    "se på klokka",
    "klokka er mye",
    "første andre tredje fjerde tiende",
    "tusen takk",
    "Tone og Nina",
    "SpO2 og O2",
    "ti over tre",  # without "klokka" this is not a time ...
    "kvart",
    "halv tablett",
    "en halv time",
    "1.500",  # thousands or decimal? left alone
    "1/2 tablett",
    "",
    "   ",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_leaves_ordinary_words_alone(text: str) -> None:
    result = normalize_spoken(text)
    check_offsets(result)
    if text == "En pasient på rom fire":
        assert result.text == "En pasient på rom 4"
    elif text == "ti over tre":
        assert result.text == "10 over 3"  # ... only numbers (and no blood pressure either)
    else:
        assert result.text == text
        assert result.replacements == ()


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("to og tre", "2 og 3"),  # a list, not old counting
        ("fem og tjue", "25"),  # old counting wins
        ("tre fire ganger", "3 4 ganger"),
        ("hundre over åtti prosent", "100 over 80 %"),  # not a blood pressure
        ("fem over åtte", "5 over 8"),
        ("12.50 mg", "12,50 mg"),  # a unit after it: a decimal, not a time
        ("37.50", "37,50"),  # 37 is no hour
        ("klokka", "klokka"),
        ("tjue-fem", "20-5"),
        ("en til to tabletter", "1 til 2 tabletter"),  # a range
        ("en eller to ganger", "1 eller 2 ganger"),
        ("en til pasient", "en til pasient"),  # one more patient
        ("den 17.5. kl. 14.30", "den 17.5. 14:30"),  # a date stays a date
        ("12.05. og 12.05", "12.05. og 12:05"),
        ("klokka en", "01:00"),
        ("klokka to i natt", "02:00 i natt"),
        ("halv ti", "09:30"),
        ("kvart på tolv", "11:45"),
        ("ti på kvelden", "10 på kvelden"),
        ("Kl. 08.00", "08:00"),
        ("12.05.2024", "12.05.2024"),
    ],
)
def test_ambiguous_forms(spoken: str, expected: str) -> None:
    result = normalize_spoken(spoken)
    assert result.text == expected
    check_offsets(result)


def test_mapping_between_replacements_is_verbatim() -> None:
    result = normalize_spoken("fikk fem milligram og to tabletter")
    assert result.text == "fikk 5 mg og 2 tabletter"
    start = result.text.index("og 2")
    assert result.to_source_span(start, start + 4) == (19, 24)  # "og to"
    assert result.source[19:24] == "og to"
    # A span reaching into a replacement takes the whole replacement.
    start = result.text.index("mg og")
    s, e = result.to_source_span(start, start + 5)
    assert result.source[s:e] == "fem milligram og"
    # Empty spans map to points; a bad span is an error.
    assert result.to_source_span(0, 0) == (0, 0)
    with pytest.raises(ValueError):
        result.to_source_span(3, 2)
    with pytest.raises(ValueError):
        result.to_source_span(0, len(result.text) + 1)


def test_source_to_normalized() -> None:
    result = normalize_spoken("puls åtti, BT hundre og førti over åtti")
    s = result.source.index("førti")
    start, end = result.to_normalized_span(s, s + 5)
    assert result.text[start:end] == "140/80"
    assert result.to_normalized_span(0, 4) == (0, 4)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("tre", 3), ("sytten", 17), ("tjueen", 21), ("tjueein", 21), ("enogtjue", 21),
        ("ein og tjue", 21), ("trettisju", 37), ("tretti sju", 37), ("syvogtretti", 37),
        ("sju", 7), ("syv", 7), ("nittito", 92), ("hundre og førti", 140),
        ("ett hundre og tjue", 120), ("eitt hundre og tjue", 120), ("tusen fem hundre", 1500),
        ("to tusen og tjue", 2020), ("to og tjue", 22), ("tyve", 20), ("tredve", 30),
        ("to og førr", 42), ("tohundreogfemti", 250), ("hundreogførti", 140),
        ("femten hundre", 1500), ("hundre tusen", 100_000), ("2 tusen", 2000),
        ("hundre og 40", 140), ("140", 140), ("null", 0), ("Tre", 3), ("ÅTTE", 8),
        ("hundre førti", 140), ("tusen og en", 1001), ("niogtyve", 29), ("elleve", 11),
    ],
)  # fmt: skip
def test_spoken_number_to_int(text: str, value: int) -> None:
    assert spoken_number_to_int(text) == value


@pytest.mark.parametrize(
    "text", ["", "tiltak", "hundre og førti over åtti", "tre komma fem", "og", "37,5", "tito"]
)
def test_spoken_number_to_int_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        spoken_number_to_int(text)


@pytest.mark.parametrize(
    "word",
    ["tiltak", "totalt", "tidligere", "tiende", "femtiåring", "tien", "toen", "tito", "annen",
     "halvparten", "fireårig", "ogsa", "tretti-", "nullstille", "første", "tolvfingertarm"],
)  # fmt: skip
def test_not_number_words(word: str) -> None:
    assert not is_number_word(word)


def test_parse_number_words() -> None:
    assert parse_number_words(["hundre", "og", "førti", "over", "åtti"]) == NumberMatch(140, 3)
    assert parse_number_words(["to", "og", "tre"]) == NumberMatch(2, 1)
    assert parse_number_words(["en", "pasient"]) == NumberMatch(1, 1, article_only=True)
    assert parse_number_words(["en", "og", "tjue"]) == NumberMatch(21, 3)
    assert parse_number_words(["pasient", "tre"]) is None
    assert parse_number_words(["pasient", "tre"], 1) == NumberMatch(3, 1)
    assert parse_number_words(["tjue", "tre"], max_tokens=1) == NumberMatch(20, 1)
    # never ends inside a compound word: "hundre tolvhundre" is 100, then 1200
    assert parse_number_words(["hundre", "tolvhundre"]) == NumberMatch(100, 1)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("trettisju komma fem", "37,5"), ("37 komma 5", "37,5"), ("37.5", "37,5"),
        ("37,5", "37,5"), ("null komma fem", "0,5"), ("null komma null fem", "0,05"),
        ("trettisju komma tjuefem", "37,25"), ("to og en halv", "2,5"), ("halvannen", "1,5"),
        ("hundre og førti", "140"), ("08", "08"), ("ein komma fem", "1,5"),
    ],
)  # fmt: skip
def test_spoken_number_to_text(text: str, written: str) -> None:
    assert spoken_number_to_text(text) == written


@pytest.mark.parametrize("text", ["", "komma fem", "tre komma", "1.500", "14:30", "tre over to"])
def test_spoken_number_to_text_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        spoken_number_to_text(text)


def test_parse_quantity() -> None:
    assert parse_quantity(["temp", "trettisju", "komma", "fem", "nå"], 1) == Quantity(
        "37,5", 37.5, 3, integer=False
    )
    assert parse_quantity(["en", "halv", "time"]) == Quantity(
        "0,5", 0.5, 2, integer=False, article_only=True
    )
    assert parse_quantity(["ei", "stund"]) == Quantity("1", 1, 1, integer=True, article_only=True)
    assert parse_quantity(["tiltak"]) is None


def test_tokenize_keeps_offsets() -> None:
    text = "SpO2 92%, temp 37,5 kl. 14.30 µg"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == [
        "SpO2", "92", "%", ",", "temp", "37,5", "kl", ".", "14.30", "µg",
    ]  # fmt: skip
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_random_mixtures_keep_invariants() -> None:
    """Fragments glued at random: offsets stay consistent and a second pass changes nothing."""
    fragments = [c[0] for c in CASES] + UNCHANGED + [
        "og", "over", "på", "halv", "kvart", "klokka", "kl.", "komma", "en", "ei", "per", "i",
        "minuttet", ",", ".", "/", "%", "grader", "tabletter", "fire", "liter", "14.30", "37,5",
        "17.5.", "1.500", "til", "eller", "°C", "°", "5mg", "92%", "fem", "åtte", "tjue",
    ]  # fmt: skip
    glue = [" ", " ", " ", "", ", ", ". ", "/", "."]
    rng = random.Random(20240607)
    for _ in range(1000):
        parts = [rng.choice(fragments) for _ in range(rng.randint(1, 8))]
        text = "".join(part + rng.choice(glue) for part in parts)
        result = normalize_spoken(text)
        check_offsets(result)
        again = normalize_spoken(result.text)
        assert again.text == result.text, text
        assert again.replacements == (), text


def test_never_fuses_with_neighbours() -> None:
    # "fem.fire" must not become "5.4" (which a second pass would read as 5,4).
    assert normalize_spoken("fem.fire").text == "5.fire"
    assert normalize_spoken("tre, fire").text == "3, 4"
    assert normalize_spoken("halvannen°CKlokka").text == "halvannen°CKlokka"


@pytest.mark.parametrize(("text", "expected"), [
    ("Var innom i kveld. Sette NovoRapid klokka fem.", "Var innom i kveld. Sette NovoRapid 17:00."),
    ("Kveldsvakt: klokka 9 fikk hun Sobril.", "Kveldsvakt: 21:00 fikk hun Sobril."),
    ("I morges klokka fem og i kveld klokka ni.", "I morges 05:00 og i kveld 21:00."),
    ("I kveld kl 05.00.", "I kveld 05:00."),  # written as a 24-hour time: kept
    ("Klokka fem fikk hun Paracet.", "05:00 fikk hun Paracet."),  # no part of the day said
    ("Klokka ni i kveld og klokka ni i morges.", "21:00 i kveld og 09:00 i morges."),
    ("Nattevakt. Klokka fem var hun urolig, i kveld skal hun ha besøk.",
     "Nattevakt. 05:00 var hun urolig, i kveld skal hun ha besøk."),
    ("Ho fekk Paracet eitt gram klokka ti og eit kvarter.", "Ho fekk Paracet 1 g 10:15."),
])
def test_an_hour_said_in_the_evening(text, expected):
    assert normalize_spoken(text).text == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("tre komma sju fem milligram", "3,75 mg"),  # decimals said digit by digit
    ("en komma to fem mg", "1,25 mg"),
    ("to komma fem to ganger", "2,5 2 ganger"),  # a count after them is not a digit
])
def test_decimals_said_digit_by_digit(text, expected):
    assert normalize_spoken(text).text == expected
