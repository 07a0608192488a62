"""Codes and phones typed in other digit forms are stored as ASCII digits (NFKC first)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmdesk.models import Client, ClientPhone
from crmdesk.services.clients import create_client
from crmdesk.services.errors import ValidationError
from crmdesk.services.phones import normalize_phone
from crmdesk.services.validation import validate_bik, validate_inn, validate_kpp

FULLWIDTH = "７７０７０８３８９３"
ARABIC_INDIC = "٧٧٠٧٠٨٣٨٩٣"
PERSIAN = "۷۷۰۷۰۸۳۸۹۳"


@pytest.mark.parametrize("typed", [FULLWIDTH, ARABIC_INDIC, PERSIAN, "7707\u2011083893"])
def test_other_digits_are_plain_digits(typed):
    assert validate_inn(typed) == "7707083893"


@pytest.mark.parametrize("typed", ["77070838²3", "7707083８9¹", "①②③④⑤⑥⑦⑧⑨⑩"])
def test_superscripts_and_circled_digits_are_a_message_not_a_value_error(typed):
    with pytest.raises(ValidationError, match="Поле «ИНН» заполнено неверно"):
        validate_inn(typed)


def test_kpp_bik_and_phones_too():
    assert validate_kpp("７７３６０１００１") == "773601001"
    assert validate_bik("٠٤٤٥٢٥٢٢٥") == "044525225"
    assert normalize_phone("＋７ (９１２) ３４５-６７-８９").e164 == "+79123456789"
    assert normalize_phone("٨٩١٢٣٤٥٦٧٨٩").e164 == "+79123456789"


def test_a_client_typed_in_fullwidth_is_found_by_the_ascii_code(uow):
    with uow("ivanov") as ctx:
        phones = ["＋７ ９１２ ３４５ ６７ ８９"]
        create_client(ctx, {"name": "ООО «Широкий»", "inn": FULLWIDTH, "phones": phones})
    with uow() as ctx:
        client = ctx.session.scalar(select(Client).where(Client.inn == "7707083893"))
        assert client is not None and client.name == "ООО «Широкий»"
        phone = ctx.session.scalar(
            select(ClientPhone.e164).where(ClientPhone.client_id == client.id)
        )
        assert phone == "+79123456789"
