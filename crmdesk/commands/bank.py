"""crmdesk bank import …: bank statements from the command line (and crmdesk contracts …)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crmdesk.services.errors import ValidationError


def register(sub, common) -> None:
    bank = sub.add_parser("bank", parents=[common], help="банковские выписки")
    bs = bank.add_subparsers(dest="bank_command", required=True)
    imp = bs.add_parser(
        "import",
        parents=[common],
        help="загрузить выписку 1С:Клиент-банк (kl_to_1c.txt)",
        description="Читает выписку в формате обмена 1С с клиент-банком, сопоставляет "
        "поступления со счетами и клиентами и проводит «Поступление оплаты». Списания и "
        "платежи неизвестных плательщиков показываются и пропускаются; уже загруженные "
        "платежи второй раз не загружаются.",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--dry-run", action="store_true",
                     help="только показать, что будет сделано; ничего не записывать")
    imp.set_defaults(handler=run_import)

    from crmdesk.commands.contracts import register as register_contracts

    register_contracts(sub, common)
    _settings()


def _settings() -> None:
    """`crmdesk settings set invoice_qr off` turns the invoice's payment QR code off (the
    settings command lists what it may change in crmdesk.commands.office.SETTINGS)."""
    try:
        from crmdesk.commands import office
    except ImportError:
        return
    office.SETTINGS.setdefault("invoice_qr", ("bool", "QR-код для оплаты на счёте (ГОСТ Р "
                                                      "56042-2014)"))


def run_import(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.integrations.bank_1c import parse_statement
    from crmdesk.services.bank import review_statement
    from crmdesk.services.bank_load import load_statement
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.money import format_money

    path = Path(args.file)
    if not path.is_file():
        raise ValidationError("Файл", f"«{args.file}» не найден")
    statement = parse_statement(path.read_bytes(), path.name)
    with unit_of_work(engine, args.user, read_only=args.dry_run) as ctx:
        review = review_statement(ctx, statement, path.name)
        rows = [ln.to_json() for ln in review.lines]
        result = None if args.dry_run else load_statement(ctx, review)
    data = {"file": str(path), "dry_run": args.dry_run, "lines": rows,
            "counts": review.counts(), "result": result.to_json() if result else None}

    def text() -> str:
        out = []
        for r in rows:
            who = r["payer"] + (f" (ИНН {r['payer_inn']})" if r["payer_inn"] else "")
            when = date.fromisoformat(r["date"]).strftime("%d.%m.%Y")
            out.append(f"{r['no']}. п/п № {r['number']} от {when}  "
                       f"{format_money(r['amount'])}  {who}")
            target = f" — клиент «{r['client']}»" if r["client"] else ""
            out.append(f"   {r['status_text']}{target}: {r['reason']}")
            out += [f"   ⚠ {w}" for w in r["warnings"]]
        if result is None:
            out.append("Пробный прогон: ничего не записано.")
        else:
            out.append(f"Загружено платежей: {result.loaded} на сумму {result.total}; "
                       f"пропущено: {result.skipped}; уже были загружены: {result.duplicates}.")
            if result.payments:
                out.append("Документы: " + ", ".join(result.payments))
        return "\n".join(out).replace("\u00a0", " ")

    emit(args, data, text)
    return 0
