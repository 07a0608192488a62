"""The housing-services module («ЖКХ»): houses, premises, residents, meters and readings,
outage notices. Switched on by the «housing_enabled» setting; a trading company never sees
it. Readings are checked against the meter's history: below the previous one is refused,
far above the usual consumption is taken and flagged; each message names the row.
No Qt here (the import and export of readings: ``crmdesk.services.readings_io``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from crmdesk.models import Client, utcnow
from crmdesk.models.service import (
    METER_KINDS,
    House,
    Meter,
    MeterReading,
    Outage,
    Premises,
    Resident,
)
from crmdesk.services import limits, rights
from crmdesk.services.context import Context
from crmdesk.services.errors import (
    AccessDenied,
    Collector,
    CrmError,
    NotFound,
    ValidationError,
)
from crmdesk.services.settings import get_setting, set_setting

SETTING = "housing_enabled"
SPIKE_FACTOR = Decimal(3)  # a consumption above 3 × the usual is flagged …
SPIKE_MIN = Decimal(10)  # … when it is also above this many units (a few litres are noise)
HISTORY_MONTHS = 6  # the usual consumption: the average over this many previous months
VERIFY_WARN_DAYS = 30  # a meter's verification is reminded this long ahead (the default of
# the «meter_verify_days» setting, «Настройки обслуживания»)


# --- the switch and the rights -------------------------------------------------------------
def enabled(session) -> bool:
    return bool(get_setting(session, SETTING))


def set_enabled(ctx: Context, on: bool) -> None:
    rights.require(ctx.user, rights.ADMIN)
    set_setting(ctx.session, SETTING, bool(on))


def require_enabled(session) -> None:
    if not enabled(session):
        raise CrmError("Модуль ЖКХ выключен. Включите его: Администрирование → Настройки → "
                       "«Модуль ЖКХ» (или «crmdesk housing on»).")


def _require_edit(ctx: Context) -> None:
    if not (ctx.can(rights.ADMIN) or ctx.can(rights.CATALOG) or ctx.can(rights.REQUESTS_ALL)):
        raise AccessDenied(f"Недостаточно прав: пользователь {ctx.user.login} не может менять "
                           "дома, помещения и счётчики.")


def _require_readings(ctx: Context) -> None:
    if not (ctx.can(rights.ADMIN) or ctx.can(rights.INTERACTIONS)
            or ctx.can(rights.REQUESTS_ALL)):
        raise AccessDenied(f"Недостаточно прав: пользователь {ctx.user.login} не может "
                           "вносить показания.")


# --- houses, premises, residents, meters ---------------------------------------------------
def create_house(ctx: Context, address: str, note: str | None = None) -> House:
    require_enabled(ctx.session)
    _require_edit(ctx)
    address = limits.text((address or "").strip(), "Адрес", 500)
    if not address:
        raise ValidationError("Адрес", "не заполнено")
    if ctx.session.scalar(select(House.id).where(House.address == address)):
        raise ValidationError("Адрес", f"дом «{address}» уже есть")
    house = House(address=address, note=note)
    ctx.session.add(house)
    ctx.session.flush()
    return house


def create_premises(ctx: Context, house_id: int, number: str, area=None,
                    kind: str = "flat") -> Premises:
    require_enabled(ctx.session)
    _require_edit(ctx)
    if ctx.session.get(House, house_id) is None:
        raise ValidationError("Дом", f"дом с кодом {house_id} не найден")
    number = (str(number or "")).strip()
    if not number:
        raise ValidationError("Номер помещения", "не заполнено")
    if kind not in ("flat", "nonresidential"):
        raise ValidationError("Вид помещения", "квартира (flat) или нежилое (nonresidential)")
    if ctx.session.scalar(select(Premises.id).where(Premises.house_id == house_id,
                                                    Premises.number == number)):
        raise ValidationError("Номер помещения", f"помещение {number} в этом доме уже есть")
    area = limits.quantity(area, field="Площадь") if area not in (None, "") else None
    p = Premises(house_id=house_id, number=limits.text(number, "Номер помещения", 20),
                 area=area, kind=kind)
    ctx.session.add(p)
    ctx.session.flush()
    return p


def add_resident(ctx: Context, premises_id: int, client_id: int, role: str = "owner",
                 share=None) -> Resident:
    require_enabled(ctx.session)
    _require_edit(ctx)
    if ctx.session.get(Premises, premises_id) is None:
        raise ValidationError("Помещение", f"помещение с кодом {premises_id} не найдено")
    client = ctx.session.get(Client, client_id)
    if client is None:
        raise ValidationError("Житель", f"клиент с кодом {client_id} не найден")
    if client.kind != "person":
        raise ValidationError("Житель", f"«{client.name}» — не частное лицо")
    if role not in ("owner", "tenant"):
        raise ValidationError("Роль", "собственник (owner) или наниматель (tenant)")
    share = limits.percent(share, "Доля, %") if share not in (None, "") else None
    taken = sum((r.share or 0 for r in ctx.session.scalars(
        select(Resident).where(Resident.premises_id == premises_id, Resident.role == "owner"))),
        Decimal(0))
    if share is not None and role == "owner" and taken + share > 100:
        raise ValidationError("Доля, %", f"сумма долей собственников {taken + share} % "
                                         "больше 100 %")
    r = Resident(premises_id=premises_id, client_id=client_id, role=role, share=share)
    ctx.session.add(r)
    ctx.session.flush()
    return r


def add_meter(ctx: Context, premises_id: int, kind: str, serial: str,
              verified_until: date | None = None) -> Meter:
    require_enabled(ctx.session)
    _require_edit(ctx)
    if ctx.session.get(Premises, premises_id) is None:
        raise ValidationError("Помещение", f"помещение с кодом {premises_id} не найдено")
    if kind not in METER_KINDS:
        raise ValidationError("Вид счётчика", f"«{kind}»: можно {', '.join(METER_KINDS)}")
    serial = (serial or "").strip()
    if not serial:
        raise ValidationError("Заводской номер", "не заполнено")
    if ctx.session.scalar(select(Meter.id).where(Meter.kind == kind, Meter.serial == serial)):
        raise ValidationError("Заводской номер", f"счётчик {serial} уже есть")
    m = Meter(premises_id=premises_id, kind=kind, serial=limits.text(serial, "Заводской номер",
                                                                       50),
              verified_until=limits.check_date(verified_until, "Дата поверки"))
    ctx.session.add(m)
    ctx.session.flush()
    return m


def update_object(ctx: Context, model, obj_id: int, values: dict) -> object:
    """Change a house (address, note), premises (number, kind, area) or meter (serial,
    verified_until) — the same checks as when they were made."""
    require_enabled(ctx.session)
    _require_edit(ctx)
    obj = ctx.session.get(model, obj_id)
    if obj is None:
        raise NotFound(f"Объект с кодом {obj_id} не найден.")
    checks = {
        "address": lambda v: limits.text((v or "").strip(), "Адрес", 500) or _empty("Адрес"),
        "note": lambda v: v or None,
        "number": lambda v: limits.text(str(v or "").strip(), "Номер помещения", 20)
        or _empty("Номер помещения"),
        "kind": lambda v: v,
        "area": lambda v: limits.quantity(v, field="Площадь") if v not in (None, "") else None,
        "serial": lambda v: limits.text((v or "").strip(), "Заводской номер", 50)
        or _empty("Заводской номер"),
        "verified_until": lambda v: limits.check_date(v, "Дата поверки"),
    }
    for key, value in values.items():
        if key in checks and hasattr(obj, key):
            setattr(obj, key, checks[key](value))
    ctx.session.flush()
    return obj


def _empty(field: str):
    raise ValidationError(field, "не заполнено")


def premises_card(ctx: Context, premises_id: int) -> dict:
    """The premises card: address, residents, meters with their last readings, requests."""
    from crmdesk.models.service import ServiceRequest
    from crmdesk.services.requests import STATUSES, visible

    p = ctx.session.get(Premises, premises_id)
    if p is None:
        raise NotFound(f"Помещение с кодом {premises_id} не найдено.")
    meters = []
    for m in ctx.session.scalars(select(Meter).where(Meter.premises_id == p.id)
                                 .order_by(Meter.kind)):
        last = ctx.session.scalar(select(MeterReading).where(MeterReading.meter_id == m.id)
                                  .order_by(MeterReading.period.desc()).limit(1))
        meters.append({"id": m.id, "kind": METER_KINDS[m.kind], "serial": m.serial,
                       "verified_until": m.verified_until,
                       "last_period": last.period if last else None,
                       "last_value": last.value if last else None})
    residents = [{"client_id": r.client_id, "name": r.client.name, "role": r.role,
                  "share": r.share} for r in ctx.session.scalars(
                      select(Resident).where(Resident.premises_id == p.id))]
    reqs = [{"id": r.id, "number": r.number, "status": STATUSES[r.status],
             "description": r.description} for r in ctx.session.scalars(
                 select(ServiceRequest).where(ServiceRequest.premises_id == p.id, visible(ctx))
                 .order_by(ServiceRequest.registered_at.desc()).limit(50))]
    return {"id": p.id, "title": p.title(), "area": p.area, "kind": p.kind,
            "residents": residents, "meters": meters, "requests": reqs}


def verify_days(session) -> int:
    """How many days ahead a verification is reminded (the «meter_verify_days» setting)."""
    days = get_setting(session, "meter_verify_days")
    return days if isinstance(days, int) and not isinstance(days, bool) and 0 < days <= 365 \
        else VERIFY_WARN_DAYS


def verification_due(ctx: Context, today: date | None = None,
                     unreminded: bool = False) -> list[Meter]:
    """Meters whose verification expires within the setting's days (or has expired);
    ``unreminded``: only those not reminded of for their present verification date."""
    from datetime import timedelta

    from sqlalchemy import or_

    today = today or date.today()
    stmt = select(Meter).where(
        Meter.deletion_mark.is_(False), Meter.verified_until.isnot(None),
        Meter.verified_until <= today + timedelta(days=verify_days(ctx.session)))
    if unreminded:
        stmt = stmt.where(or_(Meter.verify_reminded.is_(None),
                              Meter.verify_reminded != Meter.verified_until))
    return list(ctx.session.scalars(stmt.order_by(Meter.verified_until, Meter.id)))


def verification_reminders(ctx: Context, today: date | None = None,
                           limit: int = 200) -> int:
    """A task with a reminder due now, to the dispatcher (the caller when there is none),
    per meter whose verification expires within the setting's days — once per meter and
    verification date (a new date after the verification is reminded of again). The
    desktop's reminder timer runs it; so does «crmdesk requests check»."""
    from crmdesk.models import Task
    from crmdesk.services.requestwork import dispatchers

    if not enabled(ctx.session):
        return 0
    heads = dispatchers(ctx.session)
    to = heads[0].id if heads else ctx.user.id
    now = utcnow()
    made = 0
    for m in verification_due(ctx, today, unreminded=True)[:limit]:
        title = (f"Поверка счётчика {m.serial} ({m.premises.title()}) до "
                 f"{m.verified_until:%d.%m.%Y}")
        if ctx.session.scalar(select(Task.id).where(Task.title == title)) is None:
            ctx.session.add(Task(title=title, executor_id=to, author_id=ctx.user.id,
                                 priority=2, status="open", remind_at=now,
                                 deadline=datetime.combine(m.verified_until,
                                                           datetime.min.time()).astimezone()))
            made += 1
        m.verify_reminded = m.verified_until
    ctx.session.flush()
    return made


# --- readings ------------------------------------------------------------------------------
def month_of(day: date) -> date:
    return date(day.year, day.month, 1)


@dataclass
class Check:
    """The verdict on one reading: ok, flagged (taken with a warning) or refused."""

    status: str  # ok | flagged | rejected
    message: str | None = None
    consumption: Decimal | None = None


def check_reading(session, meter: Meter, period: date, value: Decimal,
                  row: int | None = None) -> Check:
    """Against the previous and the next month's readings and the usual consumption."""
    prev = session.scalar(select(MeterReading).where(
        MeterReading.meter_id == meter.id, MeterReading.period < period)
        .order_by(MeterReading.period.desc()).limit(1))
    nxt = session.scalar(select(MeterReading).where(
        MeterReading.meter_id == meter.id, MeterReading.period > period)
        .order_by(MeterReading.period).limit(1))
    if prev is not None and value < prev.value:
        msg = str(ValidationError("Показание", f"{_q(value)} меньше предыдущего ({_q(prev.value)}"
                                               f" за {prev.period:%m.%Y}), счётчик {meter.serial}",
                                  row))
        return Check("rejected", msg)
    if nxt is not None and value > nxt.value:
        msg = str(ValidationError("Показание", f"{_q(value)} больше следующего ({_q(nxt.value)}"
                                               f" за {nxt.period:%m.%Y}), счётчик {meter.serial}",
                                  row))
        return Check("rejected", msg)
    if prev is None:
        return Check("ok")
    used = value - prev.value
    history = session.scalars(select(MeterReading).where(
        MeterReading.meter_id == meter.id, MeterReading.period <= prev.period)
        .order_by(MeterReading.period.desc()).limit(HISTORY_MONTHS + 1)).all()
    if len(history) >= 3:
        months = _months_between(history[-1].period, history[0].period)
        usual = (history[0].value - history[-1].value) / months if months else None
        if usual is not None and used > SPIKE_MIN and used > usual * SPIKE_FACTOR:
            prefix = f"Строка {row}: " if row is not None else ""
            return Check("flagged", f"{prefix}расход {_q(used)} по счётчику {meter.serial} "
                                    f"больше обычного ({_q(usual)} в месяц) в "
                                    f"{used / usual if usual else 0:.1f} раза", used)
    return Check("ok", None, used)


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _q(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def enter_reading(ctx: Context, meter_id: int, value, taken_on: date | None = None,
                  source: str = "hand", row: int | None = None) -> tuple[MeterReading, Check]:
    """Store the month's reading (replacing one entered earlier for the month); refused
    with a ValidationError naming the field (and row), taken with a warning when flagged."""
    require_enabled(ctx.session)
    _require_readings(ctx)
    meter = ctx.session.get(Meter, meter_id)
    if meter is None:
        raise ValidationError("Счётчик", f"счётчик с кодом {meter_id} не найден", row)
    value = limits.quantity(value, row, "Показание", positive=False)
    taken_on = limits.check_date(taken_on or date.today(), "Дата", row)
    if isinstance(taken_on, datetime):
        taken_on = taken_on.date()
    if taken_on > date.today():
        raise ValidationError("Дата", f"{taken_on:%d.%m.%Y} ещё не наступила", row)
    period = month_of(taken_on)
    check = check_reading(ctx.session, meter, period, value, row)
    if check.status == "rejected":
        raise ValidationError("Показание", check.message.split("заполнено неверно: ", 1)[-1],
                              row)
    reading = ctx.session.scalar(select(MeterReading).where(
        MeterReading.meter_id == meter.id, MeterReading.period == period))
    if reading is None:
        reading = MeterReading(meter_id=meter.id, period=period)
        ctx.session.add(reading)
    reading.value, reading.taken_on, reading.source = value, taken_on, source
    reading.flagged = check.status == "flagged"
    reading.note = check.message if reading.flagged else None
    reading.author_id, reading.entered_at = ctx.user.id, utcnow()
    ctx.session.flush()
    return reading, check


def find_meter(session, serial: str, kind: str | None = None) -> Meter | None:
    stmt = select(Meter).where(Meter.serial == str(serial).strip(),
                               Meter.deletion_mark.is_(False))
    if kind:
        stmt = stmt.where(Meter.kind == kind)
    found = session.scalars(stmt.limit(2)).all()
    return found[0] if len(found) == 1 else None


def caller_meters(ctx: Context, client_id: int) -> list[dict]:
    """The meters of the premises a resident (a client) lives in or owns, each with its
    previous reading: what the call window lists when a resident calls."""
    require_enabled(ctx.session)
    _require_readings(ctx)
    rows = ctx.session.execute(
        select(Meter, Premises).join(Premises, Premises.id == Meter.premises_id)
        .join(Resident, Resident.premises_id == Premises.id)
        .where(Resident.client_id == client_id, Meter.deletion_mark.is_(False))
        .order_by(Premises.id, Meter.kind, Meter.serial)).all()
    out = []
    for m, p in rows:
        prev = ctx.session.execute(select(MeterReading.value, MeterReading.period).where(
            MeterReading.meter_id == m.id).order_by(MeterReading.period.desc()).limit(1)).first()
        out.append({"meter_id": m.id, "premises": p.title(), "kind": METER_KINDS[m.kind],
                    "serial": m.serial, "previous": prev[0] if prev else None,
                    "previous_period": prev[1] if prev else None,
                    "verified_until": m.verified_until})
    return out


def enter_readings(ctx: Context, values: list[tuple[int, object]],
                   taken_on: date | None = None, source: str = "call") -> list[Check]:
    """Several meters' readings at once (a resident reads them out on the phone): rows with
    no value are skipped, each other is checked as ``enter_reading`` does; a refused one
    names its row and meter, and then none is stored (the unit of work rolls back)."""
    errors = Collector()
    checks = []
    for row, (meter_id, value) in enumerate(values, 1):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        done = errors.check(enter_reading, ctx, meter_id, value, taken_on, source, row)
        if done is not None:
            checks.append(done[1])
    errors.raise_if_any()
    if not checks:
        raise ValidationError("Показание", "не заполнено ни одно показание")
    return checks


def missing_readings(ctx: Context, month: date) -> list[dict]:
    """Meters without a reading for ``month`` (the analytics' «не переданы показания»)."""
    period = month_of(month)
    have = select(MeterReading.meter_id).where(MeterReading.period == period)
    rows = ctx.session.execute(
        select(Meter, Premises, House).join(Premises, Premises.id == Meter.premises_id)
        .join(House, House.id == Premises.house_id)
        .where(Meter.deletion_mark.is_(False), Meter.id.not_in(have))
        .order_by(House.address, Premises.number, Meter.kind)).all()
    return [{"address": h.address, "premises": p.number, "kind": METER_KINDS[m.kind],
             "serial": m.serial, "meter_id": m.id} for m, p, h in rows]


# --- outages -------------------------------------------------------------------------------
def create_outage(ctx: Context, what: str, starts_at: datetime, ends_at: datetime,
                  house_ids: list[int], notice: str | None = None) -> Outage:
    """A notice of an outage or works; its residents are the mailing's recipients."""
    require_enabled(ctx.session)
    if not (ctx.can(rights.ADMIN) or ctx.can(rights.REQUESTS_ALL)):
        raise AccessDenied("Недостаточно прав: уведомления об отключениях даёт диспетчер.")
    if not (what or "").strip():
        raise ValidationError("Что отключается", "не заполнено")
    for value, field in ((starts_at, "Начало"), (ends_at, "Окончание")):
        if not isinstance(value, datetime):
            raise ValidationError(field, "не заполнено")
    if ends_at <= starts_at:
        raise ValidationError("Окончание", "не позже начала")
    houses = [ctx.session.get(House, i) for i in house_ids or []]
    if not houses or any(h is None for h in houses):
        raise ValidationError("Дома", "не заполнено или дом не найден")
    o = Outage(what=what.strip(), starts_at=starts_at, ends_at=ends_at, notice=notice,
               author_id=ctx.user.id, houses=houses)
    ctx.session.add(o)
    ctx.session.flush()
    return o


def current_outages(ctx: Context, at: datetime | None = None) -> list[Outage]:
    """Outages going on or ahead (shown above the requests registry)."""
    at = at or utcnow()
    return list(ctx.session.scalars(select(Outage).where(
        Outage.deletion_mark.is_(False), Outage.ends_at >= at).order_by(Outage.starts_at)))


def residents_of_houses(house_ids: list[int]):
    """SQL: the ids of the clients living in (or owning) premises of these houses."""
    return (select(Resident.client_id).join(Premises, Premises.id == Resident.premises_id)
            .where(Premises.house_id.in_([int(i) for i in house_ids])))


def outage_mailing(ctx: Context, outage_id: int, template: str | int, channel=None,
                   dry_run: bool = False):
    """The outage's notice to the residents of its houses: a mailing (services/mailings)
    with the segment «Жители домов»; sent like any mailing («Рассылки», crmdesk mailing)."""
    from crmdesk.services.mailings import create_mailing

    o = ctx.session.get(Outage, outage_id)
    if o is None:
        raise NotFound(f"Отключение с кодом {outage_id} не найдено.")
    return create_mailing(ctx, template, {"houses": [h.id for h in o.houses]}, channel,
                          name=f"{o.what} {o.starts_at.astimezone():%d.%m.%Y}",
                          dry_run=dry_run)


def outage_recipients(ctx: Context, outage_id: int) -> list[Client]:
    """The residents of the outage's houses: whom the notice is mailed to."""
    from crmdesk.models.service import outage_houses

    houses = select(outage_houses.c.house_id).where(outage_houses.c.outage_id == outage_id)
    return list(ctx.session.scalars(
        select(Client).join(Resident, Resident.client_id == Client.id)
        .join(Premises, Premises.id == Resident.premises_id)
        .where(Premises.house_id.in_(houses)).distinct().order_by(Client.name)))
