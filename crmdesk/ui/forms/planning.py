"""Tasks and interactions (calls, meetings, letters); the deal card is in forms/deals.py."""

from __future__ import annotations

from datetime import datetime

from crmdesk.models import Deal
from crmdesk.models.crm import INTERACTION_KINDS, TASK_STATUSES
from crmdesk.services import interactions, records, rights, tasks
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Command, Entity
from crmdesk.ui.generic.fields import Field, ref_value
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm
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
        Field("deal", "Сделка", "ref", ref="deal"),
        Field("contact", "Контактное лицо", "ref", ref="contact"),
        Field("deadline", "Срок", "datetime"),
        Field("remind_at", "Напомнить", "datetime"),
        Field("priority", "Важность", "choice", choices=PRIORITIES),
        Field("status", "Состояние", "choice", choices=TASK_STATUSES),
        Field("description", "Описание", "multiline"),
    ]
    rows = [
        ["title"],
        ["executor", "client"],
        ["deal", "contact"],
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
        values["deal"] = ref_value(ctx.session.get(Deal, t.deal_id), "title") if t.deal_id else None
        values["contact"] = ref_value(t.contact)
        title = t.title + (tr(" (просрочена)") if t.is_overdue() else "")
        return values, t.version, title

    def store(self, ctx, obj_id, v, version):
        data = {
            k: v[k] for k in ("title", "deadline", "remind_at", "priority", "status", "description")
        }
        data["executor_id"] = v["executor"] or ctx.user.id
        data["client_id"] = v["client"]
        data["deal_id"] = v["deal"]
        data["contact_id"] = v["contact"]
        return records.save(ctx, "task", obj_id, data, version).id

    def after_load(self, values):
        deals_of_client(self)

    def mark_done(self):
        with self.app.uow() as ctx:
            tasks.complete_task(ctx, self.obj_id, self.version)
        self.app.changed("tasks")
        self.reload()


def deals_of_client(form) -> None:
    """«Сделка» offers the chosen client's open deals, «Контактное лицо» its persons."""
    from crmdesk.ui.forms.deals import links_follow_client

    links_follow_client(form)


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
        Field("contact", "Контактное лицо", "ref", ref="contact"),
        Field("manager", "Ответственный", "ref", ref="user"),
        Field("gist", "Суть", "multiline", required=True),
        Field("next_step", "Договорились", "multiline"),
    ]
    rows = [
        ["gist"],
        ["next_step"],
        ["kind", "occurred_at"],
        ["client", "duration_min"],
        ["deal", "contact"],
        ["manager"],
    ]
    first_field = "gist"  # Ctrl+K in the client card, type the gist, Ctrl+Enter

    def defaults(self, ctx):
        return {"kind": "call_out", "occurred_at": datetime.now().astimezone(),
                "manager": ref_value(ctx.user, "full_name")}

    def load(self, ctx, obj_id):
        i = records.get(ctx, "interaction", obj_id)
        values = records.values(i, ("kind", "occurred_at", "duration_min", "gist", "next_step"))
        values["client"] = ref_value(i.client)
        values["deal"] = ref_value(ctx.session.get(Deal, i.deal_id), "title") if i.deal_id else None
        values["contact"] = ref_value(i.contact)
        values["manager"] = ref_value(i.user, "full_name")
        return values, None, f"{tr(INTERACTION_KINDS.get(i.kind, i.kind))}: {i.client.name}"

    def after_load(self, values):
        deals_of_client(self)

    def store(self, ctx, obj_id, v, version):
        data = {k: v[k] for k in ("kind", "occurred_at", "duration_min", "gist", "next_step")}
        data["client_id"] = v["client"]
        data["deal_id"] = v["deal"]
        data["contact_id"] = v["contact"]
        data["user_id"] = v["manager"]
        data["duration_min"] = data["duration_min"] or None
        interactions.check_deal(ctx, v["client"], v["deal"])
        return records.save(ctx, "interaction", obj_id, data).id


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
