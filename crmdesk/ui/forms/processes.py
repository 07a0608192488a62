"""«Процессы и правила»: the processes of deals — stages (name, colour, probability, order,
final, refusal), allowed transitions, refusal reasons and event rules — edited in one form
and written together by «Записать» (services.processes)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
)

from crmdesk.services import processes
from crmdesk.services.errors import CrmError
from crmdesk.ui.forms import register_special
from crmdesk.ui.generic.base import FormBase, error_text
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon

STAGE_COLUMNS = ["Этап", "Код", "Цвет", "Вероятность, %", "Финальный", "Отказ"]
# «Этап», «Шаблон», «Задача»: what the action needs (a move, a letter/SMS, a task)
RULE_COLUMNS = ["Правило", "Событие", "Дней", "Действие", "Этап", "Шаблон", "Задача",
                "Активно"]
TEMPLATE, TASK, ACTIVE = (RULE_COLUMNS.index(c) for c in ("Шаблон", "Задача", "Активно"))


def _check(checked: bool) -> QTableWidgetItem:
    item = QTableWidgetItem()
    item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    return item


def _checked(item) -> bool:
    return item is not None and item.checkState() == Qt.CheckState.Checked


def _text(table: QTableWidget, row: int, col: int) -> str:
    item = table.item(row, col)
    return item.text().strip() if item is not None else ""


class ProcessesForm(FormBase):
    form_key = "processes:all"

    def __init__(self, shell):
        super().__init__(shell)
        self.setWindowTitle(tr("Процессы и правила"))
        self.setWindowIcon(icon("kanban"))
        self.process_id: int | None = None
        self.list = QListWidget(self)
        self.list.setMaximumWidth(220)
        self.list.currentItemChanged.connect(self._chosen)
        add = QPushButton(tr("Добавить процесс"), self)
        add.clicked.connect(self.new_process)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(add)
        self.name = QLineEdit(self)
        self.is_default = QCheckBox(tr("Основной (новые сделки)"), self)
        self.stages = QTableWidget(0, len(STAGE_COLUMNS), self)
        self.stages.setHorizontalHeaderLabels([tr(c) for c in STAGE_COLUMNS])
        self.stages.horizontalHeader().setStretchLastSection(False)
        self.stages.setColumnWidth(0, 200)
        self.stages.itemChanged.connect(self._paint_color)
        self.edges = QTableWidget(0, 0, self)
        self.reasons = QPlainTextEdit(self)
        self.reasons.setPlaceholderText(tr("Одна причина в строке"))
        self.rules = QTableWidget(0, len(RULE_COLUMNS), self)
        self.rules.setHorizontalHeaderLabels([tr(c) for c in RULE_COLUMNS])
        for column, width in ((0, 240), (1, 210), (2, 50), (3, 200), (4, 130),
                              (TEMPLATE, 220), (TASK, 220)):
            self.rules.setColumnWidth(column, width)
        tabs = QTabWidget(self)
        tabs.addTab(self._with_buttons(self.stages, self._stage_buttons()), tr("Этапы"))
        tabs.addTab(self.edges, tr("Переходы"))
        tabs.addTab(self.reasons, tr("Причины отказа"))
        tabs.addTab(self._with_buttons(self.rules, self._rule_buttons()), tr("Правила"))
        self.tabs = tabs
        tabs.currentChanged.connect(
            lambda i: self._edges_from(set(self.edge_pairs())) if i == 1 else None)
        self.messages = QLabel(self)
        self.messages.setStyleSheet("color: #c62828;")
        self.messages.setWordWrap(True)
        save = QPushButton(icon("save"), tr("Записать"), self)
        save.setShortcut("Ctrl+S")
        save.clicked.connect(self.write)
        head = QHBoxLayout()
        head.addWidget(QLabel(tr("Наименование:")))
        head.addWidget(self.name, 1)
        head.addWidget(self.is_default)
        head.addWidget(save)
        right = QVBoxLayout()
        right.addLayout(head)
        right.addWidget(tabs, 1)
        right.addWidget(self.messages)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        self.reload()

    def _with_buttons(self, table, buttons):
        from PySide6.QtWidgets import QWidget

        page = QWidget(self)
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(buttons)
        box.addWidget(table, 1)
        return page

    def _stage_buttons(self):
        row = QHBoxLayout()
        for text, slot in (("Добавить этап", self.add_stage), ("Удалить", self.remove_stage),
                           ("Выше", lambda: self.shift_stage(-1)),
                           ("Ниже", lambda: self.shift_stage(1))):
            b = QPushButton(tr(text), self)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        return row

    def _rule_buttons(self):
        row = QHBoxLayout()
        add = QPushButton(tr("Добавить правило"), self)
        add.clicked.connect(lambda: self.add_rule({}))
        remove = QPushButton(tr("Удалить"), self)
        remove.clicked.connect(lambda: self.rules.removeRow(self.rules.currentRow()))
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        return row

    # --- reading ---
    def reload(self, select_id: int | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        with self.app.uow(read_only=True) as ctx:
            for p in processes.processes(ctx):
                item = QListWidgetItem(p.name + (" ★" if p.is_default else ""))
                item.setData(Qt.ItemDataRole.UserRole, p.id)
                self.list.addItem(item)
        self.list.blockSignals(False)
        ids = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]
        want = select_id if select_id in ids else (ids[0] if ids else None)
        if want is not None:
            self.list.setCurrentRow(ids.index(want))
            self.load(want)

    def _chosen(self, item, _previous=None) -> None:
        if item is not None:
            self.load(item.data(Qt.ItemDataRole.UserRole))

    def load(self, process_id: int | None) -> None:
        self.process_id = process_id
        self.messages.clear()
        stages, edges, reasons, rules = [], set(), [], []
        name, default = "", False
        if process_id is not None:
            with self.app.uow(read_only=True) as ctx:
                p = processes.get_process(ctx, process_id)
                name, default = p.name, p.is_default
                stages = [{"id": s.id, "name": s.name, "code": s.code, "color": s.color,
                           "probability": s.probability, "is_final": s.is_final,
                           "is_refusal": s.is_refusal} for s in p.stages]
                codes = {s.id: s.code for s in p.stages}
                edges = {(codes[a], codes[b]) for a, b in processes.transitions(ctx, p.id)}
                reasons = processes.reasons(ctx, p.id)
                rules = [{"id": r.id, "name": r.name, "event": r.event, "days": r.days,
                          "action": r.action, "stage": codes.get(r.stage_id),
                          "task_title": r.task_title, "active": r.active,
                          "template_id": r.template_id, "task_days": r.task_days}
                         for r in processes.rules(ctx, p.id)]
        self.name.setText(name)
        self.is_default.setChecked(default)
        self.stages.setRowCount(0)
        for s in stages:
            self.add_stage(s)
        self._edges_from(edges)
        self.reasons.setPlainText("\n".join(reasons))
        self.rules.setRowCount(0)
        for r in rules:
            self.add_rule(r)

    # --- stages ---
    def add_stage(self, s: dict | None = None) -> None:
        s = s or {}
        self.stages.blockSignals(True)
        row = self.stages.rowCount()
        self.stages.insertRow(row)
        first = QTableWidgetItem(s.get("name", ""))
        first.setData(Qt.ItemDataRole.UserRole, s.get("id"))
        self.stages.setItem(row, 0, first)
        self.stages.setItem(row, 1, QTableWidgetItem(s.get("code", "")))
        self.stages.setItem(row, 2, QTableWidgetItem(s.get("color") or ""))
        prob = s.get("probability")
        self.stages.setItem(row, 3, QTableWidgetItem("" if prob is None else str(prob)))
        self.stages.setItem(row, 4, _check(s.get("is_final", False)))
        self.stages.setItem(row, 5, _check(s.get("is_refusal", False)))
        self.stages.blockSignals(False)
        self._paint_color(self.stages.item(row, 2))

    def _paint_color(self, item) -> None:
        if item is not None and item.column() == 2:
            color = QColor(item.text().strip())
            item.setBackground(color if color.isValid() else QColor("white"))

    def remove_stage(self) -> None:
        self.stages.removeRow(self.stages.currentRow())

    def shift_stage(self, step: int) -> None:
        row = self.stages.currentRow()
        other = row + step
        if row < 0 or not 0 <= other < self.stages.rowCount():
            return
        self.stages.blockSignals(True)
        for col in range(self.stages.columnCount()):
            a, b = self.stages.takeItem(row, col), self.stages.takeItem(other, col)
            self.stages.setItem(row, col, b)
            self.stages.setItem(other, col, a)
        self.stages.blockSignals(False)
        self.stages.setCurrentCell(other, 0)

    def stage_rows(self) -> list[dict]:
        out = []
        for row in range(self.stages.rowCount()):
            out.append({
                "id": self.stages.item(row, 0).data(Qt.ItemDataRole.UserRole),
                "name": _text(self.stages, row, 0), "code": _text(self.stages, row, 1),
                "color": _text(self.stages, row, 2), "probability": _text(self.stages, row, 3),
                "is_final": _checked(self.stages.item(row, 4)),
                "is_refusal": _checked(self.stages.item(row, 5)),
            })
        return out

    # --- transitions: a matrix from (rows) → to (columns) ---
    def _edges_from(self, edges: set[tuple[str, str]]) -> None:
        rows = self.stage_rows()
        names = [r["name"] for r in rows]
        self.edge_codes = [r["code"] for r in rows]
        self.edges.clear()
        self.edges.setRowCount(len(rows))
        self.edges.setColumnCount(len(rows))
        self.edges.setHorizontalHeaderLabels(names)
        self.edges.setVerticalHeaderLabels([f"{n} →" for n in names])
        for i, a in enumerate(self.edge_codes):
            for j, b in enumerate(self.edge_codes):
                item = _check((a, b) in edges)
                if i == j:
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.edges.setItem(i, j, item)

    def edge_pairs(self) -> list[tuple[str, str]]:
        codes = getattr(self, "edge_codes", [])
        return [(codes[i], codes[j]) for i in range(len(codes)) for j in range(len(codes))
                if i != j and _checked(self.edges.item(i, j))]

    # --- rules ---
    def add_rule(self, r: dict) -> None:
        row = self.rules.rowCount()
        self.rules.insertRow(row)
        first = QTableWidgetItem(r.get("name", ""))
        first.setData(Qt.ItemDataRole.UserRole, r.get("id"))
        first.setData(Qt.ItemDataRole.UserRole + 1, (r.get("template_id"), r.get("task_days")))
        self.rules.setItem(row, 0, first)
        event = QComboBox(self.rules)
        for key, title in processes.EVENTS.items():
            event.addItem(tr(title), key)
        event.setCurrentIndex(max(event.findData(r.get("event", "invoice_posted")), 0))
        self.rules.setCellWidget(row, 1, event)
        days = r.get("days")
        self.rules.setItem(row, 2, QTableWidgetItem("" if days is None else str(days)))
        action = QComboBox(self.rules)
        for key, title in processes.ACTIONS.items():
            action.addItem(tr(title), key)
        action.setCurrentIndex(max(action.findData(r.get("action", "move")), 0))
        self.rules.setCellWidget(row, 3, action)
        stage = QComboBox(self.rules)
        stage.addItem("", None)
        for s in self.stage_rows():
            stage.addItem(s["name"], s["code"])
        stage.setCurrentIndex(max(stage.findData(r.get("stage")), 0))
        self.rules.setCellWidget(row, 4, stage)
        self.rules.setItem(row, TASK, QTableWidgetItem(r.get("task_title") or ""))
        template = QComboBox(self.rules)  # the letter or SMS an «отправить» rule sends
        template.addItem("", None)
        for tpl_id, title in self._templates():
            template.addItem(title, tpl_id)
        template.setCurrentIndex(max(template.findData(r.get("template_id")), 0))
        self.rules.setCellWidget(row, TEMPLATE, template)
        self.rules.setItem(row, ACTIVE, _check(r.get("active", True)))

    def _templates(self) -> list[tuple[int, str]]:
        if getattr(self, "_template_items", None) is None:
            from crmdesk.models.comms import CHANNELS
            from crmdesk.services import templates

            with self.app.uow() as ctx:
                self._template_items = [(t.id, f"{t.name} ({CHANNELS[t.channel]})")
                                        for t in templates.list_templates(ctx)]
        return self._template_items

    # --- writing ---
    def write(self) -> bool:
        self.messages.clear()
        try:
            with self.app.uow() as ctx:
                p = processes.save_process(ctx, {
                    "name": self.name.text(), "is_default": self.is_default.isChecked(),
                    "stages": self.stage_rows(), "reasons": self.reasons.toPlainText()
                    .splitlines()}, self.process_id)
                ctx.session.refresh(p)
                processes.save_process(ctx, {"name": p.name, "transitions": self.edge_pairs()},
                                       p.id)
                self._write_rules(ctx, p)
                self.process_id = p.id
        except CrmError as exc:
            self.messages.setText(error_text(exc))
            return False
        self.app.changed("deals")
        self.reload(self.process_id)
        self.shell.message(tr("Записано: процесс «{0}»").format(self.name.text()))
        return True

    def _write_rules(self, ctx, p) -> None:
        by_code = {s.code: s.id for s in p.stages}
        kept = set()
        for row in range(self.rules.rowCount()):
            first = self.rules.item(row, 0)
            _, task_days = first.data(Qt.ItemDataRole.UserRole + 1) or (None, None)
            template_id = self.rules.cellWidget(row, TEMPLATE).currentData()
            days = _text(self.rules, row, 2)
            try:
                days = int(days) if days else None
            except ValueError:
                from crmdesk.services.errors import ValidationError

                raise ValidationError("Дней", f"«{days}» — не число", row + 1) from None
            rule = processes.save_rule(ctx, {
                "process_id": p.id, "name": first.text(),
                "event": self.rules.cellWidget(row, 1).currentData(), "days": days,
                "action": self.rules.cellWidget(row, 3).currentData(),
                "stage_id": by_code.get(self.rules.cellWidget(row, 4).currentData()),
                "task_title": _text(self.rules, row, TASK), "task_days": task_days,
                "template_id": template_id, "active": _checked(self.rules.item(row, ACTIVE)),
            }, first.data(Qt.ItemDataRole.UserRole))
            kept.add(rule.id)
        for rule in processes.rules(ctx, p.id):
            if rule.id not in kept:
                processes.delete_rule(ctx, rule.id)

    def new_process(self) -> None:
        self.list.clearSelection()
        self.load(None)
        self.name.setText(tr("Новый процесс"))
        for name, code in (("Новый", "new"), ("В работе", "work"), ("Завершён", "done")):
            self.add_stage({"name": tr(name), "code": code, "is_final": code == "done"})
        self._edges_from({("new", "work"), ("work", "done")})


def _open(shell, _target):
    if shell.activate(ProcessesForm.form_key):
        return None  # the open one is brought forward
    return ProcessesForm(shell)


register_special("processes", _open)
