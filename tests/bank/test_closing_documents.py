"""«Акт выполненных работ» and ТОРГ-12 printed from an order or an invoice, read back."""

import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from crmdesk.cli import main
from crmdesk.models import Organization
from crmdesk.reports import print_document, print_forms
from crmdesk.services import contracts, documents
from crmdesk.services.errors import ValidationError
from crmdesk.services.users import set_password
from tests.reports.pdfcheck import has, pages


def _org(ctx):
    org = ctx.session.scalar(select(Organization))
    org.name, org.bank_name = "ООО «ТеплоДом»", "ПАО Сбербанк"
    org.corr_account, org.kpp = "30101810400000000225", "770101001"
    org.director, org.chief_accountant = "Кузнецов Андрей Сергеевич", "Попова Елена Ивановна"
    ctx.session.flush()


def test_the_print_menu_of_orders_and_invoices_has_the_act_and_the_waybill():
    assert [f.form for f in print_forms("invoice")] == ["invoice", "act", "waybill", "upd"]
    assert [f.form for f in print_forms("order")] == ["order", "act", "waybill", "upd"]
    assert [f.form for f in print_forms("payment")] == []


def test_the_act_reads_back_from_pdf_and_xlsx(uow, bank_base):
    with uow() as ctx:
        _org(ctx)
        c = contracts.create_contract(ctx, {"client_id": bank_base["stroy"], "number": "17/26",
                                            "date": "01.10.2026"})
        contracts.set_document_contract(ctx, bank_base["inv41"], c.id)
        data = print_document(ctx, "act", bank_base["inv41"], "pdf")
        xlsx = print_document(ctx, "act", bank_base["inv41"], "xlsx")
    [text] = pages(data)
    has(text, "Акт № СЧ-2026-000041 от 24 ноября 2026 г.", "Исполнитель:",
        "ООО «ТеплоДом»", "р/с 40702810303800012345", "Заказчик:", 'ООО "СтройМаркет"',
        "Основание:", "Договор № 17/26 от 01.10.2026", "Радиатор биметаллический",
        "В том числе НДС (22%): 21 350,82", "Всего: 118 400,00",
        "Всего оказано услуг 1, на сумму 118 400,00 руб.",
        "Сто восемнадцать тысяч четыреста рублей 00 копеек",
        "Заказчик претензий по объему, качеству и срокам оказания услуг не имеет",
        "Исполнитель", "/А.С. Кузнецов/")
    values = [c.value for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows()
              for c in row if c.value is not None]
    assert "Акт № СЧ-2026-000041 от 24 ноября 2026 г." in values
    assert "Сто восемнадцать тысяч четыреста рублей 00 копеек" in values


def test_the_waybill_is_the_landscape_torg_12(uow, bank_base):
    with uow() as ctx:
        _org(ctx)
        data = print_document(ctx, "waybill", bank_base["inv41"], "pdf")
        xlsx = print_document(ctx, "waybill", bank_base["inv41"], "xlsx")
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    [text] = pages(data)
    has(text, "Унифицированная форма № ТОРГ-12", "Форма по ОКУД", "0330212",
        "Грузоотправитель", "Грузополучатель", "Поставщик", "Плательщик", "Основание",
        "ТОВАРНАЯ НАКЛАДНАЯ", "СЧ-2026-000041", "24.11.2026", "Радиатор биметаллический",
        "шт", "796", "97 049,18", "21 350,82", "118 400,00", "Всего по накладной",
        "содержит один порядковых номеров записей",
        "Всего отпущено на сумму Сто восемнадцать тысяч четыреста рублей 00 копеек",
        "Отпуск груза разрешил", "А.С. Кузнецов", "Главный (старший) бухгалтер",
        "Е.И. Попова", "Груз получил грузополучатель", "«24» ноября 2026 года")
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws.page_setup.orientation == "landscape"
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    line = next(r for r in rows if r[1] == "Радиатор биметаллический")
    assert line[9] == 1 and line[11] == pytest.approx(97049.18) and line[12] == "22"
    assert line[13] == pytest.approx(21350.82) and line[14] == pytest.approx(118400)
    total = next(r for r in rows if r[5] == "Всего по накладной")
    assert total[14] == pytest.approx(118400)


def test_a_waybill_of_an_order_without_vat(uow, bank_base):
    with uow() as ctx:
        _org(ctx)
        order = documents.create_document(ctx, "order", bank_base["smirnov"], {
            "vat_mode": "none",
            "lines": [{"description": "Кран шаровой", "quantity": 3, "price": "450.50",
                       "unit": "шт"},
                      {"description": "Доставка", "quantity": 1, "price": 700, "unit": "усл. ед"}]})
        [text] = pages(print_document(ctx, "waybill", order.id, "pdf"))
        with pytest.raises(ValidationError, match="на основании заказа клиента или счёта"):
            pay = documents.create_based_on(ctx, bank_base["inv41"], "payment")
            print_document(ctx, "act", pay.id, "pdf")
    has(text, "Кран шаровой", "1 351,50", "без НДС", "876", "2 051,50",
        "Две тысячи пятьдесят один рубль 50 копеек")


def test_print_act_and_waybill_from_the_command_line(uow, bank_base, team, tmp_path, capsys,
                                                     monkeypatch):
    with uow() as ctx:
        set_password(ctx.session, "admin", "Акт-2026")
    monkeypatch.setenv("CRMDESK_PASSWORD", "Акт-2026")
    url = team.url.render_as_string(hide_password=False)
    out = tmp_path / "торг12.xlsx"
    assert main(["--db", url, "--json", "print", "waybill", "СЧ-2026-000041", "-o",
                 str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["number"] == "СЧ-2026-000041"
    assert load_workbook(out).active.page_setup.orientation == "landscape"
    pdf = tmp_path / "акт.pdf"
    assert main(["--db", url, "print", "act", "СЧ-2026-000042", "-o", str(pdf)]) == 0
    has(pages(pdf.read_bytes())[0], "Акт № СЧ-2026-000042")
