"""Statements matched to invoices and clients, loaded once, on SQLite and PostgreSQL."""

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crmdesk.integrations.bank_1c import parse_statement
from crmdesk.models import BankPayment, Client, Document
from crmdesk.services import documents
from crmdesk.services.bank import review_statement
from crmdesk.services.bank_load import choose, create_client_from_payer, load_statement
from crmdesk.services.errors import AccessDenied, CrmError
from crmdesk.services.settings import set_setting
from tests.bank.statement import payment, statement

SAMPLE = Path(__file__).parent / "samples" / "kl_to_1c.txt"  # a copy of shared/samples/bank
ROMASHKA = dict(payer_inn="7710140679", payer_name='ООО "Ромашка"',
                payer_account="40702810500000003120", payer_kpp="773601001")
VECTOR = dict(payer_inn="7736207543", payer_name='ООО "Вектор"',
              payer_account="40702810600000000411", payer_kpp="773601001")
STRANGER = dict(payer_inn="7702070139", payer_name='ООО "Новый Заказчик"',
                payer_account="40702810100000000777", payer_kpp="770201001")


def run(uow, data: bytes, load=True, login=None):
    with uow(login) as ctx:
        review = review_statement(ctx, parse_statement(data), "kl_to_1c.txt")
        result = load_statement(ctx, review) if load else None
    return review, result


def remaining(uow, inv_id):
    with uow() as ctx:
        return documents.invoice_remaining(ctx, inv_id)


def counts(uow):
    with uow() as ctx:
        pays = ctx.session.scalar(select(func.count()).select_from(Document)
                                  .where(Document.doc_type == "payment"))
        return pays, ctx.session.scalar(select(func.count()).select_from(BankPayment))


def test_the_sample_statement_closes_the_two_invoices_it_names(uow, bank_base):
    review, result = run(uow, SAMPLE.read_bytes())
    status = [(ln.status, [i.id for i in ln.invoices]) for ln in review.lines]
    assert status == [("invoice", [bank_base["inv41"]]), ("invoice", [bank_base["inv42"]]),
                      ("unknown", []), ("outgoing", [])]
    first, second = review.lines[:2]
    assert "по номеру счёта" in first.reason
    assert first.warnings == []  # «В т.ч. НДС (22%) 21350-82» agrees with the invoice
    assert second.warnings == []  # «НДС не облагается» and an invoice without VAT
    assert (result.loaded, result.skipped, result.duplicates) == (2, 2, 0)
    assert remaining(uow, bank_base["inv41"]) == 0
    assert remaining(uow, bank_base["inv42"]) == 0
    with uow() as ctx:
        pay = ctx.session.scalar(select(Document).where(Document.number == result.payments[0]))
        assert pay.total == Decimal("118400.00") and pay.posted
        assert pay.basis_id == bank_base["inv41"] and pay.payment_method == "bank"
        assert pay.date.date().isoformat() == "2026-12-01"
        assert "№ 1543 от 01.12.2026" in pay.comment


def test_a_second_import_of_the_same_file_changes_nothing(uow, bank_base):
    run(uow, SAMPLE.read_bytes())
    before = counts(uow)
    review, result = run(uow, SAMPLE.read_bytes())
    assert [ln.status for ln in review.lines[:2]] == ["duplicate", "duplicate"]
    assert (result.loaded, result.duplicates) == (0, 2)
    assert counts(uow) == before == (2, 2)
    # the same payment in another file (other encoding, other neighbours) is still known
    again = statement([payment(1543, "118400.00", "Оплата по счету № СЧ-2026-000041",
                               payer_inn="7701234567", payer_name='ООО "СтройМаркет"',
                               payer_account="40702810400000001543")], encoding="utf-8")
    review, result = run(uow, again)
    assert review.lines[0].status == "duplicate" and result.loaded == 0
    assert counts(uow) == before


def test_a_payment_for_two_invoices_closes_both(uow, bank_base):
    data = statement([payment(501, "15000.00", "Оплата по счетам № 43 и 44 от 21.11.2026, "
                                               "в т.ч. НДС 22% 2704-92", **ROMASHKA)])
    review, result = run(uow, data)
    line = review.lines[0]
    assert line.status == "invoice"
    assert [i.id for i in line.invoices] == [bank_base["inv43"], bank_base["inv44"]]
    assert line.warnings == []
    assert len(result.payments) == 2
    assert remaining(uow, bank_base["inv43"]) == remaining(uow, bank_base["inv44"]) == 0


def test_a_mistyped_invoice_number_is_found_by_inn_and_sum(uow, bank_base):
    data = statement([
        payment(601, "7777.00", "Оплата по счету № 46 от 22.11.2026", **VECTOR),
        payment(602, "7777.00", "Оплата по сч. 43", date="02.12.2026", **VECTOR),
    ])
    review, _ = run(uow, data, load=False)
    first, second = review.lines
    assert first.status == "invoice" and [i.id for i in first.invoices] == [bank_base["inv45"]]
    assert "по ИНН плательщика и сумме" in first.reason
    assert any("№ 46" in w and "не найден" in w for w in first.warnings)
    # «43» is Ромашка's invoice: not taken for Вектор's money
    assert second.status == "invoice" and [i.id for i in second.invoices] == [bank_base["inv45"]]
    assert any("другому клиенту" in w for w in second.warnings)


def test_a_client_payment_without_an_invoice_is_settled_oldest_first(uow, bank_base):
    data = statement([payment(701, "12000.00", "Оплата за радиаторы", **ROMASHKA)])
    review, result = run(uow, data)
    line = review.lines[0]
    assert line.status == "client"
    assert [i.id for i in line.invoices] == [bank_base["inv43"], bank_base["inv44"]]
    assert remaining(uow, bank_base["inv43"]) == 0
    assert remaining(uow, bank_base["inv44"]) == Decimal("3000.00")


def test_an_advance_when_nothing_is_owed(uow, bank_base):
    data = statement([payment(702, "500.00", "Предоплата по договору 17/26", **ROMASHKA),
                      payment(703, "500.00", "Возврат излишне уплаченных средств", **ROMASHKA)])
    review, result = run(uow, data)
    assert review.lines[0].status == "client"
    assert review.lines[1].status == "other" and not review.lines[1].load
    assert result.loaded == 1


def test_an_unknown_payer_becomes_a_client_in_one_step(uow, bank_base):
    data = statement([payment(801, "15000.00", "Предоплата по договору 17/26 за монтаж",
                              **STRANGER)])
    with uow() as ctx:
        review = review_statement(ctx, parse_statement(data))
        assert review.lines[0].status == "unknown" and not review.lines[0].load
        client = create_client_from_payer(ctx, review, 1)
        assert review.lines[0].status == "client" and review.lines[0].load
        result = load_statement(ctx, review)
        client_id = client.id
    assert result.loaded == 1
    with uow() as ctx:
        client = ctx.session.get(Client, client_id)
        assert (client.name, client.inn, client.kpp) == (
            'ООО "Новый Заказчик"', "7702070139", "770201001")
        assert [b.account for b in client.bank_accounts] == ["40702810100000000777"]
        assert documents.client_balance(ctx, client_id) == Decimal("-15000.00")  # an advance


def test_a_line_changed_by_hand_pays_the_chosen_invoice(uow, bank_base):
    data = statement([payment(901, "5000.00", "Оплата", **STRANGER)])
    with uow() as ctx:
        review = review_statement(ctx, parse_statement(data))
        choose(ctx, review, 1, client_id=bank_base["romashka"],
               invoice_ids=[bank_base["inv44"]])
        load_statement(ctx, review)
    assert remaining(uow, bank_base["inv44"]) == 0
    assert remaining(uow, bank_base["inv43"]) == Decimal("10000.00")


def test_only_the_organizations_accounts_are_taken(uow, bank_base):
    other = "40702810900000000001"
    data = statement([
        payment(11, "7777.00", "Оплата по счету 45", **VECTOR),
        payment(12, "10000.00", "Оплата по счету 43", payee_account=other, **ROMASHKA),
    ], accounts=("40702810303800012345", other))
    review, _ = run(uow, data, load=False)
    assert [ln.status for ln in review.lines] == ["invoice", "foreign"]
    with uow() as ctx:
        set_setting(ctx.session, "bank_own_accounts", [other])
    review, result = run(uow, data)
    assert [ln.status for ln in review.lines] == ["invoice", "invoice"]
    assert result.loaded == 2


def test_the_payers_bank_requisites_fill_empty_ones_on_the_card(uow, bank_base):
    run(uow, statement([payment(21, "7777.00", "Оплата по счету 45", **VECTOR)]))
    with uow() as ctx:
        client = ctx.session.get(Client, bank_base["vector"])
        [acc] = client.bank_accounts
        assert (acc.account, acc.bik) == ("40702810600000000411", "044525593")
        assert acc.bank_name.startswith('АО "АЛЬФА-БАНК"')


def test_vat_in_the_purpose_is_checked_against_the_invoice(uow, bank_base):
    data = statement([payment(31, "7777.00", "Оплата по счету 45, НДС 20% 1296-17", **VECTOR),
                      payment(32, "47830.50", "Оплата по сч.42, в т.ч. НДС 22% 8625-18",
                              payer_inn="500100732259", payer_name="ИП Смирнов Олег Петрович",
                              payer_account="40802810900000000088")])
    review, _ = run(uow, data, load=False)
    assert any("не совпадает с НДС по счёту" in w for w in review.lines[0].warnings)
    assert any("счёт без НДС" in w for w in review.lines[1].warnings)


def test_a_line_that_cannot_be_loaded_stops_the_whole_load(uow, bank_base):
    data = statement([payment(41, "7777.00", "Оплата по счету 45", **VECTOR),
                      payment(42, "10000.00", "Оплата по счету 43", **ROMASHKA)])
    with uow() as ctx:
        review = review_statement(ctx, parse_statement(data))
        ctx.session.get(Client, bank_base["romashka"]).deletion_mark = True
        ctx.session.flush()
        with pytest.raises(CrmError, match=r"Строка 2 \(п/п № 42 от 01\.12\.2026"):
            load_statement(ctx, review)
        ctx.session.rollback()
    assert counts(uow) == (0, 0)
    assert remaining(uow, bank_base["inv45"]) == Decimal("7777.00")


def test_an_operator_may_not_load_a_statement(uow, bank_base):
    with pytest.raises(AccessDenied):
        run(uow, SAMPLE.read_bytes(), login="oper")
