"""Demo data: deterministic, consistent with the rules, searchable, alive on its day."""

import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from crmdesk.models import (
    Client,
    Deal,
    Document,
    DocumentLine,
    Interaction,
    Organization,
    Role,
    SalesProcess,
    Settlement,
    Stage,
    Task,
    User,
)
from crmdesk.services import tasks as task_service
from crmdesk.services import validation
from crmdesk.services.context import unit_of_work
from crmdesk.services.demo import generate
from crmdesk.services.numbering import next_number
from crmdesk.services.search import find_clients

FIXED = date(2026, 11, 24)  # the day the fixed demo used to be anchored on


def snapshot(engine):
    with engine.connect() as conn:
        names = conn.execute(select(Client.name).order_by(Client.id)).scalars().all()
        totals = conn.execute(select(Document.number, Document.total).order_by(Document.id)).all()
        deadlines = conn.execute(select(Task.deadline).order_by(Task.id)).scalars().all()
    return names, totals, [d.replace(tzinfo=None) for d in deadlines]


def test_demo_is_consistent_with_the_rules(engine):
    counts = generate(engine, clients=150, seed=3, today=FIXED)
    assert counts["clients"] == 150 and counts["documents"] > 40
    with unit_of_work(engine) as ctx:
        s = ctx.session
        org = s.scalar(select(Organization))
        assert validation.validate_inn(org.inn) and validation.validate_bik(org.bik)
        assert validation.validate_account(org.account, org.bik)
        assert validation.validate_corr_account(org.corr_account, org.bik)
        for doc in s.scalars(select(Document).where(Document.doc_type != "payment")):
            assert doc.total == sum((ln.amount for ln in doc.lines), Decimal(0))
        owed = s.scalar(select(func.sum(Settlement.amount)))
        invoiced = s.scalar(
            select(func.sum(Document.total)).where(
                Document.doc_type == "invoice", Document.posted.is_(True)
            )
        )
        paid = s.scalar(
            select(func.sum(Document.total)).where(
                Document.doc_type == "payment", Document.posted.is_(True)
            )
        )
        assert owed == invoiced - paid > 0
        numbers = s.scalars(select(Document.number)).all()
        assert len(numbers) == len(set(numbers))
        last = max(n for n in numbers if n.startswith("СЧ-2026"))
        assert next_number(s, "invoice", 2026) == f"СЧ-2026-{int(last[-6:]) + 1:06d}"
        client = s.scalar(select(Client).order_by(Client.id.desc()))
        word = client.name.split()[-1].strip("«»")[:5].upper()
        assert client in find_clients(s, ctx.user, word, limit=200)
        assert s.scalar(select(func.count(DocumentLine.id))) > 0


def test_demo_is_deterministic_for_a_seed(tmp_path):
    from crmdesk.db import open_database

    a = open_database(f"sqlite:///{tmp_path / 'a.sqlite'}")
    b = open_database(f"sqlite:///{tmp_path / 'b.sqlite'}")
    generate(a, clients=80, seed=11, today=FIXED)
    generate(b, clients=80, seed=11, today=FIXED)
    assert snapshot(a) == snapshot(b)
    generate(a, clients=20, seed=12, today=FIXED)  # adding continues ids and numbers
    names, totals, _ = snapshot(a)
    assert len(names) == 100 and len({n for n, _ in totals}) == len(totals)


def _day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time()).astimezone()
    return start, start + timedelta(days=1)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.now().astimezone().tzinfo)


def test_demo_is_alive_on_the_day_it_is_made(engine):
    """A demo made on any day has, on that day: today's and overdue tasks and reminders due
    for every manager and the administrator, invoices due this week and overdue, a deal in
    every stage, calls of the last days, proposals valid on — and no placeholder dates."""
    day = date(2027, 3, 15)  # a Monday far from the old fixed anchor
    generate(engine, clients=40, seed=5, today=day)
    start, end = _day(day)
    nine = start + timedelta(hours=9)
    with unit_of_work(engine) as ctx:
        s = ctx.session
        people = s.scalars(
            select(User)
            .join(Role, Role.id == User.role_id)
            .where(User.active.is_(True), Role.code.in_(("admin", "head", "manager")))
        ).all()
        assert len(people) == 6
        for user in people:
            mine = s.scalars(
                select(Task).where(Task.executor_id == user.id, Task.status == "open")
            ).all()
            today_tasks = [t for t in mine if start <= _aware(t.deadline) < end]
            overdue = [t for t in mine if _aware(t.deadline) < start]
            assert len(today_tasks) >= 2, user.login
            assert overdue, user.login
            soon = [t for t in today_tasks if nine < _aware(t.remind_at) < _aware(t.deadline)]
            assert soon, user.login

        balance = func.sum(Settlement.amount)
        open_invoices = s.execute(
            select(Document.due_date, balance)
            .join(Settlement, Settlement.invoice_id == Document.id)
            .where(Document.doc_type == "invoice", Document.posted.is_(True))
            .group_by(Document.id, Document.due_date)
            .having(balance > 0)
        ).all()
        assert any(day <= due <= day + timedelta(days=7) for due, _ in open_invoices)
        assert any(due < day for due, _ in open_invoices)

        sales = s.scalar(select(SalesProcess.id).where(SalesProcess.is_default.is_(True)))
        stages = dict(
            s.execute(select(Stage.code, Stage.id).where(Stage.process_id == sales)).all()
        )
        used = set(s.scalars(select(Deal.stage_id).distinct()))
        assert {code for code, sid in stages.items() if sid in used} == set(stages)
        open_ids = [stages[c] for c in ("new", "choice", "invoicing")]
        closes = s.scalars(select(Deal.expected_close).where(Deal.stage_id.in_(open_ids))).all()
        assert closes and all(c > day for c in closes)  # the pipeline's forecast is ahead
        contract = s.scalars(select(Deal).where(Deal.stage_id == stages["contract"])).first()
        assert contract.contract_end > day

        calls = s.scalars(select(Interaction.occurred_at)).all()
        assert any(_aware(c) >= nine - timedelta(days=3) for c in calls)
        assert all(_aware(c) <= nine for c in calls)  # nothing happened after "now"

        proposals = s.scalars(select(Document).where(Document.doc_type == "proposal")).all()
        assert proposals and all(p.due_date for p in proposals)
        assert any(p.due_date > day + timedelta(days=14) for p in proposals)

        # no placeholders: every date of the base lies within a few years of the day
        lo = day - timedelta(days=3 * 366)
        for column in (Document.date, Interaction.occurred_at, Task.deadline, Client.created_at):
            first, last = s.execute(select(func.min(column), func.max(column))).one()
            assert lo <= first.date() and last.date() <= day + timedelta(days=60), column
        for column in (Document.due_date, Settlement.due_date, Deal.contract_end):
            first = s.scalar(select(func.min(column)))
            assert first is None or first >= lo, column
    # the reminders service (the desktop's pop-up) finds a manager's in the afternoon
    with unit_of_work(engine, "ivanov") as mgr:
        due = task_service.due_reminders(mgr, now=start + timedelta(hours=15))
        assert any(start <= _aware(t.remind_at) < end for t in due)


def test_cli_demo_counts_from_the_day_given_and_refuses_a_wrong_date(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    env = {**os.environ, "CRMDESK_DB": db, "CRMDESK_TEST_SCRYPT_N": "1024"}

    def crm(*args):
        return subprocess.run(
            [sys.executable, "-m", "crmdesk", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    bad = crm("demo", "--clients", "10", "--today", "31.02.2027")
    assert bad.returncode == 1
    assert "«--today»" in bad.stderr and "31.02.2027" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "demo.sqlite").exists()  # refused before the base was made
    done = crm("demo", "--clients", "15", "--seed", "2", "--today", "15.03.2027")
    assert done.returncode == 0, done.stderr
    from crmdesk.db import make_engine

    engine = make_engine(db)
    start, end = _day(date(2027, 3, 15))
    with engine.connect() as conn:
        deadlines = conn.execute(select(Task.deadline).where(Task.status == "open")).scalars()
        assert sum(start <= _aware(d) < end for d in deadlines) >= 12  # 2 × 6 people
    engine.dispose()
