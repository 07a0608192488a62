"""The command bar of a form, the 1C way: what does not fit goes into «Ещё».

A plain ``QToolBar`` hides the commands that do not fit behind «››», where an office user
never looks for «Обновить» or «Провести». Here the commands are buttons in a row; when the
form is narrower than the row, the last commands that are not *pinned* leave the bar and
appear at the top of the «Ещё» menu (their shortcuts keep working: the actions belong to
the form). Pinned commands — the form's main command (the first one: «Записать и закрыть»,
«Провести и закрыть», «Создать», «Выбрать») and the ones a form pins with :func:`pin`
(«Провести», «Печать») — never leave the bar.

The bar keeps the part of ``QToolBar``'s interface the forms use: ``addAction``,
``addWidget``, ``addSeparator``, ``actions()`` and ``setToolButtonStyle``.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from crmdesk.ui.i18n import tr

PINNED = "crmdesk_pinned"


def pin(item: QAction | QWidget) -> QAction | QWidget:
    """Keep a command on the bar however narrow the form is."""
    item.setProperty(PINNED, True)
    return item


def is_pinned(item: QAction | QWidget) -> bool:
    return bool(item.property(PINNED))


class _Item:
    """One place on the bar: a command's button, a menu button or a separator."""

    def __init__(self, widget: QWidget, action: QAction | None = None, menu: QMenu | None = None):
        self.widget, self.action, self.menu = widget, action, menu

    @property
    def source(self):
        return self.action if self.action is not None else self.widget

    def wanted(self) -> bool:
        """Shown at all (an invisible action stays invisible in «Ещё» too)."""
        if self.action is not None:
            return self.action.isVisible()
        return not self.widget.property("crmdesk_hidden")

    def width(self) -> int:
        return self.widget.sizeHint().width()


class CommandBar(QWidget):
    """A row of command buttons with an «Ещё» menu that takes what does not fit."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._style = Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        self._items: list[_Item] = []
        self._overflow: list[_Item] = []
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(2)
        self._row.addStretch(1)
        self.more = QMenu(tr("Ещё"), self)  # the form's own «Ещё» entries go here
        self.more_button = QToolButton(self)
        self.more_button.setText(tr("Ещё"))
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setAutoRaise(True)
        self.more_button.setMenu(self.more)
        self.more.aboutToShow.connect(self._fill_more)
        self._row.addWidget(self.more_button)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    # --- QToolBar's interface, as the forms use it ---
    def setToolButtonStyle(self, style) -> None:  # noqa: N802
        self._style = style
        for item in self._items:
            if isinstance(item.widget, QToolButton):
                item.widget.setToolButtonStyle(style)

    def addAction(self, *args):  # noqa: N802
        if len(args) == 1 and isinstance(args[0], QAction):
            action = args[0]
        else:  # addAction(icon, text[, slot]) / addAction(text)
            action = QAction(*args[:2], self) if len(args) >= 2 else QAction(args[0], self)
            if len(args) == 3:
                action.triggered.connect(args[2])
        super().addAction(action)
        return action

    def actionEvent(self, event):  # noqa: N802
        super().actionEvent(event)
        action = event.action()
        if event.type() == event.Type.ActionAdded:
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(self._style)
            button.setAutoRaise(True)
            if action.menu() is not None:
                button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            self._insert(_Item(button, action, action.menu()))
        elif event.type() == event.Type.ActionRemoved:
            for item in list(self._items):
                if item.action is action:
                    self._items.remove(item)
                    item.widget.deleteLater()
            self._relayout()
        elif event.type() == event.Type.ActionChanged:
            self._relayout()

    def addWidget(self, widget: QWidget) -> QWidget:  # noqa: N802
        widget.setParent(self)
        if isinstance(widget, QToolButton):
            widget.setAutoRaise(True)
        menu = widget.menu() if isinstance(widget, QToolButton) else None
        if menu is not None and not menu.title():
            menu.setTitle(widget.text())
        self._insert(_Item(widget, None, menu))
        return widget

    def addSeparator(self) -> QWidget:  # noqa: N802
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self._insert(_Item(line))
        return line

    # --- layout ---
    def _insert(self, item: _Item) -> None:
        if not self._items:  # the form's main command stays on the bar
            pin(item.source)
        self._items.append(item)
        self._row.insertWidget(len(self._items) - 1, item.widget)
        self._relayout()

    def shown_items(self) -> list[QAction | QWidget]:
        """What is on the bar now (for tests and the screenshots)."""
        return [i.source for i in self._items if i.wanted() and i not in self._overflow]

    def overflow_items(self) -> list[QAction | QWidget]:
        """What went into «Ещё» because the bar is too narrow."""
        return [i.source for i in self._overflow]

    def _pinned_width(self) -> int:
        gap = self._row.spacing()
        wanted = [i for i in self._items if i.wanted() and is_pinned(i.source)]
        return sum(i.width() + gap for i in wanted) + self.more_button.sizeHint().width()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._pinned_width(), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802
        gap = self._row.spacing()
        full = sum(i.width() + gap for i in self._items if i.wanted())
        return QSize(full + self.more_button.sizeHint().width(), super().sizeHint().height())

    def resizeEvent(self, event):  # noqa: N802
        super().resizeEvent(event)
        self._relayout()

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        gap = self._row.spacing()
        wanted = [i for i in self._items if i.wanted()]
        room = self.width() - self.more_button.sizeHint().width() - gap
        used = sum(i.width() + gap for i in wanted)
        overflow: list[_Item] = []
        for item in reversed(wanted):  # the last commands leave first
            if used <= room:
                break
            if is_pinned(item.source):
                continue
            overflow.append(item)
            used -= item.width() + gap
        overflow.reverse()
        # a separator left at the edge of what stays is dropped too
        self._overflow = overflow
        for item in self._items:
            item.widget.setVisible(item.wanted() and item not in overflow)
        self.more_button.setVisible(bool(self._overflow) or self._has_own_more())
        self.updateGeometry()

    def _has_own_more(self) -> bool:
        return any(a.isVisible() for a in self.more.actions() if not a.property("crmdesk_moved"))

    def _fill_more(self) -> None:
        """The commands that did not fit, on top of the form's own «Ещё» entries."""
        for action in self.more.actions():
            if action.property("crmdesk_moved"):
                self.more.removeAction(action)
        first = self.more.actions()[0] if self.more.actions() else None
        moved = []
        for item in self._overflow:
            if item.menu is not None:
                entry = item.menu.menuAction()
                if item.action is None and isinstance(item.widget, QToolButton):
                    entry.setIcon(item.widget.icon())
            elif item.action is not None:
                entry = item.action
            else:
                continue  # a separator
            moved.append(entry)
        for entry in moved:
            proxy = entry
            if entry in self.more.actions():
                continue
            self.more.insertAction(first, proxy)
            proxy.setProperty("crmdesk_moved", True)
        if moved and first is not None:
            self.more.insertSeparator(first).setProperty("crmdesk_moved", True)
