"""Phones: every way people type a number in, E.164 with the extension apart out, 1C display."""

from __future__ import annotations

import pytest

from crmdesk.services.errors import ValidationError
from crmdesk.services.phones import (
    Phone,
    format_phone,
    normalize_phone,
    phone_digits_fragment,
    phone_search_variants,
    split_phones,
)

MOBILE = "+79123456789"
MOSCOW = "+74951234567"


def refused(typed, field: str = "Телефон") -> str:
    return f"Поле «{field}» заполнено неверно: номер невозможен: «{typed}»"


# --- normalization -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+7 (912) 345-67-89",  # as crmdesk shows it
        "+79123456789",  # E.164
        "+7 912 345 67 89",
        "+7-912-345-67-89",
        "8 912 345 67 89",  # the Russian trunk prefix 8
        "8 (912) 345-67-89",
        "8(912)3456789",
        "8-912-345-67-89",
        "8.912.345.67.89",
        "89123456789",
        "7 912 345 67 89",  # the country code without the plus
        "79123456789",
        "9123456789",  # ten digits, no prefix at all
        "912-345-67-89",
        "(912) 345-67-89",
        " \t+7 (912) 345-67-89 \n",
        "тел. 8 912 345 67 89",
        89123456789,  # a number cell of a spreadsheet
        89123456789.0,
        9123456789,
    ],
)
def test_a_russian_mobile_in_any_typed_format_is_one_e164_number(typed):
    assert normalize_phone(typed) == Phone(MOBILE, None)


@pytest.mark.parametrize(
    "typed",
    ["8 (495) 123-45-67", "+7 495 123 45 67", "84951234567", "4951234567", "7 (495) 1234567"],
)
def test_a_city_number_with_its_area_code(typed):
    assert normalize_phone(typed) == Phone(MOSCOW, None)


def test_free_phone_and_kazakhstan_share_the_plus_7_plan():
    assert normalize_phone("8 800 555-35-35") == Phone("+78005553535")
    assert normalize_phone("8 (727) 250-00-00") == Phone("+77272500000")  # Almaty


@pytest.mark.parametrize(
    "typed, ext",
    [
        ("8 (495) 123-45-67 доб. 105", "105"),
        ("8 (495) 123-45-67 доб.105", "105"),
        ("8 (495) 123-45-67 доб 105", "105"),
        ("8 (495) 123-45-67 ДОБ. 105", "105"),
        ("8 (495) 123-45-67, доб. 105", "105"),
        ("8 (495) 123-45-67 добавочный 105", "105"),
        ("+7 495 123-45-67 ext 105", "105"),
        ("+7 495 123-45-67 ext. 105", "105"),
        ("+7 495 123-45-67 Ext 105", "105"),
        ("+7 495 123-45-67 x105", "105"),
        ("+7 495 123-45-67 x 105", "105"),
        ("+7 495 123-45-67 #105", "105"),
        ("84951234567доб105", "105"),
        ("8 (495) 123-45-67 доб. 7", "7"),
        ("8 (495) 123-45-67 доб. 123456", "123456"),
    ],
)
def test_the_extension_is_kept_apart_from_the_number(typed, ext):
    assert normalize_phone(typed) == Phone(MOSCOW, ext)


def test_a_dangling_extension_word_is_ignored():
    assert normalize_phone("8 (495) 123-45-67 доб. ") == Phone(MOSCOW, None)


@pytest.mark.parametrize(
    "typed, e164",
    [
        ("+44 20 7946 0958", "+442079460958"),  # London
        ("+1 212 555 0123", "+12125550123"),  # New York
        ("+380 44 123 4567", "+380441234567"),  # Kyiv
        ("+49 30 123456", "+4930123456"),  # Berlin
        ("+375 17 123-45-67", "+375171234567"),  # Minsk
        ("8 10 44 20 7946 0958", "+442079460958"),  # the Russian international prefix 8~10
    ],
)
def test_a_foreign_number_keeps_its_country(typed, e164):
    assert normalize_phone(typed) == Phone(e164, None)


def test_a_foreign_number_with_an_extension():
    assert normalize_phone("+44 20 7946 0958 ext 12") == Phone("+442079460958", "12")


def test_the_default_region_is_a_setting():
    # a German office types German numbers without +49 and Russian ones with +7
    assert normalize_phone("030 123456", region="DE") == Phone("+4930123456")
    assert normalize_phone("+7 912 345 67 89", region="DE") == Phone(MOBILE)
    # the Russian 8-prefix rule belongs to region RU only: in Germany this is Munich (0)89
    assert normalize_phone("89123456789", region="DE") == Phone("+4989123456789")


@pytest.mark.parametrize("empty", [None, "", "   ", "\n"])
def test_an_empty_cell_is_no_phone_not_an_error(empty):
    assert normalize_phone(empty) is None


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "нет",
        "-",
        "+",
        "доб. 105",  # an extension alone
        "12",  # too short
        "123456",
        "345-67-89",  # a city number without the area code
        "+7 912 345",
        "+7 (912) 345-67-8",  # one digit short
        "8 912 345 67 899",  # one digit too many
        "+7 912 345 67 899",
        "11111111111",
        "+7 000 000 00 00",  # no such area code
        "8 123 456 78 90",
        "0912 345 6789",
        "89123456789 84951234567",  # two numbers glued by a space are not one number
    ],
)
def test_garbage_and_impossible_numbers_are_refused_quoting_what_was_typed(typed):
    with pytest.raises(ValidationError) as err:
        normalize_phone(typed)
    assert err.value.field == "Телефон"
    assert str(err.value) == refused(typed)


def test_the_message_names_the_field_asked_for_and_quotes_the_raw_cell():
    with pytest.raises(ValidationError) as err:
        normalize_phone("  12 доб. 5 ", field="Телефон контакта")
    assert str(err.value) == refused("12 доб. 5", "Телефон контакта")


# --- several numbers in one cell -----------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "+7 912 345-67-89, 8 (495) 123-45-67 доб. 105",
        "+7 912 345-67-89; 8 (495) 123-45-67 доб. 105",
        "+7 912 345-67-89 / 8 (495) 123-45-67 доб. 105",
        "+7 912 345-67-89\n8 (495) 123-45-67 доб. 105",
        "+7 912 345-67-89   8 (495) 123-45-67 доб. 105",
        "+7 912 345-67-89:::8 (495) 123-45-67 доб. 105",
    ],
)
def test_two_numbers_in_one_cell_are_split_each_with_its_extension(cell):
    parts = split_phones(cell)
    assert parts == ["+7 912 345-67-89", "8 (495) 123-45-67 доб. 105"]
    assert [normalize_phone(p) for p in parts] == [Phone(MOBILE), Phone(MOSCOW, "105")]


def test_a_single_number_with_spaces_and_dashes_is_not_split():
    assert split_phones("+7 (912) 345-67-89") == ["+7 (912) 345-67-89"]
    assert split_phones("8 (495) 123-45-67 доб. 105") == ["8 (495) 123-45-67 доб. 105"]


def test_splitting_empty_cells_and_stray_separators():
    assert split_phones(None) == []
    assert split_phones("") == []
    assert split_phones(" ; , ") == []
    assert split_phones("89123456789;;") == ["89123456789"]
    assert split_phones(89123456789.0) == ["89123456789"]


def test_an_extension_after_a_comma_stays_with_its_number():
    assert split_phones("8 (495) 123-45-67, доб. 105") == ["8 (495) 123-45-67, доб. 105"]
    assert split_phones("8 (495) 123-45-67; ext. 7, +7 912 345-67-89") == [
        "8 (495) 123-45-67; ext. 7",
        "+7 912 345-67-89",
    ]
    assert [normalize_phone(p) for p in split_phones("8 (495) 123-45-67, доб. 105")] == [
        Phone(MOSCOW, "105")
    ]


# --- display -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "e164, ext, shown",
    [
        (MOBILE, None, "+7 (912) 345-67-89"),
        (MOSCOW, "105", "+7 (495) 123-45-67 доб. 105"),
        ("+78005553535", None, "+7 (800) 555-35-35"),
        ("+442079460958", None, "+44 20 7946 0958"),
        ("+12125550123", "7", "+1 212-555-0123 доб. 7"),
        ("+380441234567", None, "+380 44 123 4567"),
    ],
)
def test_format_phone_shows_russian_numbers_the_1c_way(e164, ext, shown):
    assert format_phone(e164, ext) == shown
    assert Phone(e164, ext).display == shown


def test_format_phone_leaves_what_it_cannot_parse_as_it_is():
    assert format_phone("garbage") == "garbage"
    assert format_phone("garbage", "5") == "garbage доб. 5"


@pytest.mark.parametrize(
    "typed", ["89123456789", "8 (495) 123-45-67 доб. 105", "+44 20 7946 0958", "8 800 555 35 35"]
)
def test_what_is_shown_reads_back_as_the_same_phone(typed):
    phone = normalize_phone(typed)
    assert normalize_phone(phone.display) == phone


# --- search forms --------------------------------------------------------------------------


def test_a_russian_number_is_found_under_its_7_and_8_forms():
    assert phone_search_variants(MOBILE) == ["79123456789", "89123456789"]
    assert phone_search_variants(MOSCOW) == ["74951234567", "84951234567"]


def test_a_foreign_number_is_found_under_its_digits_only():
    assert phone_search_variants("+442079460958") == ["442079460958"]


@pytest.mark.parametrize(
    "typed, digits",
    [
        ("+7 (912) 345", "7912345"),
        ("345-67", "34567"),
        ("8 912", "8912"),
        ("доб. 105", "105"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_typed_fragment_is_searched_by_its_digits(typed, digits):
    assert phone_digits_fragment(typed) == digits


@pytest.mark.parametrize("fragment", ["+7 912 345", "8 (912) 345-67", "912 345 67 89", "67-89"])
def test_every_typed_fragment_of_a_stored_number_is_inside_one_of_its_variants(fragment):
    digits = phone_digits_fragment(fragment)
    assert any(digits in v for v in phone_search_variants(MOBILE))
    assert not any(digits in v for v in phone_search_variants(MOSCOW))
