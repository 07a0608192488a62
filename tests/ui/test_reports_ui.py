"""Report forms and print preview in the desktop, read back from the files they save."""

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from crmdesk.models import Document
from crmdesk.ui.forms.printing import print_forms


@pytest.mark.parametrize("name", ["gross-profit", "receivables", "forecast"])
def test_report_form_generates_shows_and_saves(shell, name, tmp_path, warnings):
    form = shell.open_special("report", name)
    form.date_from.setDate(form.date_from.date().addYears(-2))
    result = form.generate()
    assert warnings == []
    assert result is not None and result.groups
    assert form.table.topLevelItemCount() > 0
    headers = [form.table.headerItem().text(i) for i in range(form.table.columnCount())]
    assert headers == [c.title for c in result.columns]
    xlsx = form.save("xlsx", str(tmp_path / f"{name}.xlsx"))
    ws = openpyxl.load_workbook(xlsx).active
    cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert result.title in " ".join(cells)
    pdf = form.save("pdf", str(tmp_path / f"{name}.pdf"))
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert result.title in text


def test_report_form_manager_filter_narrows_the_figures(shell):
    form = shell.open_special("report", "receivables")
    everyone = form.generate().total
    with shell.app.uow() as ctx:
        from crmdesk.models import User

        manager = ctx.session.scalar(select(User).where(User.login != "admin").order_by(User.id))
        manager_id, login = manager.id, manager.login
    form.manager.set((manager_id, login))
    assert form.params().get("manager") == manager_id, login
    mine = form.generate().total
    key = next(k for k in everyone if k in ("owed", "debt", "total_owed") or "owed" in k)
    assert mine[key] < everyone[key]


def test_print_preview_renders_saves_and_prints(shell, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    with shell.app.uow() as ctx:
        doc = ctx.session.scalar(
            select(Document).where(Document.doc_type == "invoice", Document.posted)
        )
        doc_id, number = doc.id, doc.number
    title, open_preview = print_forms("invoice")[0]  # the invoice itself; then act, TORG-12
    assert title == "Счёт на оплату"
    preview = open_preview(shell, doc_id)
    assert preview.page_count() >= 1
    pdf = preview.save("pdf", str(tmp_path / "invoice.pdf"))
    assert number in PdfReader(pdf).pages[0].extract_text()
    xlsx = preview.save("xlsx", str(tmp_path / "invoice.xlsx"))
    ws = openpyxl.load_workbook(xlsx).active
    assert ws.page_setup.paperSize in (9, "9")
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert preview.print_(printer) == preview.page_count()
    assert (tmp_path / "printed.pdf").stat().st_size > 1000


def test_proposal_design_form_saves_for_everybody_and_previews(shell, demo_engine, tmp_path):
    from crmdesk.db import session_factory
    from crmdesk.reports.design import get_design
    from crmdesk.ui.forms import entities

    entities()["proposal_design"].open(shell, None, None)
    form = shell.mdi.activeSubWindow().widget()
    form.editors["design"].set("modern")
    form._layout_chosen()
    assert form.editors["accent"].get() == "#2E7D32"  # the layout's own colour
    form.editors["accent"].set("зелёный")
    assert not form.write()  # a broken colour is refused and named
    assert "Цвет акцента" in form.messages.text() or any(
        not e.isHidden() for e in form.errors.values()
    )
    form.editors["accent"].set("#C00000")
    form.editors["intro"].set("Предлагаем лучшие котлы Урала.")
    logo = tmp_path / "logo.png"
    from PySide6.QtGui import QColor, QImage

    image = QImage(40, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("#C00000"))
    image.save(str(logo))
    form.choose_logo(str(logo))
    assert form.write()
    with session_factory(demo_engine)() as s:  # stored in the database, not on this computer
        stored = get_design(s)
    assert (stored.design, stored.accent) == ("modern", "#C00000")
    assert stored.logo == logo.read_bytes()
    preview = form.preview()
    assert preview.page_count() >= 1
    text = PdfReader(preview.save("pdf", str(tmp_path / "sample.pdf"))).pages[0].extract_text()
    assert "Предлагаем лучшие котлы Урала." in text


def test_print_preview_proposes_the_document_name(shell):
    with shell.app.uow() as ctx:
        doc = ctx.session.scalar(select(Document).where(Document.doc_type == "order"))
        doc_id, number = doc.id, doc.number
    _title, open_preview = print_forms("order")[0]
    preview = open_preview(shell, doc_id)
    name = preview.file_name("xlsx")
    assert number in name and name.endswith(".xlsx")


def test_organization_pictures_go_onto_the_printed_invoice(shell, tmp_path):
    from io import BytesIO

    from PySide6.QtGui import QColor, QImage

    from crmdesk.models import Organization
    from crmdesk.reports import print_document
    from crmdesk.ui.forms import entities

    with shell.app.uow() as ctx:
        doc_id = ctx.session.scalar(
            select(Document.id).where(Document.doc_type == "invoice", Document.posted)
        )
        before = len(PdfReader(BytesIO(print_document(ctx, "invoice", doc_id))).pages[0].images)
    entities()["organization"].open(shell, None, None)
    form = shell.mdi.activeSubWindow().widget()
    paths = {}
    for key, colour in (("stamp", "#1F4E79"), ("director_signature", "#000080")):
        image = QImage(120, 60, QImage.Format.Format_RGB32)
        image.fill(QColor(colour))
        paths[key] = tmp_path / f"{key}.png"
        image.save(str(paths[key]))
        form.choose_image(key, str(paths[key]))
    assert "Печать" in form.editors["images"].get()
    assert form.write()
    with shell.app.uow() as ctx:
        pdf = print_document(ctx, "invoice", doc_id)
    after = len(PdfReader(BytesIO(pdf)).pages[0].images)
    assert after >= before + 2  # the stamp and the signature are on the page
    form.clear_images()
    assert form.write()
    with shell.app.uow() as ctx:
        org = ctx.session.get(Organization, form.obj_id)
        assert org.stamp is None and org.director_signature is None
