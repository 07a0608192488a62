"""A bank statement of 10,000 payments matched against a base of a million clients.

    python benchmarks/bank.py                                   # /tmp/bench/crm1m.sqlite
    python benchmarks/bank.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench1m
    python benchmarks/bank.py --db sqlite:////tmp/small.sqlite --load   # also post them

The statement is written in the 1C exchange format (Windows-1251, CRLF) from the base
itself: payments of open invoices naming them in the purpose in the usual spellings, others
giving only the payer's INN and the exact sum, some with a mistyped invoice number, some
for two invoices, advances, unknown payers and outgoing payments. The figures: the time to
read the file, the time to match every line (``review_statement``, read-only, the function
the desktop and ``crmdesk bank import --dry-run`` call), the lines per second and what
was matched how. ``--load`` posts the payments too, in one transaction that is rolled back
at the end, so a shared base is left as it was (on SQLite it holds the write lock meanwhile:
use it on a base of your own).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select, text

from crmdesk.db import describe, make_engine, read_only, session_factory
from crmdesk.integrations.bank_1c import parse_statement
from crmdesk.models import Client, Document, Organization, Settlement
from crmdesk.services.context import Context, default_login
from crmdesk.services.numbering import format_number

DEFAULT_DB = "sqlite:////tmp/bench/crm1m.sqlite"


def say(line: str) -> None:
    print(line, flush=True)


def load_avg() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def _open_invoices(session, want: int, rnd: random.Random) -> list[tuple]:
    """(number, client inn, kpp, remaining, vat) of open posted invoices of clients with an
    INN, picked at random ids (no scan of the whole table)."""
    top = session.scalar(select(func.max(Document.id)))
    out, seen = [], set()
    for _ in range(50):  # a small base may hold fewer open invoices than asked for
        if len(out) >= want:
            break
        ids = [rnd.randint(1, top) for _ in range(want * 3)]
        rows = session.execute(
            select(Document.id, Document.number, Client.inn, Client.kpp, Document.total,
                   Document.vat_total, Document.client_id)
            .join(Client, Client.id == Document.client_id)
            .where(Document.id.in_(ids), Document.doc_type == "invoice",
                   Document.posted.is_(True), Client.inn.is_not(None),
                   Client.deletion_mark.is_(False))
        ).all()
        paid = dict(session.execute(
            select(Settlement.invoice_id, func.sum(Settlement.amount))
            .where(Settlement.invoice_id.in_([r[0] for r in rows]))
            .group_by(Settlement.invoice_id)).all())
        for r in rows:
            left = paid.get(r[0], Decimal(0))
            if left > 0 and r[0] not in seen and r[6] not in {x[6] for x in out[-50:]}:
                seen.add(r[0])
                out.append((*r[1:6], left, r[6]))
    return out[:want]


def _doc(no: int, amount: Decimal, purpose: str, inn: str, kpp: str | None, payee: str,
         payer_acc: str, org_inn: str) -> list[str]:
    return [
        "СекцияДокумент=Платежное поручение", f"Номер={no}", "Дата=01.12.2026",
        f"Сумма={amount:.2f}", f"ПлательщикСчет={payer_acc}", "ДатаСписано=01.12.2026",
        f"Плательщик=ИНН {inn} Плательщик {no}", f"ПлательщикИНН={inn}",
        f"ПлательщикКПП={kpp or ''}", f"Плательщик1=Плательщик {no}",
        f"ПлательщикРасчСчет={payer_acc}", 'ПлательщикБанк1=АО "АЛЬФА-БАНК"',
        "ПлательщикБИК=044525593", "ПлательщикКорсчет=30101810200000000593",
        f"ПолучательСчет={payee}", "ДатаПоступило=01.12.2026", f"ПолучательИНН={org_inn}",
        f"ПолучательРасчСчет={payee}", "ПолучательБИК=044525225", f"НазначениеПлатежа={purpose}",
        "КонецДокумента",
    ]


def build_statement(session, n: int, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    org = session.scalar(select(Organization).order_by(Organization.id))
    own = org.account or "40702810303800012345"
    invoices = _open_invoices(session, int(n * 0.92), rnd)
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows",
             "Отправитель=Бенчмарк", "ДатаНачала=01.12.2026", "ДатаКонца=01.12.2026",
             f"РасчСчет={own}", "СекцияРасчСчет", f"РасчСчет={own}", "КонецРасчСчет"]
    spellings = ["Оплата по счету № {full} от 24.11.2026, в т.ч. НДС (22%) {vat}",
                 "Оплата по сч. {n} от 24.11.26", "Оплата счет {year}-{n}",
                 "Оплата по счёту №{full}"]
    for no in range(1, n + 1):
        kind = rnd.random()
        acc = f"40702810{no:012d}"
        if invoices and kind < 0.9:
            number, inn, kpp, total, vat, left, _ = invoices.pop()
            year, seq = int(number.split("-")[1]), int(number.split("-")[2])
            if kind < 0.55:
                purpose = rnd.choice(spellings).format(full=number, n=seq, year=year,
                                                       vat=f"{vat:.2f}".replace(".", "-"))
            elif kind < 0.75:
                purpose = "Оплата за товар"  # INN and the exact sum only
            elif kind < 0.85:
                purpose = f"Оплата по счету № {format_number('invoice', year, seq + 7)}"
            else:
                purpose = "Предоплата"  # an advance or a part: settled oldest first
                left = (left / 2).quantize(Decimal("0.01"))
            lines += _doc(no, left, purpose, inn, kpp, own, acc, org.inn or "")
        elif kind < 0.95:
            inn = f"{rnd.randint(10**9, 10**10 - 1)}"
            lines += _doc(no, Decimal(rnd.randint(1000, 90000)), "Оплата по договору",
                          inn, None, own, acc, org.inn or "")
        else:  # our own payment out
            lines += _doc(no, Decimal(rnd.randint(1000, 9000)), "Оплата поставщику",
                          org.inn or "7700000000", None, acc, own, "7736207543")
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def _analyze(engine) -> None:
    """A base loaded in bulk may have no planner statistics yet (autovacuum analyzes later);
    without them PostgreSQL scans whole tables for every batch. An office's base has them."""
    with engine.connect() as conn:
        never = conn.execute(text(
            "SELECT relname FROM pg_stat_user_tables WHERE relname IN "
            "('clients', 'documents', 'settlements') AND last_analyze IS NULL "
            "AND last_autoanalyze IS NULL")).scalars().all()
    if never:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            t = time.perf_counter()
            conn.exec_driver_sql(f"ANALYZE {', '.join(never)}")
        say(f"ANALYZE {', '.join(never)} (статистики не было): {time.perf_counter() - t:.1f} с")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=DEFAULT_DB)
    ap.add_argument("--payments", type=int, default=10_000)
    ap.add_argument("--load", action="store_true", help="also post them (rolled back)")
    args = ap.parse_args()
    engine = make_engine(args.db)
    say(f"База: {describe(engine)}; {load_avg()}")
    if engine.dialect.name == "postgresql":
        _analyze(engine)
    # matching only reads: on SQLite it then never waits for (or blocks) other writers
    session = session_factory(engine if args.load else read_only(engine))()
    clients = session.scalar(select(func.max(Client.id)))
    say(f"Клиентов (макс. код): {clients:,}".replace(",", " "))
    t = time.perf_counter()
    data = build_statement(session, args.payments)
    say(f"Выписка: {args.payments} платежей, {len(data) / 1e6:.1f} МБ "
        f"(составлена за {time.perf_counter() - t:.1f} с)")
    session.rollback()

    from crmdesk.models import User
    from crmdesk.services.bank import review_statement

    user = session.scalar(select(User).where(User.login == default_login(session)))
    ctx = Context(session, user)
    t = time.perf_counter()
    statement = parse_statement(data)
    parsed = time.perf_counter() - t
    t = time.perf_counter()
    review = review_statement(ctx, statement, "bench.txt")
    matched = time.perf_counter() - t
    counts = Counter(ln.status for ln in review.lines)
    by_inn_sum = sum(1 for ln in review.lines if "по ИНН плательщика и сумме" in ln.reason)
    say(f"Чтение файла: {parsed:.2f} с; сопоставление: {matched:.2f} с "
        f"({len(review.lines) / matched:,.0f} строк/с); всего {parsed + matched:.2f} с "
        f"(цель < 30 с); {load_avg()}".replace(",", " "))
    say("Итог: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"; из них счёт найден по ИНН и сумме: {by_inn_sum}")
    if args.load:
        from crmdesk.services.bank_load import load_statement

        t = time.perf_counter()
        result = load_statement(ctx, review)
        spent = time.perf_counter() - t
        say(f"Проведение: {result.loaded} платежей за {spent:.1f} с "
            f"({result.loaded / spent:.0f} в секунду); откат — база не изменена")
    session.rollback()
    session.close()


if __name__ == "__main__":
    main()
