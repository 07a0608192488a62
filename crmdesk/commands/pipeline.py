"""crmdesk list deals, crmdesk deals check-rules | plan | received (the sales pipeline);
the funnel, the weighted forecast and plan/fact are reports: crmdesk report funnel …"""

from __future__ import annotations

from crmdesk.cli import add_list, emit, table

DEAL_KEYS = ["id", "title", "client", "stage", "amount", "probability", "expected_close",
             "manager"]


def register(sub, common) -> None:
    add_list("deals", _list_deals, DEAL_KEYS)
    ls = sub.choices.get("list")  # `list` is cli.py's; deals add their own option to it
    if ls is not None:
        ls.add_argument("--stage", metavar="ЭТАП", help="deals: только сделки на этапе "
                        "(наименование или код: «Выбор», choice)")
    dp = sub.add_parser("deals", parents=[common], help="сделки: правила процесса, планы продаж")
    ds = dp.add_subparsers(dest="deals_command", required=True)
    chk = ds.add_parser("check-rules", parents=[common],
                        help="выполнить правила по датам (окончание договора, нет активности); "
                             "для планировщика заданий")
    chk.add_argument("--today", metavar="ДД.ММ.ГГГГ", help="на дату (по умолчанию сегодня)")
    chk.set_defaults(handler=check_rules_command)
    plan = ds.add_parser("plan", parents=[common], help="план продаж менеджера на месяц")
    plan.add_argument("manager", metavar="LOGIN")
    plan.add_argument("month", metavar="ММ.ГГГГ")
    plan.add_argument("amount", metavar="СУММА")
    plan.set_defaults(handler=plan_command)
    rec = ds.add_parser("received", parents=[common],
                        help="документы по сделке получены (правила этого события)")
    rec.add_argument("deal_id", type=int, metavar="КОД_СДЕЛКИ")
    rec.set_defaults(handler=received_command)


def _list_deals(args, ctx) -> list[dict]:
    from crmdesk.services.board import deal_rows

    return deal_rows(ctx, getattr(args, "stage", None), limit=args.limit)


def _runs_out(args, runs) -> int:
    rows = [r.row() for r in runs]
    emit(args, rows, lambda: table(rows, ["rule", "deal_id", "result", "message"])
         if rows else "Правила выполнены: действий не потребовалось.")
    return 0


def check_rules_command(args, engine) -> int:
    from crmdesk.reports.period import parse_date
    from crmdesk.services import rights
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.pipeline import check_rules

    day = parse_date(args.today, "--today")
    with unit_of_work(engine, args.user) as ctx:
        # it acts on every manager's deals and prints what it did: the head's (or the
        # scheduler's administrator's) command
        ctx.require(rights.ASSIGN)
        runs = check_rules(ctx, today=day)
    return _runs_out(args, runs)


def received_command(args, engine) -> int:
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.pipeline import documents_received

    with unit_of_work(engine, args.user) as ctx:
        runs = documents_received(ctx, args.deal_id)
    return _runs_out(args, runs)


def plan_command(args, engine) -> int:
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.plans import set_plan

    with unit_of_work(engine, args.user) as ctx:
        plan = set_plan(ctx, args.manager, args.month, args.amount)
        row = {"manager": args.manager, "month": plan.month.isoformat(),
               "amount": str(plan.amount)}
    emit(args, row, lambda: f"План {args.manager} на {plan.month:%m.%Y}: {row['amount']}")
    return 0
