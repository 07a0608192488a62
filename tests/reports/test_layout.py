"""How print forms fall onto pages, without a database: PDF page breaks, the XLSX page
model, a rendered page, and (where LibreOffice is installed) the XLSX as it really prints."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pdfcheck import has, pages, sample_form, squash
from PIL import Image

from crmdesk.reports.form_pdf import form_pdf
from crmdesk.reports.form_xlsx import form_xlsx


def _line_numbers(text: str, total: int) -> set[int]:
    """Numbers of the «Позиция k» lines a page shows."""
    found = {int(k) for k in re.findall(r"Позиция\s+(\d+)", text)}
    assert found <= set(range(1, total + 1))
    return found


@pytest.mark.parametrize("n", [30, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80])
def test_pdf_totals_never_leave_the_last_lines(n):
    """Whatever the length, the totals, words and signatures print once, on the last page,
    together with at least the last two lines; every page repeats the table's header."""
    texts = pages(form_pdf(sample_form(n)))
    last = texts[-1]
    has(last, "Итого:", "Всего к оплате:", "Всего наименований", "Сумма прописью",
        "Оплатить не позднее 02.12.2026", "Руководитель", "/А.С. Кузнецов/", "Бухгалтер")
    assert {n - 1, n} <= _line_numbers(last, n)
    assert sum("Всегокоплате" in squash(t) for t in texts) == 1
    for t in texts:
        has(t, "№ Товары (работы, услуги) Кол-во Ед. Цена Сумма")
    seen = [k for t in texts for k in sorted(_line_numbers(t, n))]
    assert seen == list(range(1, n + 1))  # every line once, in order
    if n <= 30:
        assert len(texts) == 1


def test_two_hundred_lines_pdf_pages():
    texts = pages(form_pdf(sample_form(200)))
    assert 4 <= len(texts) <= 6
    assert "БИК" in texts[0] and all("БИК" not in t for t in texts[1:])
    assert {199, 200} <= _line_numbers(texts[-1], 200)
    assert all("Всего к оплате" not in t for t in texts[:-1])
    for number, t in enumerate(texts[1:], 2):  # the page number from the second page
        has(t, f"стр. {number}")


def _breaks(data: bytes) -> list[int]:
    return [b.id for b in load_workbook(io.BytesIO(data)).active.row_breaks.brk]


def test_xlsx_page_setup_and_one_page_for_thirty_lines():
    data = form_xlsx(sample_form(30))
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_options.horizontalCentered
    assert ws.print_area == f"'{ws.title}'!$A$1:$G${ws.max_row}"
    assert ws.oddFooter.right.text == "Стр. &P из &N"
    assert _breaks(data) == []  # thirty lines and the totals on one page
    # every row has its height, in whole pixels, so the page layout is predictable
    for r in range(1, ws.max_row + 1):
        h = ws.row_dimensions[r].height
        assert h and abs(h / 0.75 - round(h / 0.75)) < 1e-9, (r, h)
    assert wb._fonts[0].name == "Arial"  # the unit of column widths, alike everywhere


def test_xlsx_long_invoice_breaks_before_its_last_lines():
    form = sample_form(200)
    data = form_xlsx(form)
    ws = load_workbook(io.BytesIO(data)).active
    names = [ws.cell(r, 2).value for r in range(1, ws.max_row + 1)]
    header = names.index("Товары (работы, услуги)") + 1
    assert ws.print_title_rows == f"${header}:${header}"
    for brk in _breaks(data):  # a hand-made break only ever keeps the last lines together
        assert names[brk] == "Позиция 199"


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler) is not installed")
def test_a_rendered_page_shows_the_bank_block_and_the_table(tmp_path):
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(form_pdf(sample_form(5)))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    img = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    assert abs(img.size[0] - 496) <= 1 and abs(img.size[1] - 702) <= 1  # A4 at 60 dpi
    w, h = img.size
    top = img.crop((0, 0, w, h // 3))
    dark = sum(top.histogram()[:128])
    assert dark > 2000  # the bank block's grid, the title and the table are drawn
    bottom = img.crop((0, h * 2 // 3, w, h))
    assert sum(bottom.histogram()[:128]) < 50  # five lines leave it empty


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice is not installed")
def test_xlsx_as_libreoffice_prints_it(tmp_path):
    """The real thing: LibreOffice prints 30 lines on one page, and longer invoices over
    several pages with the totals after the last lines, never alone."""
    sizes = (30, 46, 200)
    for n in sizes:
        (tmp_path / f"inv{n}.xlsx").write_bytes(form_xlsx(sample_form(n)))
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path),
         *[str(tmp_path / f"inv{n}.xlsx") for n in sizes]],
        check=True, timeout=180, capture_output=True,
    )
    for n in sizes:
        texts = pages(Path(tmp_path / f"inv{n}.pdf").read_bytes())
        if n == 30:
            assert len(texts) == 1
        last = texts[-1]
        has(last, "Итого:", "Всего к оплате:", "Руководитель", "Бухгалтер")
        assert n in _line_numbers(last, n)
        for t in texts[1:]:
            has(t, "Товары (работы, услуги)")  # the header row repeated
        seen = sorted(k for t in texts for k in _line_numbers(t, n))
        assert seen == list(range(1, n + 1))


def test_terms_longer_than_a_page_flow_on_instead_of_failing():
    form = sample_form(40)
    form.terms = [f"Условие {k}: текст условия поставки и оплаты товара" for k in range(1, 71)]
    texts = pages(form_pdf(form))
    assert len(texts) >= 3
    has(texts[-1], "Условие 70", "Руководитель", "Бухгалтер")
    assert sum("Всегокоплате" in squash(t) for t in texts) == 1
