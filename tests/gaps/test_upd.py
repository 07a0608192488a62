"""УПД (issue 16): the universal transfer document printed from an order or an invoice, PDF
(landscape) and XLSX read back; status 1 with VAT, 2 «без НДС»; `crmdesk print upd`; the
«Печать» menu of the order and the invoice offers it."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from crmdesk.cli import main
from crmdesk.models import Organization, Product
from crmdesk.reports import print_document, print_forms
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.contracts import create_contract, set_document_contract
from crmdesk.services.documents import create_based_on, create_document, post


@pytest.fixture
def docs(engine):
    with unit_of_work(engine) as ctx:
        o = ctx.session.scalar(select(Organization))
        o.name = "ООО «ТеплоДом»"
        o.full_name = "Общество с ограниченной ответственностью «ТеплоДом»"
        o.inn, o.kpp = "7729141771", "770101001"
        o.address = "125009, г. Москва, ул. Тверская, д. 7"
        o.director, o.chief_accountant = "Кузнецов Андрей Сергеевич", "Попова Елена Ивановна"
        pump = Product(article="P-1", name="Насос циркуляционный", unit="шт",
                       price=Decimal("1000"), vat_rate=Decimal("22"))
        ctx.session.add(pump)
        ctx.session.flush()
        client = create_client(ctx, {
            "name": "ООО «Альфа»", "inn": "7707083893", "kpp": "773601001",
            "addresses": [{"kind": "legal", "text": "620014, г. Екатеринбург, ул. Мира, 1"}],
        }).id
        order = create_document(ctx, "order", client, {
            "date": date(2026, 3, 10),
            "lines": [{"product_id": pump.id, "quantity": 3},
                      {"description": "Доставка", "quantity": 1, "price": 500,
                       "vat_rate": 22}]})
        contract = create_contract(ctx, {"number": "17/26", "date": date(2026, 1, 15),
                                         "client_id": client})
        set_document_contract(ctx, order.id, contract.id)
        post(ctx, order.id)
        invoice = create_based_on(ctx, order.id, "invoice", {"date": date(2026, 3, 11)})
        post(ctx, invoice.id)
        payment = create_based_on(ctx, invoice.id, "payment",
                                  {"total": "3500", "date": date(2026, 3, 12)})
        post(ctx, payment.id)
        free = create_document(ctx, "invoice", client, {
            "date": date(2026, 4, 1), "vat_mode": "none",
            "lines": [{"description": "Монтаж", "quantity": 2, "price": 750,
                       "vat_rate": None}]})
        return {"order": (order.id, order.number), "invoice": (invoice.id, invoice.number),
                "payment": payment.number, "free": (free.id, free.number)}


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def _cells(data: bytes):
    ws = load_workbook(io.BytesIO(data)).active
    return ws, [c.value for row in ws.iter_rows() for c in row if c.value is not None]


def test_upd_of_an_order_with_vat_is_status_1(engine, docs):
    doc_id, number = docs["order"]
    with unit_of_work(engine) as ctx:
        data = print_document(ctx, "upd", doc_id, "pdf")
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = _text(data)
    for needle in (
        "Универсальный передаточный документ", "Статус: 1",
        f"Счет-фактура № {number} от 10 марта 2026 г.",
        "Общество с ограниченной ответственностью «ТеплоДом»", "7729141771/770101001",
        "7707083893/773601001", "620014, г. Екатеринбург, ул. Мира, 1",
        "Российский рубль, 643", "Насос циркуляционный", "Доставка", "P-1", "796",
        "22%", "2 868,86", "631,14", "3 500,00", "Всего к оплате (9)",
        "Договор № 17/26 от 15.01.2026", "А.С. Кузнецов", "Е.И. Попова", "[19]",
    ):
        assert needle in text, needle


def test_upd_without_vat_is_status_2_and_names_the_payment(engine, docs):
    free_id, _ = docs["free"]
    inv_id, inv_number = docs["invoice"]
    with unit_of_work(engine) as ctx:
        text = _text(print_document(ctx, "upd", free_id, "pdf"))
        paid = _text(print_document(ctx, "upd", inv_id, "pdf"))
    assert "Статус: 2" in text and "без НДС" in text and "1 500,00" in text
    assert "22%" not in text
    assert f"№ {docs['payment']} от 12.03.2026" in paid  # (5) the payment document
    with unit_of_work(engine) as ctx:
        ws, values = _cells(print_document(ctx, "upd", free_id, "xlsx"))
    status = next(c for row in ws.iter_rows() for c in row if c.value == "Статус:")
    assert ws.cell(status.row, status.column + 1).value == 2 and "без НДС" in values


def test_upd_xlsx_reads_back(engine, docs):
    doc_id, number = docs["invoice"]
    with unit_of_work(engine) as ctx:
        data = print_document(ctx, "upd", doc_id, "xlsx")
    ws, values = _cells(data)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert f"Счет-фактура № {number} от 11 марта 2026 г." in values
    assert "Универсальный передаточный документ" in values
    status = next(c for row in ws.iter_rows() for c in row if c.value == "Статус:")
    assert ws.cell(status.row, status.column + 1).value == 1
    assert "7707083893/773601001" in values and "Российский рубль, 643" in values
    assert "Насос циркуляционный" in values and "Всего к оплате (9)" in values
    money = [v for v in values if isinstance(v, (int, float, Decimal))]
    assert 3500 in money and pytest.approx(631.14) in money and pytest.approx(2868.86) in money


def test_upd_in_the_print_menu_and_refused_for_a_payment(engine, docs):
    assert "upd" in [f.form for f in print_forms("order")]
    assert "upd" in [f.form for f in print_forms("invoice")]
    assert "upd" not in [f.form for f in print_forms("payment")]


def test_print_upd_from_the_command_line(engine, docs, tmp_path, capsys):
    url = engine.url.render_as_string(hide_password=False)
    _, number = docs["order"]
    out = tmp_path / "upd.pdf"
    assert main(["--db", url, "--json", "print", "upd", number, "-o", str(out)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["form"] == "upd" and info["number"] == number
    assert f"Счет-фактура № {number}" in _text(out.read_bytes())
    xlsx = tmp_path / "upd.xlsx"
    assert main(["--db", url, "print", "upd", number, "-o", str(xlsx)]) == 0
    assert "сохранён" in capsys.readouterr().out
    assert "Насос циркуляционный" in _cells(xlsx.read_bytes())[1]
    assert main(["--db", url, "print", "upd", docs["payment"], "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "не найден" in err and "Traceback" not in err


def test_upd_from_the_print_menu_of_the_invoice_form(day, docs, qtbot):
    inv_id, number = docs["invoice"]
    day.window.open_key(f"invoice:{inv_id}")
    form = day.active()
    assert form.obj_id == inv_id
    form.print_menu.aboutToShow.emit()
    titles = [a.text() for a in form.print_menu.actions()]
    assert "Универсальный передаточный документ (УПД)" in titles
    form.print_menu.actions()[titles.index("Универсальный передаточный документ (УПД)")].trigger()
    preview = day.active()
    assert preview.form_key.startswith("print:") and preview.page_count() == 1
    qtbot.wait(800)  # the page is rendered in the background
    day.shot("upd-preview")
