"""УПД as a printable XLSX sheet: landscape A4 fitted to the width, the same content as the
PDF (status, the header rows (1)…(8), the goods table А, Б, 1 … 11, the signatures, the
transfer part [8]…[19]); numbers stay numbers (money formatted), so the sheet sums."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from crmdesk.reports.form_xlsx import MEDIUM, MONEY, THIN, Sheet, _image, _qty_format
from crmdesk.reports.upd import HEADS, NO_VAT, STATUS_TEXT, Upd, total_vat
from crmdesk.reports.upd_pdf import NOTE
from crmdesk.reports.xlsxstyle import arial_book, landscape_bytes

WIDTHS = [5, 8, 32, 6, 6, 7, 8, 10, 12, 8, 7, 11, 12, 6, 8, 10]
N = len(WIDTHS)
LINE = "______________"


def _header(s: Sheet, u: Upd) -> None:
    s.put(9, NOTE, N, size=6, align="right")
    s.height(18)
    s.row += 1
    top = s.row
    s.put(1, "Универсальный передаточный документ", 2, rows=2, bold=True, size=8)
    s.put(3, f"Счет-фактура № {u.number} от {u.date_words}", N - 1, bold=True, size=9)
    s.put(N, "(1)", size=7, align="center")
    s.row += 1
    for k, (label, value, no) in enumerate(u.header):
        if k == 1:
            s.put(1, "Статус:", size=7, align="right")
            s.put(2, u.status, size=10, bold=True, align="center", valign="center")
            s.box(s.row, 2, s.row, 2, outer=MEDIUM)
        if k == 2:
            s.put(1, STATUS_TEXT, 2, rows=3, size=6)
        s.put(3, label, 5, size=7, valign="bottom")
        s.put(6, value, N - 1, size=7, valign="bottom")
        s.underline(s.row, 6, N - 1, THIN)
        s.put(N, no, size=7, align="center", valign="bottom")
        s.height(22 if len(label) > 60 or len(value) > 120 else 12)
        s.row += 1
    for r in range(top, s.row):
        s.border(s.ws.cell(r, 2), right=MEDIUM)
    s.gap(4)


def _goods(s: Sheet, u: Upd) -> int:
    header = s.row
    for c, (title, _no) in enumerate(HEADS, 1):
        s.put(c, title, size=6, align="center", valign="center")
    s.height(60)
    s.row += 1
    for c, (_title, no) in enumerate(HEADS, 1):
        s.put(c, no, size=6, align="center")
    s.row += 1
    for x in u.lines:
        values = [x.no, x.code, x.name, "--", x.okei, x.unit, x.quantity, x.price, x.net,
                  "без акциза", x.rate, x.vat if x.vat is not None else NO_VAT, x.total,
                  "--", "--", "--"]
        for c, value in enumerate(values, 1):
            if c in (8, 9, 12, 13) and value != NO_VAT:
                s.put(c, value, size=7, align="right", fmt=MONEY)
            elif c == 7:
                s.put(c, value, size=7, align="right", fmt=_qty_format(value))
            else:
                s.put(c, value, size=7, align="left" if c == 3 else "center")
        s.height(max(12, 10 * (1 + len(x.name) // 36)))
        s.row += 1
    s.box(header, 1, s.row - 1, N, THIN, MEDIUM)
    vat = total_vat(u)
    s.put(2, "Всего к оплате (9)", 8, size=7, bold=True)
    s.put(9, u.totals["net"], size=7, align="right", fmt=MONEY, bold=True)
    s.put(10, "X", 11, size=7, align="center")
    s.put(12, vat, size=7, align="right", fmt=MONEY if vat != NO_VAT else None, bold=True)
    s.put(13, u.totals["total"], size=7, align="right", fmt=MONEY, bold=True)
    s.box(s.row, 9, s.row, 13)
    s.row += 1
    s.gap(6)
    return header


def _signatures(s: Sheet, u: Upd) -> int:
    first = s.row
    rows = [
        ("Руководитель организации или иное уполномоченное лицо", u.director,
         "Главный бухгалтер или иное уполномоченное лицо", u.accountant),
        ("Индивидуальный предприниматель или иное уполномоченное лицо", "",
         "реквизиты свидетельства о государственной регистрации ИП", ""),
    ]
    s.put(1, f"Документ составлен на {u.sheets} листе", 2, rows=2, size=6)
    for left, lname, right, rname in rows:
        s.put(3, left, 4, size=6, valign="bottom")
        s.underline(s.row, 5, 6, THIN)
        s.put(7, lname or LINE, 8, size=7, valign="bottom")
        s.put(9, right, 10, size=6, valign="bottom")
        s.underline(s.row, 11, 12, THIN)
        s.put(13, rname or LINE, 15, size=7, valign="bottom")
        s.height(22)
        s.row += 1
    s.gap(6)
    return first


def _transfer(s: Sheet, u: Upd) -> None:
    for no, label, value in (("8", "Основание передачи (сдачи) / получения (приемки)", u.basis),
                             ("9", "Данные о транспортировке и грузе", "")):
        s.put(1, f"{label} [{no}]", 4, size=7, valign="bottom")
        s.put(5, value, N, size=7, valign="bottom")
        s.underline(s.row, 5, N, THIN)
        s.height(14)
        s.row += 1
    s.gap(4)
    seller = [
        "Товар (груз) передал / услуги, результаты работ, права сдал [10]",
        f"(должность) {LINE} (подпись) {LINE} (ф.и.о.) {LINE}",
        "Дата отгрузки, передачи (сдачи) «___» ____________ 20__ г. [11]",
        f"Иные сведения об отгрузке, передаче [12] {LINE}",
        "Ответственный за правильность оформления факта хозяйственной жизни [13]",
        f"(должность) {LINE} (подпись) {LINE} (ф.и.о.) {LINE}",
        "Наименование экономического субъекта – составителя документа [14]",
        u.seller_entity,
        "М.П.",
    ]
    buyer = [
        "Товар (груз) получил / услуги, результаты работ, права принял [15]",
        seller[1],
        "Дата получения (приемки) «___» ____________ 20__ г. [16]",
        f"Иные сведения о получении, приемке [17] {LINE}",
        "Ответственный за правильность оформления факта хозяйственной жизни [18]",
        seller[5],
        "Наименование экономического субъекта – составителя документа [19]",
        u.buyer_entity,
        "М.П.",
    ]
    first = s.row
    for left, right in zip(seller, buyer, strict=True):
        entity = left in (u.seller_entity,)
        s.put(1, left, 8, size=7 if entity else 6, bold=entity)
        s.put(9, right, N, size=7 if entity else 6, bold=entity)
        s.height(13)
        s.row += 1
    for r in range(first, s.row):
        s.border(s.ws.cell(r, 8), right=THIN)


def render(u: Upd) -> bytes:
    wb = arial_book()
    ws = wb.active
    ws.title = f"УПД {u.number}"[:31]
    for i, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    s = Sheet(ws, N)
    _header(s, u)
    header = _goods(s, u)
    first_sign = _signatures(s, u)
    _transfer(s, u)
    _image(ws, u.director_signature, f"E{first_sign}", 90, 30)
    _image(ws, u.accountant_signature, f"K{first_sign}", 90, 30)
    _image(ws, u.stamp, f"C{s.row - 4}", 120, 120)

    return landscape_bytes(wb, ws, N, s.row, (header, header + 1))
