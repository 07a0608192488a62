"""Mailings: segments, consent, duplicates, results as XLSX, and a crash in the middle."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from crmdesk.models import Client, ContactPerson
from crmdesk.models.comms import OutboxMessage
from crmdesk.services import mailings
from crmdesk.services.clients import create_client
from crmdesk.services.errors import NotFound, ValidationError


@pytest.fixture
def crowd(office):
    """Clients in groups, some with consent to advertising, one sharing an address."""
    from crmdesk.models.clients import ClientGroup

    with office.uow() as ctx:  # the catalogue's groups come from a user with the right
        ctx.session.add_all([ClientGroup(name="Опт"), ClientGroup(name="Розница")])
    with office.uow("ivanov") as ctx:
        ids = {}
        for _n, (name, email, group, consent) in enumerate([
            ("Альфа", "alfa@example.ru", "Опт", True),
            ("Бета", "beta@example.ru", "Опт", False),
            ("Гамма", None, "Опт", True),
            ("Дельта", "alfa@example.ru", "Опт", True),  # the same address as Альфа
            ("Эпсилон", "eps@example.ru", "Розница", True),
        ]):
            c = create_client(ctx, {"name": name, "emails": [email] if email else [],
                                    "groups": [group]})
            c.consent_email = consent
            ids[name] = c.id
        return ids


def _by_name(ctx, mailing_id):
    rows = mailings.results(ctx, mailing_id)
    return {r["recipient"]: r for r in rows}


def test_advertising_mailing_to_a_group(office, relay, crowd):
    with office.uow("ivanov") as ctx:
        ctx.session.execute(update(Client).where(Client.id == crowd["Эпсилон"]).values(
            opt_out_at=None))
        m = mailings.create_mailing(ctx, "Поздравление с днём рождения", {"groups": ["опт"]})
        mid = m.id
        assert m.advertising
    counts = mailings.run_mailing(relay_engine(office), mid)
    assert counts == {"sent": 1, "skipped": 3}
    with office.uow("ivanov") as ctx:
        rows = _by_name(ctx, mid)
    assert rows["Альфа"]["status"] == "sent"
    assert "согласия" in rows["Бета"]["reason"]
    assert rows["Гамма"]["reason"] == "нет адреса"
    assert "уже есть в рассылке (Альфа)" in rows["Дельта"]["reason"]
    assert [r for _, r, _ in relay.items] == [["alfa@example.ru"]]


def relay_engine(office):
    with office.uow() as ctx:
        return ctx.session.get_bind()


def test_service_mailing_needs_no_consent_and_fills_the_debt(office, relay, crowd):
    with office.uow("ivanov") as ctx:
        m = mailings.create_mailing(ctx, "Напоминание о долге", {"overdue_days": 3})
        mid = m.id
    mailings.run_mailing(relay_engine(office), mid)
    (_, rcpts, msg), = relay.items  # only СтройМаркет owes, 90 000 due 25.11.2026
    assert rcpts == ["zakaz@stroymarket.example"]
    body = msg.get_body(("plain",)).get_content()
    assert "90 000,00 руб., из них просрочено 90 000,00 руб." in body
    with office.uow("ivanov") as ctx:
        data = mailings.results_xlsx(ctx, mid)
    ws = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[3][:3] == ["Получатель", "Адрес", "Результат"]
    assert values[4][:3] == ["ООО «СтройМаркет»", "zakaz@stroymarket.example", "Отправлено"]


def test_birthdays_this_week_go_to_the_contact(office, relay):
    today = date.today()
    with office.uow("ivanov") as ctx:
        person = ctx.session.get(ContactPerson, office.kotova)
        person.birthday = date(1980, today.month, today.day)
        person.consent_email = True
        m = mailings.create_mailing(ctx, "Поздравление с днём рождения",
                                    {"birthdays_week": True})
        mid = m.id
    mailings.run_mailing(relay_engine(office), mid)
    (_, rcpts, msg), = relay.items
    assert rcpts == ["kotova@stroymarket.example"]
    assert "Ирина Сергеевна" in msg.get_body(("plain",)).get_content()


def test_failures_carry_the_servers_reason(office, relay, crowd):
    relay.refuse.add("eps@example.ru")
    with office.uow("ivanov") as ctx:
        mid = mailings.create_mailing(ctx, "Заявка зарегистрирована",
                                      {"groups": ["Розница"]}).id
    assert mailings.run_mailing(relay_engine(office), mid) == {"failed": 1}
    with office.uow("ivanov") as ctx:
        (row,) = mailings.results(ctx, mid)
    assert "550" in row["reason"] and "eps@example.ru" in row["reason"]


def test_segment_errors_name_the_field(office, relay):
    with office.uow("ivanov") as ctx:
        with pytest.raises(NotFound, match="«Группа»"):
            mailings.create_mailing(ctx, "Заявка зарегистрирована", {"groups": ["Нет такой"]})
        with pytest.raises(ValidationError, match="«Шаблон»"):
            mailings.create_mailing(ctx, "Заявка зарегистрирована", channel="sms")


def test_rate_limit_spaces_the_letters():
    slept, now = [], [0.0]
    pacer = mailings.Pacer(120, sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)),
                           clock=lambda: now[0])
    for _ in range(3):
        pacer.wait()
    assert sum(slept) == pytest.approx(1.0)  # 120 a minute: one every half second


def test_killed_midway_and_restarted_nobody_gets_two(office, relay, team):
    from crmdesk.models.clients import ClientGroup

    with office.uow() as ctx:
        ctx.session.add(ClientGroup(name="Все"))
    with office.uow("ivanov") as ctx:
        for n in range(30):
            create_client(ctx, {"name": f"Клиент {n:02d}", "emails": [f"c{n:02d}@example.ru"],
                                "groups": ["Все"]})
        mid = mailings.create_mailing(ctx, "Заявка зарегистрирована", {"groups": ["Все"]}).id
    relay.delay = 0.05
    url = team.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    code = ("import sys; from crmdesk.db import make_engine; "
            "from crmdesk.services.mailings import run_mailing; "
            "run_mailing(make_engine(sys.argv[1]), int(sys.argv[2]))")
    proc = subprocess.Popen([sys.executable, "-c", code, url, str(mid)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(relay.items) < 8 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, proc.stderr.read().decode()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = len(relay.items)
    assert 8 <= first < 30
    relay.delay = 0
    time.sleep(0.3)  # a letter the killed sender was handing over may still arrive
    counts = mailings.run_mailing(team, mid)
    got = Counter(r for _, rcpts, _ in relay.items for r in rcpts)
    assert max(got.values()) == 1  # nobody twice
    with office.uow() as ctx:
        rows = ctx.session.scalars(select(OutboxMessage).where(
            OutboxMessage.mailing_id == mid)).all()
    assert {r.status for r in rows} <= {"sent", "unknown"}
    assert sum(r.status == "unknown" for r in rows) <= 1
    for r in rows:
        if r.status == "sent":
            assert got[r.address] == 1
    assert counts.get("sent", 0) + counts.get("unknown", 0) == 30
    assert len(got) >= 29


def test_consent_given_and_withdrawn(office, relay, crowd):
    with office.uow("ivanov") as ctx:
        mailings.set_consent(ctx, crowd["Бета"], email=True)
        mid = mailings.create_mailing(ctx, "Поздравление с днём рождения",
                                      {"groups": ["Опт"]}).id
        rows = _by_name(ctx, mid)
        assert rows["Бета"]["status"] == "pending"
        person = mailings.set_consent(ctx, crowd["Альфа"], opt_out=True)
        assert person.opt_out_at is not None and not person.consent_email
        mid = mailings.create_mailing(ctx, "Поздравление с днём рождения",
                                      {"groups": ["Опт"]}).id
        rows = _by_name(ctx, mid)
        assert rows["Альфа"]["status"] == "skipped" and "согласия" in rows["Альфа"]["reason"]
        with pytest.raises(NotFound, match="«Контактное лицо»"):
            mailings.set_consent(ctx, crowd["Бета"], contact_id=999999, sms=True)
