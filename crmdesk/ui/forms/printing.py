"""Print forms: the Печать menu of a document and the preview tab (print, save, open)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QFileDialog, QToolBar, QVBoxLayout

from crmdesk.ui.generic.base import FormBase
from crmdesk.ui.generic.registry import register_print_forms
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon


def _renderers(doc_type: str) -> list[tuple[str, Callable, Callable | None]]:
    """(title, pdf(ctx, id), xlsx(ctx, id) or None) for each print form of the type,
    as the report layer declares them (crmdesk.reports.PRINT_FORMS)."""
    from crmdesk.reports import print_document
    from crmdesk.reports import print_forms as declared

    def render(form: str, fmt: str) -> Callable:
        return lambda ctx, doc_id: print_document(ctx, form, doc_id, fmt)

    return [
        (
            info.title,
            render(info.form, "pdf"),
            render(info.form, "xlsx") if "xlsx" in info.formats else None,
            info.form,
        )
        for info in declared(doc_type)
    ]


def print_forms(doc_type: str) -> list[tuple[str, Callable]]:
    return [
        (
            tr(title),
            lambda shell, doc_id, p=pdf, x=xlsx, t=title, f=form: preview(
                shell, doc_id, t, p, x, f
            ),
        )
        for title, pdf, xlsx, form in _renderers(doc_type)
    ]


def preview(shell, doc_id: int, title: str, pdf: Callable, xlsx: Callable | None,
            print_form: str | None = None):
    with shell.app.uow() as ctx:
        data = pdf(ctx, doc_id)
    form = PrintPreview(shell, f"print:{title}:{doc_id}", title, data, doc_id, xlsx, print_form)
    if shell.activate(form.form_key):
        old = shell.form(form.form_key)
        old.parentWidget().close()
    shell.show_form(form)
    return form


class PrintPreview(FormBase):
    """The PDF as it will print: Печать (Ctrl+P), Сохранить как PDF/XLSX, open outside."""

    def __init__(self, shell, key: str, title: str, pdf: bytes, doc_id: int, xlsx=None,
                 print_form: str | None = None):
        super().__init__(shell)
        self.form_key, self.pdf, self.doc_id, self.xlsx = key, pdf, doc_id, xlsx
        self.print_form = print_form  # invoice | order | proposal: names the saved file
        self.setWindowTitle(tr("Печать: {0}").format(tr(title)))
        self.setWindowIcon(icon("print_preview"))
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        bar = QToolBar(self)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for name, text, keys, slot in (
            ("print", tr("Печать"), "Ctrl+P", self.print_),
            ("export_pdf", tr("Сохранить PDF…"), "Ctrl+S", lambda: self.save("pdf")),
            ("export_xlsx", tr("Сохранить XLSX…"), None, lambda: self.save("xlsx")),
            ("print_preview", tr("Открыть в программе просмотра"), None, self.open_outside),
            ("mail", tr("Отправить по почте"), None, self.send_by_mail),
        ):
            if (name == "export_xlsx" and xlsx is None) or (name == "mail" and not print_form):
                continue
            action = QAction(icon(name), text, self)
            if keys:
                action.setShortcut(QKeySequence(keys))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            bar.addAction(action)
            self.addAction(action)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(bar)
        layout.addWidget(self.view, 1)

    def page_count(self) -> int:
        return self.document.pageCount()

    def save(self, ext: str, path: str | None = None) -> str | None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, tr("Сохранить как"), self.file_name(ext), f"*.{ext}"
            )
        if not path:
            return None
        if ext == "pdf":
            data = self.pdf
        else:
            with self.app.uow() as ctx:
                data = self.xlsx(ctx, self.doc_id)
        Path(path).write_bytes(data)
        self.shell.message(tr("Сохранено: {0}").format(path))
        return path

    def file_name(self, ext: str) -> str:
        """«Счёт СЧ-2026-000123.pdf», as the report layer names a document's file."""
        if self.print_form is None:
            return f"{tr(self.windowTitle())}.{ext}".replace(":", "")
        from crmdesk.reports import document_file_name

        with self.app.uow() as ctx:
            return document_file_name(ctx, self.print_form, self.doc_id, ext)

    def send_by_mail(self) -> None:
        """The letter with this print form attached (crmdesk.ui.forms.mail)."""
        from crmdesk.ui.generic.registry import special

        special("send_mail")(self.shell, self.doc_id)

    def open_outside(self) -> None:
        path = Path(tempfile.mkdtemp(prefix="crmdesk-")) / self.file_name("pdf")
        path.write_bytes(self.pdf)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def print_(self, printer=None) -> int:
        """Print every page through QPrinter (the system's print dialog unless given one)."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            if QPrintDialog(printer, self).exec() != QPrintDialog.DialogCode.Accepted:
                return 0
        painter = QPainter(printer)
        pages = 0
        try:
            for n in range(self.document.pageCount()):
                if n:
                    printer.newPage()
                rect = painter.viewport()
                size = self.document.pagePointSize(n)
                scale = min(rect.width() / size.width(), rect.height() / size.height())
                target = QSize(int(size.width() * scale), int(size.height() * scale))
                painter.drawImage(0, 0, self.document.render(n, target))
                pages += 1
        finally:
            painter.end()
        return pages


register_print_forms(print_forms)
