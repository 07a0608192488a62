"""Contracts: the list (ending ones in red) and the card with its signed file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from crmdesk.services import (
    banklists,  # noqa: F401 — adds the contracts list to lists.SPECS
    contracts,
    rights,
)
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Entity
from crmdesk.ui.generic.fields import Field, ref_value
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm
from crmdesk.ui.i18n import tr

VALUES = ("number", "date", "subject", "start_date", "end_date", "amount", "comment")


class ContractForm(ObjectForm):
    entity_name = "contract"
    title_new = "Договор (создание)"
    lists_changed = ("contracts", "deals")
    fields = [
        Field("number", "Номер", required=True),
        Field("date", "Дата", "date", required=True),
        Field("client", "Клиент", "ref", ref="client", required=True),
        Field("deal", "Сделка", "ref", ref="deal"),
        Field("subject", "Предмет договора", "multiline"),
        Field("start_date", "Начало действия", "date"),
        Field("end_date", "Окончание действия", "date"),
        Field("amount", "Сумма договора", "money"),
        Field("manager", "Менеджер", "ref", ref="user"),
        Field("file_name", "Файл договора", readonly=True),
        Field("comment", "Комментарий", "multiline"),
    ]
    rows = [
        ["number", "date"],
        ["client", "deal"],
        ["subject"],
        ["start_date", "end_date"],
        ["amount", "manager"],
        ["file_name"],
        ["comment"],
    ]
    commands = [
        FormCommand("attachment", "Приложить файл договора…", "attach_file"),
        FormCommand("export_pdf", "Открыть файл договора", "open_file"),
    ]

    def defaults(self, ctx):
        from datetime import date

        return {"date": date.today(), "manager": ref_value(ctx.user, "full_name")}

    def load(self, ctx, obj_id):
        c = contracts.get_contract(ctx, obj_id)
        values = {k: getattr(c, k) for k in VALUES}
        values["client"] = ref_value(c.client)
        values["deal"] = ref_value(c.deal, "title")
        values["manager"] = ref_value(c.manager, "full_name")
        values["file_name"] = c.file_name
        return values, c.version, c.title

    def store(self, ctx, obj_id, v, version):
        data = {k: v[k] for k in VALUES}
        data.update(client_id=v["client"], deal_id=v["deal"], manager_id=v["manager"])
        if obj_id is None:
            return contracts.create_contract(ctx, data).id
        return contracts.update_contract(ctx, obj_id, data, version).id

    def attach_file(self):
        path, _ = QFileDialog.getOpenFileName(self, tr("Файл договора"), "",
                                              "PDF, Word, сканы (*.pdf *.doc *.docx *.jpg "
                                              "*.png *.tif);;Все файлы (*)")
        if path:
            self.attach_path(Path(path))

    def attach_path(self, path: Path) -> None:
        with self.app.uow() as ctx:
            contracts.attach_file(ctx, self.obj_id, path.name, path.read_bytes())
        self.app.changed("contracts")
        self.reload()

    def open_file(self):
        with self.app.uow(read_only=True) as ctx:
            name, data = contracts.contract_file(ctx, self.obj_id)
        target = Path(tempfile.mkdtemp(prefix="crmdesk-")) / name
        target.write_bytes(data)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))


def _copy(ctx, obj_id):
    c = contracts.get_contract(ctx, obj_id)
    values = {k: getattr(c, k) for k in VALUES}
    values.update(number=f"{c.number} (копия)", client=ref_value(c.client),
                  manager=ref_value(c.manager, "full_name"))
    return values


register(
    Entity(
        "contract",
        "contracts",
        "basis",
        opener(ContractForm),
        mark=lambda ctx, i, f: contracts.set_deletion_mark(ctx, i, f),
        copy=_copy,
        create_permission=rights.DOCUMENTS,
        affects=("deals",),
    )
)
