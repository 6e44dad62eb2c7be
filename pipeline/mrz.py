"""Machine-readable zones (ICAO 9303): formats, check digits, and a reader that turns noisy
OCR into a reading whose validity can be trusted.

The reader works on a lattice: for every position of the zone, the characters the OCR thinks
it may be, with probabilities. Each position's alphabet (digits in dates, letters in country
codes, the filler in unused space) and the check digits then pick the most probable reading
that satisfies the format. A corrected reading is called valid only when every check digit
holds and no other reading of comparable probability also satisfies them: a check digit
catches one wrong character but cannot tell which of several equally likely repairs is the
right one (G/6 and K/< even leave it unchanged), and "valid" must never cover a guess.
"""

from __future__ import annotations

import heapq
import math
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import product
from typing import Literal

import cv2
import numpy as np
import pycountry

from pipeline.ocr import BBox
from schemas.reference import country_code

MrzType = Literal["TD1", "TD2", "TD3", "MRVA", "MRVB"]
FILLER = "<"
LETTERS = string.ascii_uppercase
DIGITS = string.digits
ALPHABET = LETTERS + DIGITS + FILLER

Alternatives = Sequence[tuple[str, float]]
"""What the OCR says one position holds: (character, probability), most probable first."""

Position = tuple[int, int]  # line index, character index


def char_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    return 0


def check_digit(text: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 repeating over the character values, mod 10."""
    return str(sum(char_value(c) * (7, 3, 1)[i % 3] for i, c in enumerate(text)) % 10)


def check_holds(data: str, digit: str, *, filler_allowed: bool = False) -> bool:
    """Whether `digit` is the check digit of `data`. An unused optional-data field may carry
    the filler instead of a digit (ICAO allows `<` or `0` there)."""
    if filler_allowed and digit == FILLER and set(data) <= {FILLER}:
        return True
    return digit == check_digit(data)


# --------------------------------------------------------------------------------- formats

_DOCUMENT_CODES: dict[MrzType, str] = {
    "TD3": "P",
    "MRVA": "V",
    "MRVB": "V",
    "TD1": "IAC",
    "TD2": "IACP",
}

# Alphabet of each kind of position. Dates may hold the filler (unknown day or month).
_KIND_CHARS = {
    "letter": LETTERS + FILLER,
    "country": LETTERS + FILLER,
    "name": LETTERS + FILLER,
    "date": DIGITS + FILLER,
    "check": DIGITS,
    "optional_check": DIGITS + FILLER,
    "alnum": ALPHABET,
    "sex": "MFX" + FILLER,
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    line: int
    start: int
    length: int
    kind: str

    @property
    def positions(self) -> list[Position]:
        return [(self.line, i) for i in range(self.start, self.start + self.length)]


@dataclass(frozen=True)
class CheckSpec:
    name: str  # the field it protects, or "composite"
    digit: Position
    spans: tuple[tuple[int, int, int], ...]  # (line, start, end) of the data it covers
    filler_allowed: bool = False

    @property
    def data_positions(self) -> list[Position]:
        return [(line, i) for line, start, end in self.spans for i in range(start, end)]


@dataclass(frozen=True)
class MrzFormat:
    mrz_type: MrzType
    lines: int
    length: int
    fields: tuple[FieldSpec, ...]
    checks: tuple[CheckSpec, ...]

    @property
    def composite(self) -> CheckSpec | None:
        return next((c for c in self.checks if c.name == "composite"), None)

    @property
    def field_checks(self) -> tuple[CheckSpec, ...]:
        return tuple(c for c in self.checks if c.name != "composite")

    def kinds(self) -> list[list[str]]:
        """Kind of every position, line by line."""
        kinds = [["alnum"] * self.length for _ in range(self.lines)]
        for spec in self.fields:
            for line, i in spec.positions:
                kinds[line][i] = spec.kind
        for check in self.checks:
            line, i = check.digit
            kinds[line][i] = "optional_check" if check.filler_allowed else "check"
        return kinds

    def allowed(self, line: int, index: int, kind: str) -> str:
        if kind == "letter" and line == 0 and index == 0:
            return _DOCUMENT_CODES[self.mrz_type]
        return _KIND_CHARS[kind]


def _two_line(mrz_type: MrzType, length: int, optional_check: bool, composite: bool) -> MrzFormat:
    """TD3, TD2 and both visas share one layout; they differ in width and in which check
    digits follow the optional data."""
    optional_end = length - (1 if optional_check else 0) - (1 if composite else 0)
    fields = (
        FieldSpec("document_code", 0, 0, 2, "letter"),
        FieldSpec("issuing_state", 0, 2, 3, "country"),
        FieldSpec("name", 0, 5, length - 5, "name"),
        FieldSpec("document_number", 1, 0, 9, "alnum"),
        FieldSpec("nationality", 1, 10, 3, "country"),
        FieldSpec("date_of_birth", 1, 13, 6, "date"),
        FieldSpec("sex", 1, 20, 1, "sex"),
        FieldSpec("date_of_expiry", 1, 21, 6, "date"),
        FieldSpec("personal_number", 1, 28, optional_end - 28, "alnum"),
    )
    checks = [
        CheckSpec("document_number", (1, 9), ((1, 0, 9),)),
        CheckSpec("date_of_birth", (1, 19), ((1, 13, 19),)),
        CheckSpec("date_of_expiry", (1, 27), ((1, 21, 27),)),
    ]
    if optional_check:
        checks.append(
            CheckSpec("personal_number", (1, optional_end), ((1, 28, optional_end),), True)
        )
    if composite:
        checks.append(
            CheckSpec("composite", (1, length - 1), ((1, 0, 10), (1, 13, 20), (1, 21, length - 1)))
        )
    return MrzFormat(mrz_type, 2, length, fields, tuple(checks))


FORMATS: dict[MrzType, MrzFormat] = {
    "TD3": _two_line("TD3", 44, optional_check=True, composite=True),
    "TD2": _two_line("TD2", 36, optional_check=False, composite=True),
    "MRVA": _two_line("MRVA", 44, optional_check=False, composite=False),
    "MRVB": _two_line("MRVB", 36, optional_check=False, composite=False),
    "TD1": MrzFormat(
        "TD1",
        3,
        30,
        (
            FieldSpec("document_code", 0, 0, 2, "letter"),
            FieldSpec("issuing_state", 0, 2, 3, "country"),
            FieldSpec("document_number", 0, 5, 9, "alnum"),
            FieldSpec("personal_number", 0, 15, 15, "alnum"),
            FieldSpec("date_of_birth", 1, 0, 6, "date"),
            FieldSpec("sex", 1, 7, 1, "sex"),
            FieldSpec("date_of_expiry", 1, 8, 6, "date"),
            FieldSpec("nationality", 1, 15, 3, "country"),
            FieldSpec("personal_number", 1, 18, 11, "alnum"),
            FieldSpec("name", 2, 0, 30, "name"),
        ),
        (
            CheckSpec("document_number", (0, 14), ((0, 5, 14),)),
            CheckSpec("date_of_birth", (1, 6), ((1, 0, 6),)),
            CheckSpec("date_of_expiry", (1, 14), ((1, 8, 14),)),
            CheckSpec("composite", (1, 29), ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29))),
        ),
    ),
}


# ------------------------------------------------------------------------ values and dates


def mrz_date(yymmdd: str, *, birth: bool, as_of: date) -> date | None:
    """The calendar date of a YYMMDD field, or None when it is not one. Birth dates lie in
    the past; expiry dates at most 20 years ahead of `as_of` (passports run for 10)."""
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        return None
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    latest = as_of.year if birth else as_of.year + 20
    year = latest - (latest - yy) % 100
    try:
        result = date(year, month, day)
    except ValueError:
        return None
    if birth and result > as_of:
        try:
            result = date(year - 100, month, day)
        except ValueError:  # 29 February of a year that is no longer a leap year
            return None
    return result


@cache
def _country_codes() -> frozenset[str]:
    """Codes an MRZ may carry: ISO 3166 alpha-3, plus ICAO's own (Germany's `D`, the UN,
    stateless persons, British variants, the specimen state Utopia)."""
    icao = [
        "D",
        "EUE",
        "GBD",
        "GBN",
        "GBO",
        "GBP",
        "GBS",
        "RKS",
        "UNA",
        "UNK",
        "UNO",
        "UTO",
        "XBA",
        "XCC",
        "XCE",
        "XCO",
        "XDC",
        "XEC",
        "XES",
        "XIM",
        "XMP",
        "XOM",
        "XPO",
        "XXA",
        "XXB",
        "XXC",
        "XXX",
    ]
    return frozenset([c.alpha_3 for c in pycountry.countries] + icao)


def _country_value(code: str) -> str:
    """The contract's ISO alpha-3 code for an MRZ state code (`D<<` is Germany)."""
    bare = code.strip(FILLER)
    return country_code(bare) if bare == "D" else bare


def _name_parts(name_field: str) -> tuple[str, str]:
    surname, _, given = name_field.partition(FILLER * 2)
    return surname.replace(FILLER, " ").strip(), given.replace(FILLER, " ").strip()


def _optional_value(parts: list[str]) -> str | None:
    values = [p.strip(FILLER).replace(FILLER, " ") for p in parts]
    joined = " ".join(v for v in values if v)
    return joined or None


# ------------------------------------------------------------------------ writing an MRZ


@dataclass(frozen=True)
class MrzData:
    """What a zone encodes, in the contract's terms. Used to write zones (tests, sample
    documents); reading gives an MrzReading, which also says how sure it is."""

    mrz_type: MrzType
    document_code: str
    issuing_state: str  # MRZ code as printed, without fillers (`D`, `UTO`)
    surname: str
    given_names: str
    document_number: str
    nationality: str
    date_of_birth: date
    sex: str  # M, F or X
    date_of_expiry: date
    personal_number: str = ""


def _mrz_text(text: str, width: int) -> str:
    cleaned = "".join(c if c in LETTERS + DIGITS else FILLER for c in text.upper())
    return cleaned[:width].ljust(width, FILLER)


def format_mrz(data: MrzData) -> tuple[str, ...]:
    """The zone's lines, check digits computed."""
    fmt = FORMATS[data.mrz_type]
    lines = [[FILLER] * fmt.length for _ in range(fmt.lines)]
    name = data.surname + (FILLER * 2 + data.given_names if data.given_names else "")
    sex = FILLER if data.sex == "X" else data.sex
    values = {
        "document_code": data.document_code,
        "issuing_state": data.issuing_state,
        "name": name,
        "document_number": data.document_number,
        "nationality": data.nationality,
        "date_of_birth": data.date_of_birth.strftime("%y%m%d"),
        "sex": sex,
        "date_of_expiry": data.date_of_expiry.strftime("%y%m%d"),
    }
    optional = _mrz_text(data.personal_number, 26)
    for spec in fmt.fields:
        if spec.name == "personal_number":
            text, optional = optional[: spec.length], optional[spec.length :]
        else:
            text = _mrz_text(values[spec.name], spec.length)
        lines[spec.line][spec.start : spec.start + spec.length] = list(text)
    for check in fmt.checks:  # composite last: it covers the other check digits
        covered = "".join(lines[line][i] for line, i in check.data_positions)
        digit = FILLER if check.filler_allowed and set(covered) == {FILLER} else None
        lines[check.digit[0]][check.digit[1]] = digit or check_digit(covered)
    return tuple("".join(line) for line in lines)


# ------------------------------------------------------------------------ reading an MRZ


@dataclass(frozen=True)
class MrzField:
    value: str | None
    confidence: float  # 0..1
    valid: bool | None  # its check digit holds (country codes: a known code); None: no check


@dataclass
class MrzReading:
    mrz_type: MrzType
    lines: tuple[str, ...]
    fields: dict[str, MrzField]
    checks: dict[str, bool]  # every check digit of the format -> it holds
    valid: bool  # every check digit holds, and no equally likely reading also satisfies them
    corrections: int  # characters changed from what the OCR read most probably
    # Other readings whose check digits hold too and that the OCR found nearly as probable
    # (what keeps `valid` false when every check holds): evidence from outside the zone,
    # such as the printed page, may still tell them apart.
    rivals: tuple[tuple[str, ...], ...] = ()

    def contract_fields(self) -> dict[str, MrzField]:
        """The contract's passport fields, `mrz_type` and `mrz_valid` included."""
        fields = dict(self.fields)
        fields["mrz_type"] = MrzField(self.mrz_type, 1.0, None)
        fields["mrz_valid"] = MrzField(self.valid, 1.0 if self.valid else 0.5, self.valid)
        return fields


# Look-alikes OCR engines swap in OCR-B, both ways, with how often relative to other errors.
_CONFUSIONS: tuple[tuple[str, str, float], ...] = (
    ("O", "0", 1.0),
    ("Q", "0", 0.5),
    ("D", "0", 0.8),
    ("U", "0", 0.3),
    ("I", "1", 1.0),
    ("L", "1", 0.4),
    ("T", "1", 0.3),
    ("J", "1", 0.2),
    ("S", "5", 1.0),
    ("B", "8", 1.0),
    ("Z", "2", 1.0),
    ("G", "6", 1.0),
    ("A", "4", 0.4),
    ("T", "7", 0.4),
    ("E", "3", 0.2),
    ("K", FILLER, 1.0),
    ("X", FILLER, 0.8),
    ("C", FILLER, 0.8),
    ("E", FILLER, 0.3),
    ("L", FILLER, 0.3),
    ("M", "N", 0.5),
    ("H", "M", 0.4),
    ("H", "N", 0.5),
    ("E", "F", 0.5),
    ("P", "F", 0.3),
    ("U", "V", 0.5),
    ("V", "Y", 0.3),
    ("R", "P", 0.3),
    ("8", "3", 0.3),
    ("8", "6", 0.3),
    ("8", "9", 0.3),
    ("5", "6", 0.3),
    ("1", "7", 0.3),
    ("0", "8", 0.2),
)
_PARTNERS: dict[str, list[tuple[str, float]]] = {}
for _a, _b, _weight in _CONFUSIONS:
    _PARTNERS.setdefault(_a, []).append((_b, _weight))
    _PARTNERS.setdefault(_b, []).append((_a, _weight))

# Probability left for a character nobody suggested: the check digit may still pick it.
_UNSEEN = 0.002
# How much more probable the best valid reading must be than any other valid one (as a
# log ratio) before it is called valid: e^2.3, ten times.
_MARGIN = 2.3
# Cost added to a reading whose check digit holds but whose value is implausible (a date
# that does not exist, fillers read as letters): e^-4, fifty times less likely.
_UNLIKELY = 4.0
_KEEP = 6  # candidates per position and per checked field kept in the search
# How sure plain text is of each character when the engine gives nothing finer: a word's
# confidence says little about its characters, and most are right.
TEXT_CONFIDENCE = 0.97


def text_alternatives(
    text: str, confidence: float = TEXT_CONFIDENCE
) -> list[list[tuple[str, float]]]:
    """A lattice from plain OCR text: each character with the engine's confidence."""
    return [[(char, confidence)] for char in text]


def _position_candidates(alternatives: Alternatives, allowed: str) -> list[tuple[str, float]]:
    """Characters the position may hold within its alphabet, as (char, cost = -log p): what
    the OCR read, then the look-alikes of what it read, then anything else, faintly."""
    weights: dict[str, float] = {}
    total = sum(p for _, p in alternatives)
    for char, probability in alternatives:
        if char in allowed:
            weights[char] = max(weights.get(char, 0.0), probability)
        # A character the alphabet forbids is certainly a look-alike of the truth; an
        # allowed one might be, as far as the OCR was unsure, and never more likely than
        # the character itself (a 5 the OCR gave 2% lends S no 10%).
        unsure = max(0.0, 1.0 - total) + 0.05
        spread = probability if char not in allowed else min(probability, unsure)
        for partner, weight in _PARTNERS.get(char, ()):
            if partner in allowed:
                weights[partner] = max(weights.get(partner, 0.0), spread * weight * 0.8)
    for char in allowed:
        weights.setdefault(char, _UNSEEN)
    ranked = sorted(weights.items(), key=lambda item: item[1], reverse=True)[:_KEEP]
    return [(char, -math.log(min(p, 1.0))) for char, p in ranked]


def _k_best(
    candidates: list[list[tuple[str, float]]],
    penalty: Callable[[str], float | None],
    *,
    keep: int = _KEEP,
    budget: int = 1500,
) -> list[tuple[float, str]]:
    """The cheapest strings through the candidate lists that `penalty` accepts (it returns
    None to reject, else an extra cost), cheapest first."""
    start = (0,) * len(candidates)
    heap = [(sum(c[0][1] for c in candidates), start)]
    seen = {start}
    found: list[tuple[float, str]] = []
    while heap and budget and len(found) < keep:
        budget -= 1
        cost, indices = heapq.heappop(heap)
        text = "".join(candidates[p][i][0] for p, i in enumerate(indices))
        extra = penalty(text)
        if extra is not None:
            found.append((cost + extra, text))
        for p, i in enumerate(indices):
            if i + 1 < len(candidates[p]):
                successor = (*indices[:p], i + 1, *indices[p + 1 :])
                if successor not in seen:
                    seen.add(successor)
                    step = candidates[p][i + 1][1] - candidates[p][i][1]
                    heapq.heappush(heap, (cost + step, successor))
    return sorted(found)


@dataclass
class _Group:
    """Positions resolved together: a checked field with its check digit, or (for the
    composite) positions no field check covers."""

    check: CheckSpec | None
    positions: list[Position]
    options: list[tuple[float, str]] = field(default_factory=list)
    holds: bool = False


class _Resolver:
    def __init__(
        self,
        fmt: MrzFormat,
        lattice: Sequence[Sequence[Alternatives]],
        as_of: date,
        correct: bool,
    ) -> None:
        self.fmt = fmt
        self.as_of = as_of
        kinds = fmt.kinds()
        self.first_choice = {
            (line, i): max(alts, key=lambda a: a[1])[0] if alts else FILLER
            for line, row in enumerate(lattice)
            for i, alts in enumerate(row)
        }
        self.candidates = {
            (line, i): _position_candidates(lattice[line][i], fmt.allowed(line, i, kinds[line][i]))
            if correct
            else [(self.first_choice[(line, i)], 0.0)]
            for line in range(fmt.lines)
            for i in range(fmt.length)
        }
        self.chosen: dict[Position, str] = {p: c[0][0] for p, c in self.candidates.items()}
        self.checks: dict[str, bool] = {}
        self.unambiguous = True
        self.rivals: list[dict[Position, str]] = []  # each as its differences from the choice

    def _date_penalty(self, check: CheckSpec) -> Callable[[str], float | None]:
        birth = check.name == "date_of_birth"

        def penalty(text: str) -> float | None:
            if not check_holds(text[:-1], text[-1]):
                return None
            return 0.0 if mrz_date(text[:-1], birth=birth, as_of=self.as_of) else _UNLIKELY

        return penalty

    def _check_penalty(self, check: CheckSpec) -> Callable[[str], float | None]:
        if check.name.startswith("date_"):
            return self._date_penalty(check)

        def penalty(text: str) -> float | None:
            if not check_holds(text[:-1], text[-1], filler_allowed=check.filler_allowed):
                return None
            # K and the filler both count 0, so the check cannot tell `613<<<K` from
            # `613<<<<`; optional data is padded with fillers, and a "word" of K, X and C
            # in it is fillers misread.
            words = text[:-1].split(FILLER) if check.filler_allowed else []
            return _UNLIKELY if any(_misread_fillers(word) for word in words) else 0.0

        return penalty

    def resolve_checked(self) -> None:
        groups = []
        for check in self.fmt.field_checks:
            positions = [*check.data_positions, check.digit]
            cands = [self.candidates[p] for p in positions]
            group = _Group(check, positions)
            group.options = _k_best(cands, self._check_penalty(check))
            group.holds = bool(group.options)
            if not group.options:  # nothing within reach satisfies it: keep what was read
                group.options = [(0.0, "".join(c[0][0] for c in cands))]
            groups.append(group)
        composite = self.fmt.composite
        if composite is not None:
            covered = {p for g in groups for p in g.positions}
            free = [p for p in composite.data_positions if p not in covered]
            if free:
                cands = [self.candidates[p] for p in free]
                groups.append(_Group(None, free, self._free_options(composite, free), True))
            self._resolve_composite(composite, groups)
        else:
            for group in groups:
                self.unambiguous &= not group.holds or self._settled(
                    [
                        (cost, list(zip(group.positions, text, strict=True)))
                        for cost, text in group.options
                    ]
                )
        for group in groups:
            _, text = group.options[0]
            self.chosen.update(zip(group.positions, text, strict=True))
            if group.check is not None:
                self.checks[group.check.name] = group.holds

    def _free_options(self, composite: CheckSpec, free: list[Position]) -> list[tuple[float, str]]:
        """Readings of positions only the composite checks: for the composite, options that
        add the same to its sum are interchangeable, so the cheapest of each residue will do."""
        weight_of = {p: (7, 3, 1)[i % 3] for i, p in enumerate(composite.data_positions)}
        options = _k_best([self.candidates[p] for p in free], lambda _: 0.0, keep=80)
        by_residue: dict[int, tuple[float, str]] = {}
        for cost, text in options:
            residue = (
                sum(char_value(c) * weight_of[p] for p, c in zip(free, text, strict=True)) % 10
            )
            by_residue.setdefault(residue, (cost, text))
        return sorted(by_residue.values())

    def _resolve_composite(self, composite: CheckSpec, groups: list[_Group]) -> None:
        """Choose one option per group so that the composite digit holds, cheapest first.
        Each group adds its own part of the weighted sum, so options are summed, not re-read."""
        weight_of = {p: (7, 3, 1)[i % 3] for i, p in enumerate(composite.data_positions)}
        parts = [
            [
                (
                    cost,
                    sum(
                        char_value(c) * weight_of.get(p, 0)
                        for p, c in zip(g.positions, text, strict=True)
                    ),
                )
                for cost, text in g.options
            ]
            for g in groups
        ]
        digit_cost = {char: cost for char, cost in self.candidates[composite.digit]}
        combos: list[tuple[float, tuple[int, ...], str]] = []
        for choice in product(*(range(len(g.options)) for g in groups)):
            picked = [part[i] for part, i in zip(parts, choice, strict=True)]
            digit = str(sum(total for _, total in picked) % 10)
            if digit in digit_cost:
                cost = sum(c for c, _ in picked) + digit_cost[digit]
                combos.append((cost, choice, digit))
        if not combos:
            self.checks["composite"] = False
            return
        combos.sort()
        readings = [
            (
                cost,
                [
                    (p, c)
                    for g, i in zip(groups, choice, strict=True)
                    for p, c in zip(g.positions, g.options[i][1], strict=True)
                ]
                + [(composite.digit, digit)],
            )
            for cost, choice, digit in combos[:20]
        ]
        self.unambiguous &= self._settled(readings)
        _, choice, digit = combos[0]
        for group, i in zip(groups, choice, strict=True):
            group.options = [group.options[i], *group.options[:i], *group.options[i + 1 :]]
        self.chosen[composite.digit] = digit
        self.checks["composite"] = True

    def _settled(self, readings: list[tuple[float, list[tuple[Position, str]]]]) -> bool:
        """Whether the cheapest of these readings (all satisfying their checks) stands out:
        no other one comes within the margin. Two look-alike errors can cancel out in a check
        digit (O for 0 twice, 7 and 3 apart), so even a reading taken as read must win by
        the OCR's own probabilities."""
        best_cost, best = readings[0]
        close = [reading for cost, reading in readings[1:] if cost - best_cost < _MARGIN]
        chosen = dict(best)
        for reading in close:
            self.rivals.append({p: c for p, c in reading if chosen.get(p) != c})
        return not close

    def resolve_country(self, spec: FieldSpec) -> MrzField:
        cands = [self.candidates[p] for p in spec.positions]
        options = _k_best(
            cands, lambda t: 0.0 if t.strip(FILLER) in _country_codes() else None, budget=400
        )
        settled = options and self._settled(
            [(cost, list(zip(spec.positions, text, strict=True))) for cost, text in options]
        )
        if settled:
            cost, text = options[0]
            self.chosen.update(zip(spec.positions, text, strict=True))
            return MrzField(_country_value(text), math.exp(-cost) ** (1 / 3), True)
        text = "".join(self.chosen[p] for p in spec.positions)
        return MrzField(text.strip(FILLER) or None, 0.3, False)

    def text(self, spec: FieldSpec) -> str:
        return "".join(self.chosen[p] for p in spec.positions)

    def mean_probability(self, positions: list[Position]) -> float:
        costs = [
            next(cost for char, cost in self.candidates[p] if char == self.chosen[p])
            for p in positions
        ]
        return math.exp(-sum(costs) / len(costs))


def _misread_fillers(word: str) -> bool:
    """A "word" made only of the letters OCR reads fillers as is no name and no number."""
    return bool(word) and set(word) <= set("KXC")


def _clean_name(name_field: str) -> tuple[str, bool]:
    """Fillers the OCR read as letters. Names are separated by one filler and the surname
    from the given names by two, so after three in a row only filler follows; and a "word"
    made only of K, X and C is no name, but fillers misread."""
    run = name_field.find(FILLER * 3)
    result = name_field if run < 0 else name_field[:run].ljust(len(name_field), FILLER)
    words = result.split(FILLER)
    result = FILLER.join(FILLER * len(w) if _misread_fillers(w) else w for w in words)
    return result, result != name_field


def read_lattice(
    mrz_type: MrzType,
    lattice: Sequence[Sequence[Alternatives]],
    *,
    as_of: date | None = None,
    correct: bool = True,
) -> MrzReading:
    """The most probable reading of a zone of known format from per-position alternatives
    (`lattice[line][index]`, exactly the format's size); with `correct` off, the lattice's
    first choices as they are."""
    fmt = FORMATS[mrz_type]
    as_of = as_of or date.today()
    if len(lattice) != fmt.lines or any(len(line) != fmt.length for line in lattice):
        raise ValueError(f"a {mrz_type} lattice must be {fmt.lines} x {fmt.length}")
    resolver = _Resolver(fmt, lattice, as_of, correct)
    resolver.resolve_checked()
    all_hold = all(resolver.checks.values())
    dates_read = all(
        mrz_date(resolver.text(spec), birth=spec.name == "date_of_birth", as_of=as_of)
        for spec in fmt.fields
        if spec.kind == "date"
    )
    valid = all_hold and resolver.unambiguous and dates_read

    fields: dict[str, MrzField] = {}
    optional_parts: list[str] = []
    for spec in fmt.fields:
        if spec.kind == "country":
            fields[spec.name] = resolver.resolve_country(spec)
            continue
        text = resolver.text(spec)
        positions = spec.positions
        if spec.name == "name":
            # The name is what stands before the run of fillers that ends it: how surely the
            # fillers after that were read (the far edge of a turned scan) says nothing of it.
            run = text.find(FILLER * 3)
            positions = positions[: run + 3] if run >= 0 else positions
        probability = resolver.mean_probability(positions)
        check_ok = resolver.checks.get(spec.name)
        if check_ok is not None:
            if valid:
                confidence = 0.97 if probability > 0.5 else 0.9
            else:
                confidence = (0.7 if check_ok else 0.25) * probability
        else:
            confidence = min(0.95, probability) * (1.0 if all_hold else 0.8)
        if spec.name == "name":
            text, guessed = _clean_name(text)
            resolver.chosen.update(zip(spec.positions, text, strict=True))
            surname, given = _name_parts(text)
            confidence *= 0.85 if guessed else 1.0
            fields["surname"] = MrzField(surname or None, confidence, None)
            fields["given_names"] = MrzField(given or None, confidence, None)
        elif spec.name == "personal_number":
            optional_parts.append(text)
            fields["personal_number"] = MrzField(
                _optional_value(optional_parts), confidence, check_ok
            )
        elif spec.kind == "date":
            day = mrz_date(text, birth=spec.name == "date_of_birth", as_of=as_of)
            fields[spec.name] = MrzField(
                day.isoformat() if day else None, confidence if day else 0.0, check_ok
            )
        elif spec.name == "sex":
            fields["sex"] = MrzField("X" if text == FILLER else text, confidence, None)
        else:
            fields[spec.name] = MrzField(text.strip(FILLER) or None, confidence, check_ok)

    lines = tuple(
        "".join(resolver.chosen[(line, i)] for i in range(fmt.length)) for line in range(fmt.lines)
    )
    corrections = sum(resolver.chosen[p] != resolver.first_choice[p] for p in resolver.candidates)
    rivals = tuple(
        tuple(
            "".join(rival.get((line, i), lines[line][i]) for i in range(fmt.length))
            for line in range(fmt.lines)
        )
        for rival in resolver.rivals
        if all_hold and dates_read and rival
    )
    return MrzReading(mrz_type, lines, fields, resolver.checks, valid, corrections, rivals)


def parse_mrz(lines: Sequence[str], *, as_of: date | None = None) -> MrzReading:
    """Read lines that are already exact (e.g. from a chip or a test): no correction, only
    the check digits judged."""
    mrz_type = guess_format(lines)
    if mrz_type is None:
        raise ValueError("not an MRZ: expected 2 x 44, 2 x 36 or 3 x 30 characters")
    lattice = [text_alternatives(line, 1.0) for line in lines]
    return read_lattice(mrz_type, lattice, as_of=as_of, correct=False)


def guess_format(lines: Sequence[str]) -> MrzType | None:
    """The format lines of these lengths and this first character belong to."""
    lengths = [len(line) for line in lines]
    if len(lines) == 3:
        return "TD1" if all(26 <= n <= 34 for n in lengths) else None
    if len(lines) != 2:
        return None
    visa = lines[0][:1] == "V"
    mean = sum(lengths) / 2
    if 40 <= mean <= 48:
        return "MRVA" if visa else "TD3"
    if 32 <= mean < 40:
        return "MRVB" if visa else "TD2"
    return None


# ------------------------------------------------------------------ text of the wrong length


def fit_length(
    text: str, length: int, confidence: float = TEXT_CONFIDENCE
) -> list[list[tuple[str, float]]]:
    """A lattice of exactly `length` positions from a line the OCR read too long or too short.
    Engines split and merge runs of fillers and read spaces into them, so dropping a space or
    a filler look-alike next to a filler, or adding a filler next to one, is cheap; dropping
    or adding anything else is dear, and an added position is left for the check digits."""
    text = text.upper().replace("«", FILLER).strip()
    n = len(text)
    near_filler = [
        any(text[j] in FILLER + "KXC" for j in (i - 1, i + 1) if 0 <= j < n) for i in range(n)
    ]

    def drop_cost(i: int) -> float:
        # Among equal choices, drop late: the tail of a zone line is filler, where a wrong
        # drop costs nothing.
        late = 0.01 * (n - i) / max(n, 1)
        char = text[i]
        if char == " ":
            return 0.2 + late
        if char in "KXC" + FILLER and near_filler[i]:
            return 0.8 + late
        return 3.0 + late

    def insert_cost(i: int) -> float:  # before text[i]
        if i >= n:  # a filler read as a space at the end of the line was stripped with it
            return 0.5
        around = text[max(0, i - 1) : i + 1]
        return 0.8 if FILLER in around else 3.0

    inf = float("inf")
    cost = [[inf] * (length + 1) for _ in range(n + 1)]
    move: list[list[str]] = [[""] * (length + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(length + 1):
            here = cost[i][j]
            if here == inf:
                continue
            if i < n and j < length:
                step = here + (0.4 if text[i] == " " else 0.0)
                if step < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1], move[i + 1][j + 1] = step, "take"
            if i < n and here + drop_cost(i) < cost[i + 1][j]:
                cost[i + 1][j], move[i + 1][j] = here + drop_cost(i), "drop"
            if j < length and here + insert_cost(i) < cost[i][j + 1]:
                cost[i][j + 1], move[i][j + 1] = here + insert_cost(i), "insert"
    lattice: list[list[tuple[str, float]]] = []
    i, j = n, length
    while i or j:
        step = move[i][j]
        if step == "take":
            char = FILLER if text[i - 1] == " " else text[i - 1]
            lattice.append([(char, confidence if text[i - 1] != " " else 0.6)])
            i, j = i - 1, j - 1
        elif step == "drop":
            i -= 1
        else:
            lattice.append([(FILLER, 0.5)])
            j -= 1
    return lattice[::-1]


def read_mrz_text(
    lines: Sequence[str], *, as_of: date | None = None, confidence: float = TEXT_CONFIDENCE
) -> MrzReading | None:
    """Read OCR text lines of a zone (any lengths; extra short lines are ignored)."""
    cleaned = [line.strip() for line in lines if len(line.replace(" ", "")) >= 20]
    for count in (3, 2):
        candidate = cleaned[-count:]
        if len(candidate) != count:
            continue
        mrz_type = guess_format([line.replace(" ", "") for line in candidate])
        if mrz_type is None:
            continue
        fmt = FORMATS[mrz_type]
        lattice = [fit_length(line, fmt.length, confidence) for line in candidate]
        return read_lattice(mrz_type, lattice, as_of=as_of)
    return None


# --------------------------------------------------------------------- locating the zone


@dataclass(frozen=True)
class MrzRegion:
    """Where a zone lies in an image: its box in that image's pixels, how far it is turned
    (a quarter `rotation`, clockwise, that makes it read upright, then a small `angle` of skew
    in degrees, positive when lines descend to the right once upright), and how sure the
    detector is that it is one."""

    box: BBox
    rotation: int
    angle: float
    confidence: float
    lines: int
    characters: int  # per line, as measured: 44, 36 or 30 when all is well
    pitch: float  # character pitch in pixels


@dataclass
class TextLine:
    """A row of character-like blobs at a regular pitch: the shape every MRZ line has and
    ordinary text, with its proportional letters and word spaces, has not."""

    members: np.ndarray  # rows of (x, y, w, h) boxes, left to right
    pitch: float
    regularity: float  # share of neighbour gaps within a quarter pitch of the pitch
    positions: int  # character cells the line spans at that pitch
    slope: float
    height: float

    @property
    def center_y(self) -> float:
        return float(np.median(self.members[:, 1] + self.members[:, 3] / 2))

    @property
    def left(self) -> float:
        return float(self.members[0, 0])

    @property
    def right(self) -> float:
        return float(self.members[-1, 0] + self.members[-1, 2])


def text_mask(gray: np.ndarray, glyph_height: int) -> np.ndarray:
    """Dark strokes on a light background, whatever the lighting: a black-hat transform keeps
    what is darker than its surroundings, and Otsu (with a floor, so that faint security
    print stays out) splits ink from paper. The transform keeps only ink narrower than its
    kernel, so the kernel is twice the glyphs' height: a boldly printed W or M is not
    hollowed out to a few dots."""
    kernel_size = max(9, 2 * glyph_height + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_size, kernel_size))
    blackhat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel)
    otsu, _ = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, mask = cv2.threshold(blackhat, max(otsu, 40), 255, cv2.THRESH_BINARY)
    return mask


def glyph_boxes(mask: np.ndarray, max_height: int, max_aspect: float = 2.0) -> np.ndarray:
    """Boxes (x, y, w, h) of blobs the size and shape of printed characters (or, with a
    larger `max_aspect`, of runs of them that ink or blur has joined)."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = stats[1:, :4].astype(np.int32)
    areas = stats[1:, 4]
    w, h = boxes[:, 2], boxes[:, 3]
    keep = (h >= 5) & (h <= max_height) & (w <= max_aspect * h) & (w * 4 >= h) & (areas >= 10)
    return boxes[keep]


def text_lines(boxes: np.ndarray, shape: tuple[int, int]) -> list[TextLine]:
    """Rows of regularly spaced glyphs. Each glyph is smeared sideways by its own height into
    a thin strip, so that neighbours in a row touch whatever the scale; rows then are the
    strips' connected components."""
    if len(boxes) < 20:
        return []
    strips = np.zeros(shape, np.uint8)
    for x, y, w, h in boxes.tolist():
        reach = int(0.75 * h) + 1
        cv2.rectangle(
            strips, (x - reach, y + h // 3), (x + w + reach, y + (2 * h) // 3), 255, thickness=-1
        )
    _, labels = cv2.connectedComponents(strips, connectivity=4)
    centers_x = boxes[:, 0] + boxes[:, 2] // 2
    centers_y = boxes[:, 1] + boxes[:, 3] // 2
    row_of = labels[centers_y, centers_x]
    lines = []
    for row in np.unique(row_of):
        members = boxes[row_of == row]
        if len(members) < 20:
            continue
        members = members[np.argsort(members[:, 0])]
        mid_x = members[:, 0] + members[:, 2] / 2
        gaps = np.diff(mid_x)
        pitch = float(np.median(gaps))
        if pitch <= 0:
            continue
        regular = np.abs(gaps / pitch - 1) < 0.25
        if not regular.any():
            continue
        regularity = float(np.mean(regular))
        pitch = float(np.mean(gaps[regular]))
        positions = round((mid_x[-1] - mid_x[0]) / pitch) + 1
        mid_y = members[:, 1] + members[:, 3] / 2
        slope = float(np.polyfit(mid_x, mid_y, 1)[0])
        height = float(np.percentile(members[:, 3], 75))
        lines.append(TextLine(members, pitch, regularity, positions, slope, height))
    return lines


def _zones(lines: list[TextLine]) -> list[tuple[float, list[TextLine]]]:
    """Stacks of 2 or 3 MRZ-like lines (same pitch, same span, a line apart), scored."""
    candidates = [
        line
        for line in lines
        if line.regularity >= 0.6 and 26 <= line.positions <= 48 and len(line.members) >= 18
    ]
    candidates.sort(key=lambda line: line.center_y)
    zones = []
    for start in range(len(candidates)):
        stack = [candidates[start]]
        for line in candidates[start + 1 :]:
            last = stack[-1]
            spacing = line.center_y - last.center_y
            if not 1.1 * last.height <= spacing <= 2.8 * last.height:
                continue
            same_pitch = 0.85 <= line.pitch / last.pitch <= 1.18
            aligned = abs(line.left - last.left) <= 2.5 * last.pitch
            if same_pitch and aligned:
                stack.append(line)
            if len(stack) == 3:
                break
        if len(stack) < 2:
            continue
        for count in (3, 2):
            if len(stack) < count:
                continue
            chosen = stack[:count]
            expected = (30,) if count == 3 else (36, 44)
            positions = float(np.mean([line.positions for line in chosen]))
            fit = max(0.0, 1 - min(abs(positions - e) for e in expected) / 6)
            regularity = float(np.mean([line.regularity for line in chosen]))
            score = fit * regularity
            if score > 0.3:
                zones.append((score, chosen))
                break
    zones.sort(key=lambda zone: zone[0], reverse=True)
    return zones


def _points_right(mask: np.ndarray, lines: list[TextLine]) -> float:
    """Vote in -1..1 on whether the zone's chevrons open to the right, as `<` does upright:
    the short glyphs' ink spreads wider at their right end than at their left."""
    votes = []
    for line in lines:
        small = line.members[line.members[:, 3] < 0.8 * line.height]
        for x, y, w, h in small.tolist():
            glyph = mask[y : y + h, x : x + w] > 0
            if w < 4:
                continue
            third = max(1, w // 3)
            spreads = []
            for part in (glyph[:, :third], glyph[:, -third:]):
                rows = np.flatnonzero(part.any(axis=1))
                spreads.append(rows[-1] - rows[0] + 1 if len(rows) else 0)
            left, right = spreads
            if max(left, right) > 0:
                votes.append(np.sign(right - left))
    return float(np.mean(votes)) if votes else 0.0


def _quarter_turn(mask: np.ndarray, turns: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(mask, k=turns)) if turns else mask


def detect_mrz(gray: np.ndarray) -> MrzRegion | None:
    """The machine-readable zone of a page, without OCR: 2 or 3 stacked lines of 30 to 44
    evenly spaced glyphs. Pages may arrive turned by a quarter; both axes are tried. None when
    no such band is there (ordinary text lacks the even pitch and unbroken rows)."""
    scale = min(1.0, 1600 / max(gray.shape[:2]))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    # A kernel a fiftieth of the long side: the capitals' height on a data page that fills
    # the picture, so that bold capitals of a page that size or smaller stay whole.
    mask = text_mask(small, glyph_height=round(max(small.shape) / 100))
    best: tuple[float, int, list[TextLine]] | None = None
    for turns in (0, 1):  # as is, and a quarter turn counter-clockwise
        turned = _quarter_turn(mask, turns)
        boxes = glyph_boxes(turned, max(12, turned.shape[0] // 6))
        zones = _zones(text_lines(boxes, turned.shape))
        if zones and (best is None or zones[0][0] > best[0]):
            best = (zones[0][0], turns, zones[0][1])
    if best is None:
        return None
    score, turns, lines = best
    turned = _quarter_turn(mask, turns)
    direction = _points_right(turned, lines)
    upside_down = direction < 0 or (direction == 0 and lines[0].center_y < turned.shape[0] / 2)
    members = np.vstack([line.members for line in lines])
    x0, y0 = members[:, :2].min(axis=0)
    x1, y1 = (members[:, :2] + members[:, 2:4]).max(axis=0)
    box = _box_from_turned((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), turns, mask.shape)
    rotation = ((270 if turns else 0) + (180 if upside_down else 0)) % 360
    slope = float(np.median([line.slope for line in lines]))
    return MrzRegion(
        box=tuple(round(v / scale) for v in box),  # type: ignore[arg-type]
        rotation=rotation,
        angle=math.degrees(math.atan(slope)),
        confidence=round(min(1.0, score) * (0.6 + 0.4 * abs(direction)), 3),
        lines=len(lines),
        characters=round(float(np.mean([line.positions for line in lines]))),
        pitch=float(np.mean([line.pitch for line in lines])) / scale,
    )


def _box_from_turned(box: BBox, turns: int, shape: tuple[int, int]) -> BBox:
    """A box found in the image turned `turns` quarters counter-clockwise, in the image's
    own pixels."""
    if not turns:
        return box
    x, y, w, h = box
    width = shape[1]
    return (width - (y + h), x, h, w)
