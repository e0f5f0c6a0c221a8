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

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from diktat.structuring.news2 import ACVPU, News2, news2_score

TIME_PATTERN = r"^([01][0-9]|2[0-4]):[0-5][0-9]$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(_Frozen):
    """Where a value was said: ``Transcript.text[start:end] == quote``."""

    start: int = Field(ge=0, title="Start", description="Character offset in the transcript text")
    end: int = Field(ge=0, title="Slutt", description="Character offset after the quote")
    quote: str = Field(title="Sitat", description="The transcript text at start:end, verbatim")


class Statement(_Frozen):
    """A free-text finding as said (verbatim or trimmed from its evidence)."""

    text: str = Field(title="Tekst", description="What was said, taken from the evidence")
    evidence: Evidence = Field(title="Belegg")


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


# --- vital signs --------------------------------------------------------------------------------
class _Measured(_Frozen):
    time: str | None = Field(
        default=None, pattern=TIME_PATTERN, title="Klokkeslett", description="HH:MM as said"
    )
    evidence: Evidence = Field(title="Belegg")


class BloodPressure(_Measured):
    systolic: int = Field(ge=30, le=300, title="Systolisk")
    diastolic: int = Field(ge=10, le=250, title="Diastolisk")
    unit: Literal["mmHg"] = "mmHg"


class Pulse(_Measured):
    value: int = Field(ge=10, le=300, title="Puls")
    unit: Literal["/min"] = "/min"


class Temperature(_Measured):
    value: float = Field(ge=25, le=45, title="Temperatur")
    unit: Literal["°C"] = "°C"


OxygenDevice = Literal["nasal_catheter", "nasal_cannula", "mask", "venturi_mask",
                       "reservoir_mask", "high_flow", "cpap"]


class OxygenSaturation(_Measured):
    value: int = Field(ge=40, le=100, title="SpO2")
    unit: Literal["%"] = "%"
    on_oxygen: bool | None = Field(
        default=None,
        title="På oksygen",
        description="True on supplemental oxygen, False on room air, None when not said",
    )
    oxygen_l_min: float | None = Field(default=None, gt=0, le=60, title="Oksygen (l/min)")
    oxygen_device: OxygenDevice | None = Field(
        default=None, title="Oksygenutstyr",
        description="nasal_catheter (nesekateter), nasal_cannula (nesebrille), mask, "
        "venturi_mask, reservoir_mask, high_flow, cpap; None when not said",
    )


class RespiratoryRate(_Measured):
    value: int = Field(ge=1, le=80, title="Respirasjonsfrekvens")
    unit: Literal["/min"] = "/min"


class Consciousness(_Measured):
    level: ACVPU = Field(title="ACVPU", description="A, C (new confusion), V, P or U")


class BloodGlucose(_Measured):
    value: float = Field(ge=0.5, le=45, title="Blodsukker")
    unit: Literal["mmol/l"] = "mmol/l"


class Inr(_Measured):
    value: float = Field(gt=0, le=10, title="INR")


class Weight(_Measured):
    value: float = Field(ge=1, le=400, title="Vekt")
    unit: Literal["kg"] = "kg"


class PainScore(_Measured):
    """NRS 0–10; VAS 0–10 or 0–100 (millimetres)."""

    value: int = Field(ge=0, le=100, title="Smerteskår (NRS 0–10, VAS 0–100)")
    scale: Literal["NRS", "VAS"] | None = Field(default=None, title="Skala")

    @model_validator(mode="after")
    def _in_scale(self) -> PainScore:
        if self.value > 10 and self.scale != "VAS":
            raise ValueError("a score above 10 is on the VAS 0–100 only")
        return self


class FluidVolume(_Measured):
    """A volume drunk or given (``fluid_intake``), or urine (``urine_output``), as said."""

    value: float = Field(gt=0, le=10000, title="Mengde")
    unit: Literal["ml", "dl", "l"] = Field(default="ml", title="Enhet")


class FluidBalance(_Measured):
    value: float = Field(ge=-10000, le=10000, title="Væskebalanse",
                         description="Positive when more in than out")
    unit: Literal["ml", "dl", "l"] = Field(default="ml", title="Enhet")


class OxygenTherapy(_Measured):
    """Oxygen given, said apart from an SpO2 ("Startet oksygen 2 l på nesebrille"); oxygen said
    with an SpO2 belongs to that SpO2."""

    l_min: float | None = Field(default=None, gt=0, le=60, title="Oksygen (l/min)")
    device: OxygenDevice | None = Field(default=None, title="Oksygenutstyr")


class VitalSigns(_Frozen):
    """Measurements in the order said; NEWS2 uses the last one of each parameter."""

    blood_pressure: tuple[BloodPressure, ...] = Field(default=(), title="Blodtrykk")
    pulse: tuple[Pulse, ...] = Field(default=(), title="Puls")
    temperature: tuple[Temperature, ...] = Field(default=(), title="Temperatur")
    spo2: tuple[OxygenSaturation, ...] = Field(default=(), title="Oksygenmetning")
    respiratory_rate: tuple[RespiratoryRate, ...] = Field(default=(), title="Respirasjonsfrekvens")
    consciousness: tuple[Consciousness, ...] = Field(default=(), title="Bevissthet (ACVPU)")
    blood_glucose: tuple[BloodGlucose, ...] = Field(default=(), title="Blodsukker (mmol/l)")
    inr: tuple[Inr, ...] = Field(default=(), title="INR")
    weight: tuple[Weight, ...] = Field(default=(), title="Vekt (kg)")
    pain_score: tuple[PainScore, ...] = Field(default=(), title="Smerteskår (NRS/VAS)")
    fluid_intake: tuple[FluidVolume, ...] = Field(default=(), title="Væskeinntak")
    urine_output: tuple[FluidVolume, ...] = Field(default=(), title="Diurese / urinmengde")
    fluid_balance: tuple[FluidBalance, ...] = Field(default=(), title="Væskebalanse")
    oxygen: tuple[OxygenTherapy, ...] = Field(default=(), title="Oksygenbehandling")

    @model_validator(mode="before")
    @classmethod
    def _ignore_computed(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("news2" in data or "news2_missing" in data):
            data = {k: v for k, v in data.items() if k not in ("news2", "news2_missing")}
        return data

    @computed_field(title="NEWS2 mangler")  # type: ignore[prop-decorator]
    @property
    def news2_missing(self) -> tuple[str, ...]:
        """The NEWS2 parameters not said, when some were (so that a NEWS2 that cannot be
        computed says why): respiratory_rate, spo2, oxygen (air or oxygen with the SpO2),
        blood_pressure, pulse, consciousness, temperature. Empty when NEWS2 was computed or
        no NEWS2 parameter was said."""
        order = ("respiratory_rate", "spo2", "oxygen", "blood_pressure", "pulse",
                 "consciousness", "temperature")
        said = {k: bool(getattr(self, k)) for k in order if k != "oxygen"}
        if not any(said.values()) or self.news2 is not None:
            return ()
        said["oxygen"] = not self.spo2 or self.spo2[-1].on_oxygen is not None
        missing = [k for k in order if not said[k]]
        return tuple(missing)

    @computed_field(title="NEWS2")  # type: ignore[prop-decorator]
    @property
    def news2(self) -> News2 | None:
        """NEWS2 (RCP 2017, SpO2 scale 1) when every parameter is present, else None."""
        spo2 = self.spo2[-1] if self.spo2 else None
        if not (self.respiratory_rate and spo2 and self.blood_pressure and self.pulse
                and self.consciousness and self.temperature) or spo2.on_oxygen is None:
            return None
        return news2_score(
            respiratory_rate=self.respiratory_rate[-1].value,
            spo2=spo2.value,
            on_oxygen=spo2.on_oxygen,
            systolic=self.blood_pressure[-1].systolic,
            pulse=self.pulse[-1].value,
            consciousness=self.consciousness[-1].level,
            temperature=self.temperature[-1].value,
        )

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in type(self).model_fields)


VITAL_MODELS: dict[str, type[_Measured]] = {
    "blood_pressure": BloodPressure, "pulse": Pulse, "temperature": Temperature,
    "spo2": OxygenSaturation, "respiratory_rate": RespiratoryRate, "consciousness": Consciousness,
    "blood_glucose": BloodGlucose, "inr": Inr, "weight": Weight, "pain_score": PainScore,
    "fluid_intake": FluidVolume, "urine_output": FluidVolume, "fluid_balance": FluidBalance,
    "oxygen": OxygenTherapy,
}


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


class MedicationAdministration(_Frozen):
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
class IsbarMessage(_Frozen):
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


class UncertainWord(_Frozen):
    word: str = Field(title="Ord")
    probability: float = Field(ge=0, le=1, title="Sannsynlighet")
    drug_like: bool = Field(default=False, title="Ligner legemiddel")
    suggestion: str | None = Field(default=None, title="Forslag", description="Lexicon name")
    audio_start: float | None = Field(default=None, title="Tid i lydfil (s)")
    evidence: Evidence = Field(title="Belegg")


class DrugNameCheck(_Frozen):
    """A drug name the nurse must check: a word that looks like a drug but is not in the list
    (``unknown``), a name heard close to a listed one (``close``: «hørt X — mente du Y?»), or a
    name easily confused with another (``lookalike``), flagged even when matched exactly."""

    kind: Literal["unknown", "close", "lookalike"] = Field(title="Type")
    said: str = Field(title="Hørt", description="The name as in the transcript")
    suggestion: str | None = Field(default=None, title="Mente du",
                                   description="The listed name it was matched to")
    lookalikes: tuple[str, ...] = Field(default=(), title="Forveksles med")
    evidence: Evidence = Field(title="Belegg")


class DroppedValue(_Frozen):
    """A value the grounding validator removed, so that nothing is lost silently."""

    field: str = Field(title="Felt", description="Path in the note, e.g. 'vital_signs.pulse[0]'")
    value: str = Field(title="Verdi", description="The removed value as JSON")
    reason: str = Field(title="Årsak")


class Coverage(_Frozen):
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


class NoteMetadata(_Frozen):
    created: datetime = Field(default_factory=lambda: datetime.now(UTC), title="Opprettet")
    service: str | None = Field(default=None, title="Tjeneste", description="hjemmetjeneste, ...")
    source_file: str | None = Field(default=None, title="Kildefil")
    transcript_language: str | None = Field(default=None, title="Språk")
    asr_model_id: str | None = Field(default=None, title="Talemodell")
    asr_model_sha256: str | None = None
    backend: Literal["rules", "llm"] = Field(default="rules", title="Strukturering")
    structuring_model_id: str | None = Field(default=None, title="Språkmodell")


class JournalNote(_Frozen):
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
