"""The 1C client-bank exchange format: encodings, line ends, field order, broken files."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from crmdesk.integrations.bank_1c import StatementError, parse_statement
from tests.bank.statement import OUR_ACCOUNT, payment, statement

SAMPLE = Path(__file__).parent / "samples" / "kl_to_1c.txt"  # a copy of shared/samples/bank

DOCS = [
    payment(7, "1500.50", "Оплата по счету № СЧ-2026-000003 от 20.11.2026",
            payer_inn="7707083893", payer_name='ООО "Ромашка"',
            payer_account="40702810500000003120", payer_kpp="773601001"),
    payment(8, "99,90", "сч. 5, НДС не облагается", payer_inn="500100732259",
            payer_name="ИП Смирнов Олег Петрович", payer_account="40802810900000000088",
            kind="Банковский ордер"),
]


def test_the_sample_statement_reads_in_windows_1251_with_crlf():
    data = SAMPLE.read_bytes()
    assert b"\r\n" in data
    st = parse_statement(data)
    assert (st.version, st.encoding) == ("1.03", "cp1251")
    assert st.accounts == ["40702810303800012345"]
    assert st.sections[0].opening == Decimal("512300.00")
    assert st.sections[0].closing == Decimal("681130.50")
    assert [d.number for d in st.documents] == ["1543", "88", "3120", "411"]
    first = st.documents[0]
    assert first.amount == Decimal("118400.00")
    assert first.payer.name == 'ООО "СтройМаркет"'
    assert (first.payer.inn, first.payer.kpp, first.payer.bik) == (
        "7701234567", "770101001", "044525593")
    assert first.payee.account == OUR_ACCOUNT
    assert first.purpose.startswith("Оплата по счету № СЧ-2026-000041")
    assert st.documents[1].payer.kpp is None  # «ПлательщикКПП=» stays empty, not ""


@pytest.mark.parametrize(
    ("encoding", "crlf", "reverse", "extra"),
    [("cp1251", True, False, False), ("utf-8", False, False, False),
     ("utf-8", True, True, True), ("cp866", True, False, True), ("cp1251", False, True, False)],
)
def test_dialects_read_the_same(encoding, crlf, reverse, extra):
    st = parse_statement(statement(DOCS, encoding=encoding, crlf=crlf, reverse_fields=reverse,
                                   extra_fields=extra))
    assert [(d.kind, d.number, d.amount, d.date) for d in st.documents] == [
        ("Платежное поручение", "7", Decimal("1500.50"), date(2026, 12, 1)),
        ("Банковский ордер", "8", Decimal("99.90"), date(2026, 12, 1)),
    ]
    assert st.documents[0].payer.name == 'ООО "Ромашка"'
    assert st.documents[1].purpose == "сч. 5, НДС не облагается"


def test_version_1_02_with_the_purpose_split_over_numbered_fields():
    kind, fields = DOCS[0]
    fields = {k: v for k, v in fields.items() if k != "НазначениеПлатежа"}
    fields["НазначениеПлатежа1"] = "Оплата по счету № 3"
    fields["НазначениеПлатежа2"] = "от 20.11.2026"
    st = parse_statement(statement([(kind, fields)], version="1.02"))
    assert st.version == "1.02"
    assert st.documents[0].purpose == "Оплата по счету № 3 от 20.11.2026"


def test_a_utf8_file_without_the_header_line_is_guessed():
    data = statement(DOCS, encoding="utf-8").replace("Кодировка=UTF-8\r\n".encode(), b"")
    assert parse_statement(data).documents[0].payer.name == 'ООО "Ромашка"'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html>not a statement</html>", "не выписка"),
        (statement(DOCS).replace("КонецДокумента\r\nКонецФайла".encode("cp1251"), b""),
         "КонецДокумента"),
        (statement(DOCS).replace("Сумма=1500.50".encode("cp1251"),
                                 "Сумма=полторы".encode("cp1251")),
         "Сумма"),
        (statement(DOCS).replace("Дата=01.12.2026\r\nСумма=1500".encode("cp1251"),
                                 "Дата=31.02.2026\r\nСумма=1500".encode("cp1251")),
         "Дата"),
        (statement(DOCS, header_encoding="KOI8"), "KOI8"),
    ],
)
def test_a_broken_file_names_the_line_and_field(data, message):
    with pytest.raises(StatementError) as err:
        parse_statement(data, "kl_to_1c.txt")
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)


def test_a_broken_amount_names_its_line():
    data = statement(DOCS).replace("Сумма=99,90".encode("cp1251"), "Сумма=".encode("cp1251"))
    with pytest.raises(StatementError, match=r"Строка \d+: документ «Банковский ордер»: поле "
                                             r"«Сумма» не заполнено"):
        parse_statement(data)
