"""Russian requisites and e-mail: what is accepted, what is refused, and the 1C messages.

The valid samples are real requisites (Sberbank: INN 7707083893, KPP 773601001, OGRN
1027700132195, BIK 044525225, corr. account 30101810400000000225) or numbers whose check
digits are computed below by the published algorithms, independently of the code tested.
"""

from __future__ import annotations

import pytest

from crmdesk.services.errors import Collector, InvalidData, ValidationError
from crmdesk.services.validation import (
    is_valid,
    validate_account,
    validate_bik,
    validate_corr_account,
    validate_email,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)

# --- the algorithms, written out from the Federal Tax Service / Bank of Russia rules ---------

INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8]
INN12_WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
INN12_WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]


def weighted_mod11(digits: str, weights: list[int]) -> str:
    total = 0
    for digit, weight in zip(digits, weights, strict=True):
        total += int(digit) * weight
    return str(total % 11 % 10)


def make_inn10(body9: str) -> str:
    return body9 + weighted_mod11(body9, INN10_WEIGHTS)


def make_inn12(body10: str) -> str:
    with11 = body10 + weighted_mod11(body10, INN12_WEIGHTS_11)
    return with11 + weighted_mod11(with11, INN12_WEIGHTS_12)


def make_ogrn(body12: str) -> str:
    return body12 + str(int(body12) % 11 % 10)


def make_ogrnip(body14: str) -> str:
    return body14 + str(int(body14) % 13 % 10)


def account_key_ok(bik_part3: str, account: str) -> bool:
    weights = ([7, 1, 3] * 8)[:23]  # 3 digits of the BIK + 20 of the account
    total = sum(int(d) * w for d, w in zip(bik_part3 + account, weights, strict=True))
    return total % 10 == 0


def make_settlement_account(bik: str, without_key: str) -> str:
    """Insert the control key (the 9th digit) so the account fits the BIK's last 3 digits."""
    for key in "0123456789":
        account = without_key[:8] + key + without_key[8:]
        if account_key_ok(bik[-3:], account):
            return account
    raise AssertionError("a key always exists")


def other_digits(digit: str) -> list[str]:
    return [d for d in "0123456789" if d != digit]


def message(field: str, what: str) -> str:
    return f"Поле «{field}» заполнено неверно: {what}"


SBER_BIK = "044525225"
SBER_CORR = "30101810400000000225"
INN10 = ["7707083893", "7736207543", "7736050003", make_inn10("500100732"), make_inn10("123456789")]
INN12 = ["500100732259", "526317984689", make_inn12("7720156789"), make_inn12("0101010101")]
OGRN = ["1027700132195", "1037739085636", make_ogrn("102500000000")]
OGRNIP = ["304500116000157", make_ogrnip("31677460001234")]
ACCOUNT = make_settlement_account(SBER_BIK, "4070281038000000001")


def test_the_written_out_algorithms_agree_with_real_requisites():
    # guards the helpers above: a wrong helper would make the tests below meaningless
    assert make_inn10("770708389") == "7707083893"
    assert make_inn12("5001007322") == "500100732259"
    assert make_ogrn("102770013219") == "1027700132195"
    assert make_ogrnip("30450011600015") == "304500116000157"
    assert account_key_ok("0" + SBER_BIK[4:6], SBER_CORR)
    assert ACCOUNT == "40702810938000000001"


# --- INN -----------------------------------------------------------------------------------


@pytest.mark.parametrize("inn", INN10 + INN12)
def test_valid_inn_is_returned_as_digits(inn):
    assert validate_inn(inn) == inn


@pytest.mark.parametrize(
    "typed, stored",
    [
        (" 7707083893 ", "7707083893"),
        ("7707 083 893", "7707083893"),
        ("7707-083-893", "7707083893"),
        ("7707\u00a0083\u00a0893", "7707083893"),  # a non-breaking space pasted from Word
        (7707083893, "7707083893"),  # a number cell of a spreadsheet
        (7707083893.0, "7707083893"),
        ("5001 0073 2259", "500100732259"),
    ],
)
def test_inn_typed_with_spaces_dashes_or_as_a_number_is_cleaned(typed, stored):
    assert validate_inn(typed) == stored


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_inn_is_none_not_an_error(empty):
    assert validate_inn(empty) is None


@pytest.mark.parametrize("inn", INN10)
def test_inn10_with_any_other_check_digit_is_refused(inn):
    for digit in other_digits(inn[-1]):
        with pytest.raises(ValidationError) as err:
            validate_inn(inn[:-1] + digit)
        assert str(err.value) == message("ИНН", "неверное контрольное число")


@pytest.mark.parametrize("inn", INN12)
def test_inn12_checks_both_check_digits(inn):
    for digit in other_digits(inn[10]):  # the 11th digit wrong, the 12th as it was
        with pytest.raises(ValidationError, match="неверное контрольное число"):
            validate_inn(inn[:10] + digit + inn[11])
    for digit in other_digits(inn[11]):  # the 12th digit wrong
        with pytest.raises(ValidationError, match="неверное контрольное число"):
            validate_inn(inn[:11] + digit)
    for digit in other_digits(inn[10]):  # the 11th wrong, the 12th computed over it
        forged = inn[:10] + digit + weighted_mod11(inn[:10] + digit, INN12_WEIGHTS_12)
        with pytest.raises(ValidationError, match="неверное контрольное число"):
            validate_inn(forged)


def test_a_swap_of_two_digits_in_the_inn_is_caught():
    assert not is_valid(validate_inn, "7070783893")  # 77|07 typed 70|70
    assert not is_valid(validate_inn, "7707038893")  # 08|3 typed 03|8


@pytest.mark.parametrize(
    "inn",
    ["770708389", "77070838930", "7707083", "50010073225", "5001007322590", "1", "7" * 20],
)
def test_inn_of_a_wrong_length_is_refused_with_the_rule(inn):
    with pytest.raises(ValidationError) as err:
        validate_inn(inn)
    assert str(err.value) == message("ИНН", "должен содержать 10 или 12 цифр")
    assert err.value.field == "ИНН"


@pytest.mark.parametrize("inn", ["770708389O", "77O7083893", "ИНН7707083893", "7707.083893", "abc"])
def test_inn_with_letters_or_other_signs_is_refused(inn):
    with pytest.raises(ValidationError) as err:
        validate_inn(inn)
    assert str(err.value) == message("ИНН", "должен содержать 10 или 12 цифр")


def test_inn_message_names_the_field_it_was_asked_for():
    with pytest.raises(ValidationError) as err:
        validate_inn("7707083894", field="ИНН контрагента")
    assert err.value.field == "ИНН контрагента"
    assert str(err.value) == message("ИНН контрагента", "неверное контрольное число")


# --- KPP -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("773601001", "773601001"),
        ("7736 01 001", "773601001"),
        ("7736AB001", "7736AB001"),  # the reason code may hold two capital Latin letters
        ("7736ab001", "7736AB001"),
        (773601001, "773601001"),
        (None, None),
        ("", None),
    ],
)
def test_kpp_is_nine_characters_upper_cased(typed, stored):
    assert validate_kpp(typed) == stored


@pytest.mark.parametrize(
    "kpp", ["77360100", "7736010011", "77360100A", "AB3601001", "7736010О1", "77З601001"]
)
def test_kpp_of_wrong_length_or_letters_in_the_wrong_place_is_refused(kpp):
    with pytest.raises(ValidationError) as err:
        validate_kpp(kpp)
    assert str(err.value) == message(
        "КПП", "должен содержать 9 знаков (4 цифры, 2 цифры или буквы, 3 цифры)"
    )


# --- OGRN / OGRNIP -------------------------------------------------------------------------


@pytest.mark.parametrize("ogrn", OGRN + OGRNIP)
def test_valid_ogrn_and_ogrnip(ogrn):
    assert validate_ogrn(ogrn) == ogrn
    assert validate_ogrn(" " + ogrn[:5] + " " + ogrn[5:] + " ") == ogrn


@pytest.mark.parametrize("ogrn", OGRN + OGRNIP)
def test_ogrn_with_any_other_check_digit_is_refused(ogrn):
    for digit in other_digits(ogrn[-1]):
        with pytest.raises(ValidationError) as err:
            validate_ogrn(ogrn[:-1] + digit)
        assert str(err.value) == message("ОГРН", "неверное контрольное число")


def test_ogrnip_is_checked_modulo_13_not_11():
    body = "31677460001234"
    assert int(body) % 11 % 10 != int(body) % 13 % 10  # so the test can tell them apart
    assert not is_valid(validate_ogrn, body + str(int(body) % 11 % 10))
    assert is_valid(validate_ogrn, body + str(int(body) % 13 % 10))


@pytest.mark.parametrize(
    "ogrn", ["102770013219", "10277001321950", "3045001160001570", "102770013219A", "1027-7OO"]
)
def test_ogrn_of_wrong_length_or_with_letters_is_refused(ogrn):
    with pytest.raises(ValidationError) as err:
        validate_ogrn(ogrn, field="ОГРНИП")
    assert str(err.value) == message("ОГРНИП", "должен содержать 13 цифр (ОГРН) или 15 (ОГРНИП)")


def test_empty_ogrn_is_none():
    assert validate_ogrn(None) is None
    assert validate_ogrn("") is None


# --- BIK -----------------------------------------------------------------------------------


def test_valid_bik():
    assert validate_bik(SBER_BIK) == SBER_BIK
    assert validate_bik("04 45 25 225") == SBER_BIK
    assert validate_bik("") is None


@pytest.mark.parametrize("bik", ["04452522", "0445252250", "144525225", "04452522A", "БИК044525"])
def test_bik_of_wrong_length_letters_or_not_starting_with_04_is_refused(bik):
    with pytest.raises(ValidationError) as err:
        validate_bik(bik)
    assert str(err.value) == message("БИК", "должен содержать 9 цифр и начинаться с 04")


# --- settlement and correspondent accounts, keyed with the BIK -----------------------------


def test_settlement_account_with_the_right_key_for_the_bik():
    assert validate_account(ACCOUNT, SBER_BIK) == ACCOUNT
    assert validate_account("40702 810 9 3800 0000001", SBER_BIK) == ACCOUNT


def test_settlement_account_with_any_other_key_is_refused_naming_the_bik():
    for digit in other_digits(ACCOUNT[8]):
        with pytest.raises(ValidationError) as err:
            validate_account(ACCOUNT[:8] + digit + ACCOUNT[9:], SBER_BIK)
        assert str(err.value) == message(
            "Расчётный счёт", "неверный контрольный ключ для БИК 044525225"
        )


def test_settlement_account_key_depends_on_the_last_three_digits_of_the_bik():
    other_bik = "044030653"  # another bank: the same account does not fit it
    assert not account_key_ok(other_bik[-3:], ACCOUNT)
    with pytest.raises(ValidationError, match="неверный контрольный ключ для БИК 044030653"):
        validate_account(ACCOUNT, other_bik)
    fitted = make_settlement_account(other_bik, "4070281038000000001")
    assert validate_account(fitted, other_bik) == fitted


def test_settlement_account_without_a_bik_is_checked_for_length_only():
    assert validate_account(ACCOUNT, None) == ACCOUNT
    assert validate_account(ACCOUNT[:8] + "0" + ACCOUNT[9:], "") is not None


@pytest.mark.parametrize(
    "account", ["4070281093800000000", "407028109380000000011", "4070281093800000000A"]
)
def test_settlement_account_must_be_20_digits(account):
    with pytest.raises(ValidationError) as err:
        validate_account(account, SBER_BIK)
    assert str(err.value) == message("Расчётный счёт", "должен содержать 20 цифр")


def test_settlement_account_with_a_wrong_bik_names_the_bik():
    with pytest.raises(ValidationError) as err:
        validate_account(ACCOUNT, "12345")
    assert err.value.field == "БИК"


def test_empty_settlement_account_is_none_whatever_the_bik():
    assert validate_account("", SBER_BIK) is None
    assert validate_account(None, "bad") is None


def test_correspondent_account_is_keyed_with_zero_and_digits_5_6_of_the_bik():
    assert validate_corr_account(SBER_CORR, SBER_BIK) == SBER_CORR
    for digit in other_digits(SBER_CORR[8]):
        with pytest.raises(ValidationError) as err:
            validate_corr_account(SBER_CORR[:8] + digit + SBER_CORR[9:], SBER_BIK)
        assert str(err.value) == message(
            "Корр. счёт", "неверный контрольный ключ для БИК 044525225"
        )
    # keyed with "0"+"25", not with the last three digits "225" as a settlement account is
    assert not account_key_ok(SBER_BIK[-3:], SBER_CORR)
    with pytest.raises(ValidationError, match="«Расчётный счёт»"):
        validate_account(SBER_CORR, SBER_BIK)


def test_correspondent_account_of_another_region_does_not_fit():
    bik = "044030653"  # St Petersburg: "0" + "03"
    with pytest.raises(ValidationError, match="«Корр. счёт»"):
        validate_corr_account(SBER_CORR, bik)
    assert validate_corr_account("30101810500000000653", bik) == "30101810500000000653"


def test_correspondent_account_must_be_20_digits():
    with pytest.raises(ValidationError) as err:
        validate_corr_account(SBER_CORR[:-1], SBER_BIK)
    assert str(err.value) == message("Корр. счёт", "должен содержать 20 цифр")


# --- e-mail --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("sales@elka.ru", "sales@elka.ru"),
        ("  sales@elka.ru ", "sales@elka.ru"),
        ("Info@Romashka.RU", "info@romashka.ru"),
        ("ivan.petrov+crm@mail.example.com", "ivan.petrov+crm@mail.example.com"),
        ("почта@пример.рф", "почта@пример.рф"),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_email_is_normalized(typed, stored):
    assert validate_email(typed) == stored


@pytest.mark.parametrize(
    "email",
    [
        "нет@",
        "@mail.ru",
        "user",
        "user@mail",
        "a@b",
        "user@@mail.ru",
        "user mail@mail.ru",
        "user@mail..ru",
        "user.@mail.ru",
        "user@-mail.ru",
        "user@mail.ru.",
        "user@mail,ru",
    ],
)
def test_wrong_email_is_refused_quoting_what_was_typed(email):
    with pytest.raises(ValidationError) as err:
        validate_email(email)
    assert str(err.value) == message("Эл. почта", f"неверный адрес электронной почты «{email}»")
    assert err.value.field == "Эл. почта"


def test_email_message_names_the_field_it_was_asked_for():
    with pytest.raises(ValidationError, match="^Поле «Почта для счетов» заполнено неверно"):
        validate_email("bills@", field="Почта для счетов")


# --- several fields at once ----------------------------------------------------------------


def test_is_valid_answers_without_raising():
    assert is_valid(validate_inn, "7707083893")
    assert not is_valid(validate_inn, "7707083894")
    assert is_valid(validate_account, ACCOUNT, SBER_BIK)
    assert not is_valid(validate_account, ACCOUNT, "044030653")


def test_several_wrong_fields_are_reported_together_each_by_name():
    col = Collector()
    assert col.check(validate_inn, "7707083893") == "7707083893"
    col.check(validate_inn, "7707083894")
    col.check(validate_kpp, "77360100")
    col.check(validate_account, ACCOUNT, "044030653")
    col.check(validate_email, "нет@")
    with pytest.raises(InvalidData) as err:
        col.raise_if_any()
    assert [e.field for e in err.value.errors] == ["ИНН", "КПП", "Расчётный счёт", "Эл. почта"]
    assert str(err.value).splitlines() == [
        message("ИНН", "неверное контрольное число"),
        message("КПП", "должен содержать 9 знаков (4 цифры, 2 цифры или буквы, 3 цифры)"),
        message("Расчётный счёт", "неверный контрольный ключ для БИК 044030653"),
        message("Эл. почта", "неверный адрес электронной почты «нет@»"),
    ]


def test_one_wrong_field_is_raised_as_itself():
    col = Collector()
    col.check(validate_bik, "123")
    with pytest.raises(ValidationError) as err:
        col.raise_if_any()
    assert err.value.field == "БИК"
