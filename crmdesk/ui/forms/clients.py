"""Clients, their contact persons and groups; the client card shows its whole history."""

from __future__ import annotations

from crmdesk.services import clients, records, rights
from crmdesk.services.phones import format_phone
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Command, Entity
from crmdesk.ui.generic.fields import Field, ref_value
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm, Tab

KINDS = clients.KINDS  # Организация, Индивидуальный предприниматель, Частное лицо
STATUSES = {"": "", **{s: s for s in clients.STATUSES}}
SOURCES = {"": "", **{s: s for s in clients.SOURCES}}
# the fields each kind has: no KPP for an ИП or a person, ОГРНИП for an ИП, no ОГРН for a person
KIND_FIELDS = {
    "company": {"kpp": True, "ogrn": "ОГРН"},
    "ip": {"kpp": False, "ogrn": "ОГРНИП"},
    "person": {"kpp": False, "ogrn": None},
}
# consent to advertising mailings (issue 12), on the client card and the contact person form
CONSENT_FIELDS = [
    Field("consent_email", "Согласие на рассылку по эл. почте", "bool"),
    Field("consent_sms", "Согласие на рассылку SMS", "bool"),
    Field("opt_out", "Отказ от рассылок", "bool", hint="согласия снимаются, дата запоминается"),
    Field("opt_out_at", "Дата отказа", readonly=True),
]
# «Отказ от рассылок» with its explanation on a row of its own: beside «Дата отказа» it made
# the card wider than the window at 1366 px
CONSENT_ROWS = [["consent_email", "consent_sms"], ["opt_out"], ["opt_out_at"]]


def consent_values(obj) -> dict:
    return {
        "consent_email": bool(obj.consent_email),
        "consent_sms": bool(obj.consent_sms),
        "opt_out": obj.opt_out_at is not None,
        "opt_out_at": f"{obj.opt_out_at.astimezone():%d.%m.%Y %H:%M}" if obj.opt_out_at else "",
    }


def store_consent(ctx, client_id: int, contact_id: int | None, v: dict) -> None:
    """Through the mailings' rule: an opt-out clears both consents and keeps its date."""
    from crmdesk.services.mailings import set_consent

    set_consent(ctx, client_id, contact_id, email=bool(v["consent_email"]),
                sms=bool(v["consent_sms"]), opt_out=bool(v["opt_out"]))


class ClientForm(ObjectForm):
    entity_name = "client"
    title_new = "Клиент (создание)"
    history_type = "client"
    attachments_type = "client"
    lists_changed = ("clients",)
    fields = [
        Field("name", "Наименование", required=True, errors_as=("Клиент",)),
        Field("kind", "Вид", "choice", choices=KINDS),
        Field("full_name", "Полное наименование"),
        Field("inn", "ИНН"),
        Field("kpp", "КПП"),
        Field("ogrn", "ОГРН", errors_as=("ОГРНИП",)),
        Field(
            "phones",
            "Телефоны",
            "lines",
            errors_as=("Телефон",),
            hint="по одному в строке, в любом виде: 8 912 345-67-89 доб. 12",
        ),
        Field("emails", "Эл. почта", "lines", hint="по одному в строке"),
        Field("groups", "Группы", "refs", ref="group"),
        Field("owner", "Менеджер", "ref", ref="user"),
        Field("status", "Статус", "choice", choices=STATUSES),
        Field("source", "Источник", "choice", choices=SOURCES),
        Field("address", "Адрес"),
        Field("bank_name", "Банк"),
        Field("bik", "БИК"),
        Field("account", "Расчётный счёт"),
        Field("corr_account", "Корр. счёт"),
        Field("interests", "Интересующие товары", "multiline"),
        Field("preferences", "Предпочтения", "multiline"),
        Field("comment", "Комментарий", "multiline"),
        *CONSENT_FIELDS,
    ]
    rows = [
        ["name", "kind"],
        ["full_name", "owner"],
        ["inn", "kpp"],
        ["ogrn", "groups"],
        ["phones", "emails"],
        ["status", "source"],
        *CONSENT_ROWS,
        ["address"],
        ["bank_name", "bik"],
        ["account", "corr_account"],
        ["interests", "preferences"],
        ["comment"],
    ]
    tabs = [
        Tab("Контактные лица", "contact", "client_id"),
        Tab("Взаимодействия", "interaction", "client_id"),
        Tab("Сделки", "deal", "client_id"),
        Tab("Предложения", "proposal", "client_id"),
        Tab("Заказы", "order", "client_id"),
        Tab("Счета", "invoice", "client_id"),
        Tab("Оплаты", "payment", "client_id"),
        Tab("Договоры", "contract", "client_id"),
        Tab("Задачи", "task", "client_id"),
    ]
    commands = [
        FormCommand("call", "Записать звонок", "record_call", "Ctrl+K"),
        FormCommand("task", "Задача", "new_task", "Ctrl+T"),
        FormCommand("proposal", "Коммерческое предложение", "new_proposal"),
    ]

    def defaults(self, ctx) -> dict:
        return {"kind": "company", "owner": ref_value(ctx.user, "full_name")}

    def build_fields(self) -> None:
        super().build_fields()
        self.editors["kind"].edited.connect(self.fit_kind)

    def fit_kind(self) -> None:
        """The card shows the fields that fit the kind: an ИП has ОГРНИП and no KPP, a person
        neither KPP nor ОГРН."""
        fit = KIND_FIELDS.get(self.editors["kind"].get(), KIND_FIELDS["company"])
        self.show_field("kpp", fit["kpp"])
        self.show_field("ogrn", fit["ogrn"] is not None, fit["ogrn"] or "ОГРН")
    # --- duplicates: asked before a write that changes the INN, KPP or phones ---
    DUPLICATE_KEYS = ("inn", "kpp", "phones")

    def _duplicate_keys(self) -> tuple:
        values = self.values()
        return tuple(str(values.get(k) or "") for k in self.DUPLICATE_KEYS)

    def after_load(self, values: dict) -> None:
        super().after_load(values)
        self.fit_kind()
        self._loaded_keys = self._duplicate_keys() if self.obj_id is not None else None

    def write(self) -> bool:
        if self._duplicate_keys() != self._loaded_keys and not self.confirm_duplicates():
            return False
        if super().write():
            self._loaded_keys = self._duplicate_keys()
            return True
        return False

    def confirm_duplicates(self) -> bool:
        """Other clients with this INN or phone: named, with links; write anyway?"""
        from crmdesk.services.duplicates import find_duplicates
        from crmdesk.ui.forms.merge import DuplicatesDialog

        values = self.values()
        data = {k: values.get(k) for k in self.DUPLICATE_KEYS}
        with self.app.uow(read_only=True) as ctx:
            found = find_duplicates(ctx, data, self.obj_id)
        if not found:
            return True
        self.duplicates_dialog = DuplicatesDialog(self.shell, found, self)
        accepted = self.duplicates_dialog.exec() == DuplicatesDialog.DialogCode.Accepted
        self.duplicates_dialog = None
        return accepted

    def load(self, ctx, obj_id):
        c = clients.get_client(ctx, obj_id)
        bank = c.bank_accounts[0] if c.bank_accounts else None
        values = {
            "name": c.name,
            "kind": c.kind,
            "full_name": c.full_name,
            "inn": c.inn,
            "kpp": c.kpp,
            "ogrn": c.ogrn,
            "phones": [format_phone(p.e164, p.ext) for p in c.phones],
            "emails": [e.email for e in c.emails],
            "groups": [(g.id, g.name) for g in c.groups],
            "owner": ref_value(c.owner, "full_name"),
            "status": c.status,
            "source": c.source,
            "address": c.addresses[0].text if c.addresses else "",
            "bank_name": bank.bank_name if bank else "",
            "bik": bank.bik if bank else "",
            "account": bank.account if bank else "",
            "corr_account": bank.corr_account if bank else "",
            "interests": c.interests,
            "preferences": c.preferences,
            "comment": c.comment,
            **consent_values(c),
        }
        return values, c.version, c.name

    def store(self, ctx, obj_id, v, version):
        data = {
            k: v[k]
            for k in (
                "name",
                "kind",
                "full_name",
                "inn",
                "kpp",
                "ogrn",
                "phones",
                "emails",
                "status",
                "source",
                "interests",
                "preferences",
                "comment",
            )
        }
        data["groups"] = list(v["groups"] or [])
        fit = KIND_FIELDS.get(v["kind"], KIND_FIELDS["company"])
        for key in ("kpp", "ogrn"):  # a hidden field is not the kind's: it is emptied
            if not fit[key]:
                data[key] = None
        data["addresses"] = [v["address"]] if v["address"] else []
        if v["owner"] is not None:
            data["owner"] = v["owner"]
        bank = {k: v[k] for k in ("bank_name", "bik", "account", "corr_account")}
        data["bank_accounts"] = [bank] if any(bank.values()) else []
        if obj_id is None:
            client_id = clients.create_client(ctx, data).id
        else:
            client_id = clients.update_client(ctx, obj_id, data, version).id
        store_consent(ctx, client_id, None, v)
        return client_id

    # --- commands ---
    def record_call(self):
        from crmdesk.ui.forms import entity

        entity("interaction").open(
            self.shell, None, {"client": (self.obj_id, self.title), "kind": "call_out"}
        )

    def new_task(self):
        from crmdesk.ui.forms import entity

        entity("task").open(self.shell, None, {"client": (self.obj_id, self.title)})

    def new_proposal(self):
        from crmdesk.ui.forms import entity

        entity("proposal").open(self.shell, None, {"client": (self.obj_id, self.title)})


class ContactForm(ObjectForm):
    entity_name = "contact"
    title_new = "Контактное лицо (создание)"
    history_type = "contact"
    lists_changed = ("contacts",)
    fields = [
        Field("name", "ФИО", required=True),
        Field("client", "Клиент", "ref", ref="client", required=True),
        Field("position", "Должность"),
        Field("birthday", "День рождения", "date"),
        Field("phones", "Телефоны", "lines", errors_as=("Телефон",)),
        Field("emails", "Эл. почта", "lines"),
        Field("comment", "Комментарий", "multiline"),
        *CONSENT_FIELDS,
    ]
    rows = [["name"], ["client"], ["position", "birthday"], ["phones", "emails"],
            *CONSENT_ROWS, ["comment"]]

    def load(self, ctx, obj_id):
        p = records.get(ctx, "contact", obj_id)
        values = records.values(p, ("name", "position", "birthday", "comment"))
        values["client"] = (p.client.id, p.client.name)
        values.update(consent_values(p))
        return values, None, p.name

    def store(self, ctx, obj_id, v, version):
        data = {k: v[k] for k in ("name", "position", "birthday", "comment", "phones", "emails")}
        data["client_id"] = v["client"]
        person = records.save(ctx, "contact", obj_id, data)
        store_consent(ctx, person.client_id, person.id, v)
        return person.id


class GroupForm(ObjectForm):
    entity_name = "group"
    title_new = "Группа клиентов (создание)"
    lists_changed = ("groups",)
    fields = [Field("name", "Наименование", required=True)]
    rows = [["name"]]

    def load(self, ctx, obj_id):
        g = records.get(ctx, "group", obj_id)
        return {"name": g.name}, None, g.name

    def store(self, ctx, obj_id, v, version):
        return records.save(ctx, "group", obj_id, v).id


def _mark(kind):
    return lambda ctx, obj_id, flag: records.set_deletion_mark(ctx, kind, obj_id, flag)


def _import(list_form, _row_id):
    from crmdesk.ui.forms.transfer import run_import_wizard

    run_import_wizard(list_form.shell)


def _export(list_form, _row_id):
    from crmdesk.ui.forms.transfer import export_clients_dialog

    export_clients_dialog(list_form)


def _merge(list_form, row_id):
    from crmdesk.services import lists
    from crmdesk.ui.forms.merge import open_merge

    with list_form.app.uow(read_only=True) as ctx:
        text = lists.display(ctx, lists.CLIENTS, row_id)
    open_merge(list_form.shell, (row_id, text))


def _copy_client(ctx, obj_id):
    c = clients.get_client(ctx, obj_id)
    return {
        "name": c.name + " (копия)",
        "kind": c.kind,
        "full_name": c.full_name,
        "groups": [(g.id, g.name) for g in c.groups],
        "status": c.status,
        "source": c.source,
        "owner": ref_value(c.owner, "full_name"),
    }


register(
    Entity(
        "client",
        "clients",
        "client",
        opener(ClientForm),
        mark=lambda ctx, i, f: clients.set_deletion_mark(ctx, i, f),
        copy=_copy_client,
        create_permission=rights.EDIT_OWN,
        list_commands=[
            Command("import", "Загрузить из файла…", _import, needs_row=False),
            Command("export_xlsx", "Выгрузить клиентов…", _export, needs_row=False),
            Command("client", "Объединить…", _merge),
        ],
    )
)
register(
    Entity(
        "contact",
        "contacts",
        "contact",
        opener(ContactForm),
        mark=_mark("contact"),
        create_permission=rights.EDIT_OWN,
    )
)
register(
    Entity(
        "group",
        "groups",
        "group",
        opener(GroupForm),
        mark=_mark("group"),
        create_permission=rights.CATALOG,
    )
)
