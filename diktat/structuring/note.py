"""The journal note: one pydantic model for CLI output, the LLM's JSON schema, the web form and
evaluation.

Clinical safety rule: the note holds only what was said. Every item carries ``Evidence`` — a
character span of ``Transcript.text`` and the exact quote — and ``grounding.ground`` removes any
value its evidence does not support, listing it in ``dropped``.

Naming: Python names are English; field *titles* (what a nurse sees in a form or a schema) are
Norwegian bokmål. Free-text values are ``Statement`` objects (verbatim text + evidence). The NEWS2
score is computed from the vital signs (never supplied from outside): it is serialised with the
note but is not part of the input schema.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import Field, computed_field, model_validator

from diktat.structuring.evidence import TIME_PATTERN, Evidence, FrozenModel, Statement
from diktat.structuring.vital_signs import VitalSigns


class Area(StrEnum):
    respiration_circulation = "respiration_circulation"
    nutrition_fluids = "nutrition_fluids"
    elimination = "elimination"
    skin_wounds = "skin_wounds"
    activity_mobility = "activity_mobility"
    sleep = "sleep"
    pain = "pain"
    cognition_mental = "cognition_mental"
    communication = "communication"
    social_relatives = "social_relatives"


AREA_TITLES: dict[Area, str] = {
    Area.respiration_circulation: "Respirasjon og sirkulasjon",
    Area.nutrition_fluids: "Ernæring og væske",
    Area.elimination: "Eliminasjon",
    Area.skin_wounds: "Hud og sår",
    Area.activity_mobility: "Aktivitet, mobilitet og fall",
    Area.sleep: "Søvn",
    Area.pain: "Smerte",
    Area.cognition_mental: "Kognisjon og psykisk tilstand",
    Area.communication: "Kommunikasjon",
    Area.social_relatives: "Sosialt og pårørende",
}


class Assertion(StrEnum):
    """What was said about a finding: that it is there, absent, possible, past, someone else's,
    or only asked about (a question is never a finding)."""

    present = "present"
    negated = "negated"
    possible = "possible"
    historical = "historical"
    other_person = "other_person"
    asked = "asked"


ASSERTION_TITLES: dict[Assertion, str] = {
    Assertion.present: "til stede",
    Assertion.negated: "benektet",
    Assertion.possible: "mulig",
    Assertion.historical: "tidligere",
    Assertion.other_person: "gjelder en annen person",
    Assertion.asked: "spørsmål",
}


class Observation(Statement):
    """One finding in one area, with what was asserted about it."""

    area: Area = Field(title="Område")
    negated: bool = Field(
        default=False,
        title="Benektet",
        description="True when the finding was said to be absent ('ingen smerter', 'ikkje vondt')",
    )
    assertion: Assertion = Field(
        default=Assertion.present,
        title="Påstand",
        description="present, negated, possible, historical, other_person or asked; "
        "'negated' exactly when negated is true",
    )

    @model_validator(mode="before")
    @classmethod
    def _assertion_from_negated(cls, data: Any) -> Any:
        """Older notes have only ``negated``; a note with both keeps them in step."""
        if isinstance(data, dict):
            negated = bool(data.get("negated", False))
            assertion = data.get("assertion")
            if assertion is None:
                data = {**data, "assertion": "negated" if negated else "present"}
            elif "negated" not in data:
                data = {**data, "negated": str(assertion) == "negated"}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Observation:
        if self.negated != (self.assertion is Assertion.negated):
            raise ValueError("negated must be true exactly when the assertion is 'negated'")
        return self


# --- medication ---------------------------------------------------------------------------------
class MedicationStatus(StrEnum):
    given = "given"
    not_given = "not_given"
    refused = "refused"
    prn = "prn"  # given as needed ("ved behov")
    self_administered = "self_administered"  # the patient took it ("tatt selv")


class Route(StrEnum):
    po = "po"
    sc = "sc"
    iv = "iv"
    im = "im"
    rectal = "rectal"
    sublingual = "sublingual"
    inhaled = "inhaled"
    transdermal = "transdermal"
    topical = "topical"


class MedicationAdministration(FrozenModel):
    drug: str = Field(title="Legemiddel", description="Canonical name from the drug lexicon")
    drug_as_said: str = Field(title="Som sagt", description="The drug name as in the transcript")
    dose: float | None = Field(default=None, gt=0, title="Dose")
    unit: str | None = Field(
        default=None, title="Enhet", description="mg, g, mikrog, ml, IE, tablett, kapsel, ..."
    )
    count: int | None = Field(
        default=None, ge=1, le=24, title="Antall",
        description="How many times the dose was given ('1 g x 2', '2 x 500 mg')",
    )
    route: Route | None = Field(default=None, title="Administrasjonsmåte")
    time: str | None = Field(default=None, pattern=TIME_PATTERN, title="Klokkeslett")
    status: MedicationStatus | None = Field(
        default=None, title="Status", description="None when the dictation does not say"
    )
    reason: Statement | None = Field(
        default=None, title="Indikasjon / årsak",
        description="'for smerter'; for a dose not given or refused, why ('fordi hun sov')",
    )
    effect: Statement | None = Field(default=None, title="Effekt", description="'god effekt'")
    evidence: Evidence = Field(title="Belegg")


# --- message, deviations, uncertain words, bookkeeping --------------------------------------------
class IsbarMessage(FrozenModel):
    """Message to the doctor or the next shift, in ISBAR order."""

    recipient: str | None = Field(default=None, title="Mottaker", description="'lege', ...")
    heading: str | None = Field(default=None, title="Overskrift",
                                description="The message's heading as said ('Melding til "
                                "fastlege'), shown instead of a made one")
    identification: tuple[Statement, ...] = Field(default=(), title="Identifikasjon")
    situation: tuple[Statement, ...] = Field(default=(), title="Situasjon")
    background: tuple[Statement, ...] = Field(default=(), title="Bakgrunn")
    assessment: tuple[Statement, ...] = Field(default=(), title="Aktuell vurdering")
    recommendation: tuple[Statement, ...] = Field(default=(), title="Råd")

    PARTS: ClassVar[tuple[str, ...]] = (
        "identification", "situation", "background", "assessment", "recommendation",
    )

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, part) for part in self.PARTS)


class Deviation(Statement):
    kind: Literal["fall", "medication", "missed_visit", "other"] = Field(
        default="other", title="Type",
        description="fall, medication (error), missed_visit (a visit not made), other")


class UncertainWord(FrozenModel):
    word: str = Field(title="Ord")
    probability: float = Field(ge=0, le=1, title="Sannsynlighet")
    drug_like: bool = Field(default=False, title="Ligner legemiddel")
    suggestion: str | None = Field(default=None, title="Forslag", description="Lexicon name")
    audio_start: float | None = Field(default=None, title="Tid i lydfil (s)")
    evidence: Evidence = Field(title="Belegg")


class DrugNameCheck(FrozenModel):
    """A drug name the nurse must check: a word that looks like a drug but is not in the list
    (``unknown``), a name heard close to a listed one (``close``: «hørt X — mente du Y?»), or a
    name easily confused with another (``lookalike``), flagged even when matched exactly."""

    kind: Literal["unknown", "close", "lookalike"] = Field(title="Type")
    said: str = Field(title="Hørt", description="The name as in the transcript")
    suggestion: str | None = Field(default=None, title="Mente du",
                                   description="The listed name it was matched to")
    lookalikes: tuple[str, ...] = Field(default=(), title="Forveksles med")
    evidence: Evidence = Field(title="Belegg")


class DroppedValue(FrozenModel):
    """A value the grounding validator removed, so that nothing is lost silently."""

    field: str = Field(title="Felt", description="Path in the note, e.g. 'vital_signs.pulse[0]'")
    value: str = Field(title="Verdi", description="The removed value as JSON")
    reason: str = Field(title="Årsak")


class Coverage(FrozenModel):
    """How much of what was said the note shows: every word is either placed in a section or
    listed under «Ikke plassert – les og plasser» (``unclassified``); ``hidden`` must be 0."""

    words: int = Field(ge=0, title="Ord i transkripsjonen")
    placed: int = Field(ge=0, title="Plassert", description="Words placed in a section")
    unplaced: int = Field(ge=0, title="Ikke plassert", description="Words shown unplaced")
    hidden: int = Field(ge=0, title="Skjult", description="Words shown nowhere (must be 0)")

    @computed_field(title="Andel plassert")  # type: ignore[prop-decorator]
    @property
    def placed_share(self) -> float:
        return round(self.placed / self.words, 4) if self.words else 1.0

    @computed_field(title="Andel synlig")  # type: ignore[prop-decorator]
    @property
    def visible_share(self) -> float:
        return round((self.placed + self.unplaced) / self.words, 4) if self.words else 1.0

    @model_validator(mode="before")
    @classmethod
    def _ignore_computed(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("placed_share", "visible_share")}
        return data


class NoteMetadata(FrozenModel):
    created: datetime = Field(default_factory=lambda: datetime.now(UTC), title="Opprettet")
    service: str | None = Field(default=None, title="Tjeneste", description="hjemmetjeneste, ...")
    source_file: str | None = Field(default=None, title="Kildefil")
    transcript_language: str | None = Field(default=None, title="Språk")
    asr_model_id: str | None = Field(default=None, title="Talemodell")
    asr_model_sha256: str | None = None
    backend: Literal["rules", "llm"] = Field(default="rules", title="Strukturering")
    structuring_model_id: str | None = Field(default=None, title="Språkmodell")


class JournalNote(FrozenModel):
    """A structured nursing note built from one transcript; every value cites its evidence."""

    metadata: NoteMetadata = Field(default_factory=NoteMetadata, title="Metadata")
    situation: tuple[Statement, ...] = Field(default=(), title="Situasjon / årsak")
    observations: tuple[Observation, ...] = Field(default=(), title="Observasjoner")
    vital_signs: VitalSigns = Field(default_factory=VitalSigns, title="Vitale parametere")
    medications: tuple[MedicationAdministration, ...] = Field(default=(), title="Legemidler")
    measures: tuple[Statement, ...] = Field(default=(), title="Tiltak")
    evaluation: tuple[Statement, ...] = Field(default=(), title="Evaluering")
    plan: tuple[Statement, ...] = Field(default=(), title="Plan / oppfølging")
    message: IsbarMessage | None = Field(default=None, title="Beskjed til lege/neste vakt")
    deviations: tuple[Deviation, ...] = Field(default=(), title="Avvik")
    uncertain_words: tuple[UncertainWord, ...] = Field(default=(), title="Usikre ord")
    drug_checks: tuple[DrugNameCheck, ...] = Field(
        default=(), title="Legemiddelnavn å kontrollere",
        description="Unknown drug-like words, close matches and look-alike names, in order",
    )
    unclassified: tuple[Statement, ...] = Field(
        default=(), title="Ikke plassert – les og plasser",
        description="What was said that no section claimed: whole sentences, and the rest of a "
        "sentence after its values were taken. Always shown to the nurse.",
    )
    coverage: Coverage | None = Field(
        default=None, title="Dekning", description="Share of the transcript's words shown"
    )
    warnings: tuple[str, ...] = Field(default=(), title="Merknader")
    dropped: tuple[DroppedValue, ...] = Field(default=(), title="Forkastet")

    # Filled by diktat itself, never by a structuring backend (left out of llm_json_schema).
    SYSTEM_FIELDS: ClassVar[tuple[str, ...]] = (
        "metadata", "uncertain_words", "drug_checks", "unclassified", "coverage", "warnings",
        "dropped",
    )
    CONTENT_FIELDS: ClassVar[tuple[str, ...]] = (
        "situation", "observations", "vital_signs", "medications", "measures", "evaluation",
        "plan", "message", "deviations",
    )

    @property
    def is_empty(self) -> bool:
        """No clinical content (uncertain words, warnings and bookkeeping do not count)."""
        return (
            not (self.situation or self.observations or self.medications or self.measures
                 or self.evaluation or self.plan or self.deviations)
            and self.vital_signs.is_empty
            and (self.message is None or self.message.is_empty)
        )

    @classmethod
    def llm_json_schema(cls) -> dict[str, Any]:
        """The input JSON schema with only what a structuring backend may fill in."""
        schema = cls.model_json_schema()
        for name in cls.SYSTEM_FIELDS:
            schema["properties"].pop(name, None)
        schema["$defs"].pop("NoteMetadata", None)
        schema["$defs"].pop("DroppedValue", None)
        schema["$defs"].pop("UncertainWord", None)
        schema["$defs"].pop("Coverage", None)
        schema["$defs"].pop("DrugNameCheck", None)
        return schema
