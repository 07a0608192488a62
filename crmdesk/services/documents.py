"""Sales documents: write, post and unpost, create on the basis of another, deletion marks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from crmdesk.models import (
    DOC_TYPES,
    Client,
    Document,
    DocumentLine,
    Organization,
    Product,
    Settlement,
    utcnow,
)
from crmdesk.services import events, limits, rights
from crmdesk.services.context import Context
from crmdesk.services.errors import Collector, NotFound, PostingError, ValidationError
from crmdesk.services.locking import check_version, flushing
from crmdesk.services.money import VAT_RATES, ZERO, D, line_amounts
from crmdesk.services.numbering import next_number
from crmdesk.services.settings import get_setting

# what each type may be created from
BASIS = {"order": ("proposal",), "invoice": ("order", "proposal"), "payment": ("invoice", "order")}


_CREATED = "documents_created_here"


def _created_here(session) -> set[int]:
    """Documents inserted by this very transaction: no one else sees them before it commits,
    so they need no lock and no re-reading (an invoice created and posted at once)."""
    entry = session.info.get(_CREATED)
    return entry[1] if entry and entry[0] is session.get_transaction() else set()


def _note_created(session, doc_id: int) -> None:
    entry = session.info.get(_CREATED)
    if not entry or entry[0] is not session.get_transaction():
        entry = session.info[_CREATED] = (session.get_transaction(), set())
    entry[1].add(doc_id)


def lock_documents(ctx: Context, ids) -> list[Document]:
    """Lock these documents' rows (PostgreSQL: SELECT … FOR UPDATE, always in id order, so
    two postings never wait for each other crosswise) and re-read them: whoever reads a
    balance to write against it holds the lock until commit. SQLite's write transaction
    (BEGIN IMMEDIATE) already serializes writers."""
    wanted = {i for i in ids if i is not None}
    mine = wanted & _created_here(ctx.session)
    found = {d.id: d for d in ctx.session.scalars(
        select(Document)
        .where(Document.id.in_(sorted(wanted - mine)))
        .order_by(Document.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )} if wanted - mine else {}
    for i in mine:
        found[i] = ctx.session.get(Document, i)  # in this session already: no query
    return [found[i] for i in sorted(found) if found[i] is not None]


def get_document(ctx: Context, doc_id: int, write: bool = False) -> Document:
    if write and isinstance(doc_id, int):
        lock_documents(ctx, [doc_id])
    doc = ctx.session.get(Document, doc_id)
    if doc is None:
        raise NotFound(f"Документ с кодом {doc_id} не найден.")
    rights.check_read_client(ctx.user, doc.client)
    if write:
        rights.require(ctx.user, rights.DOCUMENTS)
        rights.check_write_client(ctx.user, doc.client)
    return doc


def find_document(ctx: Context, number: str) -> Document:
    doc = ctx.session.scalar(select(Document).where(Document.number == number.strip()))
    if doc is None:
        raise NotFound(f"Документ № {number} не найден.")
    return get_document(ctx, doc.id)


def _org(ctx: Context) -> Organization:
    """The organization (the first one); asked for twice per document, read once per unit
    of work (then taken from the session's identity map)."""
    known = ctx.session.info.get("organization_id")
    org = ctx.session.get(Organization, known) if known is not None else None
    if org is None:
        org = ctx.session.scalar(select(Organization).order_by(Organization.id).limit(1))
        if org is not None:
            ctx.session.info["organization_id"] = org.id
    return org


def _allowed_rates(ctx: Context) -> tuple[Decimal, ...]:
    """The VAT rates a line may carry: the «vat_rates» setting (a list), else the law's."""
    configured = get_setting(ctx.session, "vat_rates")
    if isinstance(configured, (list, tuple)) and configured:
        try:
            return tuple(D(r) for r in configured)
        except (ArithmeticError, ValueError, TypeError):
            pass
    return VAT_RATES


def _line(ctx: Context, doc: Document, item: dict, no: int, org, rates) -> DocumentLine:
    """One table line checked field by field; ValidationError names the line and field."""
    if not isinstance(item, dict):
        raise ValidationError("Товары (работы, услуги)", "строка не заполнена", no)
    product = None
    ref = item.get("product_id") or item.get("product")
    if ref is not None:
        stmt = select(Product).where(
            Product.id == ref if isinstance(ref, int) else Product.article == str(ref)
        )
        # no stored article holds NUL (limits refuse it), and PostgreSQL refuses it in a query
        product = None if "\x00" in str(ref) else ctx.session.scalar(stmt)
        if product is None:
            shown = str(ref)[:40].replace("\x00", "")
            raise ValidationError("Номенклатура", f"не найдена: {shown}", no)
    qty = limits.quantity(item.get("quantity", 1), no, positive=False)
    raw_price = item.get("price") if item.get("price") is not None else None
    if raw_price is None and product is None:
        raise ValidationError("Цена", "не заполнено", no)
    price = limits.money(raw_price if raw_price is not None else product.price, "Цена", no)
    discount = limits.percent(item.get("discount_pct") or 0, "Скидка", no)
    description = item.get("description") or (product.name if product else "")
    description = limits.text(description, "Товары (работы, услуги)", 500, no)
    if not description or not description.strip():
        raise ValidationError("Товары (работы, услуги)", "не заполнено", no)
    unit = limits.text(item.get("unit") or (product.unit if product else "шт"), "Ед.", 20, no)
    if doc.vat_mode == "none":
        rate = None
    elif item.get("vat_rate") is not None:
        rate = limits.vat_rate(item["vat_rate"], no, rates)
    else:
        rate = product.vat_rate if product else org.vat_rate
        rate = limits.vat_rate(rate if rate is not None else 0, no, rates + (D(rate or 0),))
    raw_cost = item.get("cost_price")
    cost = limits.money(
        raw_cost if raw_cost is not None else (product.cost_price if product else ZERO),
        "Себестоимость",
        no,
    )
    a = line_amounts(qty, price, discount, rate, doc.vat_mode, cost)
    for value, field in ((a.to_pay, "Сумма"), (a.cost_amount, "Себестоимость")):
        if value > limits.MONEY_MAX:
            raise ValidationError(
                field, f"сумма строки больше допустимой ({limits.MONEY_MAX:,})", no
            )
    return DocumentLine(
        line_no=no,
        product=product,
        description=description.strip(),
        unit=unit.strip(),
        quantity=qty,
        price=price,
        discount_pct=discount,
        vat_rate=rate,
        amount=a.amount,
        vat_amount=a.vat_amount,
        cost_price=cost,
        cost_amount=a.cost_amount,
    )


def _lines(ctx: Context, doc: Document, items: list[dict], col: Collector) -> None:
    org = _org(ctx)
    rates = _allowed_rates(ctx)
    lines = []
    if not isinstance(items, (list, tuple)):
        col.add("Товары (работы, услуги)", "не список строк")
        return
    for no, item in enumerate(items, 1):
        try:
            lines.append(_line(ctx, doc, item, no, org, rates))
        except ValidationError as exc:
            col.errors.append(exc)
    if col.errors:
        return
    doc.lines = lines
    recompute_totals(doc)
    if doc.total > limits.MONEY_MAX:
        col.add("Сумма", f"сумма документа больше допустимой ({limits.MONEY_MAX:,})")


def recompute_totals(doc: Document) -> None:
    """Totals are the sums of the rounded lines; a payment keeps its own total."""
    if doc.doc_type == "payment":
        return
    amount = sum((ln.amount for ln in doc.lines), ZERO)
    vat = sum((ln.vat_amount for ln in doc.lines), ZERO)
    doc.vat_total = vat
    doc.total = amount + vat if doc.vat_mode == "on_top" else amount
    doc.cost_total = sum((ln.cost_amount for ln in doc.lines), ZERO)


HEADER = ("comment", "due_date", "payment_method", "contact_id", "deal_id", "vat_mode",
          "manager_id")


def _apply(ctx: Context, doc: Document, data: dict) -> None:
    col = Collector()
    if "date" in data and data["date"] is not None:
        when = col.check(limits.check_date, data["date"], "Дата")
        if isinstance(when, date) and not isinstance(when, datetime):
            when = datetime(when.year, when.month, when.day, 12, tzinfo=utcnow().tzinfo)
        if isinstance(when, datetime) and when.tzinfo is None:
            when = when.replace(tzinfo=utcnow().tzinfo)
        if when is not None:
            doc.date = when
    for key in HEADER:
        if key in data:
            setattr(doc, key, data[key])
    _check_links(ctx, doc, data, col)
    if "due_date" in data:
        label = {"proposal": "Действительно до", "order": "Дата оплаты"}.get(
            doc.doc_type, "Оплатить до"
        )
        due = col.check(limits.check_date, doc.due_date, label)
        doc.due_date = due.date() if isinstance(due, datetime) else due
    if "comment" in data:
        doc.comment = col.check(limits.text, doc.comment, "Комментарий")
    if doc.vat_mode not in ("none", "included", "on_top"):
        shown = str(doc.vat_mode)[:20].replace("\x00", "")
        col.add("НДС", f"неизвестный режим «{shown}»")
    if doc.payment_method not in (None, "bank", "cash"):
        col.add("Способ оплаты", "безналичный (bank) или наличные (cash)")
    if doc.doc_type == "payment" and "total" in data:
        total = col.check(limits.money, data["total"], "Сумма", positive=True)
        if total is not None:
            doc.total = total
    if "lines" in data and doc.doc_type != "payment":
        _lines(ctx, doc, data["lines"] or [], col)
    col.raise_if_any()


def _check_links(ctx: Context, doc: Document, data: dict, col: Collector) -> None:
    """«Сделка» and «Контактное лицо» of the document's client, «Ответственный» a user."""
    from crmdesk.services.interactions import check_contact, check_deal, check_user

    client_id = doc.client.id if doc.client is not None else doc.client_id
    if data.get("deal_id"):
        col.check(check_deal, ctx, client_id, data["deal_id"])
    if data.get("contact_id"):
        col.check(check_contact, ctx, client_id, data["contact_id"])
    if "manager_id" in data:
        if data["manager_id"] is None:
            doc.manager_id = ctx.user.id  # a document always has its responsible
        else:
            col.check(check_user, ctx, data["manager_id"])


def warnings(doc: Document) -> list[str]:
    """What is allowed but probably a mistake: the form and the CLI show it after saving."""
    out = []
    if doc.due_date is not None and doc.date is not None and doc.due_date < doc.date.date():
        out.append(
            f"Срок {doc.due_date:%d.%m.%Y} раньше даты документа {doc.date:%d.%m.%Y}: "
            "проверьте дату оплаты."
        )
    return out


def create_document(
    ctx: Context,
    doc_type: str,
    client_id: int,
    data: dict | None = None,
    basis_id: int | None = None,
) -> Document:
    if doc_type not in DOC_TYPES:
        raise ValidationError("Вид документа", f"неизвестен «{doc_type}»")
    rights.require(ctx.user, rights.DOCUMENTS)
    client = ctx.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Поле «Клиент»: клиент с кодом {client_id} не найден.")
    rights.check_write_client(ctx.user, client)
    data = dict(data or {})
    when = data.get("date") or utcnow()
    org = _org(ctx)
    doc = Document(
        doc_type=doc_type,
        client=client,
        manager_id=ctx.user.id,
        basis_id=basis_id,
        vat_mode=data.get("vat_mode") or org.vat_mode,
        date=utcnow(),
        lines=[],
        total=ZERO,
        vat_total=ZERO,
        cost_total=ZERO,
    )
    _apply(ctx, doc, {"lines": [], **data, "date": when})
    if doc.due_date is None:
        doc.due_date = default_due_date(ctx.session, doc_type, doc.date)
    doc.year = doc.date.year
    doc.number = next_number(ctx.session, doc_type, doc.year)
    ctx.session.add(doc)
    ctx.session.flush()
    _note_created(ctx.session, doc.id)
    return doc


def update_document(
    ctx: Context, doc_id: int, data: dict, expected_version: int | None = None
) -> Document:
    """Change a document; a posted one is reposted so its movements follow the change."""
    doc = get_document(ctx, doc_id, write=True)
    check_version(doc, expected_version, doc.title)
    # a savepoint: refused data leaves the document as it was (still posted), even when
    # the caller goes on with the same unit of work
    with flushing(doc, doc.title), ctx.session.begin_nested():
        was_posted = doc.posted
        if was_posted:
            unpost(ctx, doc.id)
        _apply(ctx, doc, data)
        ctx.session.flush()
        if was_posted:
            post(ctx, doc.id)
    return doc


def _check_postable(doc: Document) -> None:
    col = Collector()
    if doc.deletion_mark:
        col.add("Пометка удаления", "документ помечен на удаление и не может быть проведён")
    if doc.client.deletion_mark:
        col.add("Клиент", f"клиент «{doc.client.name}» помечен на удаление")
    if doc.doc_type == "payment":
        if doc.total is None or doc.total <= 0:
            col.add("Сумма", "должна быть больше нуля")
    elif not doc.lines:
        col.add("Товары (работы, услуги)", "в документе нет ни одной строки")
    for line in doc.lines:
        if line.quantity is None or line.quantity <= 0:
            col.errors.append(
                ValidationError("Количество", "должно быть больше нуля", line.line_no)
            )
        if line.price is None or line.price < 0:
            col.errors.append(ValidationError("Цена", "не может быть отрицательной", line.line_no))
    if col.errors:
        raise PostingError(
            f"Документ {doc.title} не проведён:\n" + "\n".join(str(e) for e in col.errors)
        )


def invoice_remaining(ctx_or_session, invoice_id: int) -> Decimal:
    session = getattr(ctx_or_session, "session", ctx_or_session)
    value = session.scalar(
        select(func.sum(Settlement.amount)).where(Settlement.invoice_id == invoice_id)
    )
    return value if value is not None else ZERO


def post(ctx: Context, doc_id: int) -> Document:
    doc = get_document(ctx, doc_id, write=True)
    if doc.posted:
        _remove_movements(ctx, doc)
    _check_postable(doc)
    if doc.doc_type == "invoice":
        ctx.session.add(
            Settlement(
                recorder_id=doc.id,
                client_id=doc.client_id,
                invoice_id=doc.id,
                date=doc.date,
                due_date=doc.due_date,
                amount=doc.total,
            )
        )
    elif doc.doc_type == "payment":
        _allocate_payment(ctx, doc)
    doc.posted = True
    ctx.session.flush()
    events.emit(ctx, "document_posted", document=doc)  # the deal's event rules follow
    return doc


def _allocate_payment(ctx: Context, doc: Document) -> None:
    """Settle the named invoice, else the oldest open invoices; the rest is an advance."""
    left = doc.total
    named = doc.basis if doc.basis is not None and doc.basis.doc_type == "invoice" else None
    if named is not None:
        # the named invoice is locked too: two payments of it posted at the same moment
        # must not both see the whole remainder (and settle it twice)
        candidates = lock_documents(ctx, [named.id])
    else:
        open_ids = ctx.session.scalars(
            select(Document.id).where(
                Document.client_id == doc.client_id,
                Document.doc_type == "invoice",
                Document.posted.is_(True),
            )
        ).all()
        candidates = sorted(
            lock_documents(ctx, open_ids),
            key=lambda d: (d.due_date or date.max, d.date, d.id),
        )
    for inv in candidates:
        if left <= 0:
            break
        if not inv.posted:
            continue
        owed = invoice_remaining(ctx.session, inv.id)
        part = min(owed, left)
        if part > 0:
            ctx.session.add(
                Settlement(
                    recorder_id=doc.id,
                    client_id=doc.client_id,
                    invoice_id=inv.id,
                    date=doc.date,
                    amount=-part,
                )
            )
            left -= part
    if left > 0:
        ctx.session.add(
            Settlement(
                recorder_id=doc.id,
                client_id=doc.client_id,
                invoice_id=None,
                date=doc.date,
                amount=-left,
            )
        )


def _remove_movements(ctx: Context, doc: Document) -> None:
    if doc.doc_type == "invoice":
        payers = ctx.session.scalars(
            select(Document.number)
            .join(Settlement, Settlement.recorder_id == Document.id)
            .where(Settlement.invoice_id == doc.id, Settlement.recorder_id != doc.id)
        ).all()
        if payers:
            raise PostingError(
                f"Счёт {doc.number} оплачен документами {', '.join(sorted(set(payers)))}: "
                "сначала отмените их проведение."
            )
    for row in ctx.session.scalars(select(Settlement).where(Settlement.recorder_id == doc.id)):
        ctx.session.delete(row)
    ctx.session.flush()


def unpost(ctx: Context, doc_id: int) -> Document:
    doc = get_document(ctx, doc_id, write=True)
    if doc.posted:
        _remove_movements(ctx, doc)
        doc.posted = False
        ctx.session.flush()
    return doc


def set_deletion_mark(ctx: Context, doc_id: int, mark: bool = True) -> Document:
    """Marking a posted document unposts it first, as 1C does."""
    doc = get_document(ctx, doc_id, write=True)
    if mark and doc.posted:
        unpost(ctx, doc.id)
    doc.deletion_mark = mark
    ctx.session.flush()
    return doc


def line_values(ln, with_cost: bool = True) -> dict:
    """A document line as the values a new line (or a form's table part) takes."""
    values = {
        "product_id": ln.product_id,
        "description": ln.description,
        "unit": ln.unit,
        "quantity": ln.quantity,
        "price": ln.price,
        "discount_pct": ln.discount_pct,
        "vat_rate": ln.vat_rate,
    }
    if with_cost:
        values["cost_price"] = ln.cost_price
    return values


def default_due_date(session, doc_type: str, when: date | datetime | None) -> date | None:
    """Invoice «Оплатить до» = date + the payment term («Срок оплаты счёта»); proposal
    «Действует до» = date + the proposal design's validity days; other types stay empty."""
    if doc_type not in ("invoice", "proposal") or when is None:
        return None
    if doc_type == "invoice":
        days = int(get_setting(session, "invoice_due_days") or 5)
    else:
        from crmdesk.services.settings import proposal_valid_days

        days = proposal_valid_days(session)
    day = when.astimezone().date() if isinstance(when, datetime) else when
    return day + timedelta(days=days)


def based_on_values(ctx: Context, basis_id: int, doc_type: str) -> dict:
    """«Создать на основании» as 1C does it: the new document's values, nothing written.
    ``create_document(ctx, doc_type, v["client_id"], v, basis_id=v["basis_id"])`` at the
    first write gives it its number."""
    basis = get_document(ctx, basis_id)
    if basis.doc_type not in BASIS.get(doc_type, ()):
        raise ValidationError(
            "Основание",
            f"«{DOC_TYPES[doc_type][1]}» нельзя создать на основании "
            f"«{DOC_TYPES[basis.doc_type][1]}»",
        )
    values = {
        "client_id": basis.client_id,
        "basis_id": basis.id,
        "basis": basis.title,
        "vat_mode": basis.vat_mode,
        "contact_id": basis.contact_id,
        "deal_id": basis.deal_id,
        "manager_id": basis.manager_id,
    }
    if doc_type == "payment":
        due = (
            invoice_remaining(ctx.session, basis.id)
            if basis.posted and basis.doc_type == "invoice"
            else basis.total
        )
        values["total"] = due if due > 0 else basis.total
        values["payment_method"] = "bank"
    else:
        values["lines"] = [line_values(ln) for ln in basis.lines]
        if doc_type == "invoice" and basis.doc_type == "order" and basis.due_date:
            values["due_date"] = basis.due_date
    return values


def create_based_on(
    ctx: Context, basis_id: int, doc_type: str, data: dict | None = None
) -> Document:
    """Proposal → order → invoice → payment: copy client, lines and amounts (written now;
    the desktop opens ``based_on_values`` unsaved instead)."""
    fields = based_on_values(ctx, basis_id, doc_type)
    client_id, basis_id = fields.pop("client_id"), fields.pop("basis_id")
    fields.pop("basis")
    fields.update(data or {})
    return create_document(ctx, doc_type, client_id, fields, basis_id=basis_id)


def client_balance(ctx: Context, client_id: int) -> Decimal:
    """What the client owes now (negative: an advance)."""
    value = ctx.session.scalar(
        select(func.sum(Settlement.amount)).where(Settlement.client_id == client_id)
    )
    return value if value is not None else ZERO


def document_row(doc: Document) -> dict:
    return {
        "id": doc.id,
        "type": doc.doc_type,
        "number": doc.number,
        "date": doc.date.date().isoformat(),
        "client": doc.client.name,
        "total": str(doc.total),
        "vat": str(doc.vat_total),
        "posted": doc.posted,
        "deletion_mark": doc.deletion_mark,
        "due_date": doc.due_date.isoformat() if doc.due_date else None,
        "basis": doc.basis.number if doc.basis else None,
        "manager": doc.manager.login if doc.manager else None,
    }
