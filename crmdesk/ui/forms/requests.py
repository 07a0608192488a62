"""Requests («Заявки»): the registry (overdue rows red, status commands on the list), the
request form (the category proposes the executor and the deadline; «В работу», «Выполнена»,
«Закрыть», «Отложить», «Отклонить», «Создать на основании → Заказ клиента»), categories and
contractors. The rules are services/requests.py; nothing here decides."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from crmdesk.services import (
    requestcatalog,
    requestlists,  # noqa: F401 — adds the requests lists to lists.SPECS
    rights,
)
from crmdesk.services import requests as rq
from crmdesk.services.phones import format_phone
from crmdesk.ui.forms import opener, register, register_special
from crmdesk.ui.generic.base import Command, Entity, guarded
from crmdesk.ui.generic.fields import Field, ref_value
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm
from crmdesk.ui.i18n import tr

LISTS = ("requests",)
REASONS = {"postponed": "Причина, по которой заявка отложена:",
           "rejected": "Причина отклонения заявки:"}


def _ask_comment(parent, status: str) -> str | None:
    if status not in REASONS:
        return ""
    text, ok = QInputDialog.getText(parent, tr(rq.STATUSES[status]), tr(REASONS[status]))
    return text if ok else None


def set_status(form, request_id: int, status: str) -> bool:
    """A status command of the list or the form; the rules refuse what is not allowed."""
    comment = _ask_comment(form, status)
    if comment is None:
        return False
    if status == "done":
        result, ok = QInputDialog.getMultiLineText(form, tr("Выполнена"), tr("Что сделано:"))
        if not ok:
            return False
        with form.app.uow() as ctx:
            rq.complete(ctx, request_id, result)
    else:
        with form.app.uow() as ctx:
            rq.change_status(ctx, request_id, status, comment or None)
    form.app.changed(*LISTS)
    return True


def _list_status(status: str):
    return lambda form, row_id: guarded(form, set_status, form, row_id, status)


class RequestForm(ObjectForm):
    entity_name = "request"
    title_new = "Заявка (создание)"
    lists_changed = LISTS
    first_field = "description"
    attachments_type = "request"  # photos, audio recordings, documents: the «Файлы» tab
    fields = [
        Field("number", "Номер", readonly=True),
        Field("registered_at", "Дата", "datetime", readonly=True),
        Field("status", "Статус", "choice", choices=rq.STATUSES, readonly=True),
        Field("channel", "Канал", "choice", choices=rq.CHANNELS),
        Field("client", "Клиент", "ref", ref="client", errors_as=("Заявитель",)),
        Field("applicant_name", "Заявитель (ФИО)", errors_as=("Заявитель",)),
        Field("applicant_phone", "Телефон заявителя", errors_as=("Телефон заявителя",)),
        Field("applicant_email", "Эл. почта заявителя", errors_as=("Эл. почта заявителя",)),
        Field("address", "Объект (адрес)"),
        Field("premises", "Помещение (ЖКХ)", "ref", ref="premises"),
        Field("category", "Категория", "ref", ref="request_category"),
        Field("priority", "Важность", "choice", choices=rq.PRIORITIES),
        Field("paid", "Платная", "bool"),
        Field("executor", "Исполнитель", "ref", ref="user"),
        Field("planned_on", "Плановая дата", "date"),
        Field("deadline", "Срок", "datetime",
              hint="по категории: её срок в рабочих днях по производственному календарю"),
        Field("description", "Описание", "multiline", required=True),
        Field("result", "Что сделано", "multiline", readonly=True),
    ]
    rows = [
        ["number", "registered_at", "status"],
        ["client", "channel"],
        ["applicant_name", "applicant_phone", "applicant_email"],
        ["address", "premises"],
        ["category", "priority", "paid"],
        ["executor", "planned_on", "deadline"],
        ["description"],
        ["result"],
    ]
    commands = [
        FormCommand("post", "В работу", "to_work"),
        FormCommand("posted", "Выполнена", "to_done"),
        FormCommand("save_close", "Закрыть заявку", "to_closed"),
        FormCommand("unpost", "Отложить", "to_postponed"),
        FormCommand("mark_deletion", "Отклонить", "to_rejected"),
        FormCommand("basis", "Создать на основании: Заказ клиента", "make_order"),
        FormCommand("print", "Печать: Акт выполненных работ", "print_act"),
    ]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        from crmdesk.services import housing

        with shell.app.uow(read_only=True) as ctx:
            housing_on = housing.enabled(ctx.session)
        if not housing_on:  # a trading company never sees the housing module's premises
            self.rows = [[k for k in row if k != "premises"] for row in type(self).rows]
        super().__init__(shell, obj_id, initial, parent)

    def defaults(self, ctx):
        return {"channel": "call", "priority": 2, "paid": False}

    def load(self, ctx, obj_id):
        r = rq.get_request(ctx, obj_id)
        values = {k: getattr(r, k) for k in (
            "number", "registered_at", "status", "channel", "applicant_name", "applicant_email",
            "address",
            "priority", "paid", "planned_on", "deadline", "description", "result")}
        values["applicant_phone"] = format_phone(r.applicant_phone) if r.applicant_phone else None
        values["client"] = ref_value(r.client)
        values["category"] = ref_value(r.category)
        values["executor"] = ref_value(r.executor, "full_name")
        values["premises"] = (r.premises_id, r.premises.title()) if r.premises else None
        return values, r.version, f"Заявка {r.number} ({rq.STATUSES[r.status]})"

    def store(self, ctx, obj_id, v, version):
        data = {k: v.get(k) for k in ("channel", "applicant_name", "applicant_phone",
                                       "applicant_email", "address", "priority", "paid",
                                       "planned_on", "description")}
        data.update(client_id=v.get("client"), category=v.get("category"),
                    executor_id=v.get("executor"))
        if "premises" in self.editors:
            data["premises_id"] = v.get("premises")
        if obj_id is None:
            if v.get("deadline"):
                data["deadline"] = v["deadline"]
            return rq.create_request(ctx, data).id
        data["deadline"] = v.get("deadline")
        return rq.update_request(ctx, obj_id, data, version).id

    def after_load(self, values: dict) -> None:
        """A category chosen on a new request fills the executor and the deadline."""
        editor = self.editors.get("category")
        if editor is not None and not getattr(self, "_category_hooked", False):
            editor.edited.connect(self._category_chosen)
            self._category_hooked = True

    def _category_chosen(self) -> None:
        cat = self.editors["category"].get()
        if not cat or self.obj_id is not None:
            return
        with self.app.uow(read_only=True) as ctx:
            prop = rq.proposal(ctx, cat)
            executor = None
            if prop["executor_id"]:
                from crmdesk.models import User

                executor = ref_value(ctx.session.get(User, prop["executor_id"]), "full_name")
        if executor and not self.editors["executor"].get():
            self.editors["executor"].set(executor)
        if prop["deadline"] is not None:
            self.editors["deadline"].set(prop["deadline"])
        self.editors["paid"].set(prop["paid"])

    def _to(self, status: str) -> None:
        if self.modified and not self.write():
            return
        if set_status(self, self.obj_id, status):
            self.reload()

    def to_work(self):
        self._to("in_work")

    def to_done(self):
        self._to("done")

    def to_closed(self):
        self._to("closed")

    def to_postponed(self):
        self._to("postponed")

    def to_rejected(self):
        self._to("rejected")

    def make_order(self):
        from crmdesk.ui.generic.registry import open_entity

        with self.app.uow() as ctx:
            doc = rq.create_order(ctx, self.obj_id)
            doc_id = doc.id
        self.app.changed("orders", *LISTS)
        open_entity(self.shell, "order", doc_id)

    def print_act(self):
        """«Акт выполненных работ» from the request itself (a free one has no order)."""
        from crmdesk.reports.request_act import request_act_pdf, request_act_xlsx
        from crmdesk.ui.forms.printing import preview

        if self.modified and not self.write():
            return None
        return preview(self.shell, self.obj_id, "Акт выполненных работ", request_act_pdf,
                       request_act_xlsx)


def _copy(ctx, obj_id):
    r = rq.get_request(ctx, obj_id)
    return {"channel": r.channel, "client": ref_value(r.client),
            "applicant_name": r.applicant_name, "applicant_phone": r.applicant_phone,
            "applicant_email": r.applicant_email,
            "address": r.address, "category": ref_value(r.category), "priority": r.priority,
            "paid": r.paid, "description": r.description}


class CategoryForm(ObjectForm):
    entity_name = "request_category"
    title_new = "Категория заявок (создание)"
    lists_changed = ("request_categories",)
    fields = [
        Field("name", "Наименование", required=True),
        Field("sla_days", "Срок, рабочих дней", "int"),
        Field("sla_hours", "Срок, часов (аварийные)", "int"),
        Field("executor", "Исполнитель по умолчанию", "ref", ref="user"),
        Field("contractor", "Подрядчик по умолчанию", "ref", ref="contractor"),
        Field("paid", "Платная", "bool"),
    ]
    rows = [["name"], ["sla_days", "sla_hours"], ["executor"], ["contractor"], ["paid"]]

    def load(self, ctx, obj_id):
        from crmdesk.models.service import RequestCategory

        c = ctx.session.get(RequestCategory, obj_id)
        values = {"name": c.name, "sla_days": c.sla_days, "sla_hours": c.sla_hours,
                  "executor": ref_value(c.executor, "full_name"),
                  "contractor": ref_value(c.contractor), "paid": c.paid}
        return values, None, c.name

    def store(self, ctx, obj_id, v, version):
        return requestcatalog.save_category(ctx, {
            "name": v.get("name"), "sla_days": v.get("sla_days"), "sla_hours": v.get("sla_hours"),
            "executor_id": v.get("executor"), "contractor_id": v.get("contractor"),
            "paid": v.get("paid")}, obj_id).id


class ContractorForm(ObjectForm):
    entity_name = "contractor"
    title_new = "Подрядчик (создание)"
    lists_changed = ("contractors",)
    fields = [Field("name", "Наименование", required=True), Field("inn", "ИНН"),
              Field("phone", "Телефон"), Field("email", "Эл. почта")]
    rows = [["name"], ["inn"], ["phone", "email"]]

    def load(self, ctx, obj_id):
        from crmdesk.models.service import Contractor

        c = ctx.session.get(Contractor, obj_id)
        return {"name": c.name, "inn": c.inn, "phone": c.phone, "email": c.email}, None, c.name

    def store(self, ctx, obj_id, v, version):
        return requestcatalog.save_contractor(ctx, v, obj_id).id


def _mark(model):
    def mark(ctx, obj_id, flag):
        if not (rq.can_dispatch(ctx) or ctx.can(rights.CATALOG)):
            from crmdesk.services.errors import AccessDenied

            raise AccessDenied("Недостаточно прав: пометку на удаление ставит диспетчер.")
        obj = ctx.session.get(model, obj_id)
        obj.deletion_mark = flag
        ctx.session.flush()

    return mark


def _install() -> None:
    from crmdesk.models.service import Contractor, RequestCategory, ServiceRequest

    register(Entity(
        "request", "requests", "task", opener(RequestForm), mark=_mark(ServiceRequest),
        copy=_copy, create_permission=rights.INTERACTIONS,
        list_commands=[Command("post", "В работу", _list_status("in_work")),
                       Command("posted", "Выполнена", _list_status("done")),
                       Command("save_close", "Закрыть", _list_status("closed")),
                       Command("unpost", "Отложить", _list_status("postponed"))]))
    register_special("requests_board", open_board)
    register_special("my_requests", open_mine)
    register(Entity("request_category", "request_categories", "group", opener(CategoryForm),
                    mark=_mark(RequestCategory), create_permission=rights.CATALOG))
    register(Entity("contractor", "contractors", "company", opener(ContractorForm),
                    mark=_mark(Contractor), create_permission=rights.CATALOG))




BOARD_COLUMNS = {k: rq.STATUSES[k] for k in ("new", "assigned", "in_work", "postponed", "done",
                                              "closed")}


def _card(v: dict) -> str:
    deadline = f"срок {v['deadline'].astimezone():%d.%m %H:%M}" if v.get("deadline") else ""
    head = " · ".join(x for x in (v["number"], v.get("category")) if x)
    tail = " · ".join(x for x in (v.get("executor") or "не назначен", deadline) if x)
    return f"{head}\n{v['description'][:80]}\n{v.get('object') or ''}\n{tail}".replace(
        "\n\n", "\n")


def outages_banner(ctx) -> str | None:
    """Outages going on or ahead, over the requests board (the housing module only)."""
    from crmdesk.services import housing

    if not housing.enabled(ctx.session):
        return None
    items = [f"{o.what} {o.starts_at.astimezone():%d.%m %H:%M}–{o.ends_at.astimezone():%H:%M}"
             f" ({', '.join(h.address for h in o.houses)})"
             for o in housing.current_outages(ctx)[:3]]
    return ("Отключения: " + "; ".join(items)) if items else None


def open_mine(shell, _target=None):
    """«Мои заявки»: the registry filtered to the signed-in user as executor."""
    from crmdesk.services.lists import ListState
    from crmdesk.ui.generic.listform import ListForm
    from crmdesk.ui.generic.registry import entity

    key = "list:requests:mine"
    if shell.activate(key):
        return None
    form = ListForm(shell, entity("request"), ListState(fixed={"executor_id": shell.app.user_id}))
    form.form_key = key
    form.setWindowTitle(tr("Мои заявки"))
    return form


def open_board(shell, _target=None):
    """«Заявки: доска» — the kanban by status; a card dragged to a column changes the status
    as the rules allow (a reason or «Что сделано» is asked where needed)."""
    from crmdesk.ui.generic.kanban import KanbanForm

    if shell.activate("kanban:requests"):
        return None
    return KanbanForm(shell, "request", "status", BOARD_COLUMNS, set_status, _card,
                      outages_banner, "Заявки: доска")


def request_from_letter(form, interaction_id: int) -> None:
    """«Зарегистрировать заявку» on an incoming letter of the interactions list."""
    from sqlalchemy import select

    from crmdesk.models import Letter
    from crmdesk.services.errors import CrmError
    from crmdesk.ui.generic.registry import open_entity

    with form.app.uow() as ctx:
        letter_id = ctx.session.scalar(select(Letter.id).where(
            Letter.interaction_id == interaction_id, Letter.direction == "in"))
        if letter_id is None:
            raise CrmError("Заявку по письму регистрируют из входящего письма: выберите его.")
        request_id = rq.register_from_letter(ctx, letter_id).id
    form.app.changed(*LISTS)
    open_entity(form.shell, "request", request_id)


def _add_letter_command() -> None:
    from crmdesk.ui.generic.registry import FormNotFound, entity

    try:
        interactions = entity("interaction")
    except FormNotFound:  # the interactions' form is registered after this one
        return
    if not any(c.text == "Зарегистрировать заявку" for c in interactions.list_commands):
        interactions.list_commands.append(Command(
            "task", "Зарегистрировать заявку",
            lambda form, row: guarded(form, request_from_letter, form, row)))


def _add_sections() -> None:
    """The «Обслуживание» section (requests, their catalogues, the analytics) and the
    report in «Отчёты»; for an executor the registry is his own requests («Мои заявки»)."""
    from crmdesk.ui.shell.sections import SECTIONS, Item, add_items

    if not any(code == "service" for code, *_rest in SECTIONS):
        SECTIONS.insert(3, ("service", "Обслуживание", "task", [
            Item("list", "requests", "Заявки", "task"),
            Item("new", "request", "Заявка: создать", "add", rights.INTERACTIONS),
            Item("my_requests", "requests", "Мои заявки", "task"),
            Item("requests_board", "requests", "Заявки: доска", "kanban"),
            Item("list", "request_categories", "Категории заявок", "group"),
            Item("list", "contractors", "Подрядчики", "company"),
            Item("report", "requests", "Анализ заявок", "chart"),
        ]))
    add_items("reports", Item("report", "requests", "Анализ заявок", "chart"))


def _deadline_check(ctx) -> None:
    """On a dispatcher's desk the reminder timer controls the requests' deadlines: the
    executor's reminder before a deadline, the dispatcher's task once it has passed (each
    once per request, whichever desk runs it first; ``crmdesk request check-deadlines``
    does the same for a scheduler)."""
    from crmdesk.services.requestwork import check_deadlines

    if rq.can_dispatch(ctx):
        check_deadlines(ctx)


def _add_deadline_check() -> None:
    from crmdesk.ui.shell.reminders import PERIODIC

    if _deadline_check not in PERIODIC:
        PERIODIC.append(_deadline_check)


_install()
_add_sections()
_add_letter_command()
_add_deadline_check()

from crmdesk.ui.forms import service_admin  # noqa: E402, F401 — the service's admin forms
