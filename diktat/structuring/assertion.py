"""What a sentence asserts about one finding: present, negated, possible, historical, about
someone else, or only asked (NegEx-style, bokmål and nynorsk).

A *finding* is a keyword match (an area keyword, a fall). Its assertion is read from cue words
around it, never from the sentence as a whole:

- **asked**: the sentence is a question ("Har du falt?", "Hvordan sov du", "...?") or the
  clause reports one ("spurte om hun hadde vondt"). A question is never a finding.
- **negated**: a trigger ("ikke", "ikkje", dialect "itj", "ittj", "ikkj", "ingen", "inga",
  "intet", "uten", "utan", "aldri", "verken", "fri for", "ikke tegn til", ...) before the
  finding in its clause, or after it ("Smerter: ingen", "kvalme ikke til stede", "feberfri").
  A negation after a finding that is there is its own ("Vondt i hofta, ingen feilstilling";
  "Ho et lite og vil ikkje ha næringsdrikk" keeps "et lite" present). The scope stops at the
  clause boundary ("men", "fordi", "som", a new subject); it runs on through a list of bare
  findings ("Ingen smerter, kvalme eller oppkast", "Ingen smerter og kvalme") but not into a
  clause with its own verb, subject or a word that says something is there ("Ikke kvalm,
  spiste godt"; "Ingen smerter, litt kvalme"). Pseudo-triggers negate something else: "ingen
  endring/bedring i smertene", "ikke så vondt" (still pain), "uten effekt".
- **possible**: "mulig", "kanskje", "mistanke om", "trolig", "tyder på", ... in the clause.
- **historical**: a cue of an earlier time in the clause (`history.py`).
- **other_person**: the clause's subject is someone else ("Mannen hennes har feber"); or it
  tells a relative's illness ("Kona hans har influensa"), also through a pronoun in the next
  clause ("Sønnen var innom, han har vært syk") or "selv" after a report ("Dottera sa at ho
  sjølv er forkjøla"). What a relative reports of "hun" stays the patient's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from diktat.structuring import persons
from diktat.structuring.clauses import Clause, clause_at, split_clauses
from diktat.structuring.cues import word_rx as _rx
from diktat.structuring.history import historical_at, past_period_at
from diktat.structuring.note import Assertion
from diktat.structuring.persons import FEMALE, HE, MALE, SHE, gender_of, patient_pronoun
from diktat.structuring.questions import ANSWER, INDIRECT_QUESTION, is_question

# "ikke" as said in bokmål, nynorsk and dialects (trøndersk "itj", "ittj"; "ikkj", "ikkje").
NOT = r"(?:ikke|ikkje|ikkj|ikkie|itj|ittj|ittje|itte|ikk|inte)"
NEGATION = _rx(NOT, "ingen", "inga", "intet", "ingenting", "inkje", "aldri", "verken",
               "uten", "utan", "benekter", "benektar", "avkrefter", "avkreftar", "nekter for",
               "fri for", "negativ for")
# Negation words that negate something other than the finding after them.
PSEUDO_NEGATION = _rx(
    # "ikke (helt) uten smerter": two negations, the pain is there
    rf"{NOT} (?:helt |heilt )?(?:uten|utan)",
    # "går uten hjelpemidler": walking on her own, which is the finding
    r"(?:uten|utan) (?:hjelp\w*|støtte|problem\w*|vansk\w*)",
    rf"(?:ingen|inga|{NOT}|uten|utan) (?:noen |nokon |særlig |vesentlig )?(?:endring\w*|"
    r"bedring|betring|forbedring|forverring\w*|effekt|virkning)",
    rf"{NOT} (?:så|særlig|veldig|helt|heilt|bare|berre|lenger så|mer enn|mindre|like|bedre|"
    r"betre|verre|borte|forsvunnet|forsvunne)",
    rf"{NOT} lenger så", r"uten at", r"utan at",
    # "hadde nesten ikke spist": a little, which is the finding
    rf"nesten (?:{NOT}|ingenting|inkje)", rf"så godt som (?:{NOT}|ingenting)",
)
# A negation that names a problem rather than denies one: an inability, a sustained refusal or
# a lost function ("fekk ikkje sove", "klarer ikke å reise seg", "har ikke villet drikke",
# "maten smaker ikke", "spiser ikke"). What is said is present; a negated symptom ("ikke
# vondt", "ikke svimmel") and an event that did not happen ("ikke spist") stay negated, and so
# does a night not slept ("hadde ikkje sovi godt": the audit sets disagree on it).
_FUNCTION = (r"(?:sove|sovne|spise|ete|drikke|drikk|svelge|puste|gå|stå|sitte|reise seg|"
             r"reise seg opp|komme seg opp|tisse|late vannet|lade vannet|slappe av|hvile|kvile|"
             r"roe seg|huske|konsentrere seg|tygge|få i seg)")
_ABLE = (r"(?:får|fikk|fekk|klarer|klarar|klarte|greier|greide|greidde|orker|orket|orka|makter|"
         r"maktet|kan|kunne)")
_ABLE_PERFECT = r"(?:fått|klart|greid|greidd|orket|orka|maktet|villet|vilja)"
_LOST_FUNCTION = r"(?:spiser|drikker|svelger|smaker|smakar)"
PROBLEM_NEGATION = re.compile(
    rf"(?<!\w)(?:{_ABLE}\s+(?:(?:hun|han|ho|hen|hu|jeg|eg)\s+)?{NOT}\s+(?:lenger\s+)?"
    rf"(?:å\s+)?{_FUNCTION}"
    rf"|{NOT}\s+{_ABLE_PERFECT}\s+(?:å\s+)?{_FUNCTION}"
    rf"|{NOT}\s+{_LOST_FUNCTION}|{_LOST_FUNCTION}\s+(?:{NOT}|ingenting|inkje|ingen ting)"  # and
    rf"|(?:visste|visst|veit|vet)\s+{NOT}\s+(?:hva|hvilken|hvilket|ka|kva|kor|hvor))(?!\w)",
    re.IGNORECASE,
)
POST_NEGATION = re.compile(
    r"[^,.;]{0,25}?(?:[:\-–]\s*(?:ingen|inga|nei|" + NOT + r")(?!\w)"
    # "Huden rundt er ikke rød": the predicate said of the finding is negated
    r"|\s(?:er|var|ble|blei|vart|virker|verkar)\s+" + NOT + r"\s+(?!så|særlig|veldig|helt|heilt|"
    r"bare|berre|lenger|mer|meir|mindre|like|bedre|betre|verre|borte|over|forsvunn)[^\W\d]+"
    r"|\s" + NOT + r" (?:til stede|påvist|observert|registrert|sett|merkbar)(?!\w)"
    r"|\s(?:avkreft\w*|negativ)(?!\w)"
    # "da jeg kom var smertene borte", "kvalmen har gått over": gone now
    # (not "Smertene er ikke borte")
    r"|(?<!ikke)(?<!ikkje)(?<!itj)(?<!itte)\s(?:(?:er|var|e|va|har|hadde)\s+)?"
    r"(?:helt\s+|heilt\s+)?(?:borte|gått over|gikk over|"
    r"forsvunnet|forsvant|forsvunne|gått vekk|gikk vekk)(?!\w))",
    re.IGNORECASE,
)
POSSIBLE = _rx("mulig", "muligens", "moglegvis", "mogleg", "mogeleg", "kanskje", r"mistanke om",
               r"mistenk\w*", "trolig", "truleg", r"sannsynlig\w*", "antagelig", "antakeleg",
               "usikker på om", "usikkert om", "kan ha", "kan være", "kan vere", "tyder på",
               "ser ut til", "virker som", "spørsmål om", "obs")
_RELATIVE = (r"(?:(?:hennes|hans|hennar|pasientens|brukerens|beboerens) )?(?:datter\w*|datra|"
             r"dotter\w*|sønn\w*|son|sonen|sønene|mannen|kona|konen|ektemann\w*|ektefelle\w*|"
             r"samboer\w*|nabo\w*|romkamerat\w*|medbeboer\w*|medpasient\w*|bror\w*|"
             r"sidemann\w*|sidekvinne\w*|bordnabo\w*|"
             r"broren|søster\w*|syster\w*|barnebarn\w*|venninne\w*|vennen|mora|moren|faren|"
             r"svigerdatter\w*|svigersønn\w*|svigerson\w*|kjæresten|onkel\w*|tante\w*|"
             r"fetter\w*|kusine\w*|(?:mors|fars|morens|farens|mora si|faren sin) \w+)")
# "fortalte at naboen hadde falt"; not a parent, whom a child telling of "moren" means as the
# patient ("sønnen, som sier at moren har vært trist")
_TOLD_OF_RELATIVE = re.compile(r"(?<!\w)(?:at|om at) (?!(?:moren|mora|mor|faren|far|mamma|pappa)"
                               r"(?!\w))" + _RELATIVE + r"(?!\w)", re.IGNORECASE)
OTHER_PERSON = re.compile(r"\s*(?:og |men |så )?(?:besøk (?:av|fra|frå) )?" + _RELATIVE
                          + r"(?!\w)", re.IGNORECASE)
# An illness a relative has: said of someone else far more often than a nursing finding is.
ILLNESS = _rx(r"influensa\w*", r"forkjøl\w*", r"omgangssyk\w*", r"covid\w*", r"korona\w*",
              "corona", r"\w*kreft\w*", "syk", "sjuk", "sjukt", "sykt", r"sykdom\w*", r"sjukdom\w*",
              r"lungebetennelse\w*", r"smitte\w*", "magesjau", r"infeksjon\w*", r"innlagt",
              r"operert", r"hjerteinfarkt\w*", r"hjerneslag\w*", r"brukket", r"forkjøling\w*",
              "døde", "døydde", "død", "diabetes", r"demens\w*",
              # a long-standing illness of a relative ("Søsteren hennes har depresjon")
              r"depresjon\w*", r"depressiv\w*", r"epilepsi\w*", "astma", "kols", r"kreft\w*",
              r"hjertesvikt\w*", r"parkinson\w*", r"alzheimer\w*", r"schizofreni\w*",
              r"bipolar\w*", r"psykisk (?:syk|sjuk)\w*", r"revmatis\w*", r"leddgikt\w*",
              r"multippel sklerose", r"slag")
_PRONOUN = r"(?:hun|han|ho|hen|hu|de|dei)"
# "Datteren sa at hun selv er syk": the one who said it.
SELF_REF = re.compile(rf"(?<!\w)(?:{_PRONOUN}\s+(?:selv|sjølv|sjøl|sjæl)|(?:selv|sjølv|sjøl)\s+"
                      rf"(?:har|hadde|er|var|e|va)\s+{_PRONOUN})(?!\w)", re.IGNORECASE)
_PRONOUN_START = re.compile(rf"\s*(?:og |men |så )?{_PRONOUN}(?!\w)", re.IGNORECASE)
REPORTING = _rx(r"forteller", "fortalte", "sier", "seier", "sa", "melder", "meldte", "opplyser",
                "opplyste", "mener", "meiner", "tror", "trur", "at", "om at")
# A clause that says something of its own: it ends a negation's scope.
_OWN_CLAUSE = _rx(
    "hun", "han", "ho", "hen", "vi", "jeg", "eg", "det", "den", "de", "dei", "pasienten",
    "bruker", "brukeren", "er", "var", "har", "hadde", "hadd", "ble", "blei", "vart", "fikk",
    "fekk", "kan", "kunne", "klarer", "klarte", "greier", "greidde", "klarar", "lukter", "luktar",
    "luktet", "lukta",
    "får", "spiste", "åt", "et", "drakk", "sov", "gikk", "gjekk", "kom", "klager", "klaget",
    "klaga", "sier", "sa", "virker", "ser", "føler", "kjenner", "tok", "ga", "gav", "går",
    "står", "ligger", "lå", "sitter", "satt", "kastet", "kasta", "hostet", "hosta", "viser",
    "god", "godt", "bra", "fin", "fint", "normal", "normalt", "litt", "noe", "noko", "lett",
    "mye", "mykje", "sterk", "sterke", "økt", "økende", "nedsatt", "fortsatt", "framleis",
    "fremdeles", "stadig", "nå", "no", "igjen", "også", "òg", "mer", "meir", "tydelig",
    # dialect forms of "er"/"var" ("og urinen e mørk", "han va roligere")
    "e", "va", "æ",
)
_MAX_BARE_WORDS = 5
_NEITHER = _rx("verken", "hverken", "korkje", "korken")
_EITHER_OR = re.compile(r"[\s,]*eller(?!\w)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")

__all__ = ["ANSWER", "assertion_at", "continues_list", "finding_assertion", "is_question",
           "someone_else", "subject_clause", "text_assertion"]


_PARENT = re.compile(r"\s*(?:og |men |så )?(?:mora|moren|mor|faren|far)(?!\w)", re.IGNORECASE)
_CHILD = _rx(r"datter\w*", r"dotter\w*", r"sønn\w*", "son", "sonen", r"barnebarn\w*")


# "... og falt ikke", "sov ikkje godt": the finding's own verb negated right after it.
_VERB_NEGATED = re.compile(r"\s+" + NOT + r"(?!\s+(?:bare|berre|så|mye|mykje|lenge|helt|heilt|"
                           r"lenger|meir|mer|før|til|etter))(?!\w)", re.IGNORECASE)
# "Urinen lukta ikkje", "Såret væsker ikke lenger": the finding's own verb, negated, ends it
_SAID_NOT = re.compile(r"\s+[^\W\d]+\s+" + NOT + r"(?:\s+(?:lenger|lengre|meir|mer))?[\s.,;!?]*$",
                       re.IGNORECASE)
_FREE_OF = re.compile(r"\w{3,}(?:fri|fritt|frie)(?!\w)", re.IGNORECASE)  # "feberfri": no fever
# A clause that goes on without a subject of its own ("... og har vondt i hodet").
_VERB_FIRST = re.compile(r"\s*(?:har|hadde|er|var|fikk|fekk|får|klager|klaga|kjenner|føler|ble|"
                         r"blei|vart|ligger|ligg|falt|datt|ramla|sklei|skled|snublet|snubla|"
                         r"brakk|braut|slo|skadet|skada|gråter|gret|gråt|griner|hoster|hostet|"
                         r"hosta|sover|sov|spiser|spiste|drikker|drakk|virker|virket|kaster|"
                         r"kastet|kasta|va|vart|sleit|slet|strever|strevde|"
                         r"e|hadd|hoste|søv|et)(?!\w)", re.IGNORECASE)  # dialect: er, hadde, ...
# A name said after a relative, between commas: the same person ("Kona hans, Liv, falt";
# "Naboen hennes, han Torvald, ...", with the dialect's article before the name).
_APPOSITIVE_NAME = re.compile(
    r"\s*(?:(?:han|hun|ho|hu|a|n)\s+)?[A-ZÆØÅ][a-zæøå]+(?: [A-ZÆØÅ][a-zæøå]+)?\s*$")


def _the_childs_parent(text: str, start: int, relative: re.Match[str]) -> int | None:
    """ "Datteren ringte fordi mora var forvirret": the daughter's mother is the patient; where
    the child is said, or None."""
    if _PARENT.fullmatch(relative.group()) is None:
        return None
    child = _CHILD.search(text, start, relative.start())
    return child.start() if child is not None else None


def someone_else(text: str, clauses: Sequence[Clause], ci: int,
                 patient: str | None = None) -> int | None:
    """Where the relative starts whose illness clause ``ci`` tells ("Kona hans har influensa";
    "Sønnen var innom, han har vært syk"; "Dottera ringde og sa at ho sjølv er forkjøla"), or
    None. What a relative reports of "hun" is the patient's ("Datteren sier hun har vondt")."""
    c = clauses[ci]
    if (at := _relative_referred_to(text, clauses, ci, patient)) is not None:
        return at
    subject = subject_clause(text, clauses, ci)
    told = _TOLD_OF_RELATIVE.search(text, c.start, c.end)
    # the relative's state (tired, worried) only where the relative is the clause's subject:
    # "Sonen hennar har kreft, ho er lei seg for det" is the patient's grief
    state = RELATIVE_STATE.search(text, c.start, c.end)
    if OTHER_PERSON.match(text, c.start, c.end):
        at = c.start
    elif ci > 0 and OTHER_PERSON.match(text, clauses[ci - 1].start, clauses[ci - 1].end) and (
            _PRONOUN_START.match(text, c.start, c.end) or REPORTING.match(text, c.start, c.end)):
        at, state = clauses[ci - 1].start, None
    elif subject is not None and OTHER_PERSON.match(text, clauses[subject].start,
                                                    clauses[subject].end):
        at = clauses[subject].start  # "Dottera ringte og va bekymra"
    elif told is not None and ILLNESS.search(text, told.end(), c.end):
        return told.start()  # "Hu sa at mannen hennes har fått lungebetennelse"
    else:
        return None
    if SELF_REF.search(text, c.start, c.end):
        return at
    if (ILLNESS.search(text, c.start, c.end) or state) and (
            not REPORTING.search(text, c.start, c.end)
            or _the_reporters_own(text, clauses, c, at, patient)):
        return at
    return None


_REPORTED_PRONOUN = re.compile(rf"(?:^|\s)(?:at|om at)\s+(?P<p>{_PRONOUN})(?!\w)", re.IGNORECASE)


# What is said of a relative far more often than of the patient in a nursing note: a relative
# tired out by caring, worried, afraid, in tears.
RELATIVE_STATE = _rx(r"sliten", "slitne", r"utslit\w*", r"bekymr\w*", "lei seg", "redd",
                     "gret", "gråt", "grein", "gråter", "griner", "gråte", "grine",
                     r"skjelven\w*", r"fortvil\w*", r"stressa?", r"overarbeid\w*", r"trøtt")
_ANY_RELATIVE = re.compile(r"(?<!\w)" + _RELATIVE + r"(?!\w)", re.IGNORECASE)
_THE_PATIENT = _rx(r"pasient\w*", r"bruker\w*", r"beboer\w*")
# The pronoun a clause is about: its subject ("Hun er sliten", "og ho er", "fordi han",
# "Selv er hun", "som selv er syk" of the noun before) or the one said with "selv".
_SUBJECT_PRONOUN = re.compile(
    r"\s*(?:(?:og|men|så|for|fordi|da|mens) )?(?:(?:selv|sjøl|sjølv) (?:er|e|var|va|har|hadde) )?"
    # "så har han selv vært forkjølet": the verb before its subject
    r"(?:(?:og )?(?:så|da|nå|no) (?:har|hadde|er|e|var|va|ble|blei|vart) )?"
    r"(?P<p>hun|han|ho|hu)(?!\w)", re.IGNORECASE)
_WHO_SELF = re.compile(r"\s*(?:som )?(?:selv|sjøl|sjølv)(?!\w)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?](?=\s)")


def _relative_referred_to(text: str, clauses: Sequence[Clause], ci: int,
                          patient: str | None) -> int | None:
    """Where the relative starts whom a pronoun (or "som selv") in clause ``ci`` refers back
    to, when the clause tells of that relative rather than the patient: "Datteren var her. Hun
    er sliten etter mange netter", "Dottera var til stades, og ho er svært sliten", "Naboen,
    som selv er syk med lungebetennelse". The relative is the last one named in this sentence
    or the one before, with no "pasienten" after it; the pronoun must fit the relative's gender
    where that is known. The clause must say what is told of relatives (``RELATIVE_STATE``, an
    illness, "selv") or the patient must be of the other gender; a patient's finding said of
    "hun" after a daughter's visit stays the patient's ("Datteren var her. Hun har vondt")."""
    c = clauses[ci]
    said = None
    reports = False  # "han sier hun har vært sløv": what the husband reports is the patient's
    if (m := _SUBJECT_PRONOUN.match(text, c.start, c.end)) is not None:
        said = m.group("p").casefold()
        reports = REPORTING.match(text, m.end() + 1, c.end) is not None
    elif (m := SELF_REF.search(text, c.start, c.end)) is not None:
        said = m.group(0).split()[0].casefold()
    elif _WHO_SELF.match(text, c.start, c.end) is None:
        return None
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, c.start)]
    since = ends[-3] if len(ends) >= 3 else 0  # this sentence and the two before
    relatives = list(_ANY_RELATIVE.finditer(text, since, c.start))
    if not relatives:
        return None
    relative = relatives[-1]
    if _THE_PATIENT.search(text, relative.end(), c.start):
        return None
    gender = gender_of(relative.group(0))
    pronoun = None if said is None else ("han" if said == "han" else "hun")
    if pronoun is not None and gender is not None and gender != pronoun:
        return None
    if pronoun is None:  # "som selv ...": the noun right before
        return relative.start() if ci > 0 and _ANY_RELATIVE.search(
            text, clauses[ci - 1].start, clauses[ci - 1].end) else None
    told = (SELF_REF.search(text, c.start, c.end) or ILLNESS.search(text, c.start, c.end)
            or RELATIVE_STATE.search(text, c.start, c.end))
    if patient is None and not reports:
        patient = patient_pronoun(text, clauses[0].start, clauses[-1].end)
    if told or (patient is not None and patient != pronoun):
        return relative.start()
    return None


def _the_reporters_own(text: str, clauses: Sequence[Clause], c: Clause, at: int,
                       patient: str | None) -> bool:
    """ "Sønnen ringte og sa at han har hatt influensa" of a patient the rest of the dictation
    calls "hun": the son's own illness. Only where the pronoun is the relative's gender and the
    patient is, everywhere outside this sentence, of the other gender; else what a relative
    reports is the patient's ("Datteren sier hun har vondt")."""
    said = _REPORTED_PRONOUN.search(text, c.start, c.end)
    relative = OTHER_PERSON.match(text, at)
    if said is None or relative is None:
        return False
    rel = relative.group().strip()
    rel_male = MALE.search(rel) is not None and FEMALE.search(rel) is None
    rel_female = FEMALE.search(rel) is not None and MALE.search(rel) is None
    he = HE.fullmatch(said.group("p")) is not None
    she = SHE.fullmatch(said.group("p")) is not None
    if not ((rel_male and he) or (rel_female and she)):
        return False
    if patient is None:
        patient = patient_pronoun(text, clauses[0].start, clauses[-1].end)
    return patient == ("hun" if he else "han")


# "ikke plaget av smerter, rolig pust", "Ingen feber, god matlyst": a finding said to be well
# after a negated list item is said positively, not negated with the list
_GOOD_STATE = re.compile(r"\s*(?:og |men )?(?:rolig|roleg|god|godt|fin|fint|normal\w*|stabil\w*|"
                         r"jevn\w*|regelmessig\w*|upåfallende|uaffisert)(?!\w)", re.IGNORECASE)


def _bare(text: str, clause: Clause) -> bool:
    """``clause`` continues a list of findings: short, no verb, subject or word of presence,
    and not a state said to be well."""
    words = _WORD.findall(text, clause.start, clause.end)
    return (len(words) <= _MAX_BARE_WORDS
            and _GOOD_STATE.match(text, clause.start, clause.end) is None
            and _OWN_CLAUSE.search(text, clause.start, clause.end) is None
            and PROBLEM_NEGATION.search(text, clause.start, clause.end) is None)


def continues_list(text: str, clause: Clause) -> bool:
    """``clause`` only continues the list before it ("..., ryggen eller hofta"): what was said
    of the list holds for it."""
    return clause.joint == "list" and _bare(text, clause)


def _possible_or_past(text: str, start: int, end: int) -> tuple[Assertion, int] | None:
    if (m := POSSIBLE.search(text, start, end)) is not None:
        return Assertion.possible, m.start()
    at = historical_at(text, start, end)
    return None if at is None else (Assertion.historical, at)


def _negation_in(text: str, start: int, end: int) -> int | None:
    """Start of the last real negation trigger in ``text[start:end]``."""
    pseudo = [m.span() for m in PSEUDO_NEGATION.finditer(text, start, end)] + [
        # the verb a problem's negation goes with may follow the finding's start
        m.span() for m in PROBLEM_NEGATION.finditer(text, start, min(len(text), end + 40))]
    last = None
    for m in NEGATION.finditer(text, start, end):
        if not any(a <= m.start() < b for a, b in pseudo):
            last = m.start()
    return last


def _names_a_problem(text: str, start: int, end: int) -> bool:
    """The negation right after a finding ("maten ikke smaker noe", "spiser ikke") names a
    problem (``PROBLEM_NEGATION``)."""
    return any(m.start() <= start + 1 and m.end() > start
               for m in PROBLEM_NEGATION.finditer(text, max(0, start - 12), end))


def assertion_at(text: str, kw_start: int, kw_end: int, start: int = 0, end: int | None = None,
                 clauses: Sequence[Clause] | None = None, patient: str | None = None
                 ) -> tuple[Assertion, int]:
    """The assertion about the finding at ``text[kw_start:kw_end]`` in the sentence
    ``text[start:end]``, and where its cue starts (``kw_start`` when present; evidence for the
    finding must reach back to the cue). ``patient``: "han"/"hun" as the whole dictation calls
    the patient, when ``text`` is only a quote of it (see ``patient_pronoun``)."""
    end = len(text) if end is None else end
    if clauses is None:
        clauses = split_clauses(text, start, end)
    ci = clause_at(clauses, kw_start)
    clause = clauses[ci]
    if is_question(text, start, end):
        return Assertion.asked, start
    if (m := INDIRECT_QUESTION.search(text, clause.start, kw_start)) is not None:
        if ci + 1 < len(clauses) and (a := ANSWER.match(text, clauses[ci + 1].start,
                                                          clauses[ci + 1].end)) is not None:
            return (Assertion.negated if a.group("no") else Assertion.present), m.start()
        return Assertion.asked, m.start()
    if (neg := _negation_in(text, clause.start, kw_start)) is not None:
        # "Sønnen er her, han er sliten og har ikke spist": said of him, not of her
        at = _subject_is_a_relative(text, clauses, ci, start, patient)
        return (Assertion.negated, neg) if at is None else (Assertion.other_person, at)
    if _FREE_OF.match(text, kw_start) is not None:
        return Assertion.negated, kw_start  # "feberfri", "smertefri"
    if (POST_NEGATION.match(text, kw_end, clause.end) is not None
            or _VERB_NEGATED.match(text, kw_end, clause.end) is not None
            or _SAID_NOT.match(text, kw_end, clause.end) is not None) \
            and not _names_a_problem(text, kw_end, clause.end):
        return Assertion.negated, kw_start
    if (said := _possible_or_past(text, clause.start, clause.end)) is not None:
        return said[0], min(said[1], kw_start)
    m = OTHER_PERSON.match(text, clause.start, kw_start)
    if m is not None and m.end() <= kw_start and not REPORTING.search(text, m.end(), kw_start):
        if (child := _the_childs_parent(text, start, m)) is not None:
            return Assertion.present, child  # the evidence reaches back to the child
        return Assertion.other_person, clause.start
    if (at := someone_else(text, clauses, ci, patient)) is not None:
        return Assertion.other_person, at
    if (told := _TOLD_OF_RELATIVE.search(text, clause.start, kw_start)) is not None:
        return Assertion.other_person, told.start()  # "fortalte at naboen hadde falt"
    if (at := _subject_is_a_relative(text, clauses, ci, start, patient)) is not None:
        return Assertion.other_person, at
    # "verken tung pust eller hevelse i bena nå": the "eller" of a "verken" is negated too
    if ci > 0 and clauses[ci].joint == "list" and _EITHER_OR.match(
            text, clauses[ci - 1].end, clauses[ci].start + 6) and (
            neither := _NEITHER.search(text, clauses[ci - 1].start, clauses[ci - 1].end)):
        return Assertion.negated, neither.start()
    # "har ikkje vore kvalm eller kasta opp": a clause after "eller" goes on with its negation
    if ci > 0 and clause.word == "eller" and not _PRONOUN_START.match(text, clause.start) and (
            neg := _negation_in(text, clauses[ci - 1].start, clauses[ci - 1].end)) is not None:
        return Assertion.negated, neg
    # A bare finding in a list takes what was said of the list ("Ingen smerter, kvalme eller
    # oppkast"; "Mannen hennes har feber og hoste").
    c = ci
    while c > 0 and clauses[c].joint == "list" and _bare(text, clauses[c]):
        c -= 1
        prev = clauses[c]
        if (m := INDIRECT_QUESTION.search(text, prev.start, prev.end)) is not None:
            return Assertion.asked, m.start()
        if (neg := _negation_in(text, prev.start, prev.end)) is not None:
            return Assertion.negated, neg
        if (said := _possible_or_past(text, prev.start, prev.end)) is not None:
            return said
        m = OTHER_PERSON.match(text, prev.start, prev.end)
        if m is not None and not REPORTING.search(text, m.end(), prev.end):
            return Assertion.other_person, prev.start
        if (at := _relative_referred_to(text, clauses, c, patient)) is not None:
            return Assertion.other_person, at  # "Han er bekymret og lei seg"
    if ci > 0 and persons.CO_RESIDENT.match(text, clauses[ci - 1].start, clauses[ci - 1].end) and \
            REPORTING.match(text, clause.start, kw_start):
        return Assertion.other_person, clauses[ci - 1].start  # a room-mate's "og sa at hun ..."
    if (at := past_period_at(text, clauses, ci)) is not None:
        return Assertion.historical, min(at, kw_start)
    return Assertion.present, kw_start


def _subject_is_a_relative(text: str, clauses: Sequence[Clause], ci: int, start: int,
                           patient: str | None) -> int | None:
    """Where the relative starts whose subject clause ``ci`` goes on with: "Han har hatt
    influensa og hoster fortsatt mye" (he, the husband), "sønnen er veldig sliten og har vondt i
    hodet", "Kona hans, Liv, falt i trappa og brakk håndleddet"; or None."""
    if (subject := subject_clause(text, clauses, ci)) is None:
        return None
    if (at := _relative_referred_to(text, clauses, subject, patient)) is not None:
        return at
    rel = OTHER_PERSON.match(text, clauses[subject].start, clauses[subject].end)
    return clauses[subject].start if rel is not None and _the_childs_parent(
        text, start, rel) is None else None


def subject_clause(text: str, clauses: Sequence[Clause], ci: int) -> int | None:
    """The clause whose subject clause ``ci`` goes on with: back over list-joined clauses
    that start with their verb ("..., falt i trappa og brakk håndleddet") and a name said
    between commas after the subject ("Kona hans, Liv, ..."); None if ``ci`` has its own."""
    c = ci
    while c > 0 and clauses[c].joint == "list" and _VERB_FIRST.match(text, clauses[c].start):
        c -= 1
        if c > 0 and clauses[c].joint == "list" and _APPOSITIVE_NAME.fullmatch(
                text, clauses[c].start, clauses[c].end):
            c -= 1
        if not _VERB_FIRST.match(text, clauses[c].start):
            return c
    return None


def goes_on_with_subject(text: str, clause: Clause) -> bool:
    """``clause`` starts with its verb after "og"/a comma, so its subject is the one before
    ("Ektemannen falt på badet og ligger nå på sykehuset med brudd i hofta")."""
    return clause.joint == "list" and _VERB_FIRST.match(text, clause.start, clause.end) is not None


def text_assertion(text: str, start: int = 0, end: int | None = None,
                   patient: str | None = None) -> Assertion:
    """The assertion of a sentence without a finding keyword (a heading gave its area, or a
    model placed it): asked, negated when a real negation is said, possible or historical when
    its cue is said, someone else's when a relative's illness is told, else present."""
    end = len(text) if end is None else end
    if is_question(text, start, end):
        return Assertion.asked
    if _negation_in(text, start, end) is not None:
        return Assertion.negated
    if (said := _possible_or_past(text, start, end)) is not None:
        return said[0]
    clauses = split_clauses(text, start, end)
    if any(someone_else(text, clauses, ci, patient) is not None for ci in range(len(clauses))):
        return Assertion.other_person
    if (subject := subject_clause(text, clauses, len(clauses) - 1)) is not None and (
            (rel := OTHER_PERSON.match(text, clauses[subject].start, clauses[subject].end))
            is not None and _the_childs_parent(text, start, rel) is None):
        return Assertion.other_person  # "Mannen falt og ligger med brudd i hofta"
    if any(past_period_at(text, clauses, c) is not None for c in range(len(clauses))):
        return Assertion.historical
    return Assertion.present


def finding_assertion(text: str, quote: str, keywords: re.Pattern[str],
                      patient: str | None = None) -> Assertion:
    """The assertion ``quote`` (evidence, normalised) makes about the finding ``text`` (a
    stretch of it): the grounding validator's reading, the same as the rules'."""
    at = quote.casefold().rfind(text.casefold().strip(" .,;:"))
    if at < 0:
        quote, at = text, 0
    kw = keywords.search(quote, at, at + len(text))
    if kw is None:
        return text_assertion(quote, patient=patient)
    return assertion_at(quote, kw.start(), kw.end(), patient=patient)[0]
