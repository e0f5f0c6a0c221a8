"""Clock times in Norwegian speech and Whisper's writing → "HH:MM" (part of ``normalize``).

``ClockReader`` is the clock-time half of the normaliser's left-to-right scan: "klokka halv
åtte" → 07:30, "kvart over tre", "ti på halv fire", "klokka fjorten tretti", "14.30", "kl 8".
The decisions on ambiguous forms are listed in ``normalize``'s module doc; besides those:

- "ved åttetiden", "i 20-tiden", "rundt tolvtida" → the hour ("ved 08:00").
- "M på/over H" at the start of a sentence, followed by its verb ("Ti på åtte fikk hun ...")
  is a time; "ti over tre" alone is not.
- A daytime series keeps its order: an hour said after a later one, joined by "og" or a comma,
  is the afternoon hour when that keeps the order ("kl 12 og halv fire" → 15:30; "kl 22 og
  halv to" stays 01:30). Bare hours listed after a clock time in rising order are times too
  ("kl 08, 14 og 20" → 08:00, 14:00, 20:00).
- Four-digit times: "0900" (a leading zero) anywhere; "2100" only after "kl"/"klokka" and only
  when asked for (``four_digit``: the structurer's reading; the plain normaliser leaves "kl 1430"
  alone, since "klokka 1500" may be a spoken 1500).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from diktat.norsk.numbers import ARTICLES, NumberMatch, parse_number_words

CLOCK_WORDS = frozenset({"klokka", "klokken", "klokke"})


@dataclass(frozen=True, slots=True)
class Match:
    end: int  # token index after the match
    text: str | None  # None: keep these tokens as written


_EVENING = frozenset({"kveld", "kvelden", "kvelds", "kveldsvakt", "kveldsvakta", "kveldsvakten",
                      "kveldsbesøk", "kveldsbesøket", "kveldsstell", "kveldsstellet",
                      "ettermiddag", "ettermiddagen", "kveldsmedisin", "kveldsmedisinen",
                      "kveldsmedisiner", "kveldsmedisinene", "kveldsmedisinar",
                      "kveldsmedisinane", "kveldsdose", "kveldsdosen", "kveldsdosene",
                      "aftenvakt", "aftenvakta", "aftenvakten"})
_AFTERNOON = frozenset({"ettermiddag", "ettermiddagen", "ettermiddags"})
_OTHER_PARTS_OF_DAY = frozenset({
    "morgen", "morgenen", "morges", "morgon", "morgonen", "formiddag", "formiddagen",
    "føremiddag", "frokost", "frukost", "natt", "natta", "natten", "nattevakt", "nattevakta",
    "nattevakten", "dagvakt", "dagvakta", "dagvakten", "morgenstell", "morgenstellet",
    "lunsj", "døgn", "døgnet"})


_TOMORROW = frozenset({"morgen", "morgon"})
_MORNING_AFTER = frozenset({"tidlig", "tidleg", "morgen", "morgon", "formiddag", "tidligvakt"})
_EVENING_SHIFTS = frozenset({"kveldsvakt", "kveldsvakta", "kveldsvakten", "kveldsbesøk",
                            "kveldsbesøket", "kveldsstell", "kveldsstellet", "kveldsrapport",
                            "kveldsrapporten", "kveldsvisitt", "kveldsvisitten", "kveldsrunde",
                            "kveldsrunden", "kveldsrunda", "aftenvakt", "aftenvakta",
                            "aftenvakten"})
_DAYTIME_SHIFTS = frozenset({"dagvakt", "dagvakta", "dagvakten", "nattevakt", "nattevakta",
                             "nattevakten", "morgenstell", "morgenstellet", "morgonstell"})


def _words_of_the_day(lows: Sequence[str]) -> set[str]:
    """The words of ``lows`` but "i morgen"/"i morgon": tomorrow, not a part of the day ("ser
    på foten i morgen")."""
    return {w for i, w in enumerate(lows)
            if not (w in _TOMORROW and i > 0 and lows[i - 1] == "i"
                    and (i + 1 >= len(lows) or lows[i + 1] not in _MORNING_AFTER))}


def of_the_evening(lows: Sequence[str]) -> bool:
    """The evening is the text's time: its first sentence names an evening shift, visit or
    report ("Kveldsbesøk hos Marit.", "Kveldsrapport frå avdeling to.") and no day shift is
    named (the night shift may be: the one taking over); or an evening shift or visit is
    named, or "i kveld" is said in its first sentence
    ("Var innom Olav i kveld."; not "Dottera kjem i kveld" later on), and no other part of the
    day is said. (A part of the day said beside an hour still wins: ``in_the_evening``.)"""
    first = lows[: lows.index(".")] if "." in lows else lows
    # the night shift named later is the next shift ("kan nattevakta gi"), not this text's time
    if set(first) & _EVENING_SHIFTS and not set(lows) & (_DAYTIME_SHIFTS - _NIGHT_SHIFTS):
        return True
    said = _words_of_the_day(lows)
    if said & _OTHER_PARTS_OF_DAY:
        return False
    # "den gis på kveldsbesøket", "overlatt til kveldsvakta": another visit or shift than this
    evening_shift = any(w in _EVENING_SHIFTS and (i == 0 or lows[i - 1] not in _ANOTHER_VISIT)
                        for i, w in enumerate(lows))
    tonight = any(w in _EVENING and not _yesterday_or_a_label(first, i)
                  for i, w in enumerate(first))
    whole_evening = any(w == "kvelden" and lows[i - 1] in ("hele", "heile")
                        for i, w in enumerate(lows) if i > 0)
    return evening_shift or tonight or whole_evening


# "gis på kveldsbesøket", "til kveldsvakta": a visit or shift the text is not about
_ANOTHER_VISIT = frozenset({"på", "til", "ved", "før", "etter"})


def _yesterday_or_a_label(lows: Sequence[str], i: int) -> bool:
    """The evening word at ``i`` is yesterday's ("i går kveld", "kveld i går", "kvelden før")
    or names a compartment or a routine ("dosetten for kveld"), not this text's evening."""
    before = lows[i - 1] if i > 0 else ""
    after = lows[i + 1 : i + 3]
    return (before in ("går", "gårs", "for") or after[:1] == ["før"]
            or after in (["i", "går"], ["i", "gårs"]))


_NIGHT = frozenset({"natt", "natta", "natten"})
_NIGHT_SHIFTS = frozenset({"nattevakt", "nattevakta", "nattevakten", "nattrapport",
                           "nattrapporten", "natterapport", "natterapporten"})
_DAY_SHIFTS = frozenset({"dagvakt", "dagvakta", "dagvakten", "kveldsvakt", "kveldsvakta",
                         "kveldsvakten", "formiddag", "formiddagen", "ettermiddag",
                         "ettermiddagen"})


def of_the_night(lows: Sequence[str]) -> bool:
    """The night is the text's time: its first sentence names a night shift (and no day or
    evening shift: "Nattevakt etter dagvakt" is a conflict); or a night shift
    is named, or the night in its first sentence ("I natt ringte Per ..."; not "Sov godt i
    natt" later in a day note), and no day or evening shift is named (then the clues conflict
    and an hour is kept as said)."""
    first = lows[: lows.index(".")] if "." in lows else lows
    if set(first) & _NIGHT_SHIFTS and not set(first) & _DAY_SHIFTS:
        return True  # "Nattevakt. ... Dagvakta må følge med": the shift taking over
    return bool(set(lows) & _NIGHT_SHIFTS or set(first) & _NIGHT) \
        and not set(lows) & _DAY_SHIFTS


_AFTERNOON_HOUR = re.compile(r"(?:1[2-9]|20)(?:[:.][0-5][0-9])?")
_DAYTIME = frozenset({"dagvakt", "dagvakta", "dagvakten", "lunsj", "middag", "middagen",
                      "besøk", "besøket", "hjemmebesøk", "hjemmebesøket", "heimebesøk",
                      "heimebesøket"})
_EARLY = frozenset({"morgen", "morgenen", "morges", "morgon", "morgonen", "frokost", "frukost",
                    "morgenstell", "morgenstellet", "natt", "natta", "natten"})


def of_the_afternoon(lows: Sequence[str]) -> bool:
    """The text is said in the daytime: it names the afternoon ("ettermiddagsvakt"), a day
    shift, a home visit, lunch or dinner, or says a time between noon and 20:00 in digits
    ("klokka 14", "16:30"). An hour 1–5 said in twelve-hour speech is then the afternoon's
    ("kvart over to" → 14:15), not the night's, unless the text is said in the night or also
    names the morning or the night (``names_early``)."""
    if set(lows) & _DAYTIME or any(w.startswith("ettermiddag") for w in lows):
        return True
    for i, w in enumerate(lows):
        after_kl = i > 0 and (lows[i - 1] in CLOCK_WORDS | {"kl"}
                              or lows[i - 1] == "." and i > 1 and lows[i - 2] == "kl")
        if _AFTERNOON_HOUR.fullmatch(w) and (after_kl or ":" in w):
            return True
    return False


def names_early(lows: Sequence[str]) -> bool:
    """The text names the morning or the night ("i morges", "frokost", "sov godt i natt"): in a
    daytime text an hour 1–5 may then be either's, and is left out."""
    return bool(_words_of_the_day(lows) & _EARLY)


_RESTATING = frozenset({"altså", "dvs", "dvs.", "altso"})
_ABOUT = re.compile(r"(?P<h>[^\W\d_]+?)-?(?:tiden|tida|tidå)", re.IGNORECASE)
_ABOUT_WORDS = frozenset({"tiden", "tida", "tidå"})
# a fronted time is followed by its verb ("Ti på åtte fikk hun ...")
_VERB_AFTER_TIME = frozenset({
    "fikk", "fekk", "får", "ga", "gav", "gir", "ble", "blei", "vart", "var", "tok", "tek", "kom",
    "satte", "sette", "setter", "målte", "målt", "la", "sto", "stod", "sov", "våknet", "vakna",
    "ringte", "ringde", "hadde", "har", "er", "gikk", "gjekk", "spiste", "åt", "drakk", "skiftet",
    "skifta", "ringer", "kjem", "kommer", "tar", "gjorde", "hjalp", "tømte", "tømde"})
_TIME_RE = re.compile(r"([0-9]{1,2})([:.])([0-9]{2})")
_DONE_AT = frozenset({"gitt", "gjeve", "gjeven", "satt", "tatt", "målt", "ferdig", "skiftet",
                      "skifta", "byttet", "bytta"})  # "gitt 1200": a four-digit time
_TIME_LEAD = frozenset({"rundt", "ca", "cirka", "omtrent", "ved", "like", "omkring"})
_NEXT_DAY = _OTHER_PARTS_OF_DAY | {"neste", "morgest", "morrest", "morrås"}
_SERIES_GLUE = frozenset({"og", ",", "kl", ".", "klokka", "klokken", "så"})
# "klokka tjuetre, nei jeg mener halv tolv": a time said again to correct the one before
_CORRECTING = frozenset({"nei", "mener", "meiner", "mente", "unnskyld", "orsak", "vent"})
_CORRECTION_GLUE = _CORRECTING | {",", "eh", "jeg", "eg", "æ", "e", "det", "var", "klokka",
                                  "klokken", "kl", "."}
_FOUR_DIGITS = re.compile(r"([01][0-9]|2[0-3])([0-5][0-9])")


class ClockReader:
    """The clock-time readers of the normaliser's scanner (mixed into it). The scanner provides
    ``tokens``, ``lows``, ``evening``, ``afternoon``, ``night``, ``early``, ``four_digit``,
    ``low``,
    ``number``, ``unit_follows``,
    ``date_like`` and ``after_dose``."""

    tokens: Sequence
    lows: list[str]
    evening: bool
    afternoon: bool
    night: bool
    early: bool
    four_digit: bool
    # the last time read: the token index after it, its hour, and whether "kl" was said
    last_clock: tuple[int, int, bool] | None

    def low(self, i: int) -> str:  # pragma: no cover - provided by the scanner
        raise NotImplementedError

    def number(self, i: int, max_tokens: int | None = None) -> NumberMatch | None:
        raise NotImplementedError  # pragma: no cover

    def unit_follows(self, i: int) -> bool:
        raise NotImplementedError  # pragma: no cover

    def date_like(self, i: int) -> bool:
        raise NotImplementedError  # pragma: no cover

    def after_dose(self, i: int) -> bool:
        raise NotImplementedError  # pragma: no cover

    def clock(self, i: int) -> Match | None:
        found = self.corrected(i, self.restated(self._clock(i)))
        if found is not None and found.text is not None:
            prefixed = self.clock_prefix(i) is not None or self.series_hour(i) is not None
            self.last_clock = (found.end, int(found.text[:2]), prefixed)
        return found

    def _clock(self, i: int) -> Match | None:
        j = self.clock_prefix(i)
        if j is not None:
            if (found := self.digit_time(j, prefixed=True)) is not None:
                return found
            return self.in_series(i, self.in_the_evening(
                i, self.at_night(i, self.relative_time(j, prefixed=True)
                                 or self.spoken_time(j))))
        if (about := self.about_hour(i)) is not None:
            return about
        if self.corrects_clock(i):
            # "klokka ti førtifem, nei, unnskyld, ti trettifem": the time said again, unprefixed
            found = self.relative_time(i, prefixed=True) or self.spoken_time(i)
            if found is not None and not self.unit_follows(found.end):
                return self.in_the_evening(i, found)
        # right after a dose ("Pantoprazol 40 mg ti på åtte") "M over/på H" is a time too, and
        # so it is fronted before its verb ("Ti på åtte fikk hun ...")
        lead = self.after_dose(i) or self.fronted_time(i) or self.continues_series(i)
        found = self.at_night(i, self.relative_time(i, prefixed=lead))
        return (self.in_series(i, self.in_the_evening(i, found))
                or self.digit_time(i, prefixed=False) or self.series_hour(i))

    def restated(self, found: Match | None) -> Match | None:
        """ "klokka ni, altså 21": an hour said again as its afternoon's is that time."""
        if found is None or found.text is None:
            return found
        j = found.end + (self.low(found.end) == ",")
        if self.low(j) not in _RESTATING:
            return found
        again = self.number(j + 1, max_tokens=1)
        hour = int(found.text[:2])
        if again is not None and 1 <= hour <= 11 and again.value == hour + 12:
            return Match(j + 1 + again.length, f"{hour + 12:02d}{found.text[2:]}")
        return found

    def continues_series(self, i: int) -> bool:
        """ "kl 12 og halv fire": right after a clock time and "og" or a comma."""
        return self.last_clock is not None and self.last_clock[0] == i - 1 \
            and self.low(i - 1) in ("og", ",")

    def fronted_time(self, i: int) -> bool:
        """ "Ti på åtte fikk hun": minutes in words at a sentence's start (or after "rundt"),
        an hour, and a verb right after it."""
        before = self.low(i - 1)
        if not (i == 0 or before in (".", "!", "?", ":") or before in _TIME_LEAD):
            return False
        m = self.number(i, max_tokens=1)
        if m is None or self.tokens[i].kind != "word" or m.value not in (5, 10, 20, 25):
            return False
        k = i + 2
        if self.low(i + 1) not in ("over", "på"):
            return False
        h = self.number(k)
        return h is not None and self.low(k + h.length) in _VERB_AFTER_TIME

    def about_hour(self, i: int) -> Match | None:
        """ "ved åttetiden", "i 20-tiden", "rundt tolvtida": about that hour."""
        tok = self.tokens[i]
        if tok.kind == "word" and (m := _ABOUT.fullmatch(self.lows[i])) is not None:
            found = parse_number_words([m["h"]])
            if found is None or found.length != 1 or not 1 <= found.value <= 24:
                return None
            return self.in_the_evening(i, _time(found.value, 0, i + 1))
        if (tok.kind == "num" and self.low(i + 2) in _ABOUT_WORDS and self.low(i + 1) == "-"
                and self.tokens[i + 1].start == tok.end
                and self.tokens[i + 2].start == self.tokens[i + 1].end and tok.text.isdigit()
                and 1 <= int(tok.text) <= 24):
            return self.in_the_evening(i, _time(int(tok.text), 0, i + 3))
        return None

    def in_series(self, i: int, found: Match | None) -> Match | None:
        """ "kl 12 og halv fire": an hour 1–11 said after a later one in the same series is the
        afternoon's when that keeps the series in order (15:30), and so is one said with
        "klokka" later in the sentence, within two hours after an afternoon time ("klokka nitten
        tjue, og B 10 mg s.c. klokka halv åtte": 19:30); never beside another part of the day
        ("klokka 14 og klokka tre i natt")."""
        if found is None or found.text is None or self.last_clock is None or set(
                self.lows[max(0, i - 3):found.end + 3]) & _NEXT_DAY:
            return found
        (end, before, _), hour = self.last_clock, int(found.text[:2])
        if i - end > 3 or any(self.low(k) not in _SERIES_GLUE - {"."} for k in range(end, i)):
            ends = any(self.low(k) in (".", "!", "?") and self.tokens[k + 1].text[:1].isupper()
                       for k in range(end, i))  # a sentence's end, not "s.c."
            later = 13 <= before <= hour + 12 <= before + 2 and not ends
            if not (1 <= hour <= 11 and later and self.clock_prefix(i) is not None):
                return found
        elif not (1 <= hour <= 11 and before >= 12 and before < hour + 12 <= 23):
            return found
        return Match(found.end, f"{hour + 12:02d}{found.text[2:]}")

    def corrected(self, i: int, found: Match | None) -> Match | None:
        """ "klokka tjuetre, nei jeg mener halv tolv": an hour 1–11 said to correct the time
        just before is in the same half of the day as it (23:30), where that is nearer."""
        if found is None or found.text is None or not self.corrects_clock(i):
            return found
        before = self.last_clock[1]
        hour = int(found.text[:2])
        if 1 <= hour <= 11 and abs(hour + 12 - before) < abs(hour - before):
            return Match(found.end, f"{hour + 12:02d}{found.text[2:]}")
        return found

    def corrects_clock(self, i: int) -> bool:
        """Only correction words ("nei", "jeg mener", "unnskyld") since the last time read, or
        a filler before the time said again more exactly ("klokka fire, eh, kvart over fire")."""
        between = [] if self.last_clock is None else [
            self.low(k) for k in range(self.last_clock[0], i)]
        return (0 < len(between) <= 7 and set(between) <= _CORRECTION_GLUE
                and bool(set(between) & _CORRECTING)) or ("eh" in between and set(between) <= {
                    ",", "eh"} and self.relative_time(i, prefixed=True) is not None)

    def series_hour(self, i: int) -> Match | None:
        """ "kl 08, 14 og 20": a bare whole hour listed right after a clock time, later than
        it, is a time too."""
        if self.last_clock is None or self.tokens[i].kind != "num" or not self.tokens[i].text \
                .isdigit() or len(self.tokens[i].text) > 2:
            return None
        end, before, prefixed = self.last_clock
        if not (prefixed and end < i <= end + 2 and self.low(i - 1) in (",", "og")
                and all(self.low(k) in (",", "og") for k in range(end, i))):
            return None
        hour = int(self.tokens[i].text)
        follows = self.low(i + 1)
        if not before < hour <= 23 or self.unit_follows(i + 1) or follows in (":", "-", "/"):
            return None
        if follows == "," and self.tokens[i + 1].end == (self.tokens[i + 2].start
                                                         if i + 2 < len(self.tokens) else -1):
            return None  # "14,5": a decimal
        return _time(hour, 0, i + 1)

    def at_night(self, i: int, found: Match | None) -> Match | None:
        """ "kvart på eitt", "halv ett", "klokka tolv" (twelve-hour speech) in a text about the
        night, or next to "i natt", is just after midnight (00:45, 00:00), not noon."""
        if found is None or found.text is None or found.text[:2] != "12":
            return found
        near = set(self.lows[max(0, i - 2) : i] + self.lows[found.end : found.end + 2])
        return Match(found.end, f"00{found.text[2:]}") if self.night or near & _NIGHT else found

    def in_the_evening(self, i: int, found: Match | None) -> Match | None:
        """An hour said without its half of the day: a part of the day beside it wins; next to
        "i kveld" or in a text about the evening only it is the evening's; an hour 1–5 in a
        daytime text is the afternoon's (left out where the text names the morning or the
        night too), in a night text the night's."""
        if found is None or found.text is None:
            return found
        near = set(self.lows[max(0, i - 2) : i] + self.lows[found.end : found.end + 2])
        if near & _OTHER_PARTS_OF_DAY:
            return found
        hour = int(found.text[:2])
        if near & _EVENING or self.evening or self.evening_before(i):
            # "kvart over to i ettermiddag": an afternoon hour is 13–18 (not so "i kveld": 02:00)
            lowest = 1 if near & _AFTERNOON or self.afternoon else 4
            return _later(found.end, found.text) if lowest <= hour <= 11 else found
        if self.night or not (self.afternoon and 1 <= hour <= 5):
            return found
        return Match(found.end, None) if self.early else _later(found.end, found.text)

    def evening_before(self, i: int) -> bool:
        """ "fikk Marevan to ganger i kveld, både klokka seks og klokka åtte": the evening (or
        the evening's dose) said earlier in the same sentence, with no other part of the day
        between."""
        before = self.lows[max(0, i - 12) : i]
        if "." in before:
            before = before[len(before) - before[::-1].index(".") :]
        for k in range(len(before) - 1, 0, -1):
            w = before[k]
            if w in _OTHER_PARTS_OF_DAY or w.startswith(("morgen", "morgon", "natt", "dag")):
                return False
            if w in ("kveld", "kvelden") and before[k - 1] in ("i", "går"):
                return True
            if w.startswith(("kveldsdose", "kveldsmedisin", "kveldstablett")):
                return True  # "kveldsdosen ga jeg nå klokka seks": 18:00
        return False

    def clock_prefix(self, i: int) -> int | None:
        """The token after "klokka", "klokken", "kl" or "kl." (a stutter "kl. kl." counts once)."""
        j = i
        while True:
            if self.low(j) in CLOCK_WORDS:
                j += 1
            elif self.low(j) == "kl":
                j += 2 if self.low(j + 1) == "." else 1
            else:
                return j if j > i else None

    def hour(self, i: int, lowest: int = 1) -> tuple[int, int] | None:
        """An hour 1–24 (0–24 with ``lowest=0``) at ``i``: ("fjorten" → 14), not before a unit."""
        for limit in (None, 1):
            found = self.number(i, max_tokens=limit)
            if found is not None and lowest <= found.value <= 24:
                end = i + found.length
                return None if self.unit_follows(end) else (found.value, end)
        return None

    def relative_time(self, i: int, *, prefixed: bool) -> Match | None:
        """ "halv åtte", "kvart over tre", "ti på halv fire", and after "klokka" "ti over tre"."""
        word = self.low(i)
        if word == "halv":
            if not prefixed and self.low(i - 1) in ARTICLES | {"og"}:
                return None  # "en halv ...", "to og en halv"
            h = self.hour(i + 1)
            return _time(_before(h[0]), 30, h[1]) if h else None
        if word == "kvart" and self.low(i + 1) in ("over", "på"):
            h = self.hour(i + 2)
            if h is None:
                return None
            over = self.low(i + 1) == "over"
            return _time(h[0] if over else _before(h[0]), 15 if over else 45, h[1])
        m = self.number(i)
        if m is None or not 1 <= m.value <= 29 or self.low(i + m.length) not in ("over", "på"):
            return None
        over, k = self.low(i + m.length) == "over", i + m.length + 1
        if self.low(k) == "halv" and (h := self.hour(k + 1)) is not None:
            return _time(_before(h[0]), 30 + m.value if over else 30 - m.value, h[1])
        if prefixed and (h := self.hour(k)) is not None:
            return _time(h[0] if over else _before(h[0]), m.value if over else 60 - m.value, h[1])
        return None

    def digit_time(self, i: int, *, prefixed: bool) -> Match | None:
        """ "14:30", "14.30", "0900"; "kl 1430" only with ``four_digit`` (the plain normaliser
        leaves it: "klokka 1500" may be a spoken 1500)."""
        if i >= len(self.tokens) or self.tokens[i].kind != "num":
            return None
        text = self.tokens[i].text
        if (m := _FOUR_DIGITS.fullmatch(text)) is not None and not self.unit_follows(i + 1) \
                and (text[0] == "0" or (self.four_digit and (
                    prefixed or self.low(i - 1) in _DONE_AT))) \
                and (self.low(i + 1) not in (",", ".", "-", "/", ":")
                     or i + 2 >= len(self.tokens)
                     or self.tokens[i + 2].start > self.tokens[i + 1].end):
            return _time(int(m[1]), int(m[2]), i + 1)  # "0900", "kl 2100" (a comma after it)
        # "kl 08.30." ends a sentence: after "klokka" a dot is no date
        if (m := _TIME_RE.fullmatch(text)) is not None and (prefixed or not self.date_like(i)):
            hour, sep, minute = int(m[1]), m[2], int(m[3])
            if sep == "." and not prefixed and (hour > 23 or self.unit_follows(i + 1)):
                return None
            return _time(hour, minute, i + 1)
        return None

    def spoken_time(self, i: int) -> Match | None:
        """After "klokka": an hour and maybe minutes ("fjorten tretti", "åtte null fem", "8")."""
        h = self.hour(i, lowest=0)
        if h is None:
            return None
        hour, j = h
        if (self.low(j) == "og" and self.low(j + 1) in ("et", "eit", "ett", "ein", "en")
                and self.low(j + 2) == "kvarter"):
            return _time(hour, 15, j + 3)  # "klokka ti og eit kvarter"
        if self.low(j) == "null":
            if self.low(j + 1) == "null":
                return _time(hour, 0, j + 2)
            m = self.number(j + 1, max_tokens=1)
            if m is not None and m.value < 10 and not self.unit_follows(j + 2):
                return _time(hour, m.value, j + 2)
            return _time(hour, 0, j + 1)
        if (self.low(j) == "og" and self.tokens[i].kind != "num"
                and (m := self.number(j + 1)) is not None and self.tokens[j + 1].kind != "num"
                and m.value % 5 == 0 and 5 <= m.value <= 55
                and not self.unit_follows(j + 1 + m.length)
                and self.low(j + 1 + m.length) != "halv"):
            return _time(hour, m.value, j + 1 + m.length)  # "klokka to og ti" → 02:10
        m = self.number(j)
        if m is not None and 1 <= m.value <= 59 and not self.unit_follows(j + m.length):
            tok = self.tokens[j]
            if tok.kind != "num" or len(tok.text) == 2:
                return _time(hour, m.value, j + m.length)
        return _time(hour, 0, j)


def _before(hour: int) -> int:
    """The hour before ``hour`` as said: "halv åtte" → 7, "halv ett" → 12 (12-hour speech)."""
    return hour - 1 if hour > 1 else 12


def _later(end: int, text: str) -> Match:
    """The time ``text`` twelve hours on: the afternoon's or the evening's."""
    return Match(end, f"{int(text[:2]) + 12:02d}{text[2:]}")


def _time(hour: int, minute: int, end: int) -> Match | None:
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return None
    return Match(end, f"{hour:02d}:{minute:02d}")
