"""Reference data the readers and rules share: statuses of residence, periods, countries."""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict

_PERIOD_PART = re.compile(r"(\d+)\s*([ymd])")


@dataclass(frozen=True, order=True)
class Period:
    """A period of stay in years, months and days, comparable by its rough length in days."""

    days_estimate: int
    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def of(cls, years: int = 0, months: int = 0, days: int = 0) -> Period:
        return cls(years * 365 + months * 30 + days, years, months, days)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read the data files' compact form: `5y`, `4y3m`, `90d`."""
        parts = {unit: int(number) for number, unit in _PERIOD_PART.findall(text)}
        if not parts:
            raise ValueError(f"not a period: {text!r}")
        return cls.of(parts.get("y", 0), parts.get("m", 0), parts.get("d", 0))

    def compact(self) -> str:
        text = "".join(
            f"{n}{unit}"
            for n, unit in ((self.years, "y"), (self.months, "m"), (self.days, "d"))
            if n
        )
        return text or "0d"


class StatusOfResidence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    japanese: str
    allowed_periods: list[str]
    max_period: str | None = None
    unlimited: bool = False
    designated: bool = False

    def allows(self, period: Period) -> bool:
        """Whether seed 002's table allows this period of stay for the status."""
        if self.unlimited or self.designated:
            return True
        if period in {Period.parse(p) for p in self.allowed_periods}:
            return True
        return self.max_period is not None and period <= Period.parse(self.max_period)


class WorkRestriction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    japanese: str
    english: str


class StatusTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    source: str
    statuses: list[StatusOfResidence]
    work_restrictions: list[WorkRestriction]

    def by_name(self, name: str) -> StatusOfResidence | None:
        return next((s for s in self.statuses if s.name == name), None)


@cache
def status_table() -> StatusTable:
    text = (resources.files("schemas") / "data" / "statuses.yaml").read_text(encoding="utf-8")
    return StatusTable.model_validate(yaml.safe_load(text))


def _fold(text: str) -> str:
    """Upper case, no accents, letters and digits only: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9A-Z\u3040-\u30ff\u4e00-\u9fff]", "", stripped.upper())


# Nationality adjectives and short forms that documents print but ISO 3166 does not list.
_EXTRA_COUNTRY_NAMES: dict[str, str] = {
    "VIETNAMESE": "VNM",
    "VIETNAM": "VNM",
    "CHINESE": "CHN",
    "FILIPINO": "PHL",
    "FILIPINA": "PHL",
    "NEPALESE": "NPL",
    "NEPALI": "NPL",
    "INDONESIAN": "IDN",
    "AMERICAN": "USA",
    "USA": "USA",
    "KOREAN": "KOR",
    "SOUTHKOREA": "KOR",
    "KOREA": "KOR",
    "SWEDISH": "SWE",
    "BRAZILIAN": "BRA",
    "THAI": "THA",
    "INDIAN": "IND",
    "BRITISH": "GBR",
    "UNITEDKINGDOM": "GBR",
    "MYANMAR": "MMR",
    "BURMESE": "MMR",
    "SRILANKAN": "LKA",
    "BANGLADESHI": "BGD",
    "PAKISTANI": "PAK",
    "PERUVIAN": "PER",
    "TAIWAN": "TWN",
    "TAIWANESE": "TWN",
    "MONGOLIAN": "MNG",
    "FRENCH": "FRA",
    "GERMAN": "DEU",
    "韓国": "KOR",
    "台湾": "TWN",
    "アメリカ": "USA",
    "英国": "GBR",
    "イギリス": "GBR",
    "ミャンマー": "MMR",
    "スリランカ": "LKA",
    "UTO": "UTO",
    "UTOPIA": "UTO",
    "UTOPIAN": "UTO",
    # ICAO 9303 codes that are not ISO 3166 countries.
    "D": "DEU",
    "UNITEDNATIONS": "UNO",
    "STATELESS": "XXA",
}


@cache
def _country_names() -> dict[str, str]:
    japanese = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ja"])
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_3
        for name in (
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
            japanese.gettext(country.name),
            code,
        ):
            if name:
                names.setdefault(_fold(name), code)
    names.update({_fold(k): v for k, v in _EXTRA_COUNTRY_NAMES.items()})
    return names


def nationality_words() -> tuple[str, ...]:
    """The nationality adjectives and short forms country_code knows beyond ISO 3166's
    names (FILIPINO, VIETNAMESE): a fuzzy match of a misread nationality needs them too."""
    return tuple(_EXTRA_COUNTRY_NAMES)


def country_code(text: str | None) -> str | None:
    """ISO 3166-1 alpha-3 code for a printed country or nationality (ベトナム, VIET NAM, VNM)."""
    if not text:
        return None
    folded = _fold(text)
    if not folded:
        return None
    names = _country_names()
    if folded in names:
        return names[folded]
    # Japanese cards print e.g. 大韓民国 (韓国): try each bracketed or spaced part.
    for part in re.split(r"[\s()（）・,]+", text):
        code = names.get(_fold(part))
        if code:
            return code
    return None
