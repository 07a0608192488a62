"""crmdesk contracts …: contracts with clients from the command line (registered by bank.py)."""

from __future__ import annotations

from pathlib import Path

from crmdesk.services.errors import ValidationError

KEYS = ["id", "number", "date", "client", "subject", "start", "end", "amount", "manager", "file"]


def register(sub, common) -> None:
    cp = sub.add_parser("contracts", parents=[common], help="договоры с клиентами")
    cs = cp.add_subparsers(dest="contracts_command", required=True)
    ls = cs.add_parser("list", parents=[common], help="список договоров")
    ls.add_argument("--client", type=int, metavar="ID", help="только договоры клиента")
    ls.add_argument("--ending", type=int, metavar="DAYS",
                    help="только заканчивающиеся в ближайшие DAYS дней")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(handler=run_list)

    add = cs.add_parser("add", parents=[common], help="новый договор")
    add.add_argument("--client", type=int, required=True, metavar="ID")
    add.add_argument("--number", required=True)
    add.add_argument("--date", required=True, metavar="DATE", help="дата договора: 01.12.2026")
    add.add_argument("--subject", help="предмет договора")
    add.add_argument("--start", metavar="DATE", help="начало действия")
    add.add_argument("--end", metavar="DATE", help="окончание действия")
    add.add_argument("--amount", help="сумма договора")
    add.add_argument("--deal", type=int, metavar="ID", help="сделка, к которой договор")
    add.add_argument("--file", metavar="PATH", help="файл подписанного договора")
    add.set_defaults(handler=run_add)

    link = cs.add_parser("link", parents=[common],
                         help="отнести документ (заказ, счёт) к договору")
    link.add_argument("contract", type=int, metavar="CONTRACT_ID")
    link.add_argument("document", metavar="DOC_NUMBER", help="СЧ-2026-000123")
    link.set_defaults(handler=run_link)

    rem = cs.add_parser("remind", parents=[common],
                        help="задачи менеджерам о договорах, которые скоро закончатся; "
                             "сделки по истёкшим договорам — снова к выставлению счёта")
    rem.add_argument("--days", type=int, default=30)
    rem.set_defaults(handler=run_remind)


def _rows(items) -> list[dict]:
    from crmdesk.services.contracts import contract_row

    return [contract_row(c) for c in items]


def run_list(args, engine) -> int:
    from crmdesk.cli import emit, table
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.contracts import list_contracts

    with unit_of_work(engine, args.user, read_only=True) as ctx:
        rows = _rows(list_contracts(ctx, client_id=args.client, limit=args.limit,
                                    ending_within=args.ending))
    emit(args, rows, lambda: table(rows, KEYS))
    return 0


def run_add(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.contracts import attach_file, create_contract

    data = {"client_id": args.client, "number": args.number, "date": args.date,
            "subject": args.subject, "start_date": args.start, "end_date": args.end,
            "amount": args.amount, "deal_id": args.deal}
    path = Path(args.file) if args.file else None
    if path is not None and not path.is_file():
        raise ValidationError("--file", f"«{args.file}» не найден")
    with unit_of_work(engine, args.user) as ctx:
        contract = create_contract(ctx, data)
        if path is not None:
            attach_file(ctx, contract.id, path.name, path.read_bytes())
        row = _rows([contract])[0]
    emit(args, row, lambda: f"Записан договор № {row['number']} (код {row['id']}) с "
                            f"«{row['client']}»")
    return 0


def run_link(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.contracts import set_document_contract
    from crmdesk.services.documents import find_document

    with unit_of_work(engine, args.user) as ctx:
        doc = find_document(ctx, args.document)
        doc = set_document_contract(ctx, doc.id, args.contract)
        data = {"document": doc.number, "contract": doc.contract.number}
    emit(args, data, lambda: f"{data['document']} отнесён к договору № {data['contract']}")
    return 0


def run_remind(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.contracts import close_expired_deals, remind_expiring

    with unit_of_work(engine, args.user) as ctx:
        tasks = remind_expiring(ctx, days=args.days)
        deals = close_expired_deals(ctx)
        rows = [{"id": t.id, "title": t.title, "executor_id": t.executor_id} for t in tasks]
        data = {"tasks": rows, "deals_back_to_invoicing": [d.title for d in deals]}
    emit(args, data, lambda: f"Задач о договорах создано: {len(rows)}; сделок по истёкшим "
                             f"договорам возвращено к выставлению счёта: {len(deals)}")
    return 0
