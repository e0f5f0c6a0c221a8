"""The measurements of a journal note: NEWS2's vital signs and the other values a municipal note
records (blood glucose, INR, weight, pain score, fluids, oxygen), each with its evidence."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, computed_field, model_validator

from diktat.structuring.evidence import TIME_PATTERN, Evidence, FrozenModel
from diktat.structuring.news2 import ACVPU, News2, news2_score


class _Measured(FrozenModel):
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


class VitalSigns(FrozenModel):
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
