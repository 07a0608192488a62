"""Demo data of the housing-services module (``crmdesk demo --housing``): a dispatcher and
executors, request categories and a contractor, a few houses with flats, residents and
meters, a year of monthly readings and requests in every status, one outage notice.
The same seed and day always give the same data; the module is switched on."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from crmdesk.models import Client, User
from crmdesk.models.service import (
    House,
    Meter,
    MeterReading,
    Outage,
    RequestCategory,
    RequestStatusChange,
    Resident,
    ServiceRequest,
)
from crmdesk.services import calendar, housing
from crmdesk.services.context import unit_of_work
from crmdesk.services.requestcatalog import save_category, save_contractor
from crmdesk.services.requests import next_number
from crmdesk.services.users import create_user

STREETS = ["ул. Ленина, д. 12", "ул. Пушкина, д. 3", "пр. Мира, д. 45", "ул. Садовая, д. 8"]
CATEGORIES = [  # name, working days, hours, executor's login, paid
    ("Сантехника", 2, None, "slesar", False),
    ("Электрика", 2, None, "elektrik", False),
    ("Авария", None, 4, "slesar", False),
    ("Лифт", 1, None, None, False),
    ("Уборка подъезда", 3, None, None, False),
    ("Платные работы", 5, None, "slesar", True),
]
PROBLEMS = {
    "Сантехника": ["Течёт кран на кухне", "Засор канализации", "Не греет полотенцесушитель"],
    "Электрика": ["Не горит свет в подъезде", "Искрит розетка", "Выбивает автомат"],
    "Авария": ["Прорыв трубы в подвале", "Затопление сверху"],
    "Лифт": ["Лифт не работает", "Застрял лифт между этажами"],
    "Уборка подъезда": ["Не убран мусор на площадке", "Грязно в подъезде"],
    "Платные работы": ["Установить смеситель", "Заменить счётчик воды"],
}
FIRST = ["Анна", "Олег", "Мария", "Сергей", "Елена", "Игорь", "Ольга", "Павел"]
LAST = ["Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов", "Новиков", "Морозов"]
USAGE = {"cold_water": 6, "hot_water": 4, "el_day": 150, "el_night": 70}


def generate_housing(engine, seed: int = 1, today: date | None = None, houses: int = 3,
                     flats: int = 12) -> dict:
    rnd = random.Random(seed)
    today = today or date.today()
    with unit_of_work(engine) as ctx:
        housing.set_enabled(ctx, True)
        users = {}
        for login, name, role in (("dispetcher", "Диспетчерова Дарья Сергеевна", "dispatcher"),
                                  ("slesar", "Слесарев Семён Ильич", "executor"),
                                  ("elektrik", "Электриков Эдуард Павлович", "executor")):
            user = ctx.session.scalar(select(User).where(User.login == login))
            users[login] = user or create_user(ctx.session, login, name, role, "demo")
        ctx.session.flush()
        contractor = save_contractor(ctx, {"name": "ООО «Лифтсервис»", "phone": "+73422000000"})
        cats = {}
        for name, days, hours, login, paid in CATEGORIES:
            cat = ctx.session.scalar(select(RequestCategory).where(RequestCategory.name == name))
            cats[name] = cat or save_category(ctx, {
                "name": name, "sla_days": days, "sla_hours": hours, "paid": paid,
                "executor_id": users[login].id if login else None,
                "contractor_id": contractor.id if name == "Лифт" else None})
        made = {"houses": 0, "premises": 0, "residents": 0, "meters": 0, "readings": 0,
                "requests": 0}
        flats_list = []
        for h in range(houses):
            address = f"г. Пермь, {STREETS[h % len(STREETS)]}"
            house = ctx.session.scalar(select(House).where(House.address == address))
            if house is not None:
                continue
            house = housing.create_house(ctx, address)
            made["houses"] += 1
            for n in range(1, flats + 1):
                p = housing.create_premises(ctx, house.id, str(n),
                                            Decimal(rnd.choice((33, 41, 54, 62, 78))) + Decimal(
                                                rnd.randint(0, 9)) / 10)
                made["premises"] += 1
                flats_list.append(p)
                woman = rnd.random() < .5
                first = rnd.choice(FIRST[0::2] if woman else FIRST[1::2])
                owner = Client(kind="person", owner_id=ctx.user.id,
                               name=f"{rnd.choice(LAST)}{'а' if woman else ''} {first}")
                ctx.session.add(owner)
                ctx.session.flush()
                ctx.session.add(Resident(premises_id=p.id, client_id=owner.id, role="owner",
                                         share=Decimal(100)))
                made["residents"] += 1
                for kind in ("cold_water", "hot_water", "el_day", "el_night"):
                    serial = f"{kind[:2].upper()}-{house.id:02d}{n:03d}-{rnd.randint(1000, 9999)}"
                    m = Meter(premises_id=p.id, kind=kind, serial=serial,
                              verified_until=today + timedelta(days=rnd.randint(-20, 2000)))
                    ctx.session.add(m)
                    ctx.session.flush()
                    made["meters"] += 1
                    value = Decimal(rnd.randint(10, 900))
                    for back in range(12, 0, -1):
                        month = _month_back(today, back)
                        value += Decimal(max(1, int(rnd.gauss(USAGE[kind], USAGE[kind] / 4))))
                        if rnd.random() < 0.05:
                            continue  # a month not submitted
                        ctx.session.add(MeterReading(
                            meter_id=m.id, period=month, value=value,
                            taken_on=month.replace(day=rnd.randint(18, 25)),
                            source=rnd.choice(("hand", "call", "import")),
                            author_id=ctx.user.id))
                        made["readings"] += 1
        ctx.session.flush()
        made["requests"] = _requests(ctx, rnd, today, flats_list, cats, users)
        if flats_list:
            start = datetime.combine(today + timedelta(days=2), time(9)).astimezone()
            ctx.session.add(Outage(what="Отключение горячей воды (плановые работы)",
                                   starts_at=start, ends_at=start + timedelta(hours=10),
                                   notice="Работы на теплотрассе", author_id=ctx.user.id,
                                   houses=[flats_list[0].house]))
    return made


def _month_back(today: date, back: int) -> date:
    y, m = today.year, today.month - back
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def _requests(ctx, rnd: random.Random, today: date, flats: list, cats: dict, users: dict) -> int:
    if not flats:
        return 0
    n = 0
    now = datetime.now(UTC)
    for day in range(365, -1, -1):
        for _ in range(rnd.choice((0, 1, 1, 2))):
            p = rnd.choice(flats)
            name = rnd.choice(list(cats))
            cat = cats[name]
            at = datetime.combine(today - timedelta(days=day),
                                  time(rnd.randint(8, 19), rnd.randint(0, 59))).astimezone()
            deadline = calendar.deadline(ctx.session, at, cat.sla_days, cat.sla_hours)
            resident = ctx.session.scalar(select(Resident).where(Resident.premises_id == p.id))
            req = ServiceRequest(
                number=next_number(ctx.session, at.year), registered_at=at,
                channel=rnd.choice(("call", "call", "visit", "email", "site", "messenger")),
                client_id=resident.client_id if resident else None, address=p.title(),
                premises_id=p.id, category_id=cat.id, description=rnd.choice(PROBLEMS[name]),
                priority=1 if name == "Авария" else 2, paid=cat.paid,
                executor_id=cat.executor_id, contractor_id=cat.contractor_id,
                author_id=users["dispetcher"].id, deadline=deadline, status="new")
            ctx.session.add(req)
            ctx.session.flush()
            path = ["new"]
            if cat.executor_id or cat.contractor_id or rnd.random() < .8:
                if not (cat.executor_id or cat.contractor_id):
                    req.executor_id = rnd.choice((users["slesar"], users["elektrik"])).id
                path.append("assigned")
            age = (now - at).days
            if len(path) > 1 and age > 0:
                path.append("in_work")
                if age > 3 or rnd.random() < .5:
                    path.append("done")
                    took = timedelta(hours=rnd.uniform(0.5, 5) if cat.sla_hours
                                     else rnd.uniform(1, 90))
                    req.done_at = min(at + took, now)
                    req.result = "Выполнено"
                    if age > 7 and rnd.random() < .9:
                        path.append("closed")
                        req.closed_at = req.done_at + timedelta(days=1)
                        req.confirmed_at = req.done_at + timedelta(hours=5)
            elif rnd.random() < .1:
                path.append("rejected")
            req.status = path[-1]
            for old, new in zip([None, *path[:-1]], path, strict=True):
                ctx.session.add(RequestStatusChange(request_id=req.id, at=at, from_status=old,
                                                    to_status=new, user_id=req.author_id))
            n += 1
    ctx.session.flush()
    return n
