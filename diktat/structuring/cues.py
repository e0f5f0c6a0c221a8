"""Clinical cue words and patterns (bokmål and nynorsk) for reading dictated notes.

The rules backend reads notes with these, the LLM backend uses them for negation, ISBAR parts
and deviations, and grounding checks every backend's values against the same words.
"""

from __future__ import annotations

import re
from typing import NamedTuple


def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# "ikke" in bokmål, nynorsk and dialects (trøndersk "itj", sørlandsk "ittje", nordnorsk "itte").
NOT_WORD = r"(?:ikke|ikkje|itj|ittj|ittje|itte)"


def word_rx(*alternatives: str) -> re.Pattern[str]:
    """One pattern of whole words or phrases, case-insensitive."""
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


_rx = word_rx  # the short name this module's many patterns use


WORD = re.compile(r"[^\W\d_]+")
CLOCK = re.compile(r"(?<!\d)(?<!\d:)(?:[01]?\d|2[0-4]):[0-5]\d(?!\d|:\d)")
SENTENCE_END = re.compile(
    r"(?P<dot>[.!?])(?=\s|$)\s*|[;\n]\s*|\s*(?<!\w)(?:punktum|ny linje|nytt avsnitt)(?!\w)[.,]?\s*",
    re.IGNORECASE,
)
ABBREVIATION = re.compile(
    # a single letter is an initial ("A."), not after a number, where it is a unit ("1,5 l.")
    r"(?:^|[^\w.])(?:kl|ca|evt|bl\.a|f\.eks|dvs|osv|pr|nr|jf|stk|tbl|tab|ev|(?<!\d )[^\W\d_])\.$"
    # dotted routes and "ved behov": "5000 IE s.c. kl 8" is one sentence
    r"|(?<!\w)(?:s\.c|i\.m|i\.v|p\.o|v\.b|p\.n)\.$",
    re.IGNORECASE,
)
CLAUSE_SEP = re.compile(r",?\s+(?:og|men|mens|samt)\s+|,\s+", re.IGNORECASE)
NEGATION = _rx("ikke", "ikkje", "ingen", "inga", "intet", "ingenting", "inkje", "aldri",
               "verken", "benekter", "avkrefter")

# Medication: dose, route, status, reason, effect.
_UNITS = {
    "mg": "mg", "g": "g", "mikrog": "mikrog", "ml": "ml", "ie": "IE", "mmol": "mmol",
    **dict.fromkeys(["tablett", "tabletter", "tbl", "tablettar"], "tablett"),
    **dict.fromkeys(["brusetablett", "brusetabletter"], "brusetablett"),
    **dict.fromkeys(["kapsel", "kapsler", "kapslar"], "kapsel"),
    **dict.fromkeys(["dråpe", "dråper", "dropar", "dråpar"], "dråpe"),
    **dict.fromkeys(["stikkpille", "stikkpiller"], "stikkpille"),
    **dict.fromkeys(["ampulle", "ampuller", "ampullar"], "ampulle"),
    **dict.fromkeys(["pose", "poser", "posar"], "pose"),
    **dict.fromkeys(["dose", "doser", "dosar"], "dose"),
    "puff": "puff", "plaster": "plaster", "drag": "drag",
    **dict.fromkeys(["spray", "sprut", "spruter", "sprutar", "spraydose", "spraydoser"], "spray"),
    # insulin: "22 E", "6 enh", "14 enheter" (enheter, as the chart writes them)
    **dict.fromkeys(["e", "enh", "enhet", "enheter", "eining", "einingar"], "E"),
    "mikrog/t": "mikrog/t",  # a patch's strength ("12 mikrogram i timen"): its dose
    **dict.fromkeys(["inhalasjon", "inhalasjoner", "inhalasjonar"], "inhalasjon"),
}  # fmt: skip
UNIT_FORMS: dict[str, tuple[str, ...]] = {}
for _form, _unit in _UNITS.items():
    UNIT_FORMS.setdefault(_unit, ())
    UNIT_FORMS[_unit] += (_form,)
DOSE = re.compile(
    r"(?<![\w,])(?P<n>\d+(?:,\d+)?) ?(?P<u>" + "|".join(sorted(_UNITS, key=len, reverse=True))
    # a concentration or a rate ("50 mg/ml", "5 mg per ml", "2 mg/t") is not a dose
    + r")(?!\w)(?!\s?/|\s(?:per|pr\.?)\s)",
    re.IGNORECASE,
)
# "1 g x 2", "2 x 500 mg", "1 g 2 ganger": how many times the dose was given.
COUNT_AFTER = re.compile(r"\s?(?:x|×|ganger|gonger|gange|gonge)\s?(?P<c>\d{1,2})(?![\d:]|,\d)"
                         r"|\s(?P<c2>\d{1,2}) (?:ganger|gonger)(?!\w)", re.IGNORECASE)
COUNT_BEFORE = re.compile(r"(?<![\w,])(?P<c>\d{1,2}) ?(?:x|×) ?$", re.IGNORECASE)


def unit_of(said: str) -> str:
    return _UNITS[said.casefold()]


ROUTE_CUES = {
    "po": _rx("peroralt", "per os", r"p\.o\.?", "po", "oralt", "i munnen", "via munnen"),
    "sc": _rx("subkutant", "subcutant", r"s\.c\.?", "sc", "under huden"),
    "iv": _rx("intravenøst", r"i\.v\.?", "iv", "i venen", "i blodåra"),
    "im": _rx("intramuskulært", r"i\.m\.?", "im", "i muskelen"),
    "rectal": _rx("rektalt", "stikkpiller?", "i endetarmen", "klyster"),
    "sublingual": _rx("sublingualt", "under tunga", "under tungen", "resoriblett\\w*"),
    "inhaled": _rx("inhalert", r"inhalasjon\w*", "forstøver\\w*", "puff"),
    "transdermal": _rx("transdermalt", "plaster", "depotplaster"),
    "topical": _rx("på huden", "utvortes", "smurt", "påført"),
}


def _first_cue(cues: dict[str, re.Pattern[str]], text: str, start: int, end: int | None
               ) -> tuple[str, re.Match[str]] | None:
    for name, rx in cues.items():
        if (m := rx.search(text, start, len(text) if end is None else end)) is not None:
            return name, m
    return None


def find_route(text: str, start: int = 0, end: int | None = None
               ) -> tuple[str, re.Match[str]] | None:
    return _first_cue(ROUTE_CUES, text, start, end)


# "ga god effekt" and "fikk resept på" say nothing about a dose being given.
_EFFECT_WORDS = (r"(?! (?:god|bra|ingen|noe|lite|litt|dårlig|effekt|lindring|bedring|resept|"
                 r"beskjed|råd|melding|vite|høre|svar|tilbakemelding|beskjeden|"
                 # "har fått endret tidspunkt", "fått påvist": no dose given
                 r"endret|endra|forandret|forandra|flyttet|flytta|justert|påvist|"
                 # "tok det opp med fastlegen": raised it
                 r"opp|det opp|dette opp|saken opp|kontakt)(?!\w))")
# The patient is who took it: "hun tok den klokka åtte", "om han hadde tatt Eliquis" (a dose of
# her own, but not one more administration after the nurse's: "ga henne X, og hun tok den"; not
# the present "ho tek Eliquis", a habit).
PATIENT_TOOK = (r"(?<!fikk )(?<!fekk )(?<!ga )(?<!gav )(?:hun|han|ho|hu|hen|pasienten|brukeren) "
                r"(?:(?:har|hadde|hadd|ha) )?(?:tatt|tok|teke)(?! (?:imot|i mot|blodprøve\w*))"
                # inverted after the drug: "så Albyl-E og Selo-Zok tok hun da mens jeg var der"
                # (not "tok ho derimot fint": she took what the nurse gave, ``ACCEPTED``)
                r"|(?<=\w )tok (?:hun|han|ho|hu|hen)(?! (?:imot|i mot|blodprøve\w*))"
                r"(?! (?:(?:derimot|likevel|da|då|no|nå|heldigvis) )?(?:fint|greit|villig|"
                r"uten (?:problem|protest|vansk)))")
# "Paracet nekta ho. Selo-Zok tok ho derimot fint": she took the dose she was given
ACCEPTED = (r"(?<=\w )tok (?:hun|han|ho|hu|hen) (?:(?:derimot|likevel|da|då|no|nå|heldigvis) )?"
            r"(?:fint|greit|villig|uten (?:problem|protest|vansk)\w*)")
STATUS_CUES = {  # checked in this order: a refusal or omission outranks "gitt" nearby
    "not_given": _rx(NOT_WORD + r" (?:blitt |vorte )?(?:gitt|gjeve|tatt|fått|gi|satt|sett)",
                     # a subordinate clause says "ikke" before the verb: "(at) hun ikke hadde
                     # tatt", "(at) Furix ikke ble gitt", "(at) ho ikkje hadde teke"
                     NOT_WORD + r" (?:var|ble|blei|vart|hadde|har|er|hadde blitt|har blitt|"
                     r"var blitt|hadde vorte|har vorte|var vorte)"
                     r" (?:gitt|gjeve|gjeven|gjevne|tatt|teke|tekne|fått|fenge|satt|sett)",
                     r"(?:ikke|ikkje|itj|ittj|ittje|itte) (?:fikk|fekk|tok|tek|satte|sette)",
                     r"(?:ble|vart|blei) (?:ikke|ikkje|itj|ittj|ittje|itte) (?:gitt|satt)",
                     # inverted after the drug: "Zopiklon ga jeg ikke heller"
                     r"(?:fikk|fekk|ga|gav|tok|satte|sette|satt) "
                     r"(?:(?:jeg|eg|æ|e|vi|me|han|hun|ho|hu|hen|a|n) )?"
                     # "ga henne ikke mer Paracet": the one it was (not) given to
                     r"(?:(?:henne|ham|honom|han|ho|hen|dem|dei|pasienten|brukeren) )?"
                     # "fekk Bergljot ikkje Marevan": the receiver named
                     r"(?:(?-i:[A-ZÆØÅ][a-zæøå]+) )?"
                     r"(?:(?:derfor|difor|dermed|heller|likevel|altså|"
                     r"dessverre|da|då|enda|ennå|fortsatt|så) )?"
                     r"(?:ikke|ikkje|itj|ittj|ittje|itte)", "utelatt",
                     r"(?:stå|står|sto|stod|stått) over", "hoppe over",
                     r"(?:ikke|ikkje|ingen) behov(?! for å)", r"holdes (?:i dag|i kveld|nå)",
                     # "Ventoline ved behov trengte hun ikke i dag"
                     r"(?:trengte|trengde|trong|trenger|treng) (?:(?:han|hun|ho|hu|hen|a|n) )?"
                     r"(?:ikke|ikkje|itj|ittj|itte)(?! (?:mer|meir|mere|flere|fleire|ekstra|"
                     r"noe mer|noko meir|enda|ennå|igjen)(?!\w))",
                     "utelate", "holdt tilbake", "glemt", "droppet", "hoppet over"),
    "self_administered": _rx(
        r"(?:tatt|tok|teke|tek|inntatt|satt|satte|sett|sette|sprøytet|dryppet|drypte|drypta|"
        r"dryppa|drypt)(?: \S+){0,5}? (?:selv|sjølv|sjøl)",
        r"(?:selv|sjølv) (?:tatt|tok|satt|satte|sett|sette)", "på egen hånd", "på eiga hand",
        PATIENT_TOOK,
        # what the patient reports having taken: "Han sier han har tatt Albyl-E i morges"
        r"(?:sier|sa|seier|forteller|fortalte|oppgir|opplyser)(?: at)? (?:han|hun|ho|hen) "
        r"(?:har|hadde) (?:tatt|teke)",
        r"egenadministrer\w*", r"eigenadministrer\w*"),
    "refused": _rx(r"nekt(?:et|a|er|ar)(?: å ta)?", r"ville " + NOT_WORD + r" (?:ta|ha|svelge)",
                   r"vil " + NOT_WORD + r" (?:ta|ha|svelge)", r"(?:takket|takka) nei",
                   r"ønsket " + NOT_WORD,
                   r"spytt(?:et|a) ut", "avslo", "avslått"),
    "prn": _rx("ved behov", r"v\.b\.?", "vb", "etter behov", r"behovsmedisin\w*",
               r"behovsdose\w*", "prn"),
    "given": _rx(rf"(?:gitt|gjeve|ga|gav|fikk|fekk|har fått|fått){_EFFECT_WORDS}",
                 # "tok ut den ene" (from the dosette): removed, not taken
                 rf"(?:tatt|tok){_EFFECT_WORDS}(?! (?:ut|bort|vekk|tilbake)(?!\w))",
                 ACCEPTED,
                 "inntatt", "administrert", "satt", "satte", "sette", "injisert", r"påført",
                 # a patch changed, a course started with its first dose, drops given
                 r"(?<!før )(?<!etter )(?<!under )(?:skiftet|skifta|byttet|bytta)",  # not the noun
                 "startet", "starta", "dryppet", "drypet", "drypta", "drypte", "dryppa", "drypt",
                 r"lagt på", "svelget", r"delt ut", "utdelt"),
}


def find_status(text: str, start: int = 0, end: int | None = None
                ) -> tuple[str, re.Match[str]] | None:
    """The administration status said in ``text[start:end]`` and where, or None."""
    return _first_cue(STATUS_CUES, text, start, end)


# "og Atrovent 0,5 mg samtidig": the time of the administration said before it.
SAME_TIME = _rx("samtidig", "samstundes", r"på samme tid(?:spunkt)?", r"på same tid(?:spunkt)?",
                r"(?:til|på) samme tid", "samme tid")
# "Usikker på om han tok morgendosen": whether it was taken is not known, so no status.
UNSURE_GIVEN = _rx(r"usikke(?:r|rt) (?:på )?om", r"(?:vet|veit|vites) " + NOT_WORD + " om",
                   r"(?:husker|huska|husket|hugsar|hugsa|hugser|minnes|minnest) (?:ikke|ikkje|"
                   r"itj) om",
                   r"uklart om", r"uvisst om", r"tvil(?:er|somt)? (?:på )?om",
                   r"ikke (?:sikker|sikkert) (?:på )?om", r"ikkje (?:sikker|sikkert) (?:på )?om")
# Of every drug before it: "fekk Morfin 2,5 mg og Midazolam 1,25 mg, begge ved behov".
ALL_AS_NEEDED = _rx(r"(?:begge|alle)(?: to| tre| fire)? (?:som |var |er |gitt )?"
                    r"(?:ved behov|etter behov|behovsmedisin\w*|behovsdose\w*)")
# Said after it: "han sa han hadde tatt Lantus sjøl, men han var ikke sikker".
UNSURE_AFTER = _rx(r"men (?:han|hun|ho|hu|pasienten|brukeren) (?:var|va|er|e) " + NOT_WORD + " "
                   r"(?:helt |heilt )?sikker(?! på)")
_MODAL_DOSE = (r"(?:skal|kan|må|bør) (?:han|hun|ho|hu|hen|pasienten|brukeren|dere|vi|du|"
               r"nattevakt\w*|kveldsvakt\w*|dagvakt\w*) (?:få|gi|gje|ha)")
# "skal hun ha" inside a condition "hvis ..., skal hun ha ekstra Furix" (which PLANNED matches
# from "hvis", in the clause before the drug's)
MODAL_DOSE = _rx(_MODAL_DOSE)
# "skulle vært satt kl 18", "skulle hatt Fragmin": planned; a status word inside is no status.
PLANNED = _rx(r"(?:vil|ville) at (?:hun|han|ho|hu|hen|pasienten) skal (?:ha|få)",
              # a prescription: "Legen forskriver Selexid 200 mg tre ganger daglig"
              r"(?:forskriver|forskrev|forskrive[tn]?|foreskriver|ordinerer|ordinerte|ordinert|"
              r"ordinere)",
              r"(?:skal|skal nå) (?:ha|få) (?=\S+ \d)",
              r"skulle (?:ha |hatt |ha fått |ha blitt |vært |vore |bli |blitt |blitt )?"
              r"(?:gitt|gjeve|satt|sett|fått|tatt|teke|gis|settes|tas)",
              r"skulle (?:hatt|ha|fått|få)",
              # "Lantus skal egentlig settes om kvelden": the routine, not this dose
              r"skal (?:(?:egentlig|vanligvis|normalt|ellers|alltid|helst|bare|berre) )?"
              r"(?:gis|settes|tas|ha|få|sette|gi)",
              # an instruction: "fikk beskjed om å stå over Marevan i dag"
              r"(?:beskjed|råd|melding|ordre|instruks) om å (?:\w+ )?\w+(?: over)?",
              # a condition: "Hvis han får vondt i natt, skal han få Oxynorm 5 mg"
              r"(?:hvis|dersom|viss) [^.!?]{0,80}?(?:skal|kan|må|bør) (?:\w+ ){0,2}"
              r"(?:få|gi|gje|ta|ha|sette|settes|gis|tas)",
              _MODAL_DOSE,
              # "legen har satt den på pause": paused, no dose
              r"(?:satt|satte|sett|sette) (?:\w+ )?på pause", r"pauser(?:t|a|et)",
              # the doctor considers a change: "Legen vurderer å øke Targiniq til 10 mg"
              r"vurder\w* å (?:\w+ )?(?:øke|auke|starte|gi|gje|redusere|trappe|seponere|"
              r"endre|bytte|skifte)")
# An offer is no dose given: "fikk tilbud om Haldol, men spyttet ut tabletten" is refused.
OFFERED = _rx(r"(?:fikk|fekk|fått|har fått) (?:et |eit )?(?:tilbud|tilbod) om", "tilbudt",
              "tilbydd", "tilbode", r"tilbød", r"tilbaud", r"(?:prøvde|prøvd|prøvd|forsøkte|"
              r"forsøkt|freista) (?:å|og) (?:gi|gje|gje henne|gi henne|gi han|gi ham|gje han)")
# A self-correction: what was said just before it is taken back ("Ga A, nei jeg mener B").
CORRECTION = _rx(r"nei,? (?:jeg|eg|æ) mente?", r"nei,? (?:jeg|eg|æ) mein(?:er|te)?",
                 r"(?:jeg|eg|æ) mener", r"(?:jeg|eg) meiner", r"eller,? nei", r"nei,? vent",
                 r"nei,? unnskyld\w*",
                 r"unnskyld\w*", r"rettelse", r"korreksjon", r"nei forresten",
                 r"nei,? (?:det|de) (?:var|va)", r"nei,? feil")
# A prescription's frequency after "x 3" or "3 ganger": not a count of doses given at once.
PER_DAY = re.compile(r"\s*(?:i dag|daglig|dagleg|per dag|pr\.? dag|om dagen|i døgnet|per døgn|"
                     r"pr\.? døgn|i uka|i veka|per uke|per veke|om morgonen|i døgeret)(?!\w)",
                     re.IGNORECASE)
_WEEKDAY = r"(?:mandag|tirsdag|tysdag|onsdag|torsdag|fredag|lørdag|laurdag|søndag)(?:er|ar)?"
NOT_ADMINISTERED = _rx("står på", "bruker", "brukar", r"fast(?:e)? medisin\w*", "ordinert",
                       "forordnet", r"resept\w*", r"seponer\w*", r"skal (?:ha|få|gis|starte|ta)",
                       r"kan (?:gis|få|ha)", "økes", "reduseres", r"trappes\w*", "planlagt",
                       # a routine said in the passive: "settes som vanlig ved sengetid"
                       "settes", "gis", "tas", r"gjevast", r"setjast",
                       # an order: "ny dosering: Marevan 2,5 mg i dag i stedet for 5"
                       r"ny dosering", r"(?:endret|endra|justert) (?:dose\w* )?til",
                       r"i stedet for", r"i staden for", r"dosering\w*",
                       # a weekly schedule: "5 mg mandag og onsdag og 2,5 mg de andre dagene"
                       rf"{_WEEKDAY} og {_WEEKDAY}", r"(?:de|dei) andre dag(?:ene|ane)",
                       r"resten av (?:uka|uken|veka)", r"annenhver dag", r"annakvar dag",
                       rf"hver {_WEEKDAY}", rf"kvar {_WEEKDAY}")
REASON = re.compile(
    r"(?<!\w)(?:for|mot|pga\.?|på grunn av|grunna|grunnet) (?P<r>(?:sterke |kraftige |mye |"
    r"litt )?(?:smert\w*|vondt|uro|urolig\w*|angst\w*|kvalme|oppkast|søvnløshet|søvnvansker|"
    r"innsovning\w*|feber|tungpust\w*|dyspn\w*|obstipasjon|forstoppelse|diar\w*|kløe|hoste|"
    r"slim\w*|surkl\w*|anfall|kramper|hodepine|brystsmert\w*|magesmert\w*|ryggsmert\w*|"
    r"allergi\w*|pustebesvær|forvirring|agitasjon|infeksjon\w*|urinveisinfeksjon\w*|ødem\w*|"
    r"løs\w* (?:mage|avføring))"
    r"(?: i \w+)?)(?!\w)",
    re.IGNORECASE,
)
# Why a dose was not given or refused: the rest of a "fordi/da/pga ..." clause.
WHY_NOT = re.compile(r"(?<!\w)(?:fordi|ettersom|da|då|siden|sidan|pga\.?|på grunn av|grunna|"
                     r"grunnet|grunna)\s+(?P<r>[^,.;]+)", re.IGNORECASE)
EFFECT = _rx(r"(?:god|bra|noe|litt|lite|ingen|dårlig|tilfredsstillende|delvis|full|fin) effekt"
             r"(?: etter [^,.;]{1,30}?(?=[,.;]|$))?", r"ut[ae]n effekt",
             r"effekt(?:en)? (?:var|er) \w+", r"hjalp (?:godt|bra|litt|noe|ikke|ikkje)",
             r"(?:det )?(?:virket|virka|verka) (?:godt|bra|fint|ikke|ikkje|greit)",
             r"det hjalp(?: \w+)?", r"smertelindr\w*", r"effekt etter [^,.;]{1,30}?(?=[,.;]|$)")


# "Has fallen" in nynorsk and dialects: "har falle", "har dotte", "ho dætt", "ramla i trappa"
# (the infinitive "falle" is only a fall after "har"/"hadde" or a negation of it).
FELL = (r"dætt|dotte|ramla|ramlet|rauk over ende|(?:(?<=har )|(?<=hadde )|(?<=ikkje )|"
        r"(?<=ikke )|(?<=itj ))falle")

# Areas: keyword stems per area (a sentence goes where its keywords are).
AREA_KEYWORDS = {area: _rx(*words) for area, words in {
    "respiration_circulation": (
        r"\w*pust\w*", r"dyspn\w*", r"host\w*", r"slim\w*", r"surkl\w*", r"pipe\w*", r"ødem\w*",
        r"oppspytt\w*", r"ekspektor\w*", r"(?:trykk|press) (?:i|for) brystet|brysttrykk\w*",
        "hoven", "hovne", "hovent", r"hevelse\w*", r"cyano\w*", "blek", r"klam\w*",
        r"kaldsvett\w*", r"hjertebank\w*", r"sirkulasjon\w*", "kalde hender", "kalde føtter",
        r"oksygen\w*", "kols", r"feber\w*", "febril", r"frostanfall\w*", r"frysing\w*"),
    "nutrition_fluids": (
        r"spis\w*", "åt", r"måltid\w*", r"frokost\w*", r"frukost\w*", r"middag\w*", r"lunsj\w*",
        r"kveldsmat\w*", "mat", "maten", r"matlyst\w*", r"appetitt\w*", r"drikk\w*", "drakk",
        r"drukke\w*", r"væske(?!r(?!\w)|t(?!\w))\w*", "vann", "kaffe", "saft", "juice", r"glass\w*",
        r"næring\w*", r"ernæring\w*", r"vekt\w*", "veid", r"kvalm\w*", r"oppkast\w*",
        r"kast(?:et|a) opp", r"svelg\w*", r"sonde\w*", r"brødskive\w*", "grøt", "suppe",
        r"tørst\w*", r"drakk\w*", r"føling\w*", r"hypo\w*", r"blodsukker\w*"),
    "elimination": (
        r"avføring\w*", r"urin\w*", r"vannlat\w*", r"tiss\w*", r"kateter\w*", r"bleie\w*",
        r"inkontinen\w*", r"obstip\w*", r"forstopp\w*", r"diar\w*", r"stomi\w*",
        r"toalett\w*", r"dobesøk\w*", "på do", "bekken", r"tarm\w*", r"blære\w*",
        "luft i magen", "løs mage", r"oppblåst\w*", "svie", r"vasslat\w*", r"svi(?:r|dde)",
        r"magen (?:er |var |e |va )?(?:myk|mjuk|bløt|blaut|hard|spent|øm)", r"(?:myk|bløt) mage"),
    "skin_wounds": (
        r"\w*sår(?:et|a|ene|ene|stell)?", r"hud\w*", r"rødme\w*", "rødhet", "rødt", "rød",
        r"bandasje\w*", r"forbinding\w*", r"kompress?\w*", r"eksem\w*", "kløe", "klør",
        r"utslett\w*", "raudme", "raud", "raudt", r"blåmerke\w*", r"hematom\w*",
        r"trykkpunkt\w*", "skade", "skader", "skaden", "skadene"),
    "activity_mobility": (
        r"mobilis\w*", r"rullator\w*", r"rullestol\w*", "gåstol", r"krykke\w*",
        r"gangfunksjon\w*", r"(?:går|gikk|gjekk|gått) (?:med|selv|sjølv|ute|rundt|tur|alene|"
        r"bort|til|fint|greit|dårlig|ustøtt)", "gange", r"forflytt?\w*", r"reis(?:e|te) seg",
        "oppegående", r"sengeliggende", r"fysioterap\w*", r"trening\w*", r"balanse\w*",
        r"personløfter\w*", "ustø", "ustødig", "støtte", "falt", "datt", r"fallet\w*",
        r"(?<!så )(?<!alle )(?<!hvert )fall", FELL),
    "sleep": (
        "sov", "sovet", r"sove\w*", r"søvn\w*", r"sovn(?:et|a)", r"innsovn\w*",
        "urolig natt",
        "lå våken", r"våken (?:i natt|om natta|om natten|store deler)", r"døgnrytme\w*",
        r"hvil(?:te|er|e)", r"kvil(?:te|er|e)"),
    "pain": (
        r"\w*smert\w*", "vondt", r"vond\w*", r"hodepine\w*", r"hovudverk\w*",
        r"verk(?:er|te|ing)?", r"øm\w*", "NRS", "VAS", "ubehag",
        # "dårlig i ryggen": an ailment of a body part, said as a nurse hears it
        r"dårl[ie]g i (?:rygg\w*|mage\w*|hofte\w*|hofta|kne\w*|bein\w*|fot\w*|føtte\w*|"
        r"arm\w*|skulder\w*|skuldr\w*|nakke\w*|hode\w*|hovud\w*)"),
    "cognition_mental": (
        r"forvirr\w*", r"desorient\w*", "orientert", "uro", r"urolig\w*", r"engstel\w*",
        r"angst\w*", "redd", r"trist\w*", "lei seg", r"humør\w*", "glad", "fornøyd",
        r"demen\w*", r"hukommelse\w*", r"glemsk\w*", "rolig", r"aggress\w*", r"utager\w*",
        r"vrangforestill\w*", r"hallusin\w*", r"delir\w*", r"rastløs\w*", "apatisk",
        "nedstemt", "deprimert", "sint", "irritabel", "klar og orientert", "roleg", r"uroleg\w*"),
    "communication": (
        "uttale", "forstår", r"hørsel\w*", r"høreapparat\w*", "hører dårlig", "briller",
        r"språk\w*", r"tolk\w*", r"kommunis\w*", r"afasi\w*", "utydelig tale",
        "gjør seg forstått", r"ordleting\w*"),
    "social_relatives": (
        r"datter\w*", r"dotter\w*", "dottera", "døtre", r"sønn\w*", "sonen", "kona", "kone",
        "konen", r"ektemann\w*",
        "mannen hennes", r"ektefelle\w*", "pårørende", r"familie\w*", r"barnebarn\w*",
        r"venn\w*", r"venninne\w*", r"nabo\w*", r"søster\w*", r"bror\w*", "brødre",
        "besøk av", r"(?:fikk|fekk|hadde) besøk"),
}.items()}  # fmt: skip


# Sections: spoken headings, then cue words for sentences no area claims.
class Heading(NamedTuple):
    section: str | None = None  # outside a message
    part: str | None = None  # inside a message (ISBAR)
    area: str | None = None
    message: str | None = None  # starts a message to this recipient ("" = not named)


_MESSAGE_TO = ("lege", "legen", "fastlege", "fastlegen", "sykehjemslege", "sykehjemslegen",
               "tilsynslege", "tilsynslegen", "legevakt", "legevakten", "neste vakt",
               "kveldsvakt", "kveldsvakten", "nattevakt", "nattevakten", "dagvakt", "dagvakten")
def _indefinite(noun: str) -> str:
    """ "fastlegen" → "fastlege", "kveldsvakten" → "kveldsvakt"."""
    return noun[:-1] if noun.endswith("legen") else noun.removesuffix("en")


HEADINGS: dict[str, Heading] = {
    "tiltak": Heading("measures"), "utførte tiltak": Heading("measures"),
    "evaluering": Heading("evaluation"), "plan": Heading("plan"),
    "videre plan": Heading("plan"), "plan videre": Heading("plan"),
    "oppfølging": Heading("plan"), "avvik": Heading("deviation"),
    "hendelse": Heading("deviation"), "uønsket hendelse": Heading("deviation"),
    "situasjon": Heading("situation", "situation"), "årsak": Heading("situation"),
    "bakgrunn": Heading("situation", "background"),
    "vurdering": Heading("evaluation", "assessment"),
    "aktuell vurdering": Heading("evaluation", "assessment"),
    "råd": Heading("plan", "recommendation"), "anbefaling": Heading("plan", "recommendation"),
    "identifikasjon": Heading(part="identification", message=""),
    "identitet": Heading(part="identification", message=""),
    "isbar": Heading(message=""),
    **{f"{w} til {to}": Heading(message=_indefinite(to))
       for w in ("beskjed", "melding", "rapport", "isbar", "e-melding", "plo-melding")
       for to in _MESSAGE_TO},
    "vitale parametere": Heading(), "vitalia": Heading(), "målinger": Heading(),
    **{w: Heading(area=a) for a, ws in {
        "respiration_circulation": ("respirasjon", "sirkulasjon", "respirasjon og sirkulasjon"),
        "nutrition_fluids": ("ernæring", "væske", "ernæring og væske", "mat og drikke"),
        "elimination": ("eliminasjon",), "skin_wounds": ("hud", "sår", "hud og sår"),
        "activity_mobility": ("aktivitet", "mobilitet", "mobilisering"),
        "sleep": ("søvn", "søvn og hvile"), "pain": ("smerte", "smerter"),
        "cognition_mental": ("kognisjon", "psykisk", "psykisk helse"),
        "communication": ("kommunikasjon",), "social_relatives": ("sosialt", "pårørende"),
    }.items() for w in ws},
}  # fmt: skip
HEADING = re.compile(
    r"\s*(?P<h>" + "|".join(re.escape(h).replace(r"\ ", r"\s+")
                            for h in sorted(HEADINGS, key=len, reverse=True))
    + r")\s*(?:[:\-–,.]\s*|$)",
    re.IGNORECASE,
)
# A visit that did not happen ("kveldsbesøket ble ikke utført", "glemt besøk").
_VISIT = r"(?:\w*besøk\w*|tilsyn\w*|\w*vakt ?besøk\w*)"
MISSED_VISIT = _rx(
    # "besøket hos Nils Fossum kl 12:00 ble ikke gjennomført": who and when may come between
    rf"{_VISIT}(?: (?:[^\W\d]+|\d{{1,2}}[:.]\d{{2}}|\d{{1,2}})){{0,5}}? (?:ble|blei|vart|er|har) "
    r"(?:ikke|ikkje|itj|ittj|ittje|itte) (?:blitt )?"
    r"(?:utført|gjennomført|gjort|"
    r"utfør[dt]|gjennomført|levert)",
    rf"{_VISIT} (?:ble|blei|vart|er) (?:glemt|gløymt|uteblitt|utelatt|hoppet over)",
    rf"(?:glemt|glemte|gløymt|gløymde|uteblitt|utelatt|manglende|bortfalt) {_VISIT}",
    rf"{_VISIT} (?:uteble|falt bort|datt ut)", "bomtur",
    # "Dagny fikk ikke kveldsbesøket i går"
    rf"(?:fikk|fekk) {NOT_WORD} (?:noe |noko )?{_VISIT}", r"ingen (?:kom|møtte) på \w*besøk\w*")
# "Avviksmelding er skrevet": a measure taken, never a deviation or advice to the doctor.
DEVIATION_REPORTED = _rx(
    r"avvik\w* (?:er |ble |blei |vart |har blitt )?(?:skrevet|skrive|skreve|sendt|meldt|"
    r"registrert|levert|opprettet|oppretta|lagt inn|skrives|sendes|meldes)",
    r"(?:skrevet|skreve|skriver|skrev|skreiv|sendt|sendte|meldt|meldte|registrert|registrerte|"
    r"levert|opprettet|oppretta) (?:et |ei |eit )?(?:nytt )?avvik\w*",
    r"(?:avvik\w*|avviksmelding\w*) i (?:\w+ )?(?:avvikssystem\w*|TQM|Compilo|EQS|Synergi)",
)
SECTION_CUES = {  # in this order
    "plan": _rx("skal", r"følg(?:es|e)? opp", r"oppfølging\w*", "plan", "videre", "neste vakt",
                r"i morgo?n", r"observeres", r"kontrolleres", r"ny (?:måling|kontroll|vurdering)",
                r"revurder\w*", "avtalt", "bestilt"),
    "evaluation": _rx(r"evaluer\w*", r"\w*effekt\w*", "bedring", "bedre", r"forverr\w*",
                      "uendret", "stabil", "som før", "virket", "lindret", "lindring"),
    "measures": _rx(DEVIATION_REPORTED.pattern, r"hjalp\w*", "hjulpet", "hjelp til", "assistert",
                    "assistanse", "stelt",
                    r"\w*stell\w*", r"dusj\w*", "vasket", "snudd", r"leir(?:et|a)",
                    "lagt om", "skiftet", "byttet", "tilkalt", "kontaktet", "ringte", "varslet",
                    "tilbudt", "smurt", "sjekket", "tømt", "dokumentert", "sendt"),
    "situation": _rx(r"\w*besøk", "tilsyn", "årsak", "grunnen", "henvendelse",
                     r"trygghetsalarm\w*", "alarm", "innkomst", "innlagt", "kom inn"),
}
ISBAR_CUES = {  # in this order
    "recommendation": _rx("ønsker", "ber om", "ber deg", "trenger", "foreslår", "forslag",
                          "kan du", "kan lege", "bør", "råd", r"anbefal\w*", "vil gjerne",
                          r"ordiner\w*", "skal vi", "kommer på tilsyn"),
    "assessment": _rx(r"vurder\w*", r"mistenk\w*", "tror", r"bekymr\w*", "virker", "inntrykk",
                      "usikker", "redd for", "kan være", "tyder på"),
    "background": _rx("bakgrunn", r"kjent med", r"diagnose\w*", "tidligere",
                      "bruker", "står på", r"operert", "historikk", "kjent"),
    "identification": _rx(r"ringer (?:fra|angående|om)", "heter", "født", "fødd",
                          r"fødselsdato", r"personnummer", r"rom \d+", "beboer",
                          r"jeg er sykepleier", "mitt navn", "gjelder"),
    "situation": _rx("ringer fordi", r"i dag", "i natt", "i kveld", "nå", "akutt", "plutselig",
                     "siden"),
}
# "den ble først gitt kl 16.30 fordi den ble glemt": a dose given late or forgotten.
_LATE_DOSE = (r"(?:først|for sent|seint|sent) (?:gitt|gjeve|satt|sett)|gitt (?:\w+ )?for sent|"
              r"(?:ble|blei|vart) (?:glemt|gløymt)")
DEVIATION = _rx("falt", "fallet", "datt", r"(?<!så )(?<!alle )(?<!hvert )fall", FELL,
                r"funnet på gulvet",
                r"lå på gulvet", "sklei", "skled", r"snubl(?:et|a)", r"veltet",
                r"feilmedisin\w*", r"feil (?:medisin\w*|dose\w*|legemiddel\w*|tablett\w*|"
                r"pasient|styrke|preparat)", r"(?:glemt|glemte|gløymt|gløymde) å (?:gi|gje|sette|"
                r"dele ut)", r"dobbel ?dose\w*", "dobbeltdose", r"fikk (?:\w+ )?dobbel dose",
                r"fekk (?:\w+ )?dobbel dose", r"forbytt\w* (?:medisin\w*|dosett\w*)", _LATE_DOSE,
                MISSED_VISIT.pattern)
_MEASURED = (r"blodtrykk\w*|BT|trykk\w*|metning\w*|SpO2|puls\w*|saturasjon\w*|blodsukker\w*|"
             r"BS|temp\w*|verdi\w*|vekt\w*|Hb|hemoglobin\w*|diurese\w*")
# A word of falling that is not a fall that happened ("fare for fall", "ved fall").
NOT_AN_EVENT = _rx(r"(?:fare|risiko|redd|frykt|bekymret|bekymra) for (?:å )?(?:fall|falle)",
                   r"(?:forebygge|forebygging av|unngå|hindre|forhindre) fall\w*", "ved fall",
                   r"i tilfelle fall", r"ved nytt fall", "fallfare", r"fall ?risiko\w*",
                   # a near-fall: "nesten falt", "holdt på å falle", "var nær ved å falle"
                   r"(?:nesten|nestan|nærmest|nære på å) (?:falt|datt|ramla|falle|detta)",
                   r"(?:holdt|heldt|holdt på) på å (?:falle|detta|ramle)",
                   r"nær ved å (?:falle|detta)", "nestenfall", "nesten-fall",
                   # "Oppfølging etter fallet på mandag": the fall told before, not a new one
                   r"(?:etter|siden|sidan|etter det) fallet", r"oppfølging etter fall\w*",
                   # caught herself: "snublet i teppet, men fikk tak i kommoden og falt ikke"
                   r"(?:snubl\w*|sklei|skled|mistet balansen|miste balansen)(?=[^.!?]{0,80}?"
                   r"(?:fikk tak i|fekk tak i|tok seg for|tok seg i|holdt seg|heldt seg|"
                   r"(?:falt|datt|ramla) (?:ikke|ikkje|itj|itte)))",
                   # a value that fell: "stående falt det til 118/70", "BT falt fra 150 til
                   # 110", "fall i blodtrykket"
                   r"(?:falt|faller|falle|fall|datt|sank) (?:(?:det|den|han|hun|ho|hu|blodtrykket|"
                   r"trykket|pulsen|metningen|metninga|verdien|blodsukkeret|temperaturen|vekta|"
                   r"vekten) )?(?:videre )?(?:ned )?(?:til|te|fra|frå|med|under) "
                   r"(?:ca\.? |cirka |rundt )?\d+",
                   rf"(?:{_MEASURED}) (?:har |hadde |er |var )?(?:\w+ )?(?:falt|faller|datt)",
                   rf"fall i (?:{_MEASURED})")


def deviation_kind(text: str) -> str:
    if MISSED_VISIT.search(text):
        return "missed_visit"
    if _rx("falt", "fallet", "fall", "datt", FELL, "gulvet", "sklei", "skled", r"snubl\w*"
           ).search(text):
        return "fall"
    if _rx(r"feilmedisin\w*", r"feil (?:medisin\w*|dose\w*|legemiddel\w*|tablett\w*|pasient|"
           r"styrke|preparat)", r"(?:glemt|glemte|gløymt|gløymde) å", r"dobbel ?dose\w*",
           "dobbeltdose", r"dosett\w*", r"forbytt\w*", _LATE_DOSE,
           # "fikk Furix 40 mg 2 ganger, fordi dosen ikke var kvittert": one dose given twice
           r"\d+(?:,\d+)? ?(?:mg|g|ml|IE|E|mikrog) (?:2|to) (?:ganger|gonger)",
           NOT_WORD + r" (?:var |ble |blei |vart |er )?(?:kvittert|signert)").search(text) or (
            _rx(r"ved (?:en |ei |eit |et )?(?:feil|uhell)", r"til feil \w+", r"rompartner\w*",
                r"til (?:en |ei )?annen (?:pasient|beboer|bruker)").search(text)
            and _rx(r"\w*dose\w*", r"\w*medisin\w*", r"tablett\w*", r"legemiddel\w*",
                    "sprøyte", "plaster", "insulin").search(text)):
        return "medication"
    return "other"
