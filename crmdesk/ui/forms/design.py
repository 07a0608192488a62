"""«Оформление коммерческого предложения»: the proposal design every user prints with.

A declaration over ObjectForm; the rules (built-in layouts, validation, storage in the
database, the preview PDF) are crmdesk.reports.design's.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from crmdesk.reports import design as D
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Entity
from crmdesk.ui.generic.fields import Field
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm
from crmdesk.ui.i18n import tr

EDITED = ("design", "accent", "font", "show_logo", "intro", "terms", "footer",
          "validity_days", "show_images")


class ProposalDesignForm(ObjectForm):
    entity_name = "proposal_design"
    title_new = "Оформление коммерческого предложения"
    fields = [
        Field("design", D.FIELDS["design"], "choice", choices=D.DESIGNS),
        Field("accent", D.FIELDS["accent"], hint="#1F4E79"),
        Field("font", D.FIELDS["font"], "choice", choices=D.FONTS),
        Field("validity_days", D.FIELDS["validity_days"], "int"),
        Field("show_logo", D.FIELDS["show_logo"], "bool"),
        Field("show_images", D.FIELDS["show_images"], "bool"),
        Field("logo_state", D.FIELDS["logo"], readonly=True),
        Field("intro", D.FIELDS["intro"], "multiline"),
        Field("terms", D.FIELDS["terms"], "multiline"),
        Field("footer", D.FIELDS["footer"],
              hint="пусто: название, телефон и эл. почта организации"),
    ]
    rows = [
        ["design", "accent"],
        ["font", "validity_days"],
        ["show_logo", "show_images"],
        ["logo_state"],
        ["intro"],
        ["terms"],
        ["footer"],
    ]
    commands = [
        FormCommand("print_preview", "Предварительный просмотр", "preview", "Ctrl+P",
                    needs_saved=False),
        FormCommand("attachment", "Загрузить логотип…", "choose_logo", needs_saved=False),
        FormCommand("close", "Убрать логотип", "clear_logo", needs_saved=False),
        FormCommand("refresh", "Вернуть исходное оформление", "reset", needs_saved=False),
    ]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        self.logo: bytes | None = None
        super().__init__(shell, 1, initial, parent)
        self.form_key = "proposal_design:1"
        self.editors["design"].edited.connect(self._layout_chosen)

    def load(self, ctx, obj_id):
        stored = D.get_design(ctx.session)
        self.logo = stored.logo
        values = {k: v for k, v in asdict(stored).items() if k in EDITED}
        values["logo_state"] = self._logo_text()
        return values, None, tr("Оформление коммерческого предложения")

    def _logo_text(self) -> str:
        if self.logo:
            return tr("свой логотип, {0} КБ").format(max(1, len(self.logo) // 1024))
        return tr("логотип организации (из её реквизитов)")

    def design(self) -> dict:
        v = self.values()
        changes = {k: v[k] for k in EDITED if k in v}
        changes["logo"] = self.logo
        return changes

    def store(self, ctx, obj_id, v, version):
        D.save_design(ctx, self.design())
        return 1

    def _layout_chosen(self) -> None:
        """Another layout brings its own colour and font (texts and logo stay)."""
        code = self.editors["design"].get()
        info = next((d for d in D.list_designs() if d.code == code), None)
        if info is not None:
            self.editors["accent"].set(info.accent)
            self.editors["font"].set(info.font)

    def preview(self):
        from crmdesk.ui.forms.printing import PrintPreview

        with self.app.uow() as ctx:
            pdf = D.preview_design(ctx, self.design())
        form = PrintPreview(self.shell, "print:design-preview", tr("Образец предложения"), pdf, 0)
        if self.shell.activate(form.form_key):
            self.shell.form(form.form_key).parentWidget().close()
        self.shell.show_form(form)
        return form

    def choose_logo(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, tr("Логотип"), "", tr("Картинки (*.png *.jpg *.jpeg)")
            )
        if not path:
            return
        self.logo = Path(path).read_bytes()
        self.editors["logo_state"].set(self._logo_text())
        self._edited()

    def clear_logo(self) -> None:
        self.logo = None
        self.editors["logo_state"].set(self._logo_text())
        self._edited()

    def reset(self) -> None:
        defaults = D.ProposalDesign()
        for key in EDITED:
            self.editors[key].set(getattr(defaults, key))
        self.logo = None
        self.editors["logo_state"].set(self._logo_text())
        self._edited()


register(Entity("proposal_design", "proposal_design", "proposal", opener(ProposalDesignForm)))
