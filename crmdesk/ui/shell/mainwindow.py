"""The main window: sections, function panel, MDI tabs, docks, navigation, remembered layout."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMdiArea,
    QMdiSubWindow,
    QMenu,
    QToolBar,
    QWidget,
)

from crmdesk.ui import forms
from crmdesk.ui.generic.base import guarded
from crmdesk.ui.generic.registry import entity, entity_of_list
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon
from crmdesk.ui.session import AppSession
from crmdesk.ui.shell.menubar import build_menus
from crmdesk.ui.shell.office import OfficeLink
from crmdesk.ui.shell.office import install as office_install
from crmdesk.ui.shell.sections import SECTIONS, Item, modules_off

MAX_HISTORY = 30
REMINDER_CHECK_MS = 30_000


class MainWindow(QMainWindow):
    """Hosts every form as an MDI tab; the shell the forms talk to."""

    def __init__(self, app: AppSession, restore: bool = True):
        super().__init__()
        forms.install()  # the registry is filled here, once, before anything can be opened
        office_install()  # «Активные пользователи» in Администрирование
        self.app = app
        self.setWindowTitle(tr("crmdesk — {0}").format(app.database))
        self.setWindowIcon(icon("app"))
        self.resize(1280, 800)
        self.mdi = QMdiArea(self)
        self.mdi.setViewMode(QMdiArea.ViewMode.TabbedView)
        self.mdi.setTabsClosable(True)
        self.mdi.setTabsMovable(True)
        self.mdi.setDocumentMode(True)
        self.mdi.subWindowActivated.connect(self._activated)
        self.setCentralWidget(self.mdi)
        self._nav: list[str] = []
        self._nav_pos = -1
        self._navigating = False
        self.recent: list[tuple[str, str]] = []
        self.favourites: list[tuple[str, str]] = []
        self._reminded: set[tuple] = set()  # (task id, reminder time) already shown
        self.modules_off = modules_off(app)  # optional modules switched off (ЖКХ)
        app.hub.changed.connect(self._settings_changed)
        self._build_sections()
        self._build_navigation()
        self._build_docks()
        build_menus(self)  # Файл, Вид, Сервис, Справка
        self._build_status()
        self.reminders = QTimer(self, interval=REMINDER_CHECK_MS)
        self.reminders.timeout.connect(self.check_reminders)
        self.reminders.start()
        self.office = OfficeLink(self)  # this desktop's session, locks, others' changes
        if restore:
            self.restore_layout()
        else:
            self.choose_section("main")

    # --- sections and the function panel ---
    def _build_sections(self) -> None:
        bar = QToolBar(tr("Разделы"), self)
        bar.setObjectName("sections")
        bar.setIconSize(QSize(32, 32))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        bar.setMovable(False)
        group = QActionGroup(self)
        self.section_actions: dict[str, QAction] = {}
        shown = [s for s in SECTIONS if any(self._allowed(item) for item in s[3])]
        for i, (code, title, icon_name, _items) in enumerate(shown):  # none allowed: no section
            action = QAction(icon(icon_name), tr(title), self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(f"Alt+{i + 1}"))
            action.triggered.connect(lambda _=False, c=code: self.choose_section(c))
            group.addAction(action)
            bar.addAction(action)
            self.section_actions[code] = action
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.functions = QListWidget(self)
        self.functions.setIconSize(QSize(20, 20))
        self.functions.itemActivated.connect(self._function_chosen)
        self.functions.itemClicked.connect(self._function_chosen)
        dock = QDockWidget(tr("Функции раздела"), self)
        dock.setObjectName("functions")
        dock.setWidget(self.functions)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.section = "main"

    def _allowed(self, item: Item) -> bool:
        if item.module is not None and item.module in self.modules_off:
            return False
        return not item.permission or self.app.can(item.permission)

    def _settings_changed(self, name: str) -> None:
        """A module switched on or off in the settings: the function panel follows at once
        (a section that appears or goes away whole needs the window reopened)."""
        if name == "settings" and hasattr(self, "functions"):
            off = modules_off(self.app)
            if off != self.modules_off:
                self.modules_off = off
                self.choose_section(self.section)

    def choose_section(self, code: str) -> None:
        if code not in self.section_actions:  # a section this user has no function in
            code = "main"
        self.section = code
        self.section_actions[code].setChecked(True)
        self.functions.clear()
        items = next(items for c, _t, _i, items in SECTIONS if c == code)
        for item in items:
            if not self._allowed(item):
                continue
            w = QListWidgetItem(icon(item.icon), tr(item.title))
            w.setData(Qt.ItemDataRole.UserRole, item)
            self.functions.addItem(w)
        # wide enough for every section's entries (the panel does not jump between sections):
        # «Коммерческое предложение: создать», not «…предложение: созда»
        metrics = self.functions.fontMetrics()
        longest = max((metrics.horizontalAdvance(tr(i.title)) for _c, _t, _i, its in SECTIONS
                       for i in its if self._allowed(i)), default=0)
        self.functions.setMinimumWidth(min(360, longest + self.functions.iconSize().width() + 36))

    def _function_chosen(self, w: QListWidgetItem) -> None:
        self.run_item(w.data(Qt.ItemDataRole.UserRole))

    def run_item(self, item: Item):
        """A function of the panel; any error opening it becomes a message box."""
        if item.kind == "list":
            return self.open_list(item.target)
        if item.kind in ("new", "form"):
            return guarded(self, lambda: entity(item.target).open(self, None, None))
        return self.open_special(item.kind, item.target)

    def open_special(self, kind: str, target: str):
        from crmdesk.ui.shell import special

        return guarded(self, special.open_special, self, kind, target)

    def open_list(self, list_name: str):
        return guarded(self, self._open_list, list_name)

    def _open_list(self, list_name: str):
        from crmdesk.services import lists
        from crmdesk.ui.generic.listform import ListForm

        key = f"list:{list_name}"
        if self.activate(key):
            return self.form(key)
        ent = entity_of_list(list_name)
        lists.spec(list_name)
        form = ListForm(self, ent)
        self.show_form(form)
        return form

    # --- hosting forms (the shell interface the forms use) ---
    def show_form(self, form: QWidget) -> QMdiSubWindow:
        sub = self.mdi.addSubWindow(form)
        sub.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sub.setWindowIcon(form.windowIcon())
        sub.setWindowTitle(form.windowTitle())
        form.windowTitleChanged.connect(sub.setWindowTitle)
        sub.show()
        self.mdi.setActiveSubWindow(sub)
        self._remember(form)
        return sub

    def is_hosted(self, form: QWidget) -> bool:
        return isinstance(form.parentWidget(), QMdiSubWindow)

    def forms(self) -> list[QWidget]:
        return [s.widget() for s in self.mdi.subWindowList()]

    def form(self, key: str) -> QWidget | None:
        for f in self.forms():
            if getattr(f, "form_key", "") == key:
                return f
        return None

    def activate(self, key: str) -> bool:
        f = self.form(key)
        if f is None:
            return False
        self.mdi.setActiveSubWindow(f.parentWidget())
        return True

    def open_key(self, key: str) -> None:
        """Open a form by its key: list:clients, client:17, report:receivables…"""
        kind, _, ref = key.partition(":")
        if self.activate(key):
            return
        if kind == "list":
            self.open_list(ref)
        elif kind in ("report", "kanban", "start", "search"):
            self.open_special(kind, ref)
        elif ref.isdigit():
            guarded(self, lambda: entity(kind).open(self, int(ref), None))

    def message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def client_selected(self, client_id: int | None) -> None:
        self.quick_card.show_client(client_id)

    # --- navigation: back/forward, recent, favourites, global search ---
    def _build_navigation(self) -> None:
        bar = QToolBar(tr("Навигация"), self)
        bar.setObjectName("navigation")
        bar.setIconSize(QSize(18, 18))
        self.back_action = bar.addAction(icon("back"), tr("Назад"), self.go_back)
        self.back_action.setShortcut(QKeySequence("Alt+Left"))
        self.forward_action = bar.addAction(icon("forward"), tr("Вперёд"), self.go_forward)
        self.forward_action.setShortcut(QKeySequence("Alt+Right"))
        self.fav_menu = QMenu(tr("Избранное"), self)
        self.fav_menu.aboutToShow.connect(self._fill_favourites)
        fav = bar.addAction(icon("favourite"), tr("Избранное"))
        fav.setMenu(self.fav_menu)
        fav.triggered.connect(lambda: self.fav_menu.exec(self.cursor().pos()))
        add_fav = QAction(icon("favourite"), tr("Добавить в избранное"), self)
        add_fav.setShortcut(QKeySequence("Ctrl+D"))
        add_fav.triggered.connect(self.add_favourite)
        self.addAction(add_fav)
        self.history_menu = QMenu(tr("История"), self)
        self.history_menu.aboutToShow.connect(self._fill_history)
        hist = bar.addAction(icon("history"), tr("История"))
        hist.setMenu(self.history_menu)
        hist.triggered.connect(lambda: self.history_menu.exec(self.cursor().pos()))
        bar.addSeparator()
        self.global_search = QLineEdit(self)
        self.global_search.setPlaceholderText(tr("Поиск по клиентам и документам (Ctrl+Shift+F)"))
        self.global_search.setMaximumWidth(360)
        self.global_search.returnPressed.connect(self.run_global_search)
        bar.addWidget(self.global_search)
        focus = QAction(self)
        focus.setShortcut(QKeySequence("Ctrl+Shift+F"))
        focus.triggered.connect(
            lambda: (self.global_search.setFocus(), self.global_search.selectAll())
        )
        self.addAction(focus)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _activated(self, sub: QMdiSubWindow | None) -> None:
        if sub is not None:  # the quick card follows the client of the active form
            current = getattr(sub.widget(), "current_client", None)
            client_id = current() if current is not None else None
            if client_id is not None:
                self.client_selected(client_id)
        if sub is None or self._navigating:
            return
        key = getattr(sub.widget(), "form_key", "")
        if not key:
            return
        if self._nav_pos >= 0 and self._nav[self._nav_pos] == key:
            return
        del self._nav[self._nav_pos + 1 :]
        self._nav.append(key)
        self._nav_pos = len(self._nav) - 1

    def _go(self, step: int) -> None:
        pos = self._nav_pos + step
        while 0 <= pos < len(self._nav):
            if self.form(self._nav[pos]) is not None:
                self._nav_pos = pos
                self._navigating = True
                try:
                    self.activate(self._nav[pos])
                finally:
                    self._navigating = False
                return
            pos += step

    def go_back(self) -> None:
        self._go(-1)

    def go_forward(self) -> None:
        self._go(1)

    def _remember(self, form: QWidget) -> None:
        key = getattr(form, "form_key", "")
        if not key:
            return
        entry = (key, form.windowTitle())
        self.recent = [entry] + [r for r in self.recent if r[0] != key]
        del self.recent[MAX_HISTORY:]

    def _fill_history(self) -> None:
        self.history_menu.clear()
        for key, title in self.recent:
            self.history_menu.addAction(title or key, lambda k=key: self.open_key(k))

    def add_favourite(self) -> None:
        sub = self.mdi.activeSubWindow()
        if sub is None:
            return
        key = getattr(sub.widget(), "form_key", "")
        if key and all(k != key for k, _ in self.favourites):
            self.favourites.append((key, sub.widget().windowTitle().rstrip(" *")))
            self.message(tr("Добавлено в избранное: {0}").format(sub.widget().windowTitle()))

    def _fill_favourites(self) -> None:
        self.fav_menu.clear()
        for key, title in self.favourites:
            self.fav_menu.addAction(title, lambda k=key: self.open_key(k))
        if not self.favourites:
            self.fav_menu.addAction(tr("(пусто — Ctrl+D добавляет открытую форму)")).setEnabled(
                False
            )

    def run_global_search(self) -> None:
        text = self.global_search.text().strip()
        if text:
            self.open_special("search", text)

    # --- docks ---
    def _build_docks(self) -> None:
        from crmdesk.ui.shell.docks import PhonePanel, QuickCard, TodayPanel

        self.quick_card = QuickCard(self)
        self.today = TodayPanel(self)
        self.phone = PhonePanel(self)
        self.view_menu = self.menuBar().addMenu(tr("Вид", "MainWindow"))  # the View menu
        for widget, title, name, area in (
            (
                self.quick_card,
                "Карточка клиента",
                "quick_card",
                Qt.DockWidgetArea.RightDockWidgetArea,
            ),
            (self.today, "Задачи на сегодня", "today", Qt.DockWidgetArea.RightDockWidgetArea),
            (self.phone, "Телефон", "phone", Qt.DockWidgetArea.RightDockWidgetArea),
        ):
            dock = QDockWidget(tr(title), self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        tabs = self.view_menu.addAction(tr("Окна во вкладках"))
        tabs.setCheckable(True)
        tabs.setChecked(True)
        tabs.toggled.connect(self.set_tabbed)

    def set_tabbed(self, tabbed: bool) -> None:
        mode = QMdiArea.ViewMode.TabbedView if tabbed else QMdiArea.ViewMode.SubWindowView
        self.mdi.setViewMode(mode)

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.status_db = QLabel(tr("База: {0}").format(self.app.database))
        self.status_user = QLabel(
            tr("Пользователь: {0} ({1})").format(self.app.full_name, tr(self.app.role_name))
        )
        bar.addPermanentWidget(self.status_db)
        bar.addPermanentWidget(self.status_user)
        from crmdesk.ui.shell.calls import DeskTelephony

        self.telephony = DeskTelephony(self)  # the PBX indicator, call windows, «Позвонить»

    # --- reminders ---
    def check_reminders(self) -> list[int]:
        """The reminders window opens when a reminder comes due (a postponed one again when
        its new time comes); an open window follows. Returns the new reminders' task ids."""
        from crmdesk.ui.shell import reminders

        reminders.run_periodic(self)  # reminders made from the data (a meter's verification)
        due = reminders.due(self.app)
        new = [r for r in due if (r.task_id, r.remind_at) not in self._reminded]
        self._reminded.update((r.task_id, r.remind_at) for r in due)
        window = getattr(self, "reminder_window", None)
        if new or (window is not None and window.isVisible()):
            if window is None:
                window = self.reminder_window = reminders.RemindersWindow(self)
            window.set_rows(due)
            if new:
                window.show()
                window.raise_()
                self.today.refresh()
            if not due:
                window.close()
        return [r.task_id for r in new]

    # --- remembered layout ---
    def save_layout(self) -> None:
        s = self.app.settings()
        s.setValue("main/geometry", self.saveGeometry())
        s.setValue("main/state", self.saveState())
        s.setValue("main/section", self.section)
        s.setValue("main/tabbed", self.mdi.viewMode() == QMdiArea.ViewMode.TabbedView)
        keys = [getattr(f, "form_key", "") for f in self.forms()]
        s.setValue("main/open_forms", [k for k in keys if k])
        s.setValue("main/favourites", [f"{k}\t{t}" for k, t in self.favourites])
        s.setValue("main/recent", [f"{k}\t{t}" for k, t in self.recent])
        active = self.mdi.activeSubWindow()
        s.setValue("main/active", getattr(active.widget(), "form_key", "") if active else "")

    def restore_layout(self) -> None:
        s = self.app.settings()
        geometry = s.value("main/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(geometry)
        state = s.value("main/state")
        if isinstance(state, QByteArray | bytes):
            self.restoreState(state)
        self.choose_section(s.value("main/section") or "main")
        if str(s.value("main/tabbed", "true")).lower() == "false":
            self.set_tabbed(False)
        self.favourites = _pairs(s.value("main/favourites"))
        self.recent = _pairs(s.value("main/recent"))
        saved = s.value("main/open_forms")
        for key in _strings(saved):
            self.open_key(key)
        if saved is None:  # the first start: today's work, not an empty grey area
            self.open_special("start", "start")
        active = s.value("main/active")
        if active:
            self.activate(active)

    def closeEvent(self, event):  # noqa: N802
        self.save_layout()
        open_keys = self.app.settings().value("main/open_forms")
        for sub in list(self.mdi.subWindowList()):
            if not sub.widget().can_close() if hasattr(sub.widget(), "can_close") else False:
                event.ignore()
                return
        for sub in list(self.mdi.subWindowList()):
            w = sub.widget()
            if hasattr(w, "modified"):
                w.modified = False
            sub.close()
        self.app.settings().setValue("main/open_forms", open_keys)
        self.telephony.stop()
        self.office.stop()
        # a closed window (after «Сменить пользователя», say) must stop asking its database:
        # reminders, backup check, mail fetching, call polling, heartbeats
        for timer in self.findChildren(QTimer):
            timer.stop()
        super().closeEvent(event)


def _strings(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _pairs(value) -> list[tuple[str, str]]:
    return [tuple(v.split("\t", 1)) for v in _strings(value) if "\t" in v]
