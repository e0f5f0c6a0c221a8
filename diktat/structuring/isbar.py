"""Messages to the doctor or legevakt said without a written heading, and dates kept whole.

A nurse dictates a call as "Ringte legevakten kl 14:10: ..." or "Kontaktet fastlegen: ...":
a call verb, a recipient (lege, fastlege, tilsynslege, legevakt, ...) and a colon start an ISBAR
message to that recipient, like the spoken heading "Beskjed til legevakt:". Without the colon,
a call done at the start of its sentence ("Ringte legevakten og fikk råd om ...", "Ringer
legevakt nå"; ``call_sentence``) is a message to that recipient of that sentence alone (the call
itself a measure taken); not a plan ("skal ringe", "hvis ..."), nor a call not made. "Lege er
varslet" stays a measure, and the recipient is remembered: an "Identifikasjon:" or "ISBAR:"
heading after it starts a message to that recipient.

Dates: a sentence never ends at the dot of an ordinal day ("den 6. desember", "fra 06.12.",
"den 06.", "fra 6. desember"), so a date is never cut from its month or its sentence; after
"fra/til/før/etter" a day needs its month ("smerta gjekk frå 7 til 2. Ho ..." ends there).
"""

from __future__ import annotations

import re

_RECIPIENT = (r"(?P<to>(?:fast|sykehjems|sjukeheims|tilsyns|vakthavende |vakthavande )?legen?|"
              r"legevakt(?:en|a)?|LV|AMK|sykehuset|sjukehuset|akuttmottak\w*|"
              r"(?:kvelds|natte|natt|dag)vakt(?:en|a)?|neste vakt)")
_CALL_VERB = (r"(?:(?:jeg|vi|eg|me) )?(?:har |hadde )?(?:ringer|ringte|ringt|ringde|kontaktet|"
              r"kontakta|kontakter|kontaktar|snakket med|snakka med|snakker med|tok kontakt med|"
              r"tar kontakt med|ga beskjed til|gav beskjed til|gir beskjed til|sender|sendte|"
              r"sendt|varslet|varsla|varsler|rapporterte til|rapporterer til)")
_CLOCK = r"(?:\s+(?:kl\.?\s*|klokka\s+)?\d{1,2}:\d{2})?"
CALL_HEADING = re.compile(
    rf"\s*{_CALL_VERB}(?: til)?\s+(?:(?:en |ei )?(?:e-melding|elektronisk melding|PLO-melding|"
    rf"melding|beskjed)\s+(?:til\s+)?)?{_RECIPIENT}{_CLOCK}(?:\s+(?:med|etter) ISBAR)?"
    r"\s*(?::|–)\s*",
    re.IGNORECASE,
)
_RECIPIENT2 = _RECIPIENT.replace("?P<to>", "?P<to2>")
CONTACT = re.compile(rf"(?<!\w){_CALL_VERB}(?: til)?\s+{_RECIPIENT}(?!\w)"
                     rf"|(?<!\w){_RECIPIENT2}\s+(?:er |ble |blei |vart )?(?:ringt|kontaktet|"
                     rf"kontakta|varslet|varsla)(?!\w)", re.IGNORECASE)


# "Ringte legevakten og fikk råd om ...", "Så ringte jeg fastlegen, ...": a call said without a
# colon, at the start of its sentence and done (not "skal ringe", not "hvis ...").
# "Jeg har ringt legevakten", "Sendt melding til fastlegen", "Melding sendt fastlege om ...".
CALL_SENTENCE = re.compile(
    rf"\s*(?:(?:så|og|da|derfor)\s+)?(?:(?:jeg|vi|eg|me)\s+)?(?:(?:har|hadde)\s+)?"
    rf"(?:(?:en |ei |e-)?(?:melding|beskjed)\s+(?:er\s+|ble\s+)?)?(?P<v>ringte|ringt|ringde|"
    rf"ringer|kontaktet|kontakta|kontakter|kontaktar|sendte|sender|sendt)"
    rf"(?:\s+(?:jeg|vi|eg|me))?"
    rf"(?:\s+(?:en |ei )?(?:melding|beskjed))?(?:\s+til)?\s+{_RECIPIENT}{_CLOCK}(?!\w)",
    re.IGNORECASE)
_NOT_DONE = re.compile(r"(?<!\w)(?:skal|skulle|vil|må|bør|hvis|dersom|om nødvendig|ved behov|"
                       r"ved forverring|i morgen|ikke|ikkje|itj)(?!\w)", re.IGNORECASE)
# After a call said in the past ("Ringte fastlegen, han vil ha nye målinger i morgen"), what
# follows is what was agreed; only a call not got through undoes it.
_PAST = re.compile(r"ringte|ringt|ringde|kontaktet|kontakta|sendte|sendt", re.IGNORECASE)
_NOT_GOT_THROUGH = re.compile(r"(?<!\w)(?:ikke|ikkje|itj|ingen svar|uten svar)(?!\w)",
                              re.IGNORECASE)
_REST_START = re.compile(r"[\s,;:–-]*(?:(?:og|for å|for|angående|om)\s+)?", re.IGNORECASE)


def call_sentence(text: str, start: int, end: int) -> tuple[str, int, int] | None:
    """ "Ringte legevakten og fikk råd om å observere": a call done, at the start of the sentence
    ``text[start:end]``, without a colon: the recipient, where the call's words end and where
    what was said or agreed starts (``end`` when nothing follows)."""
    m = CALL_SENTENCE.match(text, start, end)
    if m is None or _NOT_DONE.search(text, start, m.end()):
        return None
    after = _NOT_GOT_THROUGH if _PAST.fullmatch(m.group("v")) else _NOT_DONE
    if after.search(text, m.end(), end):
        return None
    rest = _REST_START.match(text, m.end(), end)
    at = rest.end() if rest is not None else m.end()
    if not re.search(r"[^\W\d_]{2,}", text[at:end]) or re.fullmatch(
            r"\s*(?:nå|no|straks|i dag|i kveld|i natt)?\s*[.!]?\s*", text[at:end]):
        at = end
    return recipient_name(m.group("to")), m.end(), at


def recipient_name(said: str) -> str:
    """ "legevakten" → "legevakt", "fastlegen" → "fastlege", "LV" → "legevakt"."""
    s = " ".join(said.casefold().split())
    if s == "lv":
        return "legevakt"
    if s == "amk":
        return "AMK"
    for full in ("legevakt", "sykehus", "sjukehus", "akuttmottak"):
        if s.startswith(full):
            return full
    if s.endswith("legen"):
        return s[:-1]
    return s.removesuffix("en").removesuffix("a") if s.endswith(("vakten", "vakta")) else s


def call_heading(text: str, start: int, end: int) -> tuple[str, int] | None:
    """ "Ringte legevakten kl 14:10: ..." at the start of ``text[start:end]``: the recipient
    and where the message starts."""
    m = CALL_HEADING.match(text, start, end)
    if m is None:
        return None
    return recipient_name(m.group("to")), m.end()


def contact(text: str, start: int, end: int) -> str | None:
    """The doctor or service a sentence says was called or told, or None."""
    m = CONTACT.search(text, start, end)
    return recipient_name(m.group("to") or m.group("to2")) if m is not None else None


_MONTHS = (r"januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|"
           r"desember|jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|nov|des")
_DATE_BEFORE = re.compile(
    r"(?:(?<!\w)(?:den|fom|tom|dato|datert|"
    r"mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|måndag|tysdag|laurdag|sundag)\s+"
    r"\d{1,2}|(?<![\d.])\d{1,2}\.\d{1,2}(?:\.\d{2,4})?)$",
    re.IGNORECASE,
)
# "fra 6. desember", but "smerta gjekk frå 7 til 2. Ho ...": a day only with its month after.
_DAY_WITH_MONTH = re.compile(r"(?<!\w)(?:fra|frå|til|før|etter|innen|innan|siden|sidan)\s+"
                             r"\d{1,2}$", re.IGNORECASE)
_MONTH_AFTER = re.compile(rf"\s+(?:{_MONTHS})(?!\w)", re.IGNORECASE)
_DAY = re.compile(r"(?<![\d.,])\d{1,2}$")


def date_dot(text: str, dot: int) -> bool:
    """The "." at ``text[dot]`` ends an ordinal day or a date ("den 6.", "6. desember",
    "06.12."), not a sentence."""
    before = text[max(0, dot - 24) : dot]
    if _DATE_BEFORE.search(before):
        return True
    return (bool(_DAY.search(before)) or bool(_DAY_WITH_MONTH.search(before))) and (
        _MONTH_AFTER.match(text, dot + 1) is not None)
