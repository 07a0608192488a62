"""Счёт на оплату and Заказ клиента: what the PDF says, what the XLSX holds, how they print."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pdfcheck import fonts, has, image_count, pages, picture
from sqlalchemy import select

from crmdesk.models import Organization
from crmdesk.reports import print_document
from crmdesk.reports.invoice import invoice_form, invoice_pdf, invoice_xlsx
from crmdesk.reports.order import order_pdf, order_xlsx
from crmdesk.services.documents import create_based_on, create_document, post
from crmdesk.services.errors import AccessDenied, ValidationError

LINES = [
    {"product": "P-1", "quantity": 3},  # 3 × 1 000,00
    {"description": "Доставка до объекта", "quantity": 1, "price": "500.00", "vat_rate": 22},
    {"description": "Монтаж «под ключ»", "quantity": "2.5", "price": "333.33", "vat_rate": 22},
]
# 3 000,00 + 500,00 + 833,33 (2,5 × 333,33 = 833,325 → half up) = 4 333,33
# VAT 22/122 per line: 540,98 + 90,16 + 150,27 = 781,41


@pytest.fixture
def invoice(org, products, buyer):
    with org("ivanov") as ctx:
        order = create_document(ctx, "order", buyer, {"date": date(2026, 11, 20), "lines": LINES})
        post(ctx, order.id)
        inv = create_based_on(ctx, order.id, "invoice", {"date": date(2026, 11, 24),
                                                         "due_date": date(2026, 12, 2)})
        post(ctx, inv.id)
        return inv.id, inv.number, order.id, order.number


def test_invoice_pdf_has_the_standard_layout(org, invoice):
    doc_id, number, _, order_number = invoice
    with org("ivanov") as ctx:
        data = invoice_pdf(ctx, doc_id)
    text = "\n".join(pages(data))
    has(
        text,
        # the bank block
        "ПАО Сбербанк, г. Москва", "Банк получателя", "БИК 044525225",
        "Сч. № 30101810400000000225", "ИНН 7729141771", "КПП 770101001",
        "Сч. № 40702810038000012345", "Получатель",
        # title, parties, basis
        f"Счёт на оплату № {number} от 24 ноября 2026 г.",
        "Поставщик (Исполнитель): ООО «ТеплоДом», ИНН 7729141771, КПП 770101001, "
        "125009, г. Москва, ул. Тверская, д. 7, тел.: +7 (495) 123-45-67",
        "Покупатель (Заказчик): Общество с ограниченной ответственностью «Альфа», "
        "ИНН 7707083893, КПП 773601001, 620014, г. Екатеринбург, ул. Мира, 1, "
        "тел.: +7 (912) 345-67-89",
        f"Основание: Заказ клиента № {order_number} от 20.11.2026",
        # the table
        "№ Товары (работы, услуги) Кол-во Ед. Цена Сумма",
        "1 Насос циркуляционный 3 шт 1 000,00 3 000,00",
        "2 Доставка до объекта 1 шт 500,00 500,00",
        "3 Монтаж «под ключ» 2,5 шт 333,33 833,33",
        # totals, words, terms, signatures
        "Итого: 4 333,33",
        "В том числе НДС (22%): 781,41",
        "Всего к оплате: 4 333,33",
        "Всего наименований 3, на сумму 4 333,33 руб.",
        "Четыре тысячи триста тридцать три рубля 33 копейки",
        "Оплатить не позднее 02.12.2026",
        "Товар отпускается по факту прихода денег на р/с Поставщика.",
        "Руководитель", "/А.С. Кузнецов/", "Бухгалтер", "/Е.И. Попова/",
    )
    assert "Скидка" not in text  # the column appears only when a line has a discount
    assert len(pages(data)) == 1


def test_cyrillic_fonts_are_embedded_and_no_standard_font_is_used(org, invoice):
    with org("ivanov") as ctx:
        data = invoice_pdf(ctx, invoice[0])
    used = fonts(data)
    assert used and all(embedded for _, embedded in used), used
    assert any("DejaVuSans" in name for name, _ in used)


def money(value) -> str:
    """As printed: «4 333,33», or «-» for no amount."""
    if value is None:
        return "-"
    return f"{Decimal(value):,.2f}".replace(",", " ").replace(".", ",")


@pytest.mark.parametrize(
    "mode, vat_line, vat, to_pay, words",
    [
        ("included", "В том числе НДС (22%):", "781.41", "4333.33",
         "Четыре тысячи триста тридцать три рубля 33 копейки"),
        # on top: 660,00 + 110,00 + 183,33 (833,33 × 22% = 183,3326)
        ("on_top", "НДС (22%):", "953.33", "5286.66",
         "Пять тысяч двести восемьдесят шесть рублей 66 копеек"),
        ("none", "Без налога (НДС)", None, "4333.33",
         "Четыре тысячи триста тридцать три рубля 33 копейки"),
    ],
)
def test_vat_line_follows_the_mode(org, products, buyer, mode, vat_line, vat, to_pay, words):
    with org("ivanov") as ctx:
        inv = create_document(ctx, "invoice", buyer, {"lines": LINES, "vat_mode": mode})
        text = "\n".join(pages(invoice_pdf(ctx, inv.id)))
        ws = load_workbook(io.BytesIO(invoice_xlsx(ctx, inv.id))).active
        form = invoice_form(ctx, inv.id)
    has(text, "Итого: 4 333,33", f"{vat_line} {money(vat)}", f"Всего к оплате: {money(to_pay)}",
        f"Всего наименований 3, на сумму {money(to_pay)} руб.", words)
    assert form.totals[-1][1] == inv.total == Decimal(to_pay)
    if mode != "included":
        assert "В том числе" not in text
    if mode != "none":
        assert "Без налога" not in text
    # the XLSX says the same, as numbers under the money format
    totals = {ws.cell(r, 3).value: ws.cell(r, 7) for r in range(1, ws.max_row + 1)
              if ws.cell(r, 3).value in ("Итого:", vat_line, "Всего к оплате:")}
    assert set(totals) == {"Итого:", vat_line, "Всего к оплате:"}
    assert Decimal(str(totals["Итого:"].value)) == Decimal("4333.33")
    assert Decimal(str(totals["Всего к оплате:"].value)) == Decimal(to_pay)
    if vat is None:
        assert totals[vat_line].value == "-"
    else:
        assert Decimal(str(totals[vat_line].value)) == Decimal(vat)
        assert totals[vat_line].number_format == "#,##0.00"
    assert words in [c.value for row in ws.iter_rows() for c in row]


def test_several_vat_rates_give_a_line_each(org, buyer):
    lines = [
        {"description": "Книга", "quantity": 1, "price": 110, "vat_rate": 10},
        {"description": "Насос", "quantity": 1, "price": 122, "vat_rate": 22},
    ]
    with org("ivanov") as ctx:
        inv = create_document(ctx, "invoice", buyer, {"lines": lines, "vat_mode": "included"})
        text = "\n".join(pages(invoice_pdf(ctx, inv.id)))
    has(text, "В том числе НДС (22%): 22,00", "В том числе НДС (10%): 10,00")


def test_invoice_xlsx_is_a_printable_sheet_with_the_same_content(org, invoice):
    doc_id, number, *_ = invoice
    with org("ivanov") as ctx:
        wb = load_workbook(io.BytesIO(invoice_xlsx(ctx, doc_id)))
    ws = wb.active
    cells = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
    values = list(cells.values())
    assert f"Счёт на оплату № {number} от 24 ноября 2026 г." in values
    assert "044525225" in values and "40702810038000012345" in values
    assert "Четыре тысячи триста тридцать три рубля 33 копейки" in values
    assert "Оплатить не позднее 02.12.2026" in values
    assert "/А.С. Кузнецов/" in values
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value ==
                  "Товары (работы, услуги)")
    assert [ws.cell(header, c).value for c in (1, 2, 4, 5, 6, 7)] == [
        "№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена", "Сумма"]
    first = header + 1
    assert ws.cell(first, 2).value == "Насос циркуляционный"
    assert Decimal(str(ws.cell(first, 4).value)) == 3
    assert Decimal(str(ws.cell(first, 6).value)) == Decimal("1000")
    assert Decimal(str(ws.cell(first + 2, 7).value)) == Decimal("833.33")
    for r in (first, first + 1, first + 2):  # price and amount: money; quantity: a number
        assert ws.cell(r, 6).number_format == ws.cell(r, 7).number_format == "#,##0.00"
        assert isinstance(ws.cell(r, 7).value, int | float)
    assert ws.cell(first, 4).number_format == "#,##0"
    assert ws.cell(first + 2, 4).number_format == "#,##0.###"  # 2,5
    assert Decimal(str(ws.cell(first + 2, 4).value)) == Decimal("2.5")
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"B{first}:C{first}" in merged  # the name spans two columns, as on paper
    # the bank block: bank over two rows, «Сч. №» and the account over the last two (under
    # the row of the payment QR code)
    b = next(r for r in range(1, header) if ws.cell(r, 5).value == "БИК")
    assert {f"A{b}:D{b + 1}", f"F{b}:G{b}", f"F{b + 1}:G{b + 1}", f"A{b + 2}:B{b + 2}",
            f"C{b + 2}:D{b + 2}", f"E{b + 2}:E{b + 3}", f"F{b + 2}:G{b + 3}",
            f"A{b + 3}:D{b + 3}"} <= merged
    title = next(r for r in range(1, header) if str(ws.cell(r, 1).value).startswith("Счёт"))
    assert f"A{title}:G{title}" in merged and ws.cell(title, 1).font.b
    assert ws.cell(first, 1).border.left.style == "medium"  # the table's outline
    totals = {ws.cell(r, 3).value: ws.cell(r, 7).value for r in range(first, ws.max_row + 1)}
    assert Decimal(str(totals["Всего к оплате:"])) == Decimal("4333.33")
    assert Decimal(str(totals["В том числе НДС (22%):"])) == Decimal("781.41")
    to_pay = next(r for r in range(first, ws.max_row + 1) if ws.cell(r, 3).value ==
                  "Всего к оплате:")
    assert f"C{to_pay}:F{to_pay}" in merged and ws.cell(to_pay, 7).number_format == "#,##0.00"
    # the parties: the label over A:B, the requisites over C:G
    buyer_row = next(r for r in range(1, header) if ws.cell(r, 1).value ==
                     "Покупатель (Заказчик):")
    assert {f"A{buyer_row}:B{buyer_row}", f"C{buyer_row}:G{buyer_row}"} <= merged
    assert "ИНН 7707083893" in ws.cell(buyer_row, 3).value
    # print settings: A4, fit to one page wide, print area, the header repeated
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_area.endswith(f"!$A$1:$G${ws.max_row}")
    assert ws.print_title_rows == f"${header}:${header}"


def test_logo_stamp_and_facsimiles_are_printed(org, invoice):
    with org() as ctx:
        o = ctx.session.scalar(select(Organization))
        o.logo, o.stamp = picture(300, 100), picture(200, 200, (20, 40, 160))
        o.director_signature = picture(160, 60, (0, 0, 0))
        o.accountant_signature = picture(160, 60, (0, 0, 0), "JPEG")
    with org("ivanov") as ctx:
        data = invoice_pdf(ctx, invoice[0])
        ws = load_workbook(io.BytesIO(invoice_xlsx(ctx, invoice[0]))).active
    assert image_count(data) == 5  # with the payment QR code
    assert len(ws._images) == 5
    with org() as ctx:  # a broken picture is left out, the invoice still prints
        ctx.session.scalar(select(Organization)).logo = b"not a picture"
    with org("ivanov") as ctx:
        assert image_count(invoice_pdf(ctx, invoice[0])) == 4


def test_two_hundred_lines_run_over_pages_with_the_header_repeated(org, buyer):
    lines = [{"description": f"Позиция номер {n}", "quantity": n % 7 + 1, "price": "100.10",
              "vat_rate": 22} for n in range(1, 201)]
    with org("ivanov") as ctx:
        inv = create_document(ctx, "invoice", buyer, {"lines": lines})
        data = invoice_pdf(ctx, inv.id)
        ws = load_workbook(io.BytesIO(invoice_xlsx(ctx, inv.id))).active
        total = inv.total
    texts = pages(data)
    assert len(texts) >= 4
    for text in texts:  # every page starts its part of the table with the header
        has(text, "Товары (работы, услуги)", "Кол-во", "Цена", "Сумма")
    # totals, words and signatures together on the last page only, after the last lines
    has(texts[-1], "Позиция номер 199", "Позиция номер 200", "Всего к оплате",
        "Всего наименований 200", "Руководитель", "Бухгалтер")
    assert all("Всего к оплате" not in t for t in texts[:-1])
    assert texts[-1].index("Позиция номер 200") < texts[-1].index("Всего к оплате")
    assert "БИК" in texts[0] and all("БИК" not in t for t in texts[1:])
    # XLSX: all lines, the header row repeated when printed
    names = [ws.cell(r, 2).value for r in range(1, ws.max_row + 1)]
    assert names.count("Позиция номер 200") == 1
    header = names.index("Товары (работы, услуги)") + 1
    assert ws.print_title_rows == f"${header}:${header}"
    assert sum(1 for n in names if n and n.startswith("Позиция номер")) == 200
    assert total == sum(
        (Decimal(str(ws.cell(r, 7).value)) for r in range(header + 1, header + 201)), Decimal(0)
    )


def test_discount_adds_a_column(org, buyer):
    with org("ivanov") as ctx:
        inv = create_document(ctx, "invoice", buyer, {"lines": [
            {"description": "Насос", "quantity": 2, "price": 1000, "discount_pct": 10}]})
        text = pages(invoice_pdf(ctx, inv.id))[0]
        ws = load_workbook(io.BytesIO(invoice_xlsx(ctx, inv.id))).active
    has(text, "Скидка, %", "1 Насос 2 шт 10 1 000,00 1 800,00")
    assert "Скидка, %" in [c.value for row in ws.iter_rows() for c in row]


def test_order_print_form(org, invoice):
    _, _, order_id, order_number = invoice
    with org("ivanov") as ctx:
        text = "\n".join(pages(order_pdf(ctx, order_id)))
        ws = load_workbook(io.BytesIO(order_xlsx(ctx, order_id))).active
    has(text, f"Заказ клиента № {order_number} от 20 ноября 2026 г.", "Исполнитель:",
        "Заказчик: Общество с ограниченной ответственностью «Альфа»", "Всего: 4 333,33",
        "Четыре тысячи триста тридцать три рубля 33 копейки", "Менеджер", "/И.И. Иванов/")
    assert "БИК" not in text and "М.П." not in text
    assert ws.print_title_rows is not None


def test_rights_and_document_types_are_checked(org, invoice, uow):
    doc_id, _, order_id, _ = invoice
    with uow("petrov") as ctx:  # another manager's client
        with pytest.raises(AccessDenied):
            invoice_pdf(ctx, doc_id)
    with org("ivanov") as ctx:
        with pytest.raises(ValidationError, match="не «Счёт на оплату»"):
            invoice_pdf(ctx, order_id)
        with pytest.raises(ValidationError, match="не «Коммерческое предложение»"):
            print_document(ctx, "proposal", doc_id, "xlsx")
        assert print_document(ctx, "order", order_id, "xlsx").startswith(b"PK")


def test_print_menu_file_names_and_saving(org, invoice, tmp_path):
    from crmdesk.reports import document_file_name, print_forms, save_document

    doc_id, number, order_id, order_number = invoice
    assert [(f.form, f.title, f.formats) for f in print_forms("invoice")] == [
        ("invoice", "Счёт на оплату", ("pdf", "xlsx")),
        ("act", "Акт выполненных работ (оказанных услуг)", ("pdf", "xlsx")),
        ("waybill", "Расходная накладная (ТОРГ-12)", ("pdf", "xlsx")),
        ("upd", "Универсальный передаточный документ (УПД)", ("pdf", "xlsx"))]
    assert [f.form for f in print_forms("order")] == ["order", "act", "waybill", "upd"]
    assert print_forms("payment") == []
    with org("ivanov") as ctx:
        assert document_file_name(ctx, "invoice", doc_id, "xlsx") == f"Счёт {number}.xlsx"
        assert document_file_name(ctx, "order", order_id) == f"Заказ {order_number}.pdf"
        path = save_document(ctx, "invoice", doc_id, tmp_path / "счёт.XLSX")
        assert path.read_bytes()[:2] == b"PK"
        assert save_document(ctx, "order", order_id, tmp_path / "з.pdf").read_bytes()[:4] == b"%PDF"
        with pytest.raises(ValidationError, match=".pdf или .xlsx"):
            save_document(ctx, "invoice", doc_id, tmp_path / "счёт.docx")
