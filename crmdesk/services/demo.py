"""Realistic Russian demo data, deterministic for a seed, fast enough for a million clients.

The data is alive on the day it is made: its dates count back (and forward) from the
moment it is made (``crmdesk demo --today DATE``: from 09:00 of that day, the same base
for the same seed and day), and
the first clients of every generation carry what a first look needs (``demo_today``):
tasks for today and overdue ones for each manager and the administrator, reminders due in
the next hours, invoices due this week and overdue, a deal in every stage, calls of the
last days, proposals valid for weeks to come. An empty date stays empty (NULL).

Rows are inserted with SQLAlchemy Core in batches (COPY on PostgreSQL), with primary keys
given here, so children reference parents without round trips. Generating into a database
that already has data adds to it: ids continue after the largest, numbers after the
sequences, managers and products already there are reused.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, insert, select, update

from crmdesk.db import reset_sequences
from crmdesk.models import (
    Client,
    ClientAddress,
    ClientEmail,
    ClientGroup,
    ClientPhone,
    ContactPerson,
    ContactPhone,
    Deal,
    DealStageHistory,
    Document,
    DocumentLine,
    Interaction,
    NumberSequence,
    Organization,
    Product,
    Role,
    SalesProcess,
    Settlement,
    Stage,
    Task,
    User,
    client_group_links,
)
from crmdesk.services.demo_today import anchor_of, plan_for_today
from crmdesk.services.money import ZERO, line_amounts
from crmdesk.services.numbering import format_number
from crmdesk.services.phones import phone_search_variants
from crmdesk.services.search import normalize
from crmdesk.services.setup import ensure_defaults
from crmdesk.services.users import hash_password

ANCHOR = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the day the old fixed demo was made on
BATCH = 10_000
VACUUM_FROM = 100_000  # clients generated at once, from which PostgreSQL is vacuumed after

FORMS = ["ООО", "ООО", "ООО", "АО", "ИП"]
ROOTS = [
    "Альфа",
    "Вектор",
    "Гранит",
    "Север",
    "Восток",
    "Ромашка",
    "Техно",
    "Строй",
    "Урал",
    "Волга",
    "Сибирь",
    "Меридиан",
    "Прогресс",
    "Орион",
    "Кедр",
    "Ладога",
    "Байкал",
    "Энерго",
    "Агро",
    "Металл",
    "Фарма",
    "Логистик",
    "Профи",
    "Мастер",
    "Ёлочка",
    "Сфера",
]
TAILS = ["", "Трейд", "Снаб", "Сервис", "Пром", "Комплект", "Групп", "Инвест", "Маркет", "Плюс"]
SURNAMES = [
    ("Иванов", "Иванова"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Соколов", "Соколова"),
    ("Лебедев", "Лебедева"),
    ("Козлов", "Козлова"),
    ("Новиков", "Новикова"),
    ("Морозов", "Морозова"),
    ("Фёдоров", "Фёдорова"),
    ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"),
    ("Семёнов", "Семёнова"),
    ("Егоров", "Егорова"),
    ("Павлов", "Павлова"),
]
MALE = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья"]
FEMALE = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана"]
PATRONYMICS = [
    ("Иванович", "Ивановна"),
    ("Петрович", "Петровна"),
    ("Сергеевич", "Сергеевна"),
    ("Андреевич", "Андреевна"),
    ("Олегович", "Олеговна"),
]
CITIES = [
    ("Москва", "495"),
    ("Санкт-Петербург", "812"),
    ("Екатеринбург", "343"),
    ("Новосибирск", "383"),
    ("Казань", "843"),
    ("Нижний Новгород", "831"),
]
STREETS = ["ул. Ленина", "ул. Мира", "пр. Победы", "ул. Садовая", "ул. Заводская"]
GISTS = [
    ("Уточнил цены на насосы", "Выслать КП"),
    ("Обсудили сроки поставки", "Согласовать"),
    ("Просит скидку на опт", "Решение руководителя"),
    ("Жалоба на доставку", "Разобраться"),
    ("Интересуется новинками", "Пригласить на встречу"),
    ("Подтвердил оплату", "Отгрузить"),
]
PRODUCTS = [
    ("Насос циркуляционный", "шт", 12500),
    ("Котёл газовый 24 кВт", "шт", 64900),
    ("Радиатор биметаллический", "секц", 890),
    ("Труба PPR 20 мм", "м", 95),
    ("Фитинг угловой", "шт", 45),
    ("Кран шаровой 1/2", "шт", 420),
    ("Бойлер 100 л", "шт", 23800),
    ("Счётчик воды", "шт", 1150),
    ("Монтаж радиатора", "усл", 2500),
    ("Доставка по городу", "усл", 1500),
    ("Пусконаладка котла", "усл", 4500),
    ("Фильтр магистральный", "шт", 1890),
]


def _inn(rnd: random.Random, length: int) -> str:
    """A random INN with correct check digits."""

    def check(digits, weights):
        return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)

    if length == 10:
        base = "77" + "".join(rnd.choice("0123456789") for _ in range(7))
        return base + check(base, (2, 4, 10, 3, 5, 9, 4, 6, 8))
    base = "50" + "".join(rnd.choice("0123456789") for _ in range(8))
    base += check(base, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return base + check(base, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def _keyed_account(prefix3: str, body19: str) -> str:
    """A 20-digit account whose control key (digit 9) is right for the BIK prefix."""
    weights = (7, 1, 3) * 8
    for key in "0123456789":
        acc = body19[:8] + key + body19[8:]
        if sum(int(d) * w for d, w in zip(prefix3 + acc, weights, strict=False)) % 10 == 0:
            return acc
    raise AssertionError("unreachable")


def _person(rnd: random.Random) -> str:
    female = rnd.random() < 0.5
    surname = rnd.choice(SURNAMES)[female]
    first = rnd.choice(FEMALE if female else MALE)
    return f"{surname} {first} {rnd.choice(PATRONYMICS)[female]}"


def _phone(rnd: random.Random, mobile: bool) -> str:
    if mobile:
        return f"+79{rnd.randrange(10**9):09d}"
    return f"+7{rnd.choice(CITIES)[1]}{rnd.randrange(2 * 10**6, 10**7):07d}"


def _next_id(conn, model) -> int:
    return (conn.scalar(select(func.max(model.id))) or 0) + 1


class _Ids:
    """Hands out primary keys per model, continuing after what the database has."""

    def __init__(self, conn):
        self.conn, self.next = conn, {}

    def __call__(self, model) -> int:
        if model not in self.next:
            self.next[model] = _next_id(self.conn, model)
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _reference_data(
    conn, rnd: random.Random, anchor: datetime
) -> tuple[list[int], list[dict], dict, list[int]]:
    """Organization requisites, five managers, the catalogue; reused when already there."""
    org_id = conn.scalar(select(Organization.id).order_by(Organization.id))
    if conn.scalar(select(Organization.name).where(Organization.id == org_id)) == "Моя организация":
        bik = "044525225"
        conn.execute(
            update(Organization)
            .where(Organization.id == org_id)
            .values(
                name="ООО «ТеплоДом»",
                full_name="Общество с ограниченной ответственностью «ТеплоДом»",
                inn=_inn(rnd, 10),
                kpp="770101001",
                ogrn="1027700132195",
                address="125009, г. Москва, ул. Тверская, д. 7, офис 12",
                phone="+74951234567",
                email="info@teplodom.ru",
                bank_name="ПАО Сбербанк",
                bank_city="г. Москва",
                bik=bik,
                corr_account="30101810400000000225",
                account=_keyed_account(bik[-3:], "4070281003800" + "012345"),
                director="Кузнецов Андрей Сергеевич",
                chief_accountant="Попова Елена Ивановна",
                vat_mode="included",
                vat_rate=Decimal("22"),
                version=Organization.version + 1,
                payment_terms="Оплата в течение 5 банковских дней. Счёт действителен 5 дней.",
            )
        )
    roles = dict(conn.execute(select(Role.code, Role.id)).all())
    managers = []
    for i, (login, name, role) in enumerate(
        [
            ("smirnova", "Смирнова Ольга Петровна", "head"),
            ("ivanov", "Иванов Иван Иванович", "manager"),
            ("kozlova", "Козлова Мария Андреевна", "manager"),
            ("volkov", "Волков Дмитрий Олегович", "manager"),
            ("lebedeva", "Лебедева Анна Сергеевна", "manager"),
        ]
    ):
        uid = conn.scalar(select(User.id).where(User.login == login))
        if uid is None:
            uid = conn.execute(
                insert(User).values(
                    login=login,
                    full_name=name,
                    role_id=roles[role],
                    active=True,
                    position="Руководитель отдела продаж" if role == "head" else "Менеджер",
                    phone=f"+7495123456{i}",
                    email=f"{login}@teplodom.ru",
                    password_hash=hash_password("demo"),
                    created_at=anchor,
                    deletion_mark=False,
                )
            ).inserted_primary_key[0]
        managers.append(uid)
    products = [
        dict(r._mapping)
        for r in conn.execute(
            select(
                Product.id,
                Product.name,
                Product.unit,
                Product.price,
                Product.cost_price,
                Product.vat_rate,
            ).where(Product.deletion_mark.is_(False))
        )
    ]
    if not products:
        for n, (name, unit, price) in enumerate(PRODUCTS, 1):
            price = Decimal(price)
            row = {
                "article": f"A-{n:04d}",
                "name": name,
                "unit": unit,
                "price": price,
                "cost_price": (price * Decimal("0.62")).quantize(Decimal("0.01")),
                "vat_rate": Decimal("22"),
                "kind": "service" if unit == "усл" else "goods",
                "description": f"{name}: в наличии на складе, гарантия 12 месяцев.",
                "version": 1,
                "updated_at": anchor,
                "deletion_mark": False,
            }
            row["id"] = conn.execute(insert(Product).values(row)).inserted_primary_key[0]
            products.append(row)
    groups = list(conn.scalars(select(ClientGroup.id).order_by(ClientGroup.id)))
    default = conn.scalar(
        select(SalesProcess.id).where(SalesProcess.is_default.is_(True)).order_by(SalesProcess.id)
    )
    stages = dict(
        conn.execute(select(Stage.code, Stage.id).where(Stage.process_id == default)).all()
    )
    return managers, products, stages, groups


def generate(
    engine: Engine,
    clients: int = 200,
    seed: int = 1,
    progress=None,
    today: date | None = None,
) -> dict:
    """Fill the database with ``clients`` demo clients and a year of their history, up to
    ``today`` and a few weeks past it (deadlines, due dates). None: up to this moment (the
    same seed and ``today`` always give the same base)."""
    from crmdesk.db import session_factory

    with session_factory(engine)() as session, session.begin():
        ensure_defaults(session)
    rnd = random.Random(seed)
    anchor = anchor_of(today)  # the given day's 09:00, or this moment
    today = today or anchor.astimezone().date()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        managers, products, stages, groups = _reference_data(conn, rnd, anchor)
        admin = conn.scalar(
            select(User.id)
            .join(Role, Role.id == User.role_id)
            .where(Role.code == "admin", User.active.is_(True))
            .order_by(User.id)
        )
        process_id = conn.scalar(select(Stage.process_id).where(Stage.id == stages["new"]))
        seq = {(r.doc_type, r.year): r.last_number for r in conn.execute(select(NumberSequence))}
    ids_conn = engine.connect()
    ids = _Ids(ids_conn)
    for model in (
        Client,
        ClientPhone,
        ClientEmail,
        ClientAddress,
        ContactPerson,
        ContactPhone,
        Interaction,
        Task,
        Deal,
        DealStageHistory,
        Document,
        DocumentLine,
        Settlement,
    ):
        ids.next[model] = _next_id(ids_conn, model)
    ids_conn.close()
    ctx = {
        "rnd": rnd,
        "ids": ids,
        "managers": managers,
        "products": products,
        "stages": stages,
        "groups": groups,
        "seq": seq,
        "process_id": process_id,
        "anchor": anchor,
        "today": today,
        "plan": plan_for_today(today, [*managers, *([admin] if admin else [])], rnd, anchor),
    }
    done = 0
    while done < clients:
        n = min(BATCH, clients - done)
        tables = _batch(ctx, n)
        with engine.begin() as conn:
            for model, rows in tables:
                if rows:
                    _insert(conn, model, rows)
                    key = getattr(model, "__tablename__", None) or model.name
                    counts[key] = counts.get(key, 0) + len(rows)
        done += n
        if progress:
            progress(done, clients)
    with engine.begin() as conn:
        for (doc_type, year), last in seq.items():
            row = conn.scalar(
                select(NumberSequence.last_number).where(
                    NumberSequence.doc_type == doc_type, NumberSequence.year == year
                )
            )
            if row is None:
                conn.execute(
                    insert(NumberSequence).values(doc_type=doc_type, year=year, last_number=last)
                )
            elif row < last:
                conn.execute(
                    update(NumberSequence)
                    .where(NumberSequence.doc_type == doc_type, NumberSequence.year == year)
                    .values(last_number=last)
                )
        reset_sequences(conn)
        from crmdesk.services.pipeline import demo_through_rules

        demo_through_rules(conn)  # the moves the shipped rules make, recorded as theirs
    from crmdesk.services.search_upkeep import refresh_first_keys

    # the quick search's walking bounds for the frequent trigrams of the names just written
    # (triggers only lower bounds that exist; without them a dense text walks from «А»)
    refresh_first_keys(engine)
    if engine.dialect.name == "postgresql" and counts:
        # statistics for the new rows now, not when autovacuum gets round to it (without
        # them a caller-ID lookup went parallel: 10 ms instead of 1); after a big load also
        # the visibility map, so that counting a list's rows reads an index, not the table
        tables = ", ".join(sorted(counts))
        command = "VACUUM (ANALYZE) " if clients >= VACUUM_FROM else "ANALYZE "
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(command + tables)
    return counts


def _insert(conn, model, rows: list[dict]) -> None:
    """Insert a batch: COPY on PostgreSQL (several times faster than INSERT), else executemany.

    Every row of a batch has the same keys, and no column left out has a default.
    """
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        table = getattr(model, "__table__", model)
        cols = list(rows[0])
        quote = conn.dialect.identifier_preparer.quote
        sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in cols)}) FROM STDIN"
        with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[c] for c in cols])
        return
    conn.execute(insert(model), rows)


def _number(ctx, doc_type: str, when: datetime) -> tuple[str, int]:
    key = (doc_type, when.year)
    ctx["seq"][key] = ctx["seq"].get(key, 0) + 1
    return format_number(doc_type, when.year, ctx["seq"][key]), when.year


def _batch(ctx, n: int) -> list[tuple[object, list[dict]]]:
    """One batch of clients with everything that hangs on them."""
    rnd, ids = ctx["rnd"], ctx["ids"]
    out: dict[object, list[dict]] = {
        m: []
        for m in (
            Client,
            ClientPhone,
            ClientEmail,
            ClientAddress,
            client_group_links,
            ContactPerson,
            ContactPhone,
            Interaction,
            Task,
            Deal,
            DealStageHistory,
            Document,
            DocumentLine,
            Settlement,
        )
    }
    for _ in range(n):
        cid = ids(Client)
        owner = rnd.choice(ctx["managers"][1:]) if rnd.random() < 0.9 else ctx["managers"][0]
        anchor = ctx["anchor"]
        plan = ctx["plan"].pop(0) if ctx["plan"] else {}
        created = anchor - timedelta(days=rnd.randrange(30, 900), minutes=rnd.randrange(600))
        form = rnd.choice(FORMS)
        if rnd.random() < 0.25:
            kind, name, inn, full = "person", _person(rnd), None, None
        elif form == "ИП":
            person = _person(rnd)
            kind, name, inn, full = "company", f"ИП {person}", _inn(rnd, 12), None
        else:
            word = rnd.choice(ROOTS) + rnd.choice(TAILS)
            kind, name, inn = "company", f"{form} «{word}»", _inn(rnd, 10)
            full = (
                "Общество с ограниченной ответственностью"
                if form == "ООО"
                else "Акционерное общество"
            ) + f" «{word}»"
        phones = [_phone(rnd, True)] + ([_phone(rnd, False)] if rnd.random() < 0.5 else [])
        emails = (
            [f"client{cid}@{rnd.choice(['mail.ru', 'yandex.ru', 'gmail.com'])}"]
            if rnd.random() < 0.7
            else []
        )
        search_text = " ".join(
            [
                normalize(name),
                normalize(full),
                inn or "",
                *emails,
                *[v for p in phones for v in phone_search_variants(p)],
            ]
        ).strip()
        out[Client].append(
            {
                "id": cid,
                "kind": kind,
                "name": name,
                "full_name": full,
                "inn": inn,
                "kpp": "770101001" if inn and len(inn) == 10 else None,
                "owner_id": owner,
                "source": rnd.choice(["Сайт", "Звонок", "Рекомендация", "Выставка"]),
                "status": "Активный",
                "comment": None,
                "created_at": created,
                "updated_at": created,
                "search_name": normalize(name),
                "search_text": search_text,
                "version": 1,
                "deletion_mark": False,
                "interests": rnd.choice(PRODUCTS)[0],
                "preferences": None,
            }
        )
        for p in phones:
            out[ClientPhone].append(
                {"id": ids(ClientPhone), "client_id": cid, "e164": p, "ext": None, "label": None}
            )
        for e in emails:
            out[ClientEmail].append(
                {"id": ids(ClientEmail), "client_id": cid, "email": e, "label": None}
            )
        city = rnd.choice(CITIES)[0]
        out[ClientAddress].append(
            {
                "id": ids(ClientAddress),
                "client_id": cid,
                "kind": "actual",
                "text": f"г. {city}, {rnd.choice(STREETS)}, д. {rnd.randrange(1, 120)}",
            }
        )
        out[client_group_links].append({"client_id": cid, "group_id": rnd.choice(ctx["groups"])})
        contact_id = None
        if kind == "company" and rnd.random() < 0.4:
            contact_id = ids(ContactPerson)
            out[ContactPerson].append(
                {
                    "id": contact_id,
                    "client_id": cid,
                    "name": _person(rnd),
                    "position": rnd.choice(["Закупщик", "Директор", "Главный инженер"]),
                    "deletion_mark": False,
                }
            )
            out[ContactPhone].append(
                {
                    "id": ids(ContactPhone),
                    "contact_id": contact_id,
                    "e164": _phone(rnd, True),
                    "ext": None,
                    "label": None,
                }
            )
        for k in range(rnd.choice((1, 2, 2, 3))):
            gist, step = rnd.choice(GISTS)
            if k == 0 and (plan.get("recent_call") or rnd.random() < 0.08):
                ago = timedelta(days=rnd.randrange(0, 3), minutes=rnd.randrange(30, 480))
            else:
                ago = timedelta(days=rnd.randrange(365), minutes=rnd.randrange(600))
            out[Interaction].append(
                {
                    "id": ids(Interaction),
                    "client_id": cid,
                    "contact_id": contact_id,
                    "user_id": owner,
                    "kind": rnd.choice(["call_in", "call_out", "meeting", "letter"]),
                    "occurred_at": anchor - ago,
                    "duration_min": rnd.randrange(1, 40),
                    "gist": gist,
                    "next_step": step,
                    "deletion_mark": False,
                }
            )
        tasks = plan.get("tasks") or []
        if not tasks and rnd.random() < 0.5:
            deadline = anchor + timedelta(days=rnd.randrange(-20, 20), hours=rnd.randrange(8))
            done = deadline < anchor and rnd.random() < 0.6
            tasks = [(owner, deadline, deadline - timedelta(hours=1), done, None)]
        for executor, deadline, remind_at, done, title in tasks:
            out[Task].append(
                {
                    "id": ids(Task),
                    "title": title
                    or rnd.choice(
                        ["Перезвонить", "Отправить КП", "Уточнить реквизиты", "Напомнить об оплате"]
                    ),
                    "client_id": cid,
                    "author_id": owner,
                    "executor_id": executor or owner,
                    "deadline": deadline,
                    "remind_at": remind_at,
                    "priority": rnd.choice((1, 2, 2, 3)),
                    "status": "done" if done else "open",
                    "done_at": deadline if done else None,
                    "created_at": min(deadline, anchor) - timedelta(days=3),
                    "version": 1,
                    "updated_at": created,
                    "deletion_mark": False,
                }
            )
        if plan.get("stage"):
            _sales(ctx, out, cid, owner, contact_id, plan)
        elif rnd.random() < 0.35:
            _sales(ctx, out, cid, owner, contact_id)
    return list(out.items())


def _sales(ctx, out, cid: int, owner: int, contact_id: int | None, plan=None) -> None:
    """A deal and its documents: proposal → order → invoice → payments.

    ``plan`` (from ``demo_today``) fixes the stage, how many days ago the deal began and
    the share paid; without it all three are drawn."""
    rnd, ids, stages = ctx["rnd"], ctx["ids"], ctx["stages"]
    anchor = ctx["anchor"]
    start = anchor - timedelta(days=rnd.randrange(5, 360), hours=rnd.randrange(8))
    lines = []
    for _ in range(rnd.choice((1, 2, 3, 4))):
        p = rnd.choice(ctx["products"])
        qty = Decimal(rnd.choice((1, 1, 2, 3, 5, 10)))
        disc = Decimal(rnd.choice((0, 0, 0, 5, 10)))
        a = line_amounts(qty, p["price"], disc, p["vat_rate"], "included", p["cost_price"])
        lines.append((p, qty, disc, a))
    total = sum((a.amount for *_, a in lines), ZERO)
    paid_share = rnd.choice((1, 1, 1, 1, 0, 0.5))
    stage = {1: "paid", 0: "invoicing", 0.5: "invoicing"}[paid_share]
    chance = rnd.random()
    if chance < 0.1:
        stage, paid_share = "refusal", None
    elif chance < 0.22:  # an order agreed, its invoice not yet issued: money expected later
        stage, paid_share = "choice", None
    elif chance < 0.27:  # a new inquiry: a proposal sent, valid for weeks to come
        stage, paid_share = "new", None
    elif stage == "paid" and chance > 0.8:  # paid, and on further: documents, a contract
        stage = rnd.choice(("awaiting_docs", "client", "contract"))
    if stage in ("new", "choice", "invoicing") and rnd.random() < 0.5:
        # a recent deal: its invoice is not due yet, or its order is still to be paid
        start = anchor - timedelta(days=rnd.randrange(0, 4), hours=rnd.randrange(8))
    if plan:
        stage, paid_share = plan["stage"], plan.get("paid")
        start = anchor - timedelta(days=plan["days_ago"], hours=rnd.randrange(1, 8))
    paid_path = ["new", "choice", "invoicing", "paid"]
    path = {
        "new": ["new"],
        "paid": paid_path,
        "awaiting_docs": [*paid_path, "awaiting_docs"],
        "client": [*paid_path, "awaiting_docs", "client"],
        "contract": [*paid_path, "awaiting_docs", "client", "contract"],
        "invoicing": ["new", "choice", "invoicing"],
        "refusal": ["new", "choice", "refusal"],
        "choice": ["new", "choice"],
    }[stage]
    deal_id = ids(Deal)
    out[Deal].append(
        {
            "id": deal_id,
            "process_id": ctx["process_id"],
            "client_id": cid,
            "manager_id": owner,
            "title": f"Поставка: {lines[0][0]['name']}",
            "stage_id": stages[stage],
            "amount": total,
            "created_at": start,
            "refusal_reason": "Дорого" if stage == "refusal" else None,
            "contract_end": (
                (anchor + timedelta(days=rnd.randrange(120, 365))).date()
                if stage == "contract"
                else None
            ),
            # an open deal is expected to close in the weeks to come (the pipeline's
            # forecast), a closed one closed when it was paid or refused
            "expected_close": (
                (anchor + timedelta(days=rnd.randrange(3, 45))).date()
                if stage in ("new", "choice", "invoicing")
                else min(start + timedelta(days=len(path) + 1), anchor).date()
            ),
            "stage_since": min(start + timedelta(days=len(path) - 1), anchor),
            "version": 1,
            "updated_at": start,
            "deletion_mark": False,
        }
    )
    prev = None
    for k, code in enumerate(path):
        out[DealStageHistory].append(
            {
                "id": ids(DealStageHistory),
                "deal_id": deal_id,
                "from_stage_id": prev,
                "to_stage_id": stages[code],
                "user_id": owner,
                "at": min(start + timedelta(days=k), anchor),
            }
        )
        prev = stages[code]
    chain = {"refusal": ["proposal"], "new": ["proposal"], "choice": ["proposal", "order"]}.get(
        stage, ["proposal", "order", "invoice"]
    )
    basis = None
    for k, doc_type in enumerate(chain):
        when = min(start + timedelta(days=k), anchor)
        number, year = _number(ctx, doc_type, when)
        doc_id = ids(Document)
        if doc_type == "invoice":  # pay by
            due = (when + timedelta(days=5)).date()
        elif doc_type == "order":  # planned payment
            due = (when + timedelta(days=10 if stage != "choice" else rnd.randrange(7, 60))).date()
        else:  # a proposal: valid until
            due = (when + timedelta(days=30)).date()
        vat = sum((a.vat_amount for *_, a in lines), ZERO)
        cost = sum((a.cost_amount for *_, a in lines), ZERO)
        out[Document].append(
            _doc(
                doc_id,
                doc_type,
                number,
                year,
                when,
                cid,
                contact_id,
                owner,
                deal_id,
                basis,
                doc_type != "proposal",
                total,
                vat,
                cost,
                due,
            )
        )
        for no, (p, qty, disc, a) in enumerate(lines, 1):
            out[DocumentLine].append(
                {
                    "id": ids(DocumentLine),
                    "document_id": doc_id,
                    "line_no": no,
                    "product_id": p["id"],
                    "description": p["name"],
                    "unit": p["unit"],
                    "quantity": qty,
                    "price": p["price"],
                    "discount_pct": disc,
                    "vat_rate": p["vat_rate"],
                    "amount": a.amount,
                    "vat_amount": a.vat_amount,
                    "cost_price": p["cost_price"],
                    "cost_amount": a.cost_amount,
                }
            )
        if doc_type == "invoice":
            out[Settlement].append(
                {
                    "id": ids(Settlement),
                    "recorder_id": doc_id,
                    "client_id": cid,
                    "invoice_id": doc_id,
                    "date": when,
                    "due_date": due,
                    "amount": total,
                }
            )
            if paid_share:
                paid = (total * Decimal(str(paid_share))).quantize(Decimal("0.01"))
                pay_when = min(when + timedelta(days=rnd.randrange(1, 20)), anchor)
                pay_number, pay_year = _number(ctx, "payment", pay_when)
                pay_id = ids(Document)
                out[Document].append(
                    _doc(
                        pay_id,
                        "payment",
                        pay_number,
                        pay_year,
                        pay_when,
                        cid,
                        None,
                        owner,
                        deal_id,
                        doc_id,
                        True,
                        paid,
                        ZERO,
                        ZERO,
                        None,
                        "bank",
                    )
                )
                out[Settlement].append(
                    {
                        "id": ids(Settlement),
                        "recorder_id": pay_id,
                        "client_id": cid,
                        "invoice_id": doc_id,
                        "date": pay_when,
                        "due_date": None,
                        "amount": -paid,
                    }
                )
        basis = doc_id


def _doc(
    doc_id,
    doc_type,
    number,
    year,
    when,
    cid,
    contact_id,
    owner,
    deal_id,
    basis,
    posted,
    total,
    vat,
    cost,
    due,
    method=None,
) -> dict:
    return {
        "id": doc_id,
        "doc_type": doc_type,
        "number": number,
        "year": year,
        "date": when,
        "client_id": cid,
        "contact_id": contact_id,
        "manager_id": owner,
        "deal_id": deal_id,
        "basis_id": basis,
        "posted": posted,
        "vat_mode": "included",
        "total": total,
        "vat_total": vat,
        "cost_total": cost,
        "due_date": due,
        "payment_method": method,
        "comment": None,
        "created_at": when,
        "version": 1,
        "updated_at": when,
        "deletion_mark": False,
    }
