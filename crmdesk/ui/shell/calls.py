"""The desktop's telephony: the call window, the PBX indicator in the status bar, «Позвонить».

:class:`DeskTelephony` (one per main window) listens to the PBX in a worker thread
(``services.calllistener``) — or, where no desktop connects to the PBX itself (a cloud PBX
feeding ``crmdesk call event``, the headless ``crmdesk telephony run``), polls the calls'
signals for this user's extension — and shows a :class:`CallWindow` when that extension
rings. The Qt side gets the listener's updates through a signal; it never touches a socket.
"""

from __future__ import annotations

import time
from html import escape

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.errors import CrmError
from crmdesk.services.money import format_money
from crmdesk.ui.generic.base import guarded, show_error
from crmdesk.ui.i18n import tr, tr_error

POLL_MS = 1000
# Buttons a form module adds to the call window: (text, shown(window) -> bool, run(window));
# the housing module's «Показания счётчиков» for a resident who calls, say.
EXTRA_BUTTONS: list[tuple] = []


def card_html(card: dict) -> str:
    """The caller's card: who, their manager, debt and overdue, deals, contacts, tasks."""
    rows = [f"<h2 style='margin:0'>{escape(card['display'])}</h2>"]
    c = card["client"]
    if c is None and card.get("other_manager"):
        rows.append(f"<p>{tr('Это клиент другого менеджера')}: "
                    f"<b>{escape(card['other_manager'])}</b></p>")
        return "".join(rows)
    if c is None:
        rows.append(f"<p><i>{tr('Номер не найден: ни у клиента, ни у контактного лица')}</i></p>")
        return "".join(rows)
    head = f"<h3 style='margin:4px 0'>{escape(c['name'])}</h3>"
    if c["contact"]:
        head += f"<div>{tr('Контактное лицо')}: <b>{escape(c['contact'])}</b></div>"
    rows.append(head)
    if len(card["matches"]) > 1:
        others = ", ".join(escape(m["client"]) for m in card["matches"][1:4])
        rows.append(f"<div style='color:#666'>{tr('Этот номер есть и у')}: {others}</div>")
    if c["manager"]:
        rows.append(f"<div>{tr('Менеджер')}: {escape(c['manager'])}</div>")
    debt, overdue = c["debt"], c["overdue"]
    if debt > 0:
        text = f"{tr('Долг')}: {format_money(debt)}"
        if overdue > 0:
            text += f", {tr('просрочено')}: {format_money(overdue)}"
        rows.append(f"<div style='color:#c62828'><b>{text}</b></div>")
    elif debt < 0:
        rows.append(f"<div><b>{tr('Аванс')}: {format_money(-debt)}</b></div>")
    if c["deals"]:
        rows.append(f"<p style='margin:6px 0 0'><b>{tr('Сделки')}</b></p>")
        for d in c["deals"]:
            rows.append(f"<div>{escape(d['title'])} — {escape(d['stage'])}, "
                        f"{format_money(d['amount'])}</div>")
    if c["interactions"]:
        rows.append(f"<p style='margin:6px 0 0'><b>{tr('Последние контакты')}</b></p>")
        for i in c["interactions"]:
            agreed = f" → {escape(i['next_step'])}" if i["next_step"] else ""
            rows.append(f"<div>{i['when'].astimezone():%d.%m.%Y} {escape(i['kind'])}: "
                        f"{escape(i['gist'][:90])}{agreed}</div>")
    if c["tasks"]:
        rows.append(f"<p style='margin:6px 0 0'><b>{tr('Открытые задачи')}</b></p>")
        for t in c["tasks"]:
            style = " style='color:#c62828'" if t["overdue"] else ""
            when = f"{t['deadline'].astimezone():%d.%m.%Y} " if t["deadline"] else ""
            rows.append(f"<div{style}>{when}{escape(t['title'])}</div>")
    return "".join(rows)


STATE_TEXT = {
    "ring": "звонит",
    "answer": "разговор",
    "stop": "ответил другой сотрудник",
    "end": "завершён",
}


class CallWindow(QWidget):
    """A non-modal window for one call on this desk: the caller's card while it rings, the
    gist and next step typed while talking."""

    def __init__(self, shell, linkedid: str, number: str, direction: str):
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.shell, self.app = shell, shell.app
        self.linkedid, self.number, self.direction = linkedid, number, direction
        self.card: dict = {}
        self.painted_at: float | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setWindowTitle(tr("Входящий звонок") if direction == "in" else tr("Исходящий звонок"))
        self.state = QLabel(self)
        self.state.setStyleSheet("font-size: 11pt; font-weight: bold;")
        self.text = QTextBrowser(self)
        self.text.setOpenLinks(False)
        self.gist = QPlainTextEdit(self)
        self.gist.setPlaceholderText(tr("Суть разговора"))
        self.gist.setMaximumHeight(70)
        self.next_step = QLineEdit(self)
        self.next_step.setPlaceholderText(tr("Договорились (следующий шаг)"))
        self.open_button = QPushButton(tr("Открыть карточку"), self)
        self.save_button = QPushButton(tr("Записать разговор"), self)
        self.client_button = QPushButton(tr("Создать клиента"), self)
        self.lead_button = QPushButton(tr("Создать лида"), self)
        self.request_button = QPushButton(tr("Зарегистрировать заявку"), self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.open_button.clicked.connect(lambda: guarded(self, self.open_card))
        self.save_button.clicked.connect(lambda: guarded(self, self.save_notes))
        self.client_button.clicked.connect(lambda: guarded(self, self.create_client))
        self.lead_button.clicked.connect(lambda: guarded(self, self.create_lead))
        self.request_button.clicked.connect(lambda: guarded(self, self.create_request))
        self.extra_buttons = []
        for text, shown, run in EXTRA_BUTTONS:
            button = QPushButton(tr(text), self)
            button.clicked.connect(lambda _=False, r=run: guarded(self, r, self))
            self.extra_buttons.append((button, shown))
        buttons = QHBoxLayout()
        for b in (self.open_button, self.save_button, self.client_button, self.lead_button,
                  self.request_button, *(b for b, _shown in self.extra_buttons)):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.gist)
        layout.addWidget(self.next_step)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(520, 560)
        self.show_card()

    def show_card(self) -> None:
        from crmdesk.services.callcard import caller_card

        try:
            with self.app.uow(read_only=True) as ctx:
                self.card = caller_card(ctx, self.number, self.linkedid)
        except CrmError as exc:
            self.card = {"display": self.number, "client": None, "matches": []}
            self.message.setText(tr_error(exc))
        self.text.setHtml(card_html(self.card))
        known = self.card.get("client") is not None
        self.open_button.setVisible(known)
        self.save_button.setVisible(known)
        self.gist.setVisible(known)
        self.next_step.setVisible(known)
        unknown = not known and not self.card.get("other_manager")
        self.client_button.setVisible(unknown)
        self.lead_button.setVisible(unknown)
        for button, shown in getattr(self, "extra_buttons", []):
            button.setVisible(bool(guarded(None, shown, self)))

    def set_state(self, kind: str, who: str | None = None, seconds: int | None = None) -> None:
        text = tr(STATE_TEXT.get(kind, kind))
        if kind == "end" and seconds is not None:
            text = (tr("пропущен") if seconds == 0 and who is None
                    else f"{text}, {seconds // 60}:{seconds % 60:02d}")
        if who:
            text += f" ({who})"
        self.state.setText(f"{self.card.get('display', self.number)} — {text}")

    def paintEvent(self, event):  # noqa: N802 — Qt's name
        super().paintEvent(event)
        if self.painted_at is None:
            self.painted_at = time.perf_counter()

    def open_card(self) -> None:
        from crmdesk.ui.generic.registry import entity

        client = self.card.get("client")
        if client is not None:
            entity("client").open(self.shell, client["id"], None)

    def save_notes(self) -> None:
        from crmdesk.services import telephony

        with self.app.uow() as ctx:
            call = telephony.call_by_linkedid(ctx, self.linkedid)
            telephony.save_notes(ctx, call.id, self.gist.toPlainText(), self.next_step.text())
        self.message.setText(tr("Разговор записан в историю клиента."))
        self.app.changed("interactions", "calls")

    def create_client(self) -> None:
        from crmdesk.ui.generic.registry import entity

        entity("client").open(self.shell, None, {"phones": [self.card.get("display")]})

    def create_request(self) -> None:
        """A service request with the caller filled (crmdesk/ui/forms/requests.py)."""
        from crmdesk.ui.generic.registry import entity

        client = self.card.get("client") or {}
        entity("request").open(self.shell, None, {
            "client_id": client.get("id"), "applicant_phone": self.card.get("display"),
            "applicant_name": client.get("contact"), "channel": "call"})

    def create_lead(self) -> None:
        from crmdesk.services import telephony

        with self.app.uow() as ctx:
            lead_id = telephony.lead_from_call(ctx, self.number)
        self.message.setText(tr("Потенциальный клиент записан (код {0}).").format(lead_id))
        self.app.changed("leads")


class _Bridge(QObject):
    update = Signal(object)  # a CallUpdate, from the listener's thread
    status = Signal(str, str)


class DeskTelephony(QObject):
    """The PBX on one desk: indicator, listener or poller, call windows, «Позвонить»."""

    STATUS_TEXT = {
        "connecting": ("АТС: подключение…", "#8d6e00"),
        "connected": ("АТС: на связи", "#2e7d32"),
        "disconnected": ("АТС: нет связи", "#c62828"),
        "error": ("АТС: ошибка", "#c62828"),
        "off": ("АТС: не настроена", "#777"),
        "secret": ("АТС: нужен пароль", "#8d6e00"),
        "poll": ("АТС: события через базу", "#2e7d32"),
    }

    def __init__(self, shell):
        super().__init__(shell)
        self.shell, self.app = shell, shell.app
        self.windows: dict[str, CallWindow] = {}
        self.listener = None
        self._last_signal = 0
        self.bridge = _Bridge(self)
        self.bridge.update.connect(self.on_update)
        self.bridge.status.connect(self.on_status)
        self.indicator = QPushButton(self.shell)
        self.indicator.setFlat(True)
        self.indicator.clicked.connect(self.indicator_clicked)
        shell.statusBar().addPermanentWidget(self.indicator)
        self.poller = QTimer(self, interval=POLL_MS)
        self.poller.timeout.connect(lambda: guarded(None, self.poll))
        with self.app.uow(read_only=True) as ctx:
            self.ext = ctx.user.extension
        panel = getattr(shell, "phone", None)  # the phone panel: «Позвонить» on its number
        if panel is not None and panel.layout() is not None:
            self.panel_button = QPushButton(tr("Позвонить"), panel)
            self.panel_button.setObjectName("dial")
            self.panel_button.clicked.connect(lambda: self.dial(panel.number.text()))
            panel.layout().insertWidget(1, self.panel_button)
        self.start()

    # --- connecting ---
    def start(self) -> None:
        from crmdesk.services import telephony
        from crmdesk.services.calllistener import CallListener
        from crmdesk.services.secrets import SecretMissing

        with self.app.uow(read_only=True) as ctx:
            configured = telephony.ami_config(ctx.session) is not None
            try:
                params = telephony.ami_connect_params(ctx.session) if configured else None
            except SecretMissing:
                self.on_status("secret", tr("Введите пароль пользователя AMI (щелчок здесь)"))
                params = None
            self._last_signal = telephony.last_signal_id(ctx.session)
        if params is None:
            if not configured:
                self.on_status("off" if not self.ext else "poll", "")
            if self.ext:
                self.poller.start()
            return
        self.poller.stop()
        self.listener = CallListener(
            self.app.engine, params, on_update=self.bridge.update.emit,
            on_status=self.bridge.status.emit,
        ).start()

    def stop(self) -> None:
        self.poller.stop()
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        for w in list(self.windows.values()):
            w.close()

    def indicator_clicked(self) -> None:
        from crmdesk.services import telephony
        from crmdesk.services.secrets import store_secret

        if self.status != "secret":
            self.shell.message(self.indicator.toolTip() or self.indicator.text())
            return
        with self.app.uow(read_only=True) as ctx:
            cfg = telephony.ami_config(ctx.session)
            key = telephony.ami_secret_key(ctx.session, cfg["user"])
        secret, ok = QInputDialog.getText(
            self.shell, tr("Телефония"),
            tr("Пароль пользователя AMI «{0}»:").format(cfg["user"]), QLineEdit.EchoMode.Password
        )
        if ok and secret:
            store_secret(key, secret)
            self.start()

    def on_status(self, status: str, text: str) -> None:
        self.status = status
        label, color = self.STATUS_TEXT.get(status, (status, "#777"))
        self.indicator.setText(tr(label))
        self.indicator.setStyleSheet(f"color: {color}; border: none; padding: 0 6px;")
        self.indicator.setToolTip(text)

    # --- calls on this desk ---
    def mine(self, upd) -> bool:
        if not self.ext:
            return False
        if upd.kind == "end" or upd.kind == "cdr":
            return self.ext in upd.call.rang or upd.call.ext == self.ext
        return upd.ext == self.ext

    def on_update(self, upd) -> None:
        if not self.mine(upd):
            return
        call = upd.call
        window = self.windows.get(call.linkedid)
        if window is None:
            if upd.kind != "ring":
                return
            window = CallWindow(self.shell, call.linkedid, call.number, call.direction)
            self.windows[call.linkedid] = window
            window.show()
        if upd.kind in ("ring", "answer", "stop"):
            who = None
            if upd.kind == "answer" and call.answered_ext and call.answered_ext != self.ext:
                who = call.answered_ext
            window.set_state(upd.kind, who)
        elif upd.kind == "end":
            talked = call.duration if call.state == "answered" else 0
            answered_here = call.answered_ext == self.ext or call.transferred_to == self.ext
            window.set_state("end", None if answered_here or call.state == "missed"
                             else call.answered_ext, talked)
            self.app.changed("calls", "missed_calls", "interactions")

    def poll(self) -> None:
        """Signals of calls the PBX reported through the database (cloud PBX, headless)."""
        from crmdesk.services import telephony

        with self.app.uow(read_only=True) as ctx:
            updates, self._last_signal = telephony.signals_since(
                ctx.session, self.ext, self._last_signal
            )
        for upd in updates:
            self.on_update(upd)

    # --- «Позвонить» ---
    def dial(self, number: str) -> None:
        from crmdesk.services.calllistener import dial

        number = (number or "").strip()
        if not number:
            return
        try:
            with self.app.uow(read_only=True) as ctx:
                result = dial(ctx, number, client=self.listener.client if self.listener else None)
        except CrmError as exc:
            show_error(self.shell, exc)
            return
        self.shell.message(tr("АТС звонит на ваш телефон {0}, затем на {1}").format(
            result["ext"], result["dialled"]))
