"""Tasks, interactions (calls, meetings, letters) and deals with their stages."""

from __future__ import annotations

from datetime import datetime

from crmdesk.models import Deal, Stage
from crmdesk.models.crm import INTERACTION_KINDS, TASK_STATUSES
from crmdesk.services import deals, interactions, records, rights, tasks
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Command, Entity
from crmdesk.ui.generic.fields import Field, ref_value
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm, Tab
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr

PRIORITIES = {1: "Высокая", 2: "Обычная", 3: "Низкая"}


class TaskForm(ObjectForm):
    entity_name = "task"
    title_new = "Задача (создание)"
    history_type = "task"
    lists_changed = ("tasks",)
    fields = [
        Field("title", "Задача", required=True),
        Field("executor", "Исполнитель", "ref", ref="user", errors_as=("Исполнитель",)),
        Field("client", "Клиент", "ref", ref="client"),
        Field("deadline", "Срок", "datetime"),
        Field("remind_at", "Напомнить", "datetime"),
        Field("priority", "Важность", "choice", choices=PRIORITIES),
        Field("status", "Состояние", "choice", choices=TASK_STATUSES),
        Field("description", "Описание", "multiline"),
    ]
    rows = [
        ["title"],
        ["executor", "client"],
        ["deadline", "remind_at"],
        ["priority", "status"],
        ["description"],
    ]
    commands = [FormCommand("posted", "Выполнена", "mark_done")]

    def defaults(self, ctx):
        return {"executor": ref_value(ctx.user, "full_name"), "priority": 2, "status": "open"}

    def load(self, ctx, obj_id):
        t = records.get(ctx, "task", obj_id)
        values = records.values(
            t, ("title", "deadline", "remind_at", "priority", "status", "description")
        )
        values["executor"] = ref_value(t.executor, "full_name")
        values["client"] = ref_value(t.client)
        title = t.title + (tr(" (просрочена)") if t.is_overdue() else "")
        return values, t.version, title

    def store(self, ctx, obj_id, v, version):
        data = {
            k: v[k] for k in ("title", "deadline", "remind_at", "priority", "status", "description")
        }
        data["executor_id"] = v["executor"] or ctx.user.id
        data["client_id"] = v["client"]
        return records.save(ctx, "task", obj_id, data, version).id

    def mark_done(self):
        with self.app.uow() as ctx:
            tasks.complete_task(ctx, self.obj_id, self.version)
        self.app.changed("tasks")
        self.reload()


class InteractionForm(ObjectForm):
    entity_name = "interaction"
    title_new = "Взаимодействие (создание)"
    lists_changed = ("interactions",)
    fields = [
        Field("kind", "Вид", "choice", choices=INTERACTION_KINDS),
        Field("occurred_at", "Когда", "datetime"),
        Field("client", "Клиент", "ref", ref="client", required=True),
        Field("duration_min", "Длительность, мин", "int", errors_as=("Длительность",)),
        Field("deal", "Сделка", "ref", ref="deal"),
        Field("gist", "Суть", "multiline", required=True),
        Field("next_step", "Договорились", "multiline"),
    ]
    rows = [
        ["gist"],
        ["next_step"],
        ["kind", "occurred_at"],
        ["client", "duration_min"],
        ["deal"],
    ]
    first_field = "gist"  # Ctrl+K in the client card, type the gist, Ctrl+Enter

    def defaults(self, ctx):
        return {"kind": "call_out", "occurred_at": datetime.now().astimezone()}

    def load(self, ctx, obj_id):
        i = records.get(ctx, "interaction", obj_id)
        values = records.values(i, ("kind", "occurred_at", "duration_min", "gist", "next_step"))
        values["client"] = ref_value(i.client)
        values["deal"] = ref_value(ctx.session.get(Deal, i.deal_id), "title") if i.deal_id else None
        return values, None, f"{tr(INTERACTION_KINDS[i.kind])}: {i.client.name}"

    def after_load(self, values):
        self._deals_of_client()
        if not getattr(self, "_hooked", False):
            self._hooked = True
            self.editors["client"].edited.connect(self._deals_of_client)

    def _deals_of_client(self):
        """The «Сделка» choice offers the chosen client's deals."""
        client = self.editors["client"].get()
        self.editors["deal"].fixed = {"client_id": client} if client else {}

    def store(self, ctx, obj_id, v, version):
        data = {k: v[k] for k in ("kind", "occurred_at", "duration_min", "gist", "next_step")}
        data["client_id"] = v["client"]
        data["deal_id"] = v["deal"]
        data["duration_min"] = data["duration_min"] or None
        interactions.check_deal(ctx, v["client"], v["deal"])
        return records.save(ctx, "interaction", obj_id, data).id


class DealForm(ObjectForm):
    entity_name = "deal"
    title_new = "Сделка (создание)"
    history_type = "deal"
    attachments_type = "deal"
    lists_changed = ("deals",)
    fields = [
        Field("title", "Сделка", required=True),
        Field("client", "Клиент", "ref", ref="client", required=True),
        Field("stage", "Этап", readonly=True),
        Field("amount", "Сумма", "money"),
        Field("manager", "Менеджер", readonly=True),
        Field("refusal_reason", "Причина отказа", readonly=True),
    ]
    rows = [["title"], ["client", "amount"], ["stage", "manager"], ["refusal_reason"]]
    tabs = [Tab("Взаимодействия", "interaction", "deal_id")]
    commands = [
        FormCommand("kanban", "Перевести на этап…", "move"),
        FormCommand("call", "Записать взаимодействие", "new_interaction", "Ctrl+K"),
        FormCommand("task", "Задача", "new_task"),
        FormCommand("proposal", "Коммерческое предложение", "new_proposal"),
        FormCommand("invoice", "Счёт на оплату", "new_invoice"),
    ]

    def related_defaults(self, entity_name):
        """What is made from the deal is about the deal's client (and the deal itself)."""
        client = self.editors["client"].get()
        return {"client_id": client, "deal_id": self.obj_id} if client else {}

    def _new(self, name):
        values = self.related_defaults(name)
        if name == "task":
            values.pop("deal_id", None)  # tasks have no deal of their own yet: the client
        open_entity(self.shell, name, None, values)

    def new_interaction(self):
        self._new("interaction")

    def new_task(self):
        self._new("task")

    def new_proposal(self):
        self._new("proposal")

    def new_invoice(self):
        self._new("invoice")

    def load(self, ctx, obj_id):
        d = deals.get_deal(ctx, obj_id)
        values = {
            "title": d.title,
            "client": ref_value(d.client),
            "stage": tr(d.stage.name),
            "amount": d.amount,
            "manager": d.manager.full_name if d.manager else "",
            "refusal_reason": d.refusal_reason or "",
        }
        return values, d.version, f"{d.title} ({tr(d.stage.name)})"

    def store(self, ctx, obj_id, v, version):
        if obj_id is None:
            return deals.create_deal(ctx, v["client"], v["title"], v["amount"] or 0).id
        from crmdesk.services.locking import check_version

        d = deals.get_deal(ctx, obj_id, write=True)
        check_version(d, version, f"Сделка «{d.title}»")
        d.title, d.amount = v["title"], v["amount"] or d.amount
        ctx.session.flush()
        return d.id

    def move(self):
        choose_stage(self, self.obj_id)
        self.reload()


def choose_stage(parent, deal_id: int) -> bool:
    """Ask for the next stage among the allowed ones (and a reason for a refusal)."""
    from PySide6.QtWidgets import QInputDialog

    app = parent.app
    with app.uow() as ctx:
        deal = ctx.session.get(Deal, deal_id)
        stages = [(s.code, s.name, s.is_refusal) for s in deals.allowed_stages(ctx, deal.stage_id)]
    if not stages:
        parent.shell.message(tr("С этого этапа переходов нет"))
        return False
    names = [tr(name) for _, name, _ in stages]
    name, ok = QInputDialog.getItem(parent, tr("Перевести на этап"), tr("Этап:"), names, 0, False)
    if not ok:
        return False
    code, _, refusal = stages[names.index(name)]
    reason = None
    if refusal:
        reason, ok = QInputDialog.getText(parent, tr("Отказ"), tr("Причина отказа:"))
        if not ok:
            return False
    with app.uow() as ctx:
        deals.move_deal(ctx, deal_id, code, reason=reason)
    app.changed("deals")
    return True


def stage_columns(ctx) -> list[tuple[int, str]]:
    process = deals.default_process(ctx)
    return [
        (s.id, s.name)
        for s in ctx.session.query(Stage).filter_by(process_id=process.id).order_by(Stage.order)
    ]


def _complete(form, row_id):
    with form.app.uow() as ctx:
        tasks.complete_task(ctx, row_id)
    form.app.changed("tasks")


register(
    Entity(
        "task",
        "tasks",
        "task",
        opener(TaskForm),
        mark=lambda ctx, i, f: records.set_deletion_mark(ctx, "task", i, f),
        list_commands=[Command("posted", "Выполнена", _complete)],
    )
)
register(
    Entity(
        "interaction",
        "interactions",
        "call",
        opener(InteractionForm),
        mark=lambda ctx, i, f: records.set_deletion_mark(ctx, "interaction", i, f),
        create_permission=rights.INTERACTIONS,
    )
)
register(
    Entity(
        "deal",
        "deals",
        "deal",
        opener(DealForm),
        list_commands=[Command("kanban", "Перевести на этап…", lambda f, i: choose_stage(f, i))],
    )
)
