"""The object form: fields from a declaration, write / write and close, related tabs, history."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services import rights
from crmdesk.services.errors import ConflictError, CrmError, ValidationError
from crmdesk.services.lists import ListState
from crmdesk.ui.generic.base import FormBase, error_list, error_text, show_error
from crmdesk.ui.generic.commandbar import CommandBar
from crmdesk.ui.generic.fields import Editor, Field, make_editor
from crmdesk.ui.generic.registry import entity
from crmdesk.ui.i18n import tr, tr_message
from crmdesk.ui.icons import icon
from crmdesk.ui.shell import office

# commands a read-only form turns off (documents: posting writes the document too)
WRITING_COMMANDS = tuple(
    tr(t) for t in ("Записать", "Записать и закрыть", "Провести", "Провести и закрыть",
                    "Отмена проведения")
)


@dataclass(frozen=True)
class Tab:
    """A related list shown as a tab of the form, filtered to this object."""

    title: str
    entity: str
    fixed: str  # the list's filter key that takes this object's id
    also: dict = field(default_factory=dict)  # further fixed filters (owner_type…)


@dataclass(frozen=True)
class FormCommand:
    icon: str
    text: str
    method: str  # the form's method to call
    shortcut: str | None = None
    needs_saved: bool = True


class ObjectForm(FormBase):
    """Subclasses declare ``entity_name``, ``fields``, ``rows``, ``tabs`` and load/save."""

    saved = Signal(int)

    entity_name = ""
    title_new = ""
    fields: list[Field] = []
    rows: list[list[str]] = []  # the layout: rows of field keys, side by side
    tabs: list[Tab] = []
    commands: list[FormCommand] = []
    history_type: str | None = None  # the audit log's object type: adds a History tab
    attachments_type: str | None = None  # adds a Files tab
    lists_changed: tuple[str, ...] = ()
    first_field: str | None = None  # where the cursor stands when the form opens
    write_permission: str | None = None  # the right to change it; None: the entity's own
    BANNER_STYLE = "background: #fff3c4; color: #5d4300; padding: 4px;"  # why read-only

    def __init__(self, shell, obj_id: int | None = None, initial: dict | None = None, parent=None):
        super().__init__(shell, parent)
        self.obj_id = obj_id
        self.version: int | None = None
        self.modified = False
        self.title = ""
        self.editors: dict[str, Editor] = {}
        self.labels: dict[str, QLabel] = {}  # a field's label and its cell: show_field()
        self.cells: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._error_keys: dict[str, str] = {}
        self.form_key = f"{self.entity_name}:{obj_id}" if obj_id else ""
        self.setWindowIcon(icon(entity(self.entity_name).icon))
        self.bar = CommandBar(self)  # what does not fit goes into «Ещё», never behind «››»
        self.bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.build_commands()
        self.body = QWidget(self)
        self.grid = QGridLayout(self.body)
        self.grid.setColumnStretch(1, 1)
        self.build_fields()
        self.messages = QLabel(self)
        self.messages.setStyleSheet("color: #c62828;")
        self.messages.setWordWrap(True)
        self.messages.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.bar)
        self.read_only_reason: str | None = None  # why the form cannot write (a lock…)
        self.banner = QLabel(self)
        self.banner.setStyleSheet(self.BANNER_STYLE)
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.tab_widget: QTabWidget | None = None
        self.related: list = []
        if self.tabs or self.history_type or self.attachments_type:
            self.tab_widget = QTabWidget(self)
            # many tabs (a client's card) scroll with arrows, each title whole, never «О…»
            self.tab_widget.tabBar().setElideMode(Qt.TextElideMode.ElideNone)
            self.tab_widget.setUsesScrollButtons(True)
            self.tab_widget.addTab(self.body, tr("Основное"))
            layout.addWidget(self.tab_widget, 1)
        else:
            layout.addWidget(self.body)
            layout.addStretch(1)
        self.extend_layout(layout)
        layout.addWidget(self.messages)
        self.app.hub.changed.connect(self._on_changed)
        self.reload(initial)
        if self.no_right():  # read-only before the user tries: no lock taken either
            self.set_read_only(None)
        else:
            office.form_opened(self)  # the object's lock, or read-only: who is editing it

    # --- building ---
    def build_commands(self) -> None:
        self.add_command("save_close", tr("Записать и закрыть"), "Ctrl+Return", self.save_close)
        self.add_command("save", tr("Записать"), "Ctrl+S", self.write)
        for cmd in self.commands:
            self.add_command(
                cmd.icon, tr(cmd.text), cmd.shortcut, lambda _=False, c=cmd: self._run_command(c)
            )
        close = self.add_command("close", tr("Закрыть"), "Esc", self.close_form)
        close.setPriority(QAction.Priority.LowPriority)

    def add_command(self, name: str, text: str, shortcut, slot, bar=True) -> QAction:
        action = QAction(icon(name), text, self)
        if shortcut:
            keys = QKeySequence(shortcut)
            action.setShortcuts(
                [keys, QKeySequence("Ctrl+Enter")] if shortcut == "Ctrl+Return" else [keys]
            )
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{text} ({keys.toString()})")
        action.triggered.connect(slot)
        self.addAction(action)
        if bar:
            self.bar.addAction(action)
        return action

    def build_fields(self) -> None:
        by_key = {f.key: f for f in self.fields}
        for r, keys in enumerate(self.rows):
            for c, key in enumerate(keys):
                f = by_key[key]
                label = QLabel(tr(f.title) + (" *" if f.required else "") + ":")
                editor = make_editor(f, self.shell, self.body)
                editor.edited.connect(self._edited)
                error = QLabel(self.body)
                error.setStyleSheet("color: #c62828; font-size: 9pt;")
                error.setWordWrap(True)
                error.hide()
                cell = QWidget(self.body)
                box = QVBoxLayout(cell)
                box.setContentsMargins(0, 0, 0, 0)
                box.setSpacing(0)
                box.addWidget(editor)
                box.addWidget(error)
                label.setBuddy(editor)
                align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
                self.grid.addWidget(label, r, c * 2, align)
                span = 1 if len(keys) > 1 else 3
                self.grid.addWidget(cell, r, c * 2 + 1, 1, span)
                self.editors[key] = editor
                self.labels[key], self.cells[key] = label, cell
                for name in (f.title, *f.errors_as):
                    self.errors[name] = error
                    self._error_keys[name] = key
        if len(max(self.rows, key=len, default=[])) > 1:
            self.grid.setColumnStretch(3, 1)
        # the spare height goes to multi-line fields (a comment, a description); single-line
        # rows stay compact under each other instead of spreading with their labels on top
        # (a document's table part takes the height there: its comment stays a few lines)
        tall = [] if getattr(self, "has_lines", False) else [
            r for r, keys in enumerate(self.rows)
            if any(by_key[k].kind in ("multiline", "lines") for k in keys)]
        for r in tall:
            self.grid.setRowStretch(r, 1)
            for k in self.rows[r]:
                edit = getattr(self.editors[k], "edit", None)
                if by_key[k].kind in ("multiline", "lines") and edit is not None:
                    edit.setMaximumHeight(16777215)  # QWIDGETSIZE_MAX: grows with the form
        if not tall:
            self.grid.setRowStretch(len(self.rows), 1)

    def show_field(self, key: str, visible: bool, title: str | None = None) -> None:
        """Show or hide a field with its label (the fields that fit a client's kind), and
        give it another title if asked («ОГРНИП» for an ИП)."""
        self.labels[key].setVisible(visible)
        self.cells[key].setVisible(visible)
        if title is not None:
            f = self.editors[key].field
            self.labels[key].setText(tr(title) + (" *" if f.required else "") + ":")

    def extend_layout(self, layout: QVBoxLayout) -> None:
        """Document forms put their table part here."""

    def _build_tabs(self) -> None:
        from crmdesk.ui.generic.listform import ListForm

        if self.tab_widget is None or self.related or self.obj_id is None:
            return
        tabs = list(self.tabs)
        if self.attachments_type:
            tabs.append(
                Tab("Файлы", "attachment", "owner_id", {"owner_type": self.attachments_type})
            )
        if self.history_type:
            tabs.append(Tab("История", "history", "object_id", {"object_type": self.history_type}))
        for tab in tabs:
            state = ListState(fixed={tab.fixed: self.obj_id, **tab.also})
            form = ListForm(self.shell, entity(tab.entity), state, parent=self.tab_widget)
            form.owner_form = self
            self.related.append(form)
            self.tab_widget.addTab(form, icon(entity(tab.entity).icon), tr(tab.title))

    # --- data ---
    def load(self, ctx, obj_id: int) -> tuple[dict, int | None, str]:
        raise NotImplementedError

    def store(self, ctx, obj_id: int | None, values: dict, version: int | None) -> int:
        raise NotImplementedError

    def defaults(self, ctx) -> dict:
        return {}

    def reload(self, initial: dict | None = None) -> None:
        try:
            with self.app.uow() as ctx:
                if self.obj_id is None:
                    values = {**self.defaults(ctx), **self._refs(ctx, initial or {})}
                    self.version, self.title = None, ""
                else:
                    values, self.version, self.title = self.load(ctx, self.obj_id)
        except CrmError as exc:
            show_error(self, exc)
            values = {}
        for key, editor in self.editors.items():
            if key in values:
                editor.set(values[key])
        self.after_load(values)
        self.modified = False
        self._clear_errors()
        self._update_title()
        self._build_tabs()

    def _refs(self, ctx, initial: dict) -> dict:
        """A new object made from a related list gets its owner (client_id…) as a reference."""
        from crmdesk.services import lists

        out = dict(initial)
        for f in self.fields:
            if f.kind != "ref":  # «basis_id» beside a read-only «basis» text stays an id
                continue
            raw = out.pop(f"{f.key}_id", None)
            if raw is not None and f.key not in out:
                spec = lists.spec(entity(f.ref).list_name)
                out[f.key] = (raw, lists.display(ctx, spec, raw))
        return out

    def after_load(self, values: dict) -> None:
        """Document forms fill their table part from ``values``."""

    def related_defaults(self, entity_name: str) -> dict:
        """Values a new object made in one of this form's tabs starts with (``*_id`` keys
        become references), besides the tab's own filter."""
        return {}

    def values(self) -> dict:
        return {
            key: editor.get() for key, editor in self.editors.items() if not editor.field.readonly
        }

    def current_client(self) -> int | None:
        if self.entity_name == "client":
            return self.obj_id
        editor = self.editors.get("client")
        return editor.get() if editor is not None and editor.field.kind == "ref" else None

    def _edited(self) -> None:
        if "client" in self.editors and self.entity_name != "client":
            client_id = self.current_client()  # a client chosen (F4, type-ahead): the card
            if client_id is not None and client_id != getattr(self, "_card_client", None):
                self._card_client = client_id
                if hasattr(self.shell, "client_selected"):
                    self.shell.client_selected(client_id)
        if not self.modified:
            self.modified = True
            self._update_title()

    def _update_title(self) -> None:
        title = self.title or tr(self.title_new)
        self.setWindowTitle(title + (" *" if self.modified else ""))
        if self.parentWidget() is not None and hasattr(self.parentWidget(), "setWindowTitle"):
            self.parentWidget().setWindowTitle(self.windowTitle())

    # --- writing ---
    def write(self) -> bool:
        self._clear_errors()
        if self.read_only_reason:
            self._show_errors(CrmError(self.read_only_reason))
            return False
        try:
            with self.app.uow() as ctx:
                self.obj_id = self.store(ctx, self.obj_id, self.values(), self.version)
        except ConflictError as exc:
            self._conflict(exc)
            return False
        except CrmError as exc:
            self._show_errors(exc)
            return False
        self.form_key = f"{self.entity_name}:{self.obj_id}"
        self.reload()
        office.form_written(self)
        client_id = self.current_client()
        if client_id is not None and hasattr(self.shell, "client_selected"):
            self.shell.client_selected(client_id)  # the card of what was just written
        self.app.changed(*self.lists_changed)
        self.saved.emit(self.obj_id)
        self.shell.message(tr("Записано: {0}").format(self.title))
        return True

    def save_close(self) -> None:
        if self.write():
            self.modified = False
            self.close_form()

    def close_form(self) -> None:
        target = self.parentWidget() if self.shell.is_hosted(self) else self
        target.close()

    def _run_command(self, cmd: FormCommand) -> None:
        if cmd.needs_saved and (self.obj_id is None or self.modified):
            if not self.write():
                return
        try:
            getattr(self, cmd.method)()
        except CrmError as exc:
            show_error(self, exc)

    def _conflict(self, exc: ConflictError) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("Данные изменены другим пользователем"),
            error_text(exc),
            parent=self,
        )
        reread = box.addButton(tr("Перечитать"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(tr("Продолжить редактирование"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is reread:
            self.reload()

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.hide()
        for editor in self.editors.values():
            editor.setStyleSheet("")
        self.messages.hide()

    def _show_errors(self, exc: CrmError) -> None:
        lines, first = [], None
        for err in error_list(exc):
            lines.append(error_text(err))  # in the interface's language
            if isinstance(err, ValidationError):
                label = self.errors.get(err.field)
                if label is not None:
                    label.setText(tr_message(err.message) if err.row is None else lines[-1])
                    label.show()
                    editor = self.editors[self._key_of(err.field)]
                    editor.setStyleSheet("QLineEdit, QPlainTextEdit { border: 1px solid #c62828; }")
                    first = first or editor
        self.messages.setText("\n".join(lines))
        self.messages.show()
        if first is not None:
            first.setFocus()

    def _key_of(self, title: str) -> str:
        return self._error_keys[title]

    def field_error(self, title: str) -> str | None:
        label = self.errors.get(title)
        return label.text() if label is not None and not label.isHidden() else None

    def _on_changed(self, name: str) -> None:
        office.form_changed(self, name)  # saved elsewhere: reread, or say so if edited here

    def no_right(self) -> str | None:
        """Why this user may only look: the form's catalogue right (``write_permission``, by
        default the entity's create permission) is not among the user's. The rules layer
        refuses such a write anyway; the form says so before the user tries."""
        perm = self.write_permission or entity(self.entity_name).create_permission
        if perm in (rights.ADMIN, rights.CATALOG) and not self.app.can(perm):
            return tr("Только просмотр: нет права «{0}».").format(tr(rights.PERMISSIONS[perm]))
        return None

    def set_read_only(self, reason: str | None) -> None:
        """Read-only with ``reason`` in a banner (another user is editing the object, the
        session was ended); None makes the form editable again. The data stays on screen."""
        reason = reason or self.no_right()  # a missing right outlives a lock released
        self.read_only_reason = reason
        self.banner.setStyleSheet(self.BANNER_STYLE)
        self.banner.setText(reason or "")
        self.banner.setVisible(bool(reason))
        for editor in self.editors.values():
            editable = not reason and not editor.field.readonly
            edit, button = getattr(editor, "edit", None), getattr(editor, "button", None)
            if hasattr(edit, "setReadOnly"):
                edit.setReadOnly(not editable)
            else:
                editor.setEnabled(editable)
            if button is not None:
                button.setEnabled(editable)
        for view in self.body.findChildren(QAbstractItemView):
            if not hasattr(view, "_editable_triggers"):
                view._editable_triggers = view.editTriggers()
            view.setEditTriggers(
                QAbstractItemView.EditTrigger.NoEditTriggers if reason
                else view._editable_triggers
            )
        for action in self.bar.actions():
            if action.text() in WRITING_COMMANDS:
                action.setEnabled(not reason)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        if not getattr(self, "_focused", False):
            self._focused = True
            key = self.first_field or next(
                (f.key for f in self.fields if not f.readonly and f.key in self.editors), None
            )
            if key:
                self.editors[key].setFocus()

    def can_close(self) -> bool:
        if not self.modified:
            return True
        answer = QMessageBox.question(
            self,
            tr("crmdesk"),
            tr("Данные были изменены. Сохранить изменения?"),
            QMessageBox.StandardButton.Yes
            | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            return self.write()
        return answer == QMessageBox.StandardButton.No

    def closeEvent(self, event):  # noqa: N802
        if not self.can_close():
            event.ignore()
            return
        for form in self.related:
            form.save_state()
        office.form_closed(self)
        super().closeEvent(event)
