"""Fictitious applicants. Every generated document of a case is drawn from one Identity, so the
documents agree with each other unless a fault is injected on purpose."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from rapidfuzz.distance import Levenshtein

from schemas.reference import Period, StatusOfResidence, status_table


@dataclass
class Identity:
    surname: str
    given_names: str
    sex: str  # "M" | "F"
    date_of_birth: date
    nationality: str  # ISO alpha-3
    place_of_birth: str
    passport_number: str  # 9 chars [A-Z0-9]
    passport_issue: date
    passport_expiry: date
    card_number: str  # AB12345678CD
    status: str  # English name from schemas.reference.status_table()
    period_of_stay: str  # compact, as schemas.reference.Period: "3y", "1y6m", "" when unlimited
    stay_expiry: date | None  # None for unlimited statuses
    card_issue: date
    card_valid_until: date
    address: str  # Japanese address in Japanese script
    work_restriction: str  # code from status_table().work_restrictions
    phone: str

    @property
    def name(self) -> str:
        return f"{self.surname} {self.given_names}"


@dataclass(frozen=True)
class _NamePool:
    """How one nationality's names look: surnames, given names by sex, birthplaces, and how
    its passport numbers are shaped (L = letter, D = digit)."""

    surnames: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    places: tuple[str, ...]
    passport_pattern: str


# Long Brazilian and Filipino names overflow the MRZ's 39-character name field on purpose.
_POOLS: dict[str, _NamePool] = {
    "VNM": _NamePool(
        ("NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "VU", "DANG", "BUI"),
        ("VAN AN", "MINH TUAN", "DUC THANG", "QUOC HUY", "VAN HUNG"),
        ("THI MINH ANH", "THI LAN", "NGOC HANH", "THI THU TRANG", "THI HONG NHUNG"),
        ("HA NOI", "HO CHI MINH", "HAI PHONG", "DA NANG", "NGHE AN"),
        "LDDDDDDDD",
    ),
    "CHN": _NamePool(
        ("WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG", "ZHAO", "HUANG"),
        ("XIAOMING", "WEI", "HAORAN", "ZIHAO", "JIANGUO"),
        ("JIAHUI", "XIAOYU", "MEILING", "YUTONG", "LI NA"),
        ("BEIJING", "SHANGHAI", "LIAONING", "FUJIAN", "JIANGSU"),
        "LLDDDDDDD",
    ),
    "PHL": _NamePool(
        ("SANTOS", "REYES", "DELA CRUZ", "BAUTISTA", "GARCIA", "MACARAEG VILLANUEVA"),
        ("JOHN PAUL", "MARK ANTHONY", "JOSE RIZALINO", "CHRISTIAN JAMES"),
        ("MARIA CRISTINA", "ANGELICA", "MA LOURDES ESPERANZA", "KIMBERLY ANNE"),
        ("MANILA", "CEBU CITY", "DAVAO CITY", "QUEZON CITY", "ILOILO"),
        "LDDDDDDDL",
    ),
    "NPL": _NamePool(
        ("SHRESTHA", "GURUNG", "TAMANG", "RAI", "MAGAR", "THAPA"),
        ("RAM BAHADUR", "BIKASH", "SURESH KUMAR", "DIPENDRA"),
        ("SITA KUMARI", "ANJALI", "SARASWATI", "PRAMILA"),
        ("KATHMANDU", "POKHARA", "CHITWAN", "LALITPUR", "JHAPA"),
        "DDDDDDDDD",
    ),
    "IDN": _NamePool(
        ("SETIAWAN", "WIJAYA", "SAPUTRA", "HIDAYAT", "KUSUMA"),
        ("BUDI", "AGUS SANTOSO", "RIZKY", "DEDI KURNIAWAN"),
        ("SITI NURHALIZA", "DEWI", "PUTRI AYU", "RINA MARLINA"),
        ("JAKARTA", "BANDUNG", "SURABAYA", "MEDAN", "YOGYAKARTA"),
        "LDDDDDDDD",
    ),
    "BRA": _NamePool(
        (
            "SILVA",
            "OLIVEIRA",
            "DOS SANTOS",
            "FERNANDES DE ALBUQUERQUE CAVALCANTI",
            "NAKAMURA DA SILVA",
            "PEREIRA",
        ),
        ("JOAO PEDRO", "LUCAS GABRIEL", "RAFAEL", "CARLOS EDUARDO HENRIQUE"),
        ("ANA CAROLINA", "MARIA EDUARDA LUIZA", "JULIANA", "BEATRIZ"),
        ("SAO PAULO", "CURITIBA", "LONDRINA", "RIO DE JANEIRO", "BELO HORIZONTE"),
        "LLDDDDDDD",
    ),
    "USA": _NamePool(
        ("SMITH", "JOHNSON", "WILLIAMS", "BROWN", "MILLER", "RODRIGUEZ"),
        ("MICHAEL JAMES", "DAVID", "CHRISTOPHER ALLEN", "DANIEL"),
        ("JENNIFER", "SARAH ELIZABETH", "EMILY", "JESSICA ANN"),
        ("CALIFORNIA U.S.A.", "NEW YORK U.S.A.", "TEXAS U.S.A.", "OHIO U.S.A."),
        "DDDDDDDDD",
    ),
    "KOR": _NamePool(
        ("KIM", "LEE", "PARK", "CHOI", "JUNG", "KANG"),
        ("MINJUN", "JIHOON", "SEOJUN", "DONGHYUN"),
        ("SEOYEON", "JIWOO", "HAEUN", "MINJI"),
        ("SEOUL", "BUSAN", "INCHEON", "DAEGU", "GYEONGGI"),
        "LDDDDDDDD",
    ),
    "THA": _NamePool(
        ("SRISUK", "WONGSAWAT", "CHAIYAPORN", "RATTANAKUL"),
        ("SOMCHAI", "NATTAPONG", "KITTIPHONG"),
        ("SUPAPORN", "NATTHIDA", "PIMCHANOK"),
        ("BANGKOK", "CHIANG MAI", "KHON KAEN", "UDON THANI"),
        "LLDDDDDDD",
    ),
    "MMR": _NamePool(
        ("AUNG", "HTET", "KYAW", "THANT"),
        ("KYAW ZIN OO", "AUNG MYO MIN", "HTET NAING"),
        ("HNIN WAI PHYO", "SU MYAT NOE", "THIN THIN AYE"),
        ("YANGON", "MANDALAY", "BAGO", "MAWLAMYINE"),
        "LLDDDDDDD",
    ),
}

# Cards are issued to mid- to long-term residents only: these statuses never get one.
_NO_CARD = {"Diplomat", "Official", "Temporary Visitor"}

# Status -> how often a generated applicant holds it; the common ones dominate, as in practice.
_STATUS_WEIGHTS: dict[str, int] = {
    "Engineer/Specialist in Humanities/International Services": 8,
    "Student": 7,
    "Technical Intern Training (ii)": 4,
    "Specified Skilled Worker (i)": 5,
    "Permanent Resident": 5,
    "Dependent": 4,
    "Spouse or Child of Japanese National": 3,
    "Long-Term Resident": 3,
    "Skilled Labor": 2,
    "Business Manager": 2,
}

# Periods a designated-by-the-Minister status is typically granted, longest first.
_DESIGNATED_PERIODS = ("5y", "4y3m", "4y", "3y3m", "3y", "2y3m", "2y", "1y3m", "1y", "6m", "3m")

_UNRESTRICTED_WORK = {
    "Permanent Resident",
    "Spouse or Child of Japanese National",
    "Spouse or Child of Permanent Resident",
    "Long-Term Resident",
}
_NO_WORK = {"Student", "Dependent", "Cultural Activities", "Trainee"}

_PREFECTURE_CITIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("東京都", ("新宿区西新宿", "豊島区池袋", "江戸川区西葛西", "大田区蒲田", "足立区竹の塚")),
    ("神奈川県", ("横浜市中区山下町", "川崎市川崎区砂子", "相模原市中央区相模原")),
    ("大阪府", ("大阪市生野区鶴橋", "大阪市浪速区難波中", "東大阪市長田")),
    ("愛知県", ("名古屋市中区栄", "豊田市保見町", "岡崎市康生通")),
    ("埼玉県", ("川口市芝", "さいたま市大宮区桜木町", "蕨市中央")),
    ("群馬県", ("伊勢崎市宮子町", "太田市飯田町", "大泉町西小泉")),
    ("福岡県", ("福岡市博多区博多駅前", "北九州市小倉北区京町")),
    ("静岡県", ("浜松市中央区砂山町", "静岡市葵区紺屋町")),
)
_BUILDINGS = ("コーポ", "ハイツ", "メゾン", "レジデンス", "グランハイム")
_BUILDING_SUFFIXES = ("さくら", "青葉", "緑ヶ丘", "富士見", "ひまわり")


def _passport_number(rng: random.Random, pattern: str) -> str:
    return "".join(
        rng.choice(string.ascii_uppercase) if kind == "L" else rng.choice(string.digits)
        for kind in pattern
    )


def random_card_number(rng: random.Random) -> str:
    letters = string.ascii_uppercase
    return (
        "".join(rng.choices(letters, k=2))
        + "".join(rng.choices(string.digits, k=8))
        + "".join(rng.choices(letters, k=2))
    )


def _address(rng: random.Random) -> str:
    prefecture, towns = rng.choice(_PREFECTURE_CITIES)
    block = f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
    address = f"{prefecture}{rng.choice(towns)}{block}"
    if rng.random() < 0.6:
        building = rng.choice(_BUILDINGS) + rng.choice(_BUILDING_SUFFIXES)
        address += f" {building}{rng.randint(1, 5)}0{rng.randint(1, 9)}号室"
    return address


def _phone(rng: random.Random) -> str:
    return f"0{rng.choice('789')}0-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def _work_restriction(status: str) -> str:
    if status in _UNRESTRICTED_WORK:
        return "none"
    if status in _NO_WORK:
        return "not_permitted"
    if status == "Designated Activities":
        return "as_designated"
    return "within_status"


def _choose_status(rng: random.Random) -> StatusOfResidence:
    statuses = [s for s in status_table().statuses if s.name not in _NO_CARD]
    weights = [_STATUS_WEIGHTS.get(s.name, 1) for s in statuses]
    return rng.choices(statuses, weights=weights)[0]


def granted_periods(status: StatusOfResidence) -> list[str]:
    """Periods a status is actually granted for, as compact strings; empty when unlimited."""
    if status.unlimited:
        return []
    if status.allowed_periods and not status.max_period:
        return [p for p in status.allowed_periods if Period.parse(p) >= Period.of(months=3)]
    return [p for p in _DESIGNATED_PERIODS if status.allows(Period.parse(p))]


def add_period(start: date, period: Period) -> date:
    return start + relativedelta(years=period.years, months=period.months, days=period.days)


def random_identity(rng: random.Random, as_of: date) -> Identity:
    """An applicant whose passport, residence card and stay are all valid on `as_of`."""
    nationality = rng.choice(sorted(_POOLS))
    pool = _POOLS[nationality]
    sex = rng.choice("MF")
    status = _choose_status(rng)

    birth = as_of - timedelta(days=rng.randint(19 * 365, 58 * 365))
    passport_years = 5 if rng.random() < 0.3 else 10
    passport_issue = as_of - timedelta(days=rng.randint(60, passport_years * 365 - 120))
    passport_expiry = passport_issue + relativedelta(years=passport_years, days=-1)

    periods = granted_periods(status)
    if periods:
        # Short grants exist but renewals are mostly for a year or more.
        long_periods = [p for p in periods if Period.parse(p) >= Period.of(years=1)]
        period_text = rng.choice(long_periods if long_periods and rng.random() < 0.8 else periods)
        period = Period.parse(period_text)
        period_days = (add_period(as_of, period) - as_of).days
        # Permission granted some time ago, at least a few weeks left before it runs out.
        permitted = as_of - timedelta(days=rng.randint(10, max(11, period_days - 30)))
        stay_expiry: date | None = add_period(permitted, period) - timedelta(days=1)
        card_valid_until = stay_expiry
    else:
        period_text = ""
        stay_expiry = None
        permitted = as_of - timedelta(days=rng.randint(60, 6 * 365))
        card_valid_until = permitted + relativedelta(years=7, days=-1)

    return Identity(
        surname=rng.choice(pool.surnames),
        given_names=rng.choice(pool.male if sex == "M" else pool.female),
        sex=sex,
        date_of_birth=birth,
        nationality=nationality,
        place_of_birth=rng.choice(pool.places),
        passport_number=_passport_number(rng, pool.passport_pattern),
        passport_issue=passport_issue,
        passport_expiry=passport_expiry,
        card_number=random_card_number(rng),
        status=status.name,
        period_of_stay=period_text,
        stay_expiry=stay_expiry,
        card_issue=permitted,
        card_valid_until=card_valid_until,
        address=_address(rng),
        work_restriction=_work_restriction(status.name),
        phone=_phone(rng),
    )


def random_passport_number(rng: random.Random, nationality: str) -> str:
    """A passport number shaped like the ones `nationality` issues (e.g. a renewed passport)."""
    pool = _POOLS.get(nationality)
    return _passport_number(rng, pool.passport_pattern if pool else "LDDDDDDDD")


def other_name(identity: Identity, rng: random.Random) -> tuple[str, str]:
    """Surname and given names of someone else from the same country: clearly not a misread
    of the applicant's name."""
    pool = _POOLS.get(identity.nationality, _POOLS["USA"])
    given_pool = pool.male if identity.sex == "M" else pool.female
    # Two letters apart at least (not WANG for YANG): one letter is what a misread makes.
    others = [g for g in given_pool if Levenshtein.distance(g, identity.given_names) > 1]
    surnames = [s for s in pool.surnames if Levenshtein.distance(s, identity.surname) > 1]
    if rng.random() < 0.5 and others:
        return identity.surname, rng.choice(others)
    return rng.choice(surnames), identity.given_names
