"""«Планы продаж»: each manager's plan for each month of a year, typed in a table and written
by «Записать» (services.plans.set_plan; the head's right «Отчёты по всем менеджерам»)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)
from sqlalchemy import select

from crmdesk.models import Role, User
from crmdesk.reports.words import month_name
from crmdesk.services import plans
from crmdesk.services.errors import CrmError, ValidationError
from crmdesk.services.money import format_money
from crmdesk.ui.forms import register_special
from crmdesk.ui.generic.base import FormBase, error_text
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon


class PlansForm(FormBase):
    form_key = "plans:all"

    def __init__(self, shell):
        super().__init__(shell)
        self.setWindowTitle(tr("Планы продаж"))
        self.setWindowIcon(icon("chart"))
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.year.valueChanged.connect(self.reload)
        self.table = QTableWidget(self)
        self.messages = QLabel(self)
        self.messages.setStyleSheet("color: #c62828;")
        save = QPushButton(icon("save"), tr("Записать"), self)
        save.clicked.connect(self.write)
        head = QHBoxLayout()
        head.addWidget(QLabel(tr("Год:")))
        head.addWidget(self.year)
        head.addStretch(1)
        head.addWidget(save)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.messages)
        self.reload()

    def reload(self) -> None:
        year = self.year.value()
        with self.app.uow(read_only=True) as ctx:
            self.managers = ctx.session.execute(
                select(User.id, User.full_name).join(Role, Role.id == User.role_id)
                .where(User.active.is_(True), Role.code.in_(("manager", "head")))
                .order_by(User.full_name)).all()
            known = plans.plans(ctx, date(year, 1, 1), date(year, 12, 1))
        self.table.clear()
        self.table.setRowCount(len(self.managers))
        self.table.setColumnCount(12)
        self.table.setHorizontalHeaderLabels([month_name(year, m) for m in range(1, 13)])
        self.table.setVerticalHeaderLabels([name for _, name in self.managers])
        for r, (uid, _) in enumerate(self.managers):
            for m in range(12):
                value = known.get((uid, date(year, m + 1, 1)))
                item = QTableWidgetItem(format_money(value) if value is not None else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setData(Qt.ItemDataRole.UserRole, item.text())
                self.table.setItem(r, m, item)
        self.messages.clear()

    def write(self) -> bool:
        year = self.year.value()
        try:
            with self.app.uow() as ctx:
                for r, (uid, name) in enumerate(self.managers):
                    for m in range(12):
                        item = self.table.item(r, m)
                        text = item.text().strip()
                        if text == item.data(Qt.ItemDataRole.UserRole):
                            continue  # unchanged
                        amount = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
                        try:
                            plans.set_plan(ctx, uid, date(year, m + 1, 1), amount or "0")
                        except ValidationError as exc:
                            raise ValidationError(
                                f"{name}, {month_name(year, m + 1)}", exc.message) from None
        except CrmError as exc:
            self.messages.setText(error_text(exc))
            return False
        self.reload()
        self.shell.message(tr("Планы продаж записаны"))
        return True


def _open(shell, _target):
    if shell.activate(PlansForm.form_key):
        return None
    return PlansForm(shell)


register_special("plans", _open)
