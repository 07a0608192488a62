"""crmdesk list (the built-in lists) and crmdesk clients find / by-phone."""

from __future__ import annotations

from crmdesk.cli import ListSource, add_list, emit, table


def register(sub, common) -> None:
    add_list("clients", _list_clients, CLIENT_KEYS)
    add_list("users", _list_users,
             ["id", "login", "full_name", "role", "position", "phone", "active"])
    for name in ("orders", "invoices", "payments", "proposals"):
        add_list(name, _documents(name[:-1]), DOC_KEYS)
    add_list(
        "tasks", _list_tasks, ["id", "title", "executor", "deadline", "status", "overdue",
                               "client"]
    )
    cl = sub.add_parser("clients", parents=[common], help="поиск клиентов")
    cls = cl.add_subparsers(dest="clients_command", required=True)
    find = cls.add_parser("find", parents=[common], help="поиск по имени, телефону, ИНН, e-mail")
    find.add_argument("text")
    find.add_argument("--limit", type=int, default=50)
    find.set_defaults(handler=clients_command)
    bp = cls.add_parser("by-phone", parents=[common], help="кто звонит: клиент по номеру")
    bp.add_argument("number")
    bp.set_defaults(handler=clients_command)


CLIENT_KEYS = ["id", "name", "inn", "phones", "emails", "groups", "owner"]
DOC_KEYS = ["number", "date", "client", "total", "posted", "due_date", "basis", "manager"]


def client_out(args, client) -> dict:
    """A client as printed: phones readable in a table; with --json the one canonical form
    scripts and integrations match on — E.164 (+79131234567), extensions apart in
    ``phone_exts`` (same order, null where none)."""
    from crmdesk.services.clients import client_row

    row = client_row(client)
    if getattr(args, "json", False):
        row["phones"] = [p.e164 for p in client.phones]
        row["phone_exts"] = [p.ext or None for p in client.phones]
    return row


def _list_clients(args, ctx) -> list[dict]:
    from crmdesk.services import clients

    return [client_out(args, c) for c in clients.list_clients(ctx, limit=args.limit)]


def _list_users(args, ctx) -> list[dict]:
    from sqlalchemy import select

    from crmdesk.models import User
    from crmdesk.services.phones import show_phone

    rows = ctx.session.scalars(select(User).order_by(User.login).limit(args.limit))
    return [
        {
            "id": u.id,
            "login": u.login,
            "full_name": u.full_name,
            # the role by its name, as the UI shows it; --json keeps the code for scripts
            "role": u.role.code if getattr(args, "json", False) else u.role.name,
            "role_name": u.role.name,
            "position": u.position,
            "phone": show_phone(u.phone) if not getattr(args, "json", False) else u.phone,
            "active": u.active,
        }
        for u in rows
    ]


def _list_tasks(args, ctx) -> list[dict]:
    from crmdesk.services import tasks

    return [
        {
            "id": t.id,
            "title": t.title,
            "executor": t.executor.login if t.executor else None,
            "deadline": t.deadline.isoformat() if t.deadline else None,
            "status": t.status,
            "overdue": t.is_overdue(),
            "client": t.client.name if t.client else None,
        }
        for t in tasks.list_tasks(ctx, limit=args.limit)
    ]


def _documents(doc_type: str) -> ListSource:
    def rows(args, ctx) -> list[dict]:
        from sqlalchemy import select

        from crmdesk.models import Client, Document
        from crmdesk.services import documents, rights

        stmt = (
            select(Document)
            .join(Client)
            .where(Document.doc_type == doc_type, rights.client_filter(ctx.user))
            .order_by(Document.date.desc(), Document.id.desc())
            .limit(args.limit)
        )
        return [documents.document_row(d) for d in ctx.session.scalars(stmt)]

    return rows


def clients_command(args, engine) -> int:
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user, read_only=True) as ctx:
        return _clients(args, ctx)


def _clients(args, ctx) -> int:
    from crmdesk.services import search
    from crmdesk.services.phones import format_phone
    from crmdesk.services.settings import phone_region

    if args.clients_command == "find":
        rows = [
            client_out(args, c)
            for c in search.find_clients(
                ctx.session, ctx.user, args.text, limit=args.limit, details=True
            )
        ]
        emit(args, rows, lambda: table(rows, CLIENT_KEYS))
        return 0
    found = search.by_phone(ctx.session, ctx.user, args.number, phone_region(ctx.session))
    rows = [
        {
            **client_out(args, c),
            "contact": p.name if p else None,
            "phone": e if args.json else format_phone(e),
        }
        for c, p, e in found
    ]
    emit(args, rows, lambda: table(rows, ["id", "name", "contact", "phone", "owner"]))
    return 0 if rows else 3


