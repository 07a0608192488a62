"""Sales documents: proposal → order → invoice → payment, each a short declaration."""

from __future__ import annotations

from datetime import datetime

from crmdesk.models.documents import DOC_TYPES
from crmdesk.services import documents, rights
from crmdesk.services.errors import ValidationError
from crmdesk.ui.forms import opener, register
from crmdesk.ui.forms.deals import links_follow_client
from crmdesk.ui.generic.base import Command, Entity
from crmdesk.ui.generic.documentform import DocumentForm
from crmdesk.ui.generic.fields import Field, ref_value
from crmdesk.ui.i18n import tr

VAT_MODES = {"included": "НДС в сумме", "on_top": "НДС сверху", "none": "Без НДС"}
METHODS = {"bank": "Безналичные", "cash": "Наличные"}
LISTS = ("proposals", "orders", "invoices", "payments", "clients", "deals")


CONTRACT = Field("contract", "Договор", "ref", ref="contract")  # only the client's contracts
# the pipeline's links: the client's open deal, its contact person, the responsible user
LINKS = [
    Field("deal", "Сделка", "ref", ref="deal"),
    Field("contact", "Контактное лицо", "ref", ref="contact"),
    Field("manager", "Ответственный", "ref", ref="user"),
]
WITH_CONTRACT = [["number", "date"], ["client", "due_date"], ["deal", "contact"],
                 ["contract", "vat_mode"], ["manager", "basis"], ["comment"]]


def _header(due_title: str, contract: bool = False) -> list[Field]:
    return [
        Field("number", "Номер", readonly=True),
        Field("date", "Дата", "datetime"),
        Field("client", "Клиент", "ref", ref="client", required=True),
        Field("due_date", due_title, "date", errors_as=("Срок",)),
        *([CONTRACT] if contract else []),
        *LINKS,
        Field("vat_mode", "НДС", "choice", choices=VAT_MODES),
        Field("basis", "Основание", "link", readonly=True),  # opens the base document
        Field("comment", "Комментарий", "multiline"),
    ]


def _deal_ref(ctx, deal_id):
    from crmdesk.models import Deal

    return ref_value(ctx.session.get(Deal, deal_id), "title") if deal_id else None


def _contract_ref(contract):
    return (contract.id, f"№ {contract.number} от {contract.date:%d.%m.%Y}") if contract else None


class SalesDocumentForm(DocumentForm):
    """What the four sales documents share: header, load and store through the rules."""

    history_type = "document"
    lists_changed = LISTS
    first_field = "client"
    rows = [["number", "date"], ["client", "due_date"], ["deal", "contact"],
            ["vat_mode", "manager"], ["basis"], ["comment"]]

    def defaults(self, ctx) -> dict:
        from crmdesk.services.documents import _org

        now = datetime.now().astimezone()
        return {
            "manager": ref_value(ctx.user, "full_name"),
            "vat_mode": _org(ctx).vat_mode,
            "date": now,
            "due_date": documents.default_due_date(ctx.session, self.doc_type, now),
        }

    def after_load(self, values: dict) -> None:
        super().after_load(values)
        if "contract" in self.editors:
            if not getattr(self, "_client_hooked", False):
                self._client_hooked = True
                self.editors["client"].edited.connect(self._client_changed)
            self.editors["contract"].fixed = {"client_id": self.editors["client"].get()}
        self.basis_id = values.get("basis_id") if self.obj_id is None else None
        if self.basis_id and "contract" in self.editors and self.editors["contract"].get() is None:
            self._basis_contract()
        links_follow_client(self)
        self._due_rule = self.obj_id is None and "due_date" in self.editors
        if self._due_rule and not getattr(self, "_date_hooked", False):
            self._date_hooked = True
            self.editors["date"].edited.connect(self._date_changed)
            self.editors["due_date"].edited.connect(self._due_edited)

    def _date_changed(self) -> None:
        """A new document's due date follows its date until the user sets it by hand."""
        when = self.editors["date"].get()
        if not self._due_rule or when is None:
            return
        with self.app.uow(read_only=True) as ctx:
            due = documents.default_due_date(ctx.session, self.doc_type, when)
        if due is not None:
            self.editors["due_date"].set(due)

    def _due_edited(self) -> None:
        self._due_rule = False

    def _basis_contract(self) -> None:
        """A document made on the basis of one under a contract starts under it too."""
        from crmdesk.services.contracts import contract_of

        with self.app.uow(read_only=True) as ctx:
            contract = contract_of(documents.get_document(ctx, self.basis_id))
            if contract is not None and contract.client_id == self.editors["client"].get():
                self.editors["contract"].set(_contract_ref(contract))

    def _client_changed(self) -> None:
        """«Договор» chooses among this client's contracts; another client's one goes."""
        client_id = self.editors["client"].get()
        editor = self.editors["contract"]
        if editor.fixed.get("client_id") != client_id and editor.get() is not None:
            editor.clear()
        editor.fixed = {"client_id": client_id}

    def load(self, ctx, obj_id):
        d = documents.get_document(ctx, obj_id)
        if d.doc_type != self.doc_type:
            raise ValidationError("Вид документа", f"{d.number} — не {self.title_new}")
        values = {
            "number": d.number,
            "date": d.date,
            "client": ref_value(d.client),
            "due_date": d.due_date,
            "vat_mode": d.vat_mode,
            "comment": d.comment,
            "basis": (d.basis.doc_type, d.basis.id, d.basis.title) if d.basis else None,
            "total": d.total,
            "payment_method": d.payment_method,
            "contract": _contract_ref(d.contract),
            "deal": _deal_ref(ctx, d.deal_id),
            "contact": ref_value(d.contact),
            "manager": ref_value(d.manager, "full_name"),
            "lines": [documents.line_values(ln) for ln in d.lines],
        }
        self.posted = d.posted
        title = tr("{0} {1} от {2}").format(  # d.title, with the type's name translated
            tr(DOC_TYPES[d.doc_type][1]), d.number, f"{d.date:%d.%m.%Y}"
        ) + (tr(" (проведён)") if d.posted else "")
        if d.deletion_mark:
            title += tr(" (помечен на удаление)")
        return values, d.version, title

    def store(self, ctx, obj_id, v, version):
        client_id = v.pop("client")
        if client_id is None:
            raise ValidationError("Клиент", "не заполнено")
        data = {
            k: v[k]
            for k in v
            if k in ("date", "due_date", "vat_mode", "comment", "lines", "total", "payment_method")
        }
        data.update(deal_id=v.get("deal"), contact_id=v.get("contact"),
                    manager_id=v.get("manager"))
        if obj_id is None:  # the first write of a new one: it gets its number now
            basis_id = getattr(self, "basis_id", None)
            doc_id = documents.create_document(
                ctx, self.doc_type, client_id, data, basis_id=basis_id
            ).id
        else:
            doc = documents.get_document(ctx, obj_id)
            if doc.client_id != client_id:
                raise ValidationError(
                    "Клиент", "у записанного документа клиента не меняют: создайте новый документ"
                )
            if data.get("date") is None:
                data.pop("date", None)
            doc_id = documents.update_document(ctx, obj_id, data, version).id
        if "contract" in self.editors:  # checked there: a contract of the document's client
            from crmdesk.services.contracts import set_document_contract

            if documents.get_document(ctx, doc_id).contract_id != v.get("contract"):
                set_document_contract(ctx, doc_id, v.get("contract"))
        return doc_id


class ProposalForm(SalesDocumentForm):
    entity_name = doc_type = "proposal"
    title_new = "Коммерческое предложение (создание)"
    fields = _header("Действует до")
    basis_targets = [("order", "Заказ клиента"), ("invoice", "Счёт на оплату")]


class OrderForm(SalesDocumentForm):
    entity_name = doc_type = "order"
    title_new = "Заказ клиента (создание)"
    fields = _header("Оплата по плану", contract=True)
    rows = WITH_CONTRACT
    basis_targets = [("invoice", "Счёт на оплату")]


class InvoiceForm(SalesDocumentForm):
    entity_name = doc_type = "invoice"
    title_new = "Счёт на оплату (создание)"
    fields = _header("Оплатить до", contract=True)
    rows = WITH_CONTRACT
    basis_targets = [("payment", "Поступление оплаты")]


class PaymentForm(SalesDocumentForm):
    entity_name = doc_type = "payment"
    title_new = "Поступление оплаты (создание)"
    has_lines = False
    fields = [
        Field("number", "Номер", readonly=True),
        Field("date", "Дата", "datetime"),
        Field("client", "Клиент", "ref", ref="client", required=True),
        Field("total", "Сумма", "money", required=True),
        Field("payment_method", "Способ оплаты", "choice", choices=METHODS),
        CONTRACT,
        *LINKS,
        Field("basis", "Основание", "link", readonly=True),  # opens the base document
        Field("comment", "Комментарий", "multiline"),
    ]
    rows = [["number", "date"], ["client", "total"], ["deal", "contact"],
            ["payment_method", "contract"], ["manager", "basis"], ["comment"]]

    def defaults(self, ctx) -> dict:
        return {"payment_method": "bank", "date": datetime.now().astimezone(),
                "manager": ref_value(ctx.user, "full_name")}



def _post(form, row_id, post=True):
    with form.app.uow() as ctx:
        (documents.post if post else documents.unpost)(ctx, row_id)
    form.app.changed(*LISTS)


def _doc_entity(name: str, form_cls) -> Entity:
    return register(
        Entity(
            name,
            f"{name}s",
            name,
            opener(form_cls),
            mark=lambda ctx, i, f: documents.set_deletion_mark(ctx, i, f),
            copy=lambda ctx, i: _copy(ctx, i, form_cls),
            create_permission=rights.DOCUMENTS,
            list_commands=[
                Command("post", "Провести", lambda f, i: _post(f, i, True)),
                Command("unpost", "Отмена проведения", lambda f, i: _post(f, i, False)),
            ],
            affects=LISTS,
        )
    )


def _copy(ctx, obj_id, form_cls) -> dict:
    d = documents.get_document(ctx, obj_id)
    return {
        "client": ref_value(d.client),
        "vat_mode": d.vat_mode,
        "comment": d.comment,
        "total": d.total,
        "payment_method": d.payment_method,
        "deal": _deal_ref(ctx, d.deal_id),
        "contact": ref_value(d.contact),
        # a copy is a new sale: its cost price is taken afresh from the products
        "lines": [documents.line_values(ln, with_cost=False) for ln in d.lines],
    }


for _name, _cls in (
    ("proposal", ProposalForm),
    ("order", OrderForm),
    ("invoice", InvoiceForm),
    ("payment", PaymentForm),
):
    _doc_entity(_name, _cls)
