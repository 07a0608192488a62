"""Housing: premises, residents, meters; readings checked against their history with a
per-row report; import from XLSX/CSV (dry run stores nothing); the month's export reopened."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from crmdesk.services import housing, readings_io
from crmdesk.services.clients import create_client
from crmdesk.services.errors import CrmError, ValidationError


@pytest.fixture
def flat(uow, service):
    """A house, flat 12 with an owner, a cold-water meter with readings Jan–Jun 2026
    (10 a month: 100, 110, … 150)."""
    with uow("disp") as ctx:
        house = housing.create_house(ctx, "г. Пермь, ул. Ленина, д. 5")
        p = housing.create_premises(ctx, house.id, "12", "54.3")
        owner = create_client(ctx, {"name": "Кузнецова Анна", "kind": "person"})
        housing.add_resident(ctx, p.id, owner.id, "owner", 100)
        m = housing.add_meter(ctx, p.id, "cold_water", "ХВ-001", date(2031, 5, 1))
        m2 = housing.add_meter(ctx, p.id, "hot_water", "ГВ-001")
        for i in range(6):
            housing.enter_reading(ctx, m.id, 100 + 10 * i, date(2026, i + 1, 20))
        return {"house": house.id, "premises": p.id, "meter": m.id, "hot": m2.id,
                "owner": owner.id}


def test_reading_below_the_previous_is_refused(uow, flat):
    with uow("disp") as ctx:
        with pytest.raises(ValidationError) as err:
            housing.enter_reading(ctx, flat["meter"], "149,5", date(2026, 7, 20))
        assert str(err.value) == ("Поле «Показание» заполнено неверно: 149,5 меньше "
                                  "предыдущего (150 за 06.2026), счётчик ХВ-001")
        r, check = housing.enter_reading(ctx, flat["meter"], 158, date(2026, 7, 20))
        assert check.status == "ok" and check.consumption == Decimal(8)
        r, check = housing.enter_reading(ctx, flat["meter"], 300, date(2026, 8, 20))
        assert check.status == "flagged" and r.flagged
        assert "больше обычного" in check.message


def test_switched_off_module_refuses(uow, flat):
    with uow() as ctx:
        housing.set_enabled(ctx, False)
    with uow() as ctx, pytest.raises(CrmError, match="Модуль ЖКХ выключен"):
        housing.enter_reading(ctx, flat["meter"], 160, date(2026, 7, 20))


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["Заводской номер", "Вид счётчика", "Дата", "Показание"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_import_reports_every_row_and_dry_run_stores_nothing(uow, flat, tmp_path):
    path = _xlsx(tmp_path / "p.xlsx", [
        ["ХВ-001", "Холодная вода", "20.07.2026", 158],
        ["ГВ-001", "", "2026-07-21", "35,5"],
        ["ХВ-404", "", "20.07.2026", 10],
        ["ГВ-001", "Пар", "20.07.2026", 1],
        ["ХВ-001", "", "20.07.2026", 159],
        ["ГВ-001", "", "завтра", 36],
    ])
    with uow("disp") as ctx:
        dry = readings_io.import_readings(ctx, path, dry_run=True)
    assert (dry.count("accepted"), dry.count("rejected")) == (2, 4)
    msgs = {r.row: r.message for r in dry.rows if r.status == "rejected"}
    assert msgs[4].startswith("Строка 4: Поле «Заводской номер» заполнено неверно: счётчик "
                              "«ХВ-404» не найден")
    assert msgs[5] == ("Строка 5: Поле «Вид счётчика» заполнено неверно: «Пар» — нет "
                       "такого вида")
    assert "уже есть выше в файле" in msgs[6]
    assert msgs[7] == "Строка 7: Поле «Дата» заполнено неверно: «завтра» — не дата"
    with uow("disp") as ctx:
        missing = housing.missing_readings(ctx, date(2026, 7, 1))
        assert {m["serial"] for m in missing} == {"ХВ-001", "ГВ-001"}  # the dry run stored none
        report = readings_io.import_readings(ctx, path)
    back = load_workbook(io.BytesIO(report.xlsx())).active
    assert back.cell(5, 4).value == "Отклонено" and back.cell(2, 4).value == "Загружено"
    with uow("disp") as ctx:
        assert housing.missing_readings(ctx, date(2026, 7, 1)) == []
        data = readings_io.export_month(ctx, date(2026, 7, 1))
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == readings_io.EXPORT_COLUMNS
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    cold = next(r for r in rows if r[3] == "ХВ-001")
    assert cold[:5] == ["г. Пермь, ул. Ленина, д. 5", "12", "Холодная вода", "ХВ-001",
                        "07.2026"]
    assert (cold[5], cold[6], cold[7]) == (150, 158, 8)


def test_csv_without_the_columns_is_refused(uow, flat, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("Номер;Значение\nХВ-001;160\n", encoding="utf-8")
    with uow("disp") as ctx, pytest.raises(CrmError, match="нет колонок: «Заводской номер»"):
        readings_io.import_readings(ctx, path)
    path.write_text("Заводской номер;Показание;Дата\nХВ-001;160;20.07.2026\n", encoding="utf-8")
    with uow("disp") as ctx:
        assert readings_io.import_readings(ctx, path).count("accepted") == 1


def test_premises_card_and_shares(uow, flat):
    with uow("disp") as ctx:
        card = housing.premises_card(ctx, flat["premises"])
        assert card["title"] == "г. Пермь, ул. Ленина, д. 5, кв. 12"
        assert card["residents"][0]["share"] == Decimal("100.00")
        assert {m["serial"] for m in card["meters"]} == {"ХВ-001", "ГВ-001"}
        other = create_client(ctx, {"name": "Кузнецов Олег", "kind": "person"})
        with pytest.raises(ValidationError, match="больше 100"):
            housing.add_resident(ctx, flat["premises"], other.id, "owner", 50)
        firm = create_client(ctx, {"name": 'ООО "Ромашка"'})
        with pytest.raises(ValidationError, match="не частное лицо"):
            housing.add_resident(ctx, flat["premises"], firm.id, "tenant")


def test_outage_notice_goes_to_the_residents_of_its_houses(uow, flat):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from crmdesk.models import ClientPhone, OutboxMessage
    from crmdesk.services.templates import save_template

    with uow("disp") as ctx:
        other = housing.create_house(ctx, "г. Пермь, ул. Мира, д. 1")
        p2 = housing.create_premises(ctx, other.id, "3")
        stranger = create_client(ctx, {"name": "Петров Иван", "kind": "person"})
        housing.add_resident(ctx, p2.id, stranger.id, "tenant")
        ctx.session.add(ClientPhone(client_id=flat["owner"], e164="+79120000001"))
        ctx.session.add(ClientPhone(client_id=stranger.id, e164="+79120000002"))
        start = datetime(2026, 12, 3, 6, tzinfo=UTC)
        with pytest.raises(ValidationError, match="Окончание"):
            housing.create_outage(ctx, "Отключение воды", start, start, [flat["house"]])
        o = housing.create_outage(ctx, "Отключение холодной воды", start,
                                  start + timedelta(hours=8), [flat["house"]])
        assert [c.id for c in housing.outage_recipients(ctx, o.id)] == [flat["owner"]]
        save_template(ctx, {"name": "Отключение", "channel": "sms",
                            "body": "3 декабря с 9 до 17 не будет холодной воды."})
        mailing = housing.outage_mailing(ctx, o.id, "Отключение", dry_run=True)
        rows = ctx.session.scalars(select(OutboxMessage).where(
            OutboxMessage.mailing_id == mailing.id)).all()
        assert [r.address for r in rows] == ["+79120000001"]
        assert [x.what for x in housing.current_outages(ctx, start)] == [
            "Отключение холодной воды"]


def test_request_for_premises_shows_on_its_card(uow, flat):
    from crmdesk.services import requests as rq

    with uow("disp") as ctx:
        r = rq.create_request(ctx, {"description": "Нет тяги в вентиляции",
                                    "premises_id": flat["premises"],
                                    "client_id": flat["owner"]})
        assert r.address == "г. Пермь, ул. Ленина, д. 5, кв. 12"
        other = rq.create_request(ctx, {"description": "Шумят трубы", "applicant_name": "Ким"})
        rq.update_request(ctx, other.id, {"premises_id": flat["premises"]}, other.version)
        card = housing.premises_card(ctx, flat["premises"])
        assert {x["number"] for x in card["requests"]} == {r.number, other.number}
        with pytest.raises(ValidationError, match="Помещение"):
            rq.update_request(ctx, other.id, {"premises_id": 10**6})
