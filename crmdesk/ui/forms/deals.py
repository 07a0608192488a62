"""The deal card: amount, probability, expected close, source, manager, contract end; its
documents, tasks and interactions as tabs; moves along the allowed stages; «Создать на
основании» a proposal or an order for its client."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
)

from crmdesk.models import Deal
from crmdesk.services import clients, deals, pipeline, processes
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Command, Entity
from crmdesk.ui.generic.fields import Field, ref_value
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm, Tab
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr

SOURCES = {"": "", **{s: s for s in clients.SOURCES}}  # the clients' sources, one list


class DealForm(ObjectForm):
    entity_name = "deal"
    title_new = "Сделка (создание)"
    history_type = "deal"
    attachments_type = "deal"
    lists_changed = ("deals",)
    rows = [
        ["title"],
        ["client", "process"],
        ["stage", "manager"],
        ["amount", "probability"],
        ["expected_close", "source"],
        ["contract_end", "refusal_reason"],
    ]
    tabs = [
        Tab("Коммерческие предложения", "proposal", "deal_id"),
        Tab("Заказы", "order", "deal_id"),
        Tab("Счета", "invoice", "deal_id"),
        Tab("Оплаты", "payment", "deal_id"),
        Tab("Договоры", "contract", "deal_id"),
        Tab("Задачи", "task", "deal_id"),
        Tab("Взаимодействия", "interaction", "deal_id"),
    ]
    commands = [
        FormCommand("kanban", "Перевести на этап…", "move"),
        FormCommand("call", "Записать взаимодействие", "new_interaction", "Ctrl+K"),
        FormCommand("task", "Задача", "new_task"),
        FormCommand("proposal", "Коммерческое предложение", "new_proposal"),
        FormCommand("order", "Заказ клиента", "new_order"),
        FormCommand("invoice", "Счёт на оплату", "new_invoice"),
        FormCommand("posted", "Документы получены", "documents_received"),
    ]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        initial = dict(initial or {})
        self.start_stage = initial.pop("stage_code", None)
        with shell.app.uow(read_only=True) as ctx:
            choices = {p.id: p.name for p in processes.processes(ctx)}
        self.fields = [
            Field("title", "Сделка", required=True),
            Field("client", "Клиент", "ref", ref="client", required=True),
            Field("process", "Процесс", "choice", choices=choices),
            Field("stage", "Этап", readonly=True),
            Field("manager", "Менеджер", "ref", ref="user", errors_as=("Менеджер",)),
            Field("amount", "Сумма", "money", hint="пусто — по документам сделки"),
            Field("probability", "Вероятность, %", hint="пусто — по этапу",
                  errors_as=("Вероятность, %",)),
            Field("expected_close", "Закрытие (ожид.)", "date",
                  errors_as=("Ожидаемая дата закрытия",)),
            Field("source", "Источник", "choice", choices=SOURCES),  # from the list
            Field("contract_end", "Окончание договора", "date"),
            Field("refusal_reason", "Причина отказа", readonly=True),
        ]
        super().__init__(shell, obj_id, initial, parent)

    def defaults(self, ctx):
        process = deals.default_process(ctx)
        stage = next((s for s in process.stages if s.code == self.start_stage),
                     process.stages[0])
        return {"manager": ref_value(ctx.user, "full_name"), "process": process.id,
                "stage": tr(stage.name)}

    def after_load(self, values):
        self.editors["process"].setEnabled(self.obj_id is None)

    def related_defaults(self, entity_name):
        """What is made from the deal is about the deal's client (and the deal itself); its
        «Ответственный» is the deal's manager."""
        client = self.editors["client"].get()
        if not client:
            return {}
        out = {"client_id": client, "deal_id": self.obj_id}
        manager = self.editors["manager"].get()
        if manager:
            out["executor_id" if entity_name == "task" else "manager_id"] = manager
        return out

    def _new(self, name):
        open_entity(self.shell, name, None, self.related_defaults(name))

    def new_interaction(self):
        self._new("interaction")

    def new_task(self):
        self._new("task")

    def new_proposal(self):
        self._new("proposal")

    def new_order(self):
        self._new("order")

    def new_invoice(self):
        self._new("invoice")

    def documents_received(self):
        with self.app.uow() as ctx:
            runs = pipeline.documents_received(ctx, self.obj_id)
        self.app.changed("deals", "tasks")
        self.reload()
        text = "\n".join(f"{r.rule}: {r.message}" for r in runs) or tr(
            "Правил на это событие нет")
        self.shell.message(text)

    def load(self, ctx, obj_id):
        d = deals.get_deal(ctx, obj_id)
        values = {
            "title": d.title,
            "client": ref_value(d.client),
            "process": d.process_id,
            "stage": tr(d.stage.name),
            "amount": d.amount if d.amount_fixed or d.amount else None,
            "manager": ref_value(d.manager, "full_name"),
            "probability": "" if d.probability is None else str(d.probability),
            "expected_close": d.expected_close,
            "source": d.source or "",
            "contract_end": d.contract_end,
            "refusal_reason": d.refusal_reason or "",
        }
        return values, d.version, f"{d.title} ({tr(d.stage.name)})"

    def store(self, ctx, obj_id, v, version):
        data = {
            "title": v["title"],
            "expected_close": v["expected_close"],
            "probability": v["probability"],
            "source": v["source"],
            "contract_end": v["contract_end"],
            "manager_id": v["manager"] or ctx.user.id,
        }
        if obj_id is None:
            return deals.create_deal(ctx, v["client"], v["title"], v["amount"],
                                     process_id=v["process"], stage_code=self.start_stage,
                                     **{k: x for k, x in data.items() if k != "title"}).id
        d = deals.get_deal(ctx, obj_id)
        if v["amount"] is not None and v["amount"] != d.amount:
            data["amount"] = v["amount"]  # typed: the documents no longer set it
        elif v["amount"] is None and d.amount_fixed:
            data["amount"] = None
        return deals.update_deal(ctx, obj_id, data, version).id

    def move(self):
        choose_stage(self, self.obj_id)
        self.reload()


def links_follow_client(form) -> None:
    """«Сделка» offers the chosen client's open deals and «Контактное лицо» its contact
    persons; another client's value goes when the client changes, and a deal chosen before
    the client brings its client (hooked once per form)."""

    def narrow(clear: bool = True) -> None:
        client = form.editors["client"].get()
        for key, fixed in (("deal", {"open": 1}), ("contact", {})):
            editor = form.editors.get(key)
            if editor is None:
                continue
            was = editor.fixed.get("client_id")
            if clear and editor.get() is not None and was is not None and was != client:
                editor.clear()
            editor.fixed = {**fixed, "client_id": client} if client else dict(fixed)

    def deal_chosen() -> None:
        deal_id, client = form.editors["deal"].get(), form.editors["client"].get()
        if deal_id is None or client is not None:
            return
        with form.app.uow(read_only=True) as ctx:
            deal = deals.get_deal(ctx, deal_id)
            value = ref_value(deal.client)
        form.editors["client"].set_ref(*value)

    narrow(clear=False)
    if not getattr(form, "_links_hooked", False):
        form._links_hooked = True
        form.editors["client"].edited.connect(narrow)
        if "deal" in form.editors:
            form.editors["deal"].edited.connect(deal_chosen)


def ask_reason(parent, process_id: int) -> str | None:
    """«Причина отказа» from the process's catalogue (or typed): None when cancelled."""
    with parent.app.uow(read_only=True) as ctx:
        reasons = processes.reasons(ctx, process_id)
    dialog = QDialog(parent)
    dialog.setWindowTitle(tr("Отказ"))
    combo = QComboBox(dialog)
    combo.setEditable(not reasons)  # chosen from the process's catalogue when it has one
    combo.addItems(reasons)
    combo.setCurrentIndex(-1 if not reasons else 0)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    box = QVBoxLayout(dialog)
    box.addWidget(QLabel(tr("Причина отказа:")))
    box.addWidget(combo)
    box.addWidget(buttons)
    parent.reason_dialog = dialog  # the tests answer it
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return combo.currentText().strip()


def choose_stage(parent, deal_id: int) -> bool:
    """Ask for the next stage among the allowed ones (and a reason for a refusal)."""
    from PySide6.QtWidgets import QInputDialog

    from crmdesk.services.errors import CrmError
    from crmdesk.ui.generic.base import show_error

    app = parent.app
    with app.uow() as ctx:
        deal = ctx.session.get(Deal, deal_id)
        process_id = deal.process_id
        stages = [(s.code, s.name, s.is_refusal) for s in deals.allowed_stages(ctx, deal.stage_id)]
    if not stages:
        parent.shell.message(tr("С этого этапа переходов нет"))
        return False
    names = [tr(name) for _, name, _ in stages]
    name, ok = QInputDialog.getItem(parent, tr("Перевести на этап"), tr("Этап:"), names, 0, False)
    if not ok:
        return False
    code, _, refusal = stages[names.index(name)]
    reason = ask_reason(parent, process_id) if refusal else None
    if refusal and reason is None:
        return False
    try:
        with app.uow() as ctx:
            deals.move_deal(ctx, deal_id, code, reason=reason)
    except CrmError as exc:
        show_error(parent, exc)
        return False
    app.changed("deals")
    return True


register(
    Entity(
        "deal",
        "deals",
        "deal",
        opener(DealForm),
        list_commands=[Command("kanban", "Перевести на этап…", lambda f, i: choose_stage(f, i))],
    )
)
