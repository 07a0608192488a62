"""Field declarations and the editors the object and document forms build from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QDate, QDateTime, QSignalBlocker, QStringListModel, Qt, QTime, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from crmdesk.services import lists
from crmdesk.services.lists import ListState
from crmdesk.services.money import format_money
from crmdesk.ui.generic.registry import entity
from crmdesk.ui.i18n import tr

EMPTY_DATE = QDate(1900, 1, 1)


@dataclass(frozen=True)
class Field:
    key: str
    title: str
    # text multiline int money percent date datetime bool choice ref refs lines link
    kind: str = "text"
    choices: dict | None = None  # choice: stored value → shown text
    ref: str | None = None  # ref: the entity name whose list chooses the value
    required: bool = False
    readonly: bool = False
    width: int | None = None
    hint: str = ""
    errors_as: tuple[str, ...] = ()  # other field names the business layer reports this under


def ref_value(obj, attr: str = "name"):
    """What a reference field holds for ``obj``: (id, shown text), or None."""
    return (obj.id, getattr(obj, attr)) if obj is not None else None


class Editor(QWidget):
    """One field's editor: get()/set() plain values, ``edited`` when the user changes it."""

    edited = Signal()

    def __init__(self, field: Field, shell=None, parent=None):
        super().__init__(parent)
        self.field, self.shell = field, shell
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(2)

    def focus_widget(self) -> QWidget:
        return self

    def get(self):
        raise NotImplementedError

    def set(self, value) -> None:
        raise NotImplementedError


class TextEditor(Editor):
    def __init__(self, field, shell=None, parent=None, password=False):
        super().__init__(field, shell, parent)
        self.edit = QLineEdit(self)
        if password:
            self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        if field.hint:
            self.edit.setPlaceholderText(tr(field.hint))
        self.edit.setReadOnly(field.readonly)
        self.edit.textEdited.connect(lambda _t: self.edited.emit())
        self.layout_.addWidget(self.edit)
        self.setFocusProxy(self.edit)

    def get(self):
        text = self.edit.text().strip()
        if self.field.kind in ("money", "percent"):
            if not text:
                return None
            try:
                return Decimal(text.replace(" ", "").replace("\xa0", "").replace(",", "."))
            except InvalidOperation:
                return text  # the business layer names the field and says it is not a number
        return text

    def set(self, value) -> None:
        if self.field.kind == "money" and value is not None:
            value = format_money(value)
        elif self.field.kind == "percent" and value is not None:
            value = f"{Decimal(value).normalize():f}".replace(".", ",")
        self.edit.setText("" if value is None else str(value))


class MultilineEditor(Editor):
    def __init__(self, field, shell=None, parent=None):
        super().__init__(field, shell, parent)
        self.edit = QPlainTextEdit(self)
        self.edit.setTabChangesFocus(True)
        self.edit.setMaximumHeight(90 if field.kind == "multiline" else 70)
        self.edit.setReadOnly(field.readonly)
        if field.hint:
            self.edit.setPlaceholderText(tr(field.hint))
        self.edit.textChanged.connect(self.edited.emit)
        self.layout_.addWidget(self.edit)
        self.setFocusProxy(self.edit)

    def get(self):
        text = self.edit.toPlainText()
        if self.field.kind == "lines":
            return [line.strip() for line in text.splitlines() if line.strip()]
        return text.strip()

    def set(self, value) -> None:
        with QSignalBlocker(self.edit):
            if isinstance(value, list | tuple):
                value = "\n".join(value)
            self.edit.setPlainText(value or "")


class IntEditor(Editor):
    def __init__(self, field, shell=None, parent=None):
        super().__init__(field, shell, parent)
        self.edit = QSpinBox(self)
        self.edit.setRange(0, 100000)
        self.edit.valueChanged.connect(lambda _v: self.edited.emit())
        self.layout_.addWidget(self.edit)
        self.setFocusProxy(self.edit)

    def get(self):
        return self.edit.value()

    def set(self, value) -> None:
        with QSignalBlocker(self.edit):
            self.edit.setValue(int(value or 0))


class DateEditor(Editor):
    """A date you can type, pick in a calendar, move by a day with + and -; empty allowed.

    A new editor is empty (never Qt's 01.01.2000); Shift+F4 or Delete clears it; typing a
    digit, ↑/↓, + or - in an empty one starts from today, and the calendar opens on today.
    """

    def __init__(self, field, shell=None, parent=None):
        super().__init__(field, shell, parent)
        with_time = field.kind == "datetime"
        self.edit = QDateTimeEdit(self) if with_time else QDateEdit(self)
        self.edit.setDisplayFormat("dd.MM.yyyy HH:mm" if with_time else "dd.MM.yyyy")
        self.edit.setCalendarPopup(True)
        self.edit.setMinimumDate(EMPTY_DATE)
        self.edit.setSpecialValueText(" ")
        self.edit.setDateTime(QDateTime(EMPTY_DATE, QTime(0, 0)))
        self.edit.setReadOnly(field.readonly)
        self.edit.installEventFilter(self)
        self.edit.calendarWidget().installEventFilter(self)
        if with_time:
            self.edit.dateTimeChanged.connect(lambda _v: self.edited.emit())
        else:
            self.edit.dateChanged.connect(lambda _v: self.edited.emit())
        QShortcut(
            QKeySequence("Shift+F4"),
            self.edit,
            self.clear,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.layout_.addWidget(self.edit)
        self.setFocusProxy(self.edit)

    def is_empty(self) -> bool:
        return self.edit.date() == EMPTY_DATE

    def clear(self) -> None:
        if not self.field.readonly and not self.is_empty():
            self.edit.setDateTime(QDateTime(EMPTY_DATE, QTime(0, 0)))

    def _start_today(self) -> None:
        now = QDateTime.currentDateTime()
        self.edit.setDateTime(QDateTime(now.date(), QTime(now.time().hour(), 0)))

    def eventFilter(self, obj, event):  # noqa: N802
        if obj is not self.edit:  # the calendar popup of an empty field shows this month
            if event.type() == event.Type.Show and self.is_empty():
                obj.setSelectedDate(QDate.currentDate())
            return super().eventFilter(obj, event)
        if event.type() != event.Type.KeyPress or self.field.readonly:
            return super().eventFilter(obj, event)
        key, text = event.key(), event.text()
        if text in ("+", "-"):
            if self.is_empty():
                self._start_today()
            else:
                self.edit.setDate(self.edit.date().addDays(1 if text == "+" else -1))
            return True
        if key == Qt.Key.Key_Delete and not event.modifiers():
            self.clear()
            return True
        if self.is_empty() and (text.isdigit() or key in (Qt.Key.Key_Up, Qt.Key.Key_Down)):
            self._start_today()
            self.edit.setCurrentSectionIndex(0)
            self.edit.setSelectedSection(self.edit.sectionAt(0))
            return key in (Qt.Key.Key_Up, Qt.Key.Key_Down)  # a digit goes on into the day
        return super().eventFilter(obj, event)

    def get(self):
        if self.is_empty():
            return None
        d = self.edit.date().toPython()
        if self.field.kind == "datetime":
            t = self.edit.time().toPython()
            return datetime.combine(d, t).astimezone()
        return d

    def set(self, value) -> None:
        with QSignalBlocker(self.edit):
            if value is None:
                self.edit.setDateTime(QDateTime(EMPTY_DATE, QTime(0, 0)))
            elif isinstance(value, datetime):
                local = value.astimezone()
                self.edit.setDateTime(
                    QDateTime(
                        QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)
                    )
                )
            elif isinstance(value, date):
                self.edit.setDate(QDate(value.year, value.month, value.day))
                if self.field.kind == "datetime":
                    self.edit.setTime(QTime(12, 0))


class BoolEditor(Editor):
    def __init__(self, field, shell=None, parent=None):
        super().__init__(field, shell, parent)
        self.edit = QCheckBox(self)
        note = None
        if field.hint:  # a check box's hint: a short explanation beside it
            text = tr(field.hint)
            if len(text) <= 48:
                self.edit.setText(text)
            else:  # a long one wraps beside the box instead of widening the whole form
                note = QLabel(text, self)
                note.setWordWrap(True)
                note.mousePressEvent = lambda _event: self.edit.toggle()
                self.edit.setAccessibleName(text)  # what a screen reader says of the box
        self.note = note
        self.edit.toggled.connect(lambda _v: self.edited.emit())
        self.layout_.addWidget(self.edit)
        if note is not None:
            self.layout_.addWidget(note, 1)
        self.setFocusProxy(self.edit)

    def get(self):
        return self.edit.isChecked()

    def set(self, value) -> None:
        with QSignalBlocker(self.edit):
            self.edit.setChecked(bool(value))


def find_data(combo: QComboBox, value) -> int:
    """The index of ``value`` among a combo box's data by Python equality (Qt's findData
    compares Python objects by identity: Decimal("22.00") is not found as Decimal("22"))."""
    for i in range(combo.count()):
        if combo.itemData(i) == value:
            return i
    return -1


class ChoiceEditor(Editor):
    def __init__(self, field, shell=None, parent=None):
        super().__init__(field, shell, parent)
        self.edit = QComboBox(self)
        # the longest item («Индивидуальный предприниматель») does not widen the form: the
        # combo takes the width its row gives it, the list drops down as wide as it needs
        self.edit.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.edit.setMinimumContentsLength(8)
        for value, text in (field.choices or {}).items():
            self.edit.addItem(tr(text), value)
        self.edit.currentIndexChanged.connect(lambda _i: self.edited.emit())
        self.layout_.addWidget(self.edit)
        self.setFocusProxy(self.edit)

    def get(self):
        return self.edit.currentData()

    def set(self, value) -> None:
        with QSignalBlocker(self.edit):
            found = find_data(self.edit, value)
            if found < 0 and value not in (None, ""):  # a stored value the list lacks stays
                self.edit.addItem(str(value), value)
                found = self.edit.count() - 1
            self.edit.setCurrentIndex(max(0, found))


class RefEditor(Editor):
    """A reference: type-ahead by text, «…» (F4) opens the choice list, Shift+F4 clears."""

    TYPEAHEAD = 12

    def __init__(self, field, shell=None, parent=None):
        super().__init__(field, shell, parent)
        self.value: int | None = None
        self.text = ""
        self.fixed: dict = {}
        self.choosing = False
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(tr("введите часть наименования"))
        self.button = QToolButton(self)
        self.button.setText("…")
        self.button.setToolTip(tr("Выбрать из списка (F4)"))
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.choose)
        self._model = QStringListModel(self)
        self._ids: dict[str, int] = {}
        self.completer = QCompleter(self._model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.activated[str].connect(self._completed)
        self.edit.setCompleter(self.completer)
        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self._finished)
        self.edit.setReadOnly(field.readonly)
        self.button.setEnabled(not field.readonly)
        QShortcut(
            QKeySequence(Qt.Key.Key_F4),
            self.edit,
            self.choose,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        QShortcut(
            QKeySequence("Shift+F4"),
            self.edit,
            self.clear,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self.layout_.addWidget(self.edit, 1)
        self.layout_.addWidget(self.button)
        self.setFocusProxy(self.edit)

    def _entity(self):
        return entity(self.field.ref)

    def _typed(self, text: str) -> None:
        if len(text.strip()) < 2 or self.shell is None:
            return
        spec = lists.spec(self._entity().list_name)
        state = ListState(search=text, show_marked=False, fixed=dict(self.fixed))
        with self.shell.app.uow() as ctx:
            total = lists.count(ctx, spec, state)
            rows = lists.fetch(ctx, spec, state, 0, self.TYPEAHEAD, total)
        self._ids = {spec.display(r.values): r.id for r in rows}
        self._model.setStringList(list(self._ids))

    def _completed(self, text: str) -> None:
        if text in self._ids:
            self.set_ref(self._ids[text], text)

    def _finished(self) -> None:
        text = self.edit.text().strip()
        if not text:
            if self.value is not None:
                self.clear()
        elif text != self.text:
            if text in self._ids:
                self.set_ref(self._ids[text], text)
            elif len(self._ids) == 1:
                only = next(iter(self._ids))
                self.set_ref(self._ids[only], only)
            else:
                self.edit.setText(self.text)  # an unknown text never silently becomes a value

    def choose(self) -> None:
        from crmdesk.ui.generic.listform import ChoiceDialog

        if self.field.readonly or self.shell is None:
            return
        self.choosing = True  # a table cell's editor stays open while its choice list is
        try:
            self._choose(ChoiceDialog)
        finally:
            self.choosing = False

    def _choose(self, choice_dialog) -> None:
        dialog = choice_dialog(self.shell, self._entity(), "", self)
        if self.fixed:
            dialog.form.model.state.fixed = dict(self.fixed)
            dialog.form.model.refresh()
        if self.value is not None:
            row = dialog.form.model.find_row(self.value)
            if row is not None:
                dialog.form.view.selectRow(row)
        if dialog.exec() and dialog.result_id is not None:
            self.set_ref(dialog.result_id, dialog.result_text)

    def clear(self) -> None:
        self.set_ref(None, "")

    def set_ref(self, value: int | None, text: str) -> None:
        changed = value != self.value
        self.value, self.text = value, text
        self.edit.setText(text)
        if changed:
            self.edited.emit()

    def get(self):
        return self.value

    def set(self, value) -> None:
        """``value`` is (id, text) or None."""
        if value is None:
            self.value, self.text = None, ""
        else:
            self.value, self.text = value
        self.edit.setText(self.text)


def _same(text: str) -> str:
    return " ".join(text.split()).casefold().replace("ё", "е")


class _LastPartCompleter(QCompleter):
    """Completes the part after the last comma: «Оптовые, V» → «Оптовые, VIP»."""

    def splitPath(self, path: str) -> list[str]:  # noqa: N802
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index) -> str:  # noqa: N802
        head = self.widget().text().rsplit(",", 1)
        chosen = super().pathFromIndex(index)
        return f"{head[0]}, {chosen}" if len(head) > 1 else chosen


class RefsEditor(Editor):
    """Several references (a client's groups): chosen from the catalogue, never created by
    typing. Names are typed with commas and completed from the catalogue, «…» (F4) adds one
    from the choice list (whose «Создать» only a user with the right sees), Shift+F4 clears.
    A typed name the catalogue does not have is refused with a message, not added."""

    LIMIT = 500

    def __init__(self, field, shell=None, parent=None):
        super().__init__(field, shell, parent)
        self.value: list[tuple[int, str]] = []
        self.refused: list[str] = []
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(tr("выберите из списка (F4) или начните вводить"))
        self.button = QToolButton(self)
        self.button.setText("…")
        self.button.setToolTip(tr("Выбрать из списка (F4)"))
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.choose)
        self._names: dict[str, tuple[int, str]] | None = None
        self._model = QStringListModel(self)
        self.completer = _LastPartCompleter(self._model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(self.completer)
        self.completer.activated[str].connect(self._completed)
        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self._finished)
        self.edit.setReadOnly(field.readonly)
        self.button.setEnabled(not field.readonly)
        QShortcut(QKeySequence(Qt.Key.Key_F4), self.edit, self.choose,
                  context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence("Shift+F4"), self.edit, self.clear,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.layout_.addWidget(self.edit, 1)
        self.layout_.addWidget(self.button)
        self.setFocusProxy(self.edit)

    def catalogue(self) -> dict[str, tuple[int, str]]:
        """The catalogue's entries (not marked for deletion) by their compared name."""
        if self._names is None:
            self._names = {}
            if self.shell is not None:
                spec = lists.spec(entity(self.field.ref).list_name)
                state = ListState(show_marked=False)
                with self.shell.app.uow(read_only=True) as ctx:
                    rows = lists.fetch(ctx, spec, state, 0, self.LIMIT, self.LIMIT)
                for r in rows:
                    text = spec.display(r.values) if spec.display else str(r.id)
                    self._names[_same(text)] = (r.id, text)
            self._model.setStringList([text for _id, text in self._names.values()])
        return self._names

    def _typed(self, text: str) -> None:
        if self._names is None:
            self.catalogue()
            if text.rsplit(",", 1)[-1].strip():
                self.completer.setCompletionPrefix(self.completer.splitPath(text)[0])
                self.completer.complete()

    def _completed(self, text: str) -> None:
        self.edit.setText(text)
        self._finished()

    def _finished(self) -> None:
        names = self.catalogue()
        chosen, refused = [], []
        for part in self.edit.text().split(","):
            if not part.strip():
                continue
            found = names.get(_same(part))
            if found is None:
                refused.append(part.strip())
            elif found not in chosen:
                chosen.append(found)
        self.refused = refused
        if refused and self.shell is not None:
            title = tr(lists.spec(entity(self.field.ref).list_name).title)
            self.shell.message(
                tr("«{0}» нет в справочнике «{1}»: выберите из списка (F4)").format(
                    ", ".join(refused), title))
        self._take(chosen)

    def _take(self, chosen: list[tuple[int, str]]) -> None:
        changed = [i for i, _t in chosen] != [i for i, _t in self.value]
        self.value = list(chosen)
        self.edit.setText(", ".join(text for _i, text in self.value))
        if changed:
            self.edited.emit()

    def choose(self) -> None:
        from crmdesk.ui.generic.listform import ChoiceDialog

        if self.field.readonly or self.shell is None:
            return
        self.dialog = ChoiceDialog(self.shell, entity(self.field.ref), "", self)
        try:
            if self.dialog.exec() and self.dialog.result_id is not None:
                self._names = None  # a new entry may have been created there
                item = (self.dialog.result_id, self.dialog.result_text)
                if item[0] not in [i for i, _t in self.value]:
                    self._take([*self.value, item])
        finally:
            self.dialog = None

    def clear(self) -> None:
        if not self.field.readonly:
            self._take([])

    def get(self):
        return [i for i, _t in self.value]

    def set(self, value) -> None:
        """``value``: [(id, text), …] or None."""
        self.value = [tuple(v) for v in value or []]
        self.edit.setText(", ".join(text for _i, text in self.value))


class LinkEditor(Editor):
    """A reference shown as a link that opens its object (a document's «Основание»): never
    clipped read-only text. The value is (entity name, id, text) or None."""

    def __init__(self, field, shell=None, parent=None):
        super().__init__(field, shell, parent)
        self.value = None
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                           | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.label.linkActivated.connect(lambda _href: self.open())
        # a long title («Коммерческое предложение КП-… от …») wraps instead of widening its
        # column of the form and squeezing the fields beside it
        self.label.setWordWrap(True)
        self.layout_.addWidget(self.label, 1)

    def open(self):
        from crmdesk.ui.generic.registry import open_entity

        if not isinstance(self.value, tuple) or self.shell is None:
            return None
        name, obj_id, _text = self.value
        return open_entity(self.shell, name, obj_id)

    def get(self):
        return self.value

    def set(self, value) -> None:
        from html import escape

        if isinstance(value, str):  # known by name only (a document not written yet)
            self.value = value or None
            self.label.setText(escape(value))
            self.label.setToolTip("")
            return
        self.value = value if value and value[1] is not None else None
        text = escape(self.value[2]) if self.value else ""
        self.label.setText(f'<a href="open">{text}</a>' if text else "")
        self.label.setToolTip(tr("Открыть: {0}").format(self.value[2]) if self.value else "")


EDITOR_HOOKS: list = []  # callables(editor) that add to editors made here (telephony: «Позвонить»)


def make_editor(field: Field, shell=None, parent=None) -> Editor:
    editor = _make_editor(field, shell, parent)
    for hook in EDITOR_HOOKS:
        hook(editor)
    return editor


def _make_editor(field: Field, shell=None, parent=None) -> Editor:
    kind = field.kind
    if kind in ("multiline", "lines"):
        return MultilineEditor(field, shell, parent)
    if kind == "int":
        return IntEditor(field, shell, parent)
    if kind in ("date", "datetime"):
        return DateEditor(field, shell, parent)
    if kind == "bool":
        return BoolEditor(field, shell, parent)
    if kind == "choice":
        return ChoiceEditor(field, shell, parent)
    if kind == "ref":
        return RefEditor(field, shell, parent)
    if kind == "refs":
        return RefsEditor(field, shell, parent)
    if kind == "link":
        return LinkEditor(field, shell, parent)
    return TextEditor(field, shell, parent, password=kind == "password")


def noon(d: date) -> datetime:
    return datetime.combine(d, time(12)).astimezone()
