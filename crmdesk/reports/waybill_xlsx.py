"""ТОРГ-12 as a printable XLSX sheet: landscape A4, fitted to the width, the same content as
the PDF (the form's header with the codes, 15 numbered columns, totals, signatures)."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from crmdesk.reports.form_xlsx import MEDIUM, MONEY, THIN, Sheet, _qty_format
from crmdesk.reports.waybill import FORM_NOTE, HEADS, OKUD, Waybill
from crmdesk.reports.xlsxstyle import arial_book, landscape_bytes

WIDTHS = [5, 30, 7, 6, 6, 6, 6, 6, 7, 8, 10, 12, 6, 10, 11]
N = len(WIDTHS)


def render(w: Waybill) -> bytes:
    wb = arial_book()
    ws = wb.active
    ws.title = f"ТОРГ-12 {w.number}"[:31]
    for i, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    s = Sheet(ws, N)
    s.put(9, FORM_NOTE, N, size=6, align="right")
    s.height(18)
    s.row += 1
    s.put(N, "Коды", align="center", size=7)
    s.row += 1
    s.put(11, "Форма по ОКУД", N - 1, align="right", size=7)
    s.put(N, OKUD, align="center", size=7)
    s.box(s.row, N, s.row, N, outer=MEDIUM)
    s.row += 1
    codes_from = s.row
    rows = [
        ("Грузоотправитель", w.consignor, "по ОКПО", ""),
        ("", "организация, адрес, телефон, банковские реквизиты", "Вид деятельности по ОКДП",
         ""),
        ("Грузополучатель", w.consignee, "по ОКПО", ""),
        ("Поставщик", w.supplier, "по ОКПО", ""),
        ("Плательщик", w.payer, "по ОКПО", ""),
        ("Основание", w.basis, "номер", w.basis_number),
        ("", "договор, заказ-наряд", "дата", w.basis_date),
        ("", "", "Транспортная накладная: номер", ""),
        ("", "", "дата", ""),
        ("", "", "Вид операции", ""),
    ]
    for label, value, code, code_value in rows:
        hint = value in ("организация, адрес, телефон, банковские реквизиты",
                         "договор, заказ-наряд")
        s.put(1, label, 1, size=6, valign="bottom")
        s.put(2, value, 10, size=6 if hint else 7, valign="bottom")
        if value and not hint:
            s.underline(s.row, 2, 10, THIN)
        s.put(11, code, N - 1, size=7, align="right", valign="bottom")
        s.put(N, code_value, size=7, align="center", valign="bottom")
        s.height(24 if len(value) > 110 else 12)
        s.row += 1
    s.box(codes_from, N, s.row - 1, N, THIN, MEDIUM)
    s.gap(4)
    s.put(5, "Номер документа", 6, size=7, align="center")
    s.put(7, "Дата составления", 8, size=7, align="center")
    s.row += 1
    s.put(1, "ТОВАРНАЯ НАКЛАДНАЯ", 4, bold=True, align="right", size=9)
    s.put(5, w.number, 6, size=8, align="center", bold=True)
    s.put(7, w.date, 8, size=8, align="center", bold=True)
    s.box(s.row - 1, 5, s.row, 8)
    s.row += 1
    s.gap(4)

    header = s.row
    for c, title in enumerate(HEADS, 1):
        s.put(c, title, size=6, align="center", valign="center")
    s.height(48)
    s.row += 1
    for c in range(1, N + 1):
        s.put(c, c, size=6, align="center")
    s.row += 1
    for x in w.lines:
        values = [x.no, x.name, x.code, x.unit, x.okei, None, None, None, None, x.quantity,
                  x.price, x.net, x.rate, x.vat if x.vat is not None else "-", x.total]
        for c, value in enumerate(values, 1):
            if c in (11, 12, 14, 15) and value != "-":
                s.put(c, value, size=7, align="right", fmt=MONEY)
            elif c == 10:
                s.put(c, value, size=7, align="right", fmt=_qty_format(value))
            else:
                s.put(c, value, size=7, align="left" if c == 2 else "center")
        s.height(max(12, 10 * (1 + len(x.name) // 40)))
        s.row += 1
    s.box(header, 1, s.row - 1, N, THIN, MEDIUM)
    t = w.totals
    vat = t["vat"] if any(x.vat is not None for x in w.lines) else "-"
    for label in ("Итого", "Всего по накладной"):
        s.put(6, label, 9, size=7, align="right", bold=True)
        s.put(10, t["quantity"], size=7, align="right", fmt=_qty_format(t["quantity"]))
        s.put(11, "X", size=7, align="center")
        s.put(12, t["net"], size=7, align="right", fmt=MONEY)
        s.put(13, "X", size=7, align="center")
        s.put(14, vat, size=7, align="right", fmt=MONEY if vat != "-" else None)
        s.put(15, t["total"], size=7, align="right", fmt=MONEY, bold=True)
        s.box(s.row, 10, s.row, N)
        s.row += 1
    s.gap(6)
    s.put(1, f"Товарная накладная имеет приложение на ______ листах и содержит "
             f"{w.count_words} порядковых номеров записей", N, size=7)
    s.row += 1
    s.put(1, "Всего мест ________   Масса груза (нетто) ____________   Масса груза (брутто) "
             "____________", N, size=7)
    s.row += 1
    s.put(1, f"Всего отпущено на сумму {w.words}", N, size=8, bold=True)
    s.row += 1
    s.gap(6)
    first_sign = s.row
    left = [("Отпуск груза разрешил", "Руководитель", w.director),
            ("Главный (старший) бухгалтер", "", w.accountant),
            ("Отпуск груза произвел", "", ""), ("М.П.", "", w.date_words)]
    right = ["По доверенности № ____________ от ______________",
             "выданной ________________________________________",
             "Груз принял ______________ ______________",
             "Груз получил грузополучатель ______________ ______________",
             "М.П.        «____» ______________ 20___ года"]
    for k in range(max(len(left), len(right))):
        if k < len(left):
            role, position, name = left[k]
            s.put(1, role, 2, size=7, valign="bottom")
            s.put(3, position, 4, size=6, valign="bottom")
            if role != "М.П.":
                s.put(5, None, 6)
                s.underline(s.row, 5, 6, THIN)
            s.put(7, name, 8, size=7, valign="bottom")
        if k < len(right):
            s.put(9, right[k], N, size=7, valign="bottom")
        s.height(16)
        s.row += 1
    from crmdesk.reports.form_xlsx import _image

    _image(ws, w.director_signature, f"E{first_sign}", 90, 30)
    _image(ws, w.accountant_signature, f"E{first_sign + 1}", 90, 30)
    _image(ws, w.stamp, f"B{first_sign + 1}", 120, 120)

    return landscape_bytes(wb, ws, N, s.row, (header, header + 1))
