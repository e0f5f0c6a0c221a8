"""Medication administrations in one sentence: every value from its own drug's clause.

Heads are the drug names the lexicon finds and the vital-sign labels (a time said with a blood
pressure is not a drug's time). ``clauses.Relations`` decides which head a dose, time, status,
route, reason or effect belongs to; a value owned by another head is never borrowed. A clause
without a drug that says the patient took a dose herself ("..., hun hadde tatt 2 selv kl 7")
becomes its own administration of the drug before it (status ``self_administered``), so the
patient's own dose is never folded into the nurse's. Status cues in the drug's own clause win
over those shared by a coordination ("Fikk A og B" shares "fikk"); among equals, a refusal or
omission outranks "gitt". A drug whose clause says "samtidig" without a time of its own takes
the time of the administration said before it in the sentence. Concentrations and rates ("50
mg/ml", "2 mg/t") are never doses; "1 g x 2" and "2 x 500 mg" give a count, but not a frequency
("x 3 daglig", "3 ganger per døgn", "x 3" of a course "startet"). A plan ("skulle vært satt kl
18", "skal gis") is no status. A self-correction ("nei jeg mener", "eller nei", "nei vent",
"unnskyld", "rettelse") takes back the drug said just before it, or,
with no drug after it, the dose or time said before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from diktat.structuring import cues, dose_words, news2
from diktat.structuring.clauses import Clause, Relations, clause_at
from diktat.structuring.dose_words import (
    ALIAS,
    BACK_TO_DRUG,
    REGIMEN,
    after_last,
    corrections,
    pieces_of,
    strength_of,
    time_each,
    time_series,
    uncertain_dose,
)
from diktat.structuring.lexicon import Lexicon

STATUS_ORDER = tuple(cues.STATUS_CUES)  # not_given, refused, self_administered, prn, given
NOT_GIVEN = frozenset({"not_given", "refused"})
# "hun hadde tatt 2 selv": a count of her own tablets, said without a unit.
_OWN_COUNT = re.compile(r"(?<!\w)(?:tatt|tok|teke|tek)\s+(?P<n>\d{1,2})(?P<u>)"
                        r"(?![\d,]|\s?(?:mg|g|ml)(?!\w))", re.IGNORECASE)
_WHY_NOT = re.compile(
    r"(?<!\w)(?:(?:fordi|ettersom|pga\.?|på grunn av|grunna|grunnet)\s+(?P<r>[^,.;]+)"
    r"|(?:da|då|siden|sidan)\s+(?P<s>(?:hun|han|ho|pasienten|brukeren|bruker)\s[^,.;]+))",
    re.IGNORECASE,
)

_SPRAY_FORM = re.compile(r"[\s-]*(?:spray|munnspray|sublingualspray)(?!\w)", re.IGNORECASE)
# "trykk i brystet siden klokka 18": when a state began, never a dose time.
_SINCE = re.compile(r"(?<!\w)(?:siden|sidan|sia|sida)\s+$", re.IGNORECASE)
_FOUND_AT = re.compile(r"(?<!\w)(?:oppdaget|oppdaga|fant|fann|merket|merka|såg)\s+(?:det\s+)?$",
                       re.IGNORECASE)
# "Hun har Pinex 500 mg ved behov", "bruker Nitro ved behov": a standing order, not a dose.
_STANDING = re.compile(r"(?<!\w)(?:har|hadde|bruker|brukar|brukte|står på|stod på|har fått "
                       r"forskrevet|har resept på)\s+(?:\S+\s+){0,2}$", re.IGNORECASE)

_PATIENT_TOOK = re.compile(cues.PATIENT_TOOK, re.IGNORECASE)

# "ga Paracet, ikke Ibux": the drug right after "ikke" was not the one given.
_NOT_THIS = re.compile(r"(?:[,;:]|(?<!\w)(?:men|og|eller))\s*(?:ikke|ikkje|itj)\s+$",
                       re.IGNORECASE)

# "kvart over to i ettermiddag": the evidence for 14:15 holds the afternoon said after it.
_AFTERNOON = re.compile(r"\s+i\s+ettermiddag(?:en)?(?!\w)", re.IGNORECASE)

# A clause of its own after a comma or "og": "..., han sov allerede klokka ni".
_OWN_SUBJECT = re.compile(r"\s*(?:,\s*)?(?:(?:og|men|så)\s+)?(?:han|hun|ho|hen|hu|de|dei|vi|"
                          r"jeg|eg|pasienten|brukeren|beboeren)\s", re.IGNORECASE)

# The present tense of a habit: "tar hun selv ved behov", "bruker ved behov".
_HABIT = re.compile(r"(?<!\w)(?:tar|tek|bruker|brukar|pleier|pleiar)(?!\w)", re.IGNORECASE)

# A dose said with these in its clause was planned or ordered, not given ("skulle vært 3
# tabletter, men jeg ga 2", "ordinert 10 mg, men ga 5 mg").
_PLANNED_DOSE = re.compile(
    r"(?<!\w)(?:skulle (?:ha|hatt|fått|få|vært|vore|være|ha fått)|ordinert|forordnet|forskrevet|"
    r"foreskrevet|forskrive|ordinasjon\w*|skal (?:ha|få|gis))(?!\w)", re.IGNORECASE)

# A tablet count said before the drug whose strength follows: "2 Paracet à 500 mg", "2 tabletter
# Ibux 200 mg", "2 stk Paracet 500 mg" (not a room, bed or day number).
_COUNT_BEFORE_DRUG = re.compile(
    r"(?<![\w,.:])(?<!rom )(?<!nr )(?<!seng )(?<!dag )(?<!uke )(?P<c>\d{1,2}) "
    r"(?:(?:stk\.?|stykk|stykker|tabletter|tablettar|tbl\.?|kapsler|kapslar) )?$", re.IGNORECASE)


@dataclass
class MedRead:
    """One administration read from a sentence (positions in the normalised chunk text)."""

    drug: str
    drug_as_said: str
    head: tuple[int, int]
    dose: re.Match[str] | None = None
    unit: str | None = None  # where the drug's form names it: "2 doser Nitro spray"
    count: int | None = None
    count_span: tuple[int, int] | None = None
    route: tuple[str, re.Match[str]] | None = None
    clock: re.Match[str] | None = None
    status: tuple[str, re.Match[str]] | None = None
    reason: tuple[int, int] | None = None
    effect: re.Match[str] | None = None
    effect_only: bool = False  # "Paracet ga god effekt": the effect of an earlier dose
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def span(self) -> tuple[int, int]:
        return min(a for a, _ in self.spans), max(b for _, b in self.spans)


def _status_matches(text: str, start: int, end: int) -> list[tuple[str, re.Match[str]]]:
    out = []
    for name, rx in cues.STATUS_CUES.items():
        out += [(name, m) for m in rx.finditer(text, start, end)]
    return out


def _route_matches(text: str, start: int, end: int) -> list[tuple[str, re.Match[str]]]:
    return [(name, m) for name, rx in cues.ROUTE_CUES.items()
            for m in rx.finditer(text, start, end)]


class _Sentence:
    def __init__(self, text: str, start: int, end: int, clauses: list[Clause],
                 drugs: list, vital_heads: list[tuple[int, int]]) -> None:
        self.text, self.start, self.end, self.clauses = text, start, end, clauses
        self.drugs = drugs
        heads = [(a, b) for a, b, _ in drugs] + vital_heads
        self.rel = Relations(clauses, heads, text, measured=vital_heads)
        self.index = {h: k for k, h in enumerate(self.rel.heads)}
        self.clause_of_head = [clause_at(clauses, a) for a, _ in self.rel.heads]
        self.self_clauses = {
            clause_at(clauses, m.start()) for _, m in _status_matches(text, start, end)
            if _ == "self_administered" and not _PATIENT_TOOK.fullmatch(m.group())
        }

    def owned(self, items: list, k: int, kind: str, pos=lambda x: x.start()):
        """``items`` whose owner may be head ``k``: (own clause, shared) lists."""
        own, shared = [], []
        for x in items:
            p = pos(x)
            if k not in self.rel.owners(p, kind):  # type: ignore[arg-type]
                continue
            (own if clause_at(self.clauses, p) == self.clause_of_head[k] else shared).append(x)
        return own, shared

    def anaphoric(self, k: int, statuses: list[tuple[str, re.Match[str]]]) -> set[int]:
        """Clauses after drug ``k``'s own that name no drug and say another administration of
        it: the patient's own dose ("hun hadde tatt 2 selv"), or a status opposite to the one
        in the drug's clause ("hadde ikke tatt Somac, den ble gitt av meg kl 9")."""
        drug_clauses = {clause_at(self.clauses, a) for a, _, _ in self.drugs}
        by_clause: dict[int, list] = {}
        for x in statuses:
            by_clause.setdefault(clause_at(self.clauses, x[1].start()), []).append(x)
        own = _best_status(by_clause.get(self.clause_of_head[k], []))
        found = set()
        for c, sts in by_clause.items():
            if c <= self.clause_of_head[k] or c in drug_clauses:
                continue
            said = _best_status(sts)
            if said[0] == "given" and all(_NOT_A_DOSE.match(self.text, x[1].end()) for x in sts):
                continue  # "ho fekk eit glas saft": food, drink or help, no second dose
            if c in self.self_clauses or (
                    own and (own[0] in NOT_GIVEN) != (said[0] in NOT_GIVEN)):
                found.add(c)
        return found

    def split_anaphoric(self, items: list, clauses: set[int], pos=lambda x: x.start()):
        """(main, by anaphoric clause) for values owned by one head."""
        main, extra = [], {}
        for x in items:
            c = clause_at(self.clauses, pos(x))
            if c in clauses:
                extra.setdefault(c, []).append(x)
            else:
                main.append(x)
        return main, extra


def _nearest(matches: list, head: tuple[int, int], pos=lambda m: m.start()):
    """The match closest to the head; after it wins a tie ("Paracet 1 g" over "1 g og X")."""
    def dist(m):
        p = pos(m)
        return p - head[1] if p >= head[1] else head[0] - p + 0.5
    return min(matches, key=dist) if matches else None


def _unsure_after(status, unsure_after: list[re.Match[str]], clauses: list[Clause]) -> bool:
    """Doubt said in the status's clause or the next, after it ("..., men han var ikke
    sikker")."""
    c = clause_at(clauses, status[1].start())
    return any(u.start() > status[1].start() and clause_at(clauses, u.start()) - c in (0, 1)
               for u in unsure_after)


# What a "fikk"/"fekk" gives that is no dose: "ho fekk eit glas saft og ei brødskive".
_NOT_A_DOSE = re.compile(
    r"\s+(?:(?:et|eit|en|ein|ei|litt|noe|noko|mer|meir|ekstra|seg|hjelp|beskjed)\s+)*"
    r"(?:glass|glas|kopp|saft|vann|vatn|juice|kaffe|te|melk|mjølk|mat|frokost|frukost|lunsj|"
    r"middag|kveldsmat|brødskive|skive|yoghurt|drikke|suppe|is|frukt|hjelp|besøk|stell|dusj)"
    r"(?!\w)", re.IGNORECASE)


def _best_status(matches: list[tuple[str, re.Match[str]]]):
    return min(matches, key=lambda x: STATUS_ORDER.index(x[0])) if matches else None


def read_medications(text: str, start: int, end: int, lexicon: Lexicon,
                     clauses: list[Clause]) -> list[MedRead]:
    """The administrations said in the sentence ``text[start:end]``."""
    drugs = [(start + d.start, start + d.end, d) for d in lexicon.find(text[start:end])]
    if not drugs:
        return []
    vital_heads = [(a, b) for a, b in news2.measured_labels(text, start, end)
                   if not any(x <= a < y for x, y, _ in drugs)]
    s = _Sentence(text, start, end, clauses, drugs, vital_heads)
    unsure = list(cues.UNSURE_GIVEN.finditer(text, start, end))
    unsure_after = list(cues.UNSURE_AFTER.finditer(text, start, end))
    all_as_needed = list(cues.ALL_AS_NEEDED.finditer(text, start, end))
    doses = [m for m in cues.DOSE.finditer(text, start, end)
             if float(m.group("n").replace(",", ".")) > 0
             and not uncertain_dose(text, m, clauses, unsure)]
    # "Oppdaget kl. 10 at hun hadde fått dobbel dose": when it was found, not when given
    clocks = [c for c in cues.CLOCK.finditer(text, start, end)
              if not _FOUND_AT.search(text, max(start, c.start() - 16), c.start())
              and not _SINCE.search(text, max(start, c.start() - 8), c.start())
              and not dose_words.other_event_time(text, c, start, end)]
    planned = [m.span() for m in cues.PLANNED.finditer(text, start, end)] + [
        m.span() for m in cues.OFFERED.finditer(text, start, end)]  # "fikk tilbud om"
    statuses = [x for x in _status_matches(text, start, end)  # "skulle vært satt": no status
                if not any(a <= x[1].start() < b for a, b in planned)]
    whys = list(_WHY_NOT.finditer(text, start, end))
    statuses = _outside_reasons(statuses, whys)
    routes = _route_matches(text, start, end)
    effects = list(cues.EFFECT.finditer(text, start, end))
    reasons = list(cues.REASON.finditer(text, start, end))
    plans = [*cues.NOT_ADMINISTERED.finditer(text, start, end),
             *cues.PLANNED.finditer(text, start, end), *cues.MODAL_DOSE.finditer(text, start, end)]
    same_time = list(cues.SAME_TIME.finditer(text, start, end))
    taken_back, corrected = corrections(text, start, end, drugs)
    planned_in = {clause_at(clauses, m.start()) for m in _PLANNED_DOSE.finditer(text, start, end)}
    out: list[MedRead] = []
    for d0, d1, drug in drugs:
        if (d0, d1) in taken_back:
            continue
        k = s.index[(d0, d1)]
        head = (d0, d1)
        own_plans, shared_plans = s.owned(plans, k, "shared")
        st_own, st_shared = s.owned(statuses, k, "shared", pos=lambda x: x[1].start())
        anaphoric = s.anaphoric(k, st_own + st_shared)
        st_main, st_self = s.split_anaphoric(st_own + st_shared, anaphoric,
                                             pos=lambda x: x[1].start())
        dose_all = s.owned(doses, k, "dose")
        dose_main, dose_self = s.split_anaphoric(dose_all[0] + dose_all[1], anaphoric)
        clock_own, clock_shared = s.owned(clocks, k, "shared")
        clock_main, clock_self = s.split_anaphoric(clock_own + clock_shared, anaphoric)
        if (after := corrected.get((d0, d1))) is not None:
            # "Ga Paracet 1 g, nei vent, 500 mg": the value said after the last correction
            # that is followed by one of its kind ("kl 10, nei, jeg mener 11, 20 mg, nei
            # unnskyld, 10 mg": 11 and 10 mg)
            dose_main = after_last(dose_main, after)
            clock_main = clock_own = after_last(clock_main, after)
        status = _best_status([x for x in st_main if x in st_own]) or _best_status(st_main)
        own_clause = clauses[clause_at(clauses, d0)]
        standing = status is not None and status[0] == "prn" and (
            _STANDING.search(text, own_clause.start, d0) is not None
            # "Laxoberal tar hun selv ved behov": a habit, said in the present, not a dose
            or _HABIT.search(text, own_clause.start, own_clause.end) is not None)
        if standing:
            status = None  # "Hun har Pinex 500 mg ved behov": an order, not a dose given
        if _NOT_THIS.search(text, max(start, d0 - 20), d0) is not None:
            continue  # "ga jeg Paracet 1 g, ikke Ibux": no dose of this one is told
        if _SINCE.search(text, max(start, d0 - 8), d0) is not None:
            continue  # "Urinmengde siden Furix var 450 ml": a point in time, not a dose
        if ALIAS.search(text, max(start, d0 - 16), d0) is not None:
            continue  # "det vil si furosemid": the drug said before it, by another name
        if (status and status[1].start() > d1 and REGIMEN.search(text, own_clause.start, d0)
                and clause_at(clauses, status[1].start()) != clause_at(clauses, d0)
                and not BACK_TO_DRUG.match(text, status[1].end())):
            status = None  # "står på Marevan ... og fikk antibiotika"
        if status and any(u.start() < status[1].start() and clause_at(clauses, u.start())
                          == clause_at(clauses, status[1].start()) for u in unsure):
            status, dose_main = None, []  # "Usikker på om han tok morgendosen av Metformin"
        if status and _unsure_after(status, unsure_after, clauses):
            status, dose_main = None, []  # "... tatt Lantus sjøl, men han var ikke sikker"
        if status and status[0] == "given":
            # "gav ho ein Zopiklon, 7,5 mg, ved behov klokka 00.15": as needed, said after it
            # and before the next drug; "A og B, begge ved behov": every drug before it
            following = min((a for a, _, _ in drugs if a > d1), default=end)
            status = next((x for x in st_main if x[0] == "prn"
                           and d1 <= x[1].start() < following), None) or next(
                (("prn", m) for m in all_as_needed if m.start() > d1), None) or status
        if status and status[0] in ("given", "prn", "self_administered"):
            # "Marevan skulle vært 3 tabletter, men jeg ga 2": the planned dose and time are not
            # the given ones; with only the planned said, no dose rather than the wrong one
            def given(m: re.Match[str]) -> bool:
                return clause_at(clauses, m.start()) not in planned_in
            if not _same_dose_given(text, clauses, status[1], planned_in):
                dose_main = [m for m in dose_main if given(m)]
            clock_main = [m for m in clock_main if given(m)]
        if status and status[0] in NOT_GIVEN:
            # "ikke gitt fordi han skal ta blodprøver fastende kl 09": the reason's time
            why_spans = [w.span() for w in whys]
            clock_main = [c for c in clock_main
                          if not any(a <= c.start() < b for a, b in why_spans)]
            clock_own = [c for c in clock_own if c in clock_main]
        clock_here = [c for c in clock_main if c in clock_own]
        if status and status[0] in NOT_GIVEN:
            # "Zopiklon ga jeg ikke, han sov allerede klokka ni": when he slept, not a dose time
            clock_main = [c for c in clock_main if c in clock_here or not _OWN_SUBJECT.match(
                text, clauses[clause_at(clauses, c.start())].start)]
        clock = _nearest(clock_here, head) or _nearest(clock_main, head)
        following = min((a for a, _, _ in drugs if a > d1), default=end)
        if dose_words.NO_TIME.search(text, d1, following):
            clock = None  # "og Lyrica 75 mg fikk hun også, men jeg har ikke notert tiden"
        same = next((m for m in same_time if k in s.rel.owners(m.start(), "shared")), None)
        earlier = next((r for r in reversed(out) if r.clock is not None
                        and r.head[1] <= d0), None)
        if not clock_here and same is not None and earlier is not None:
            # "..., og Atrovent 0,5 mg samtidig": the earlier dose's time, not one shared
            # from before it ("Klokka 23 ble hun urolig, og jeg ga A kl 23.05 og B samtidig")
            clock = earlier.clock
        dose = pieces = _nearest(dose_main, head)
        if dose is not None and (strength := strength_of(text, dose, end)) is not None:
            dose = strength  # "ein tablett på 5 mg": 5 mg, one tablet
        route_all = s.owned(routes, k, "shared", pos=lambda x: x[1].start())
        route = _nearest(route_all[0], head, pos=lambda x: x[1].start()) or _nearest(
            route_all[1], head, pos=lambda x: x[1].start())
        effect = _nearest([e for e in effects if k in s.rel.owners(e.start(), "shared")
                           # "usikker på om det hjalp": no effect said
                           and not any(clause_at(clauses, u.start()) == clause_at(
                               clauses, e.start()) and u.end() <= e.start() for u in unsure)],
                          head)
        reason_m = _nearest([r for r in reasons if k in s.rel.owners(r.start(), "shared")], head)
        reason = reason_m.span("r") if reason_m else None
        if reason is None and status and status[0] in ("not_given", "refused"):
            why = _nearest([w for w in whys if k in s.rel.owners(w.start(), "shared")], head)
            if why is not None:
                reason = why.span("r") if why.group("r") else why.span("s")
        read = MedRead(drug.name, drug.text, head, dose=dose, route=route, clock=clock,
                       status=status, reason=reason, effect=effect,
                       unit=_spray_doses(text, dose, d1))
        _count(text, read, start, end)
        if pieces is not dose and read.count is None:
            read.count, read.count_span = pieces_of(pieces)
        mention = status is None and (standing or own_plans or shared_plans
                                      or not (dose or effect or (route and clock)))
        if mention:
            pass  # a mention ("står på Eliquis"), a plan or an order: not a dose given
        elif status is None and effect and not dose:
            read.effect_only = True
            read.spans = [head, effect.span()]
            out.append(read)
        else:
            said = [x for x in st_main if x in st_own] or st_main  # "Fikk ... ved behov"
            run = time_series(text, clock, clocks, drugs, d1) if clock is not None else []
            if not run and (run := time_each(read, clock_main)):
                read.count = read.count_span = None  # "40 mg 2 ganger, kl 7 og kl 8.30"
            if run:
                read.clock = clock = run[0]  # "Paracet 1 g kl 08, 14 og 20": from the first
            read.spans = [head] + [m.span() for m in (dose, clock, effect, same) if m] + [
                m.span() for m in [clock and _AFTERNOON.match(text, clock.end(), end)] if m] + [
                x[1].span() for x in (*said, route, status) if x] + ([reason] if reason else []) + (
                [_SPRAY_FORM.match(text, d1).span()] if read.unit else []) + (
                [read.count_span] if read.count_span else [])
            out.append(read)
            for later in run[1:]:  # the same dose at each of the other times
                again = MedRead(drug.name, drug.text, head, dose=dose, count=read.count,
                                count_span=read.count_span, route=route, clock=later,
                                status=status)
                again.spans = [*read.spans, later.span()]
                out.append(again)
        for c in sorted(set(st_self) | set(dose_self) | set(clock_self)):
            said = _best_status(st_self.get(c, []))
            if said is None or _unsure_after(said, unsure_after, clauses):
                continue
            dose = _nearest(dose_self.get(c, []), head)
            if dose is None and said[0] == "self_administered":
                dose = _OWN_COUNT.search(text, clauses[c].start, clauses[c].end)
            # "Spiriva, to drag, tok han selv": the dose said before the clause that says who
            # took it is that dose's, one administration
            before = out[-1] if out and out[-1].head == head and out[-1].status is None \
                and not out[-1].effect_only and out[-1].dose is not None else None
            if dose is None and before is not None:
                out.pop()
                dose = before.dose
            extra = MedRead(drug.name, drug.text, head, dose=dose,
                            clock=_nearest(clock_self.get(c, []), head), status=said)
            _count(text, extra, start, end)
            extra.spans = [head] + [m.span() for m in (extra.dose, extra.clock) if m] + [
                said[1].span()] + ([extra.count_span] if extra.count_span else [])
            out.append(extra)
    return _forgotten_then_given(out, text)


def _spray_doses(text: str, dose: re.Match[str] | None, drug_end: int) -> str | None:
    """ "to doser Nitroglyserin spray": doses of a spray are sprays."""
    if dose is None or cues.unit_of(dose.group("u")) != "dose":
        return None
    return "spray" if _SPRAY_FORM.match(text, drug_end) else None


def _outside_reasons(statuses: list, whys: list[re.Match[str]]) -> list:
    """ "gitt kl 16.30 fordi den ble glemt": a status said in a reason tells why, not what was
    done, unless nothing else is said."""
    spans = [w.span() for w in whys]
    outside = [x for x in statuses if not any(a <= x[1].start() < b for a, b in spans)]
    return outside or statuses


# "skulle ha Sinemet 125 mg kl 14, men den ble gitt kl 16.30": the planned dose itself.
_THE_SAME_DOSE = re.compile(r"(?:den|dosen|dei|de|tabletten|tablettene)\s", re.IGNORECASE)


def _same_dose_given(text: str, clauses: list[Clause], status: re.Match[str],
                     planned_in: set[int]) -> bool:
    """The status is said of the planned dose itself, in a clause of its own that starts
    with "den" or "dosen": the planned dose is the one given (only the time moved)."""
    c = clause_at(clauses, status.start())
    return bool(planned_in) and c not in planned_in \
        and _THE_SAME_DOSE.match(text, clauses[c].start) is not None


def _forgotten_then_given(reads: list[MedRead], text: str) -> list[MedRead]:
    """ "Symbicort hadde han glemt, så jeg ga ham 2 drag kl 10.20": the dose he forgot is the
    one then given, not an administration of its own (unless it has its own dose or time); and
    a "ved behov" order followed by "ikke behov" is the dose not given."""
    withheld = [r for r in reads if r.status and r.status[0] in NOT_GIVEN]
    # the drugs given after each read: a later drug's, or the same name's told on ("hadde
    # ikkje tatt Norvasc, så eg ga han ein tablett")
    taken = ("given", "prn", "self_administered")

    def her_own(r: MedRead) -> bool:
        """ "han hadde ikke tatt X": the patient's own dose not taken (not the nurse's)."""
        return r.status is not None and _SHE_DID_NOT.search(
            text, max(0, r.status[1].start() - 14), r.status[1].start()) is not None

    # the patient's own dose after the nurse's "ble ikke gitt" is a second fact; after "han
    # hadde ikke tatt" it is the same dose, taken late
    given_after = [{g.drug for g in reads[i + 1 :] if g.status and g.status[0] in taken
                    and (g.status[0] != "self_administered" or her_own(r))}
                   for i, r in enumerate(reads)]
    for i, r in enumerate(reads):
        # "ha itj tatt Atrovent, ..., så han tok to puff mens æ va der, klokka halv elleve": the
        # time said after the later dose is that dose's
        if r.status and r.status[0] == "not_given" and r.dose is None and r.clock is not None:
            later = next((g for g in reads[i + 1 :] if g.drug == r.drug and g.status
                          and g.status[0] in taken and g.clock is None
                          and g.status[1].start() < r.clock.start()), None)
            if later is not None:
                later.clock, r.clock = r.clock, None
                later.spans.append(later.clock.span())
    return [r for r, later in zip(reads, given_after, strict=True)
            if not (r.status and r.status[0] == "not_given" and r.dose is None
                    and r.clock is None and r.drug in later)
            # "Paracet 1 g ved behov, ikke behov i kveld": the order, then what was done
            and not (r.status and r.status[0] == "prn" and r.clock is None
                     and any(w.drug == r.drug and w is not r and w.head[0] >= r.head[0]
                             for w in withheld))]


_SHE_DID_NOT = re.compile(r"(?<!\w)(?:han|hun|ho|hu|hen) (?:har |ha |hadde |hadd )?$",
                          re.IGNORECASE)


# "to Paracet, altså eitt gram": the dose said after the tablets is their total, not each one's
_TOTAL_SAID = re.compile(r"(?<!\w)(?:altså|dvs\.?|det vil si|det vil seie|til sammen|tilsammen|"
                         r"til saman|totalt|i alt)(?!\w)", re.IGNORECASE)
_COURSE = re.compile(r"startet|starta", re.IGNORECASE)  # a course started: "x 3" is how often


def _count(text: str, read: MedRead, start: int, end: int) -> None:
    """ "1 g x 2", "1 g 2 ganger", "2 x 500 mg" next to the dose."""
    if read.dose is None:
        return
    m = cues.COUNT_AFTER.match(text, read.dose.end(), end)
    if m is not None:
        read.count = int(m.group("c") or m.group("c2"))
        read.count_span = (m.start() + len(m.group()) - len(m.group().lstrip()), m.end())
    elif (b := cues.COUNT_BEFORE.search(text, max(start, read.dose.start() - 6),
                                        read.dose.start())) is not None:
        read.count, read.count_span = int(b.group("c")), b.span()
    elif read.dose.start() >= read.head[1] and (b := _COUNT_BEFORE_DRUG.search(
            text, max(start, read.head[0] - 24), read.head[0])) is not None and not (
            _TOTAL_SAID.search(text, read.head[1], read.dose.start())):
        # "ga to Paracet à 500 mg", "2 tabletter Ibux 200 mg": 2 of the strength said after
        read.count, read.count_span = int(b.group("c")), b.span("c")
    if read.count is not None and not 1 <= read.count <= 24:
        read.count = read.count_span = None
    per_day = cues.PER_DAY.match(text, read.count_span[1]) if read.count_span else None
    course = read.status is not None and _COURSE.fullmatch(read.status[1].group()) is not None
    if per_day is not None and (read.status is None or course
                                or per_day.group().split() != ["i", "dag"]):
        # "200 mg x 3 daglig", "200 mg x 3 i dag" (said without "fikk", or as a course
        # "startet"): how often a day, not doses given at once ("Fikk Paracet 1 g x 2 i dag"
        # keeps its count)
        read.count = None
