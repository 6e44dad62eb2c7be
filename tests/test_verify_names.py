"""How the verifier compares printed names: the variations documents really show agree, and
different people do not."""

from __future__ import annotations

import pytest

from pipeline.verify.names import PrintedName, mrz_name, names_match, names_one_letter_apart


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("NGUYEN VAN AN", "nguyen van an"),
        ("NGUYEN VAN AN", "Nguyễn Văn An"),
        ("NGUYEN VAN AN", "VAN AN NGUYEN"),
        ("NGUYEN VAN AN", "NGUYEN, VAN AN"),
        ("DELA CRUZ JOHN PAUL", "DELACRUZ JOHN PAUL"),
        ("DELA CRUZ JOHN PAUL", "JOHN PAUL DELA CRUZ"),
        ("MUELLER ANNA", "MÜLLER ANNA"),
        ("MULLER ANNA", "MÜLLER ANNA"),
        ("OBRIEN SEAN", "O'BRIEN SEAN"),
        ("DUPONT JEAN PAUL", "DUPONT JEAN-PAUL"),
        ("ERIKSSON ANNA MARIA", "ERIKSSON  ANNA  MARIA"),
    ],
)
def test_same_name_printed_differently(first: str, second: str) -> None:
    assert names_match(PrintedName(first), PrintedName(second))
    assert names_match(PrintedName(second), PrintedName(first))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("NGUYEN VAN AN", "NGUYEN VAN ANH"),
        ("NGUYEN VAN AN", "TRAN VAN AN"),
        ("NGUYEN VAN AN", "NGUYEN VAN"),
        ("LI NA", "LINA WANG"),
        ("", "NGUYEN VAN AN"),
    ],
)
def test_different_names(first: str, second: str) -> None:
    assert not names_match(PrintedName(first), PrintedName(second))
    assert not names_match(PrintedName(second), PrintedName(first))


def test_name_cut_by_a_full_mrz_field_is_a_prefix() -> None:
    cut = mrz_name("MACARAEG VILLANUEVA", "MA LOURDES ESPERAN", "TD3")
    assert cut.may_be_cut
    full = PrintedName("MACARAEG VILLANUEVA MA LOURDES ESPERANZA")
    assert names_match(cut, full)
    assert names_match(full, cut)
    assert names_match(cut, PrintedName("MA LOURDES ESPERANZA MACARAEG VILLANUEVA"))
    assert not names_match(cut, PrintedName("MACARAEG VILLANUEVA MA LOURDES ESTRELLA"))


def test_name_cut_between_words_drops_its_last_filler() -> None:
    # SURNAME<<GIVEN<NAMES cut after a whole word: 38 characters once the reader trims '<'.
    cut = mrz_name("BAUTISTA DELA CRUZ", "JOSE RIZALINO MARK", "TD3")
    assert cut.may_be_cut
    assert names_match(cut, PrintedName("BAUTISTA DELA CRUZ JOSE RIZALINO MARK ANTHONY"))


def test_short_mrz_name_is_not_a_prefix_of_a_longer_one() -> None:
    short = mrz_name("NGUYEN", "VAN AN", "TD3")
    assert not short.may_be_cut
    assert not names_match(short, PrintedName("NGUYEN VAN ANH"))


def test_field_length_depends_on_the_mrz_format() -> None:
    # 31 characters fill a TD2 name field but not a TD3 one.
    surname, given = "SANTOS REYES", "MARIA CRISTINA ANA"
    assert mrz_name(surname, given, "TD2").may_be_cut
    assert not mrz_name(surname, given, "TD3").may_be_cut


@pytest.mark.parametrize(
    ("first", "second", "apart"),
    [
        ("CHATYAPORN SUPAPORN", "CHAIYAPORN SUPAPORN", True),  # I read as T on a form
        ("SUPAPORN CHATYAPORN", "CHAIYAPORN SUPAPORN", True),  # in the other order
        ("LEE JWOO", "LEE JIWOO", True),  # a letter dropped
        ("NGUYEN VAN TT", "NGUYEN VAN AN", False),
        ("TRAN THI LAN", "NGUYEN VAN AN", False),
    ],
)
def test_names_one_letter_apart(first: str, second: str, apart: bool) -> None:
    assert names_one_letter_apart(PrintedName(first), PrintedName(second)) is apart
