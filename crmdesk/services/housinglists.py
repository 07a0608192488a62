"""The housing module's dynamic lists (houses, premises, meters, readings, outages), a page at
a time like every list; added to ``lists.SPECS`` when this module is imported."""

from __future__ import annotations

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import aliased

from crmdesk.models.service import (
    METER_KINDS,
    House,
    Meter,
    MeterReading,
    Outage,
    Premises,
    Resident,
)
from crmdesk.services import lists
from crmdesk.services.lists import Col, ListSpec, text_search

PremHouse = aliased(House)
KINDS = {"flat": "Квартира", "nonresidential": "Нежилое"}

HOUSES = ListSpec(
    name="houses",
    title="Дома",
    model=House,
    columns=[
        Col("address", "Адрес", House.address, width=320),
        Col("premises", "Помещений",
            select(func.count(Premises.id)).where(Premises.house_id == House.id)
            .scalar_subquery(), kind="int", width=90, sortable=False),
    ],
    query=lambda ctx: select(House.id),
    search=text_search(House.address),
    default_sort="address",
    marked=House.deletion_mark,
    form="house",
    display=lambda values: values[0],
)

PREMISES = ListSpec(
    name="premises",
    title="Помещения",
    model=Premises,
    columns=[
        Col("title", "Помещение", PremHouse.address + case(
            (Premises.kind == "flat", literal(", кв. ")), else_=literal(", пом. "))
            + Premises.number, width=320),
        Col("number", "Номер", Premises.number, width=70),
        Col("kind", "Вид", Premises.kind, kind="enum", choices=KINDS, width=90),
        Col("area", "Площадь, м²", Premises.area, kind="number", width=90),
        Col("residents", "Жителей",
            select(func.count(Resident.id)).where(Resident.premises_id == Premises.id)
            .scalar_subquery(), kind="int", width=70, sortable=False),
    ],
    query=lambda ctx: select(Premises.id).join(PremHouse, PremHouse.id == Premises.house_id),
    search=text_search(PremHouse.address, Premises.number),
    default_sort="title",
    marked=Premises.deletion_mark,
    fixed={"house_id": Premises.house_id},
    form="premises",
    display=lambda values: values[0],
)

MeterPremises = aliased(Premises)
MeterHouse = aliased(House)

METERS = ListSpec(
    name="meters",
    title="Счётчики",
    model=Meter,
    columns=[
        Col("serial", "Заводской номер", Meter.serial, width=140),
        Col("kind", "Вид", Meter.kind, kind="enum", choices=METER_KINDS, width=160),
        Col("premises", "Помещение", MeterHouse.address + literal(", кв. ")
            + MeterPremises.number, width=300),
        Col("verified_until", "Поверка до", Meter.verified_until, kind="date", width=95),
        Col("last", "Последнее показание",
            select(MeterReading.value).where(MeterReading.meter_id == Meter.id)
            .order_by(MeterReading.period.desc()).limit(1).scalar_subquery(),
            kind="number", width=120, sortable=False),
    ],
    query=lambda ctx: select(Meter.id)
    .join(MeterPremises, MeterPremises.id == Meter.premises_id)
    .join(MeterHouse, MeterHouse.id == MeterPremises.house_id),
    search=text_search(Meter.serial, MeterHouse.address),
    default_sort="serial",
    marked=Meter.deletion_mark,
    alert=lambda: Meter.verified_until < func.current_date(),
    fixed={"premises_id": Meter.premises_id},
    form="meter",
    display=lambda values: f"{values[0]} ({METER_KINDS.get(values[1], values[1])})",
)

READINGS = ListSpec(
    name="readings",
    title="Показания счётчиков",
    model=MeterReading,
    columns=[
        Col("period", "Период", MeterReading.period, kind="date", width=90, indexed=True),
        Col("serial", "Счётчик", Meter.serial, width=140),
        Col("value", "Показание", MeterReading.value, kind="number", width=100),
        Col("taken_on", "Дата снятия", MeterReading.taken_on, kind="date", width=95),
        Col("source", "Источник", MeterReading.source, kind="enum",
            choices={"hand": "Вручную", "call": "Звонок", "import": "Загрузка"}, width=90),
        Col("flagged", "Проверить", MeterReading.flagged, kind="bool", width=80),
        Col("note", "Замечание", MeterReading.note, width=320, sortable=False),
    ],
    query=lambda ctx: select(MeterReading.id).join(Meter, Meter.id == MeterReading.meter_id),
    search=text_search(Meter.serial),
    default_sort="period",
    default_descending=True,
    alert=lambda: MeterReading.flagged.is_(True),
    fixed={"meter_id": MeterReading.meter_id},
    form="reading",
)

OUTAGES = ListSpec(
    name="outages",
    title="Отключения и работы",
    model=Outage,
    columns=[
        Col("starts_at", "Начало", Outage.starts_at, kind="datetime", width=120),
        Col("ends_at", "Окончание", Outage.ends_at, kind="datetime", width=120),
        Col("what", "Что", Outage.what, width=300),
        Col("notice", "Текст уведомления", Outage.notice, width=300, sortable=False),
    ],
    query=lambda ctx: select(Outage.id),
    search=text_search(Outage.what),
    default_sort="starts_at",
    default_descending=True,
    marked=Outage.deletion_mark,
    form="outage",
    display=lambda values: values[2],
)

for _spec in (HOUSES, PREMISES, METERS, READINGS, OUTAGES):
    lists.SPECS.setdefault(_spec.name, _spec)
