"""Client kinds as in 1C (company, ИП, person), and groups chosen from the catalogue only —
the rules themselves, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmdesk.models import Client, ClientGroup
from crmdesk.services.clients import create_client, get_client, kind_of, print_name, update_client
from crmdesk.services.errors import InvalidData, ValidationError
from crmdesk.services.validation import validate_ogrnip

INN12 = "500100732259"  # valid 12-digit INN (a person, an ИП)
INN10 = "7707083893"  # valid 10-digit INN (a company)
OGRNIP = "304500116000157"  # valid ОГРНИП: 30450011600015 % 13 = 7
OGRN = "1027700132195"


def _errors(exc) -> dict[str, str]:
    errs = exc.value.errors if isinstance(exc.value, InvalidData) else [exc.value]
    return {e.field: e.message for e in errs}


def test_ogrnip_has_15_digits_and_its_check_digit():
    assert validate_ogrnip("3045 0011 6000 157") == OGRNIP
    assert validate_ogrnip("") is None
    with pytest.raises(ValidationError, match="«ОГРНИП».*15 цифр"):
        validate_ogrnip(OGRN)
    with pytest.raises(ValidationError, match="«ОГРНИП».*контрольное число"):
        validate_ogrnip("304500116000158")


def test_an_ip_has_a_12_digit_inn_an_ogrnip_and_no_kpp(uow):
    with uow("ivanov") as ctx:
        ip = create_client(ctx, {"kind": "ip", "name": "ИП Иванов Иван Иванович",
                                 "inn": INN12, "ogrn": OGRNIP})
        ip_id = ip.id
    with uow("ivanov") as ctx:
        c = get_client(ctx, ip_id)
        assert (c.kind, c.inn, c.kpp, c.ogrn) == ("ip", INN12, None, OGRNIP)
        assert print_name(c) == "ИП Иванов Иван Иванович"


def test_requisites_that_do_not_fit_the_kind_are_refused_naming_the_field(uow):
    with uow("ivanov") as ctx, pytest.raises(InvalidData) as exc:
        create_client(ctx, {"kind": "ip", "name": "ИП Петров", "inn": INN10,
                            "kpp": "770701001", "ogrn": OGRN})
    assert _errors(exc) == {
        "ИНН": "у индивидуального предпринимателя должен содержать 12 цифр",
        "КПП": "у индивидуального предпринимателя не заполняется",
        "ОГРНИП": "должен содержать 15 цифр",
    }
    with uow("ivanov") as ctx, pytest.raises(InvalidData) as exc:
        create_client(ctx, {"kind": "company", "name": "ООО «Ива»", "inn": INN12,
                            "ogrn": OGRNIP})
    assert _errors(exc) == {"ИНН": "у организации должен содержать 10 цифр",
                            "ОГРН": "должен содержать 13 цифр"}
    with uow("ivanov") as ctx, pytest.raises(InvalidData) as exc:
        create_client(ctx, {"kind": "person", "name": "Сидоров", "kpp": "770701001",
                            "ogrn": OGRN})
    assert set(_errors(exc)) == {"КПП", "ОГРН"}
    with uow("ivanov") as ctx, pytest.raises(ValidationError, match="«Вид»"):
        create_client(ctx, {"kind": "llc", "name": "Кто-то"})
    with uow() as ctx:  # nothing half-written
        assert ctx.session.scalar(select(Client).where(Client.name.like("ИП Петров%"))) is None


def test_a_person_becomes_an_ip_and_the_kind_is_listed_and_exported(uow):
    from crmdesk.services import lists
    from crmdesk.services.exports import KIND_TITLES

    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"kind": "person", "name": "Ёлкин Пётр", "inn": INN12}).id
    with uow("ivanov") as ctx:
        update_client(ctx, cid, {"kind": "ip", "ogrn": OGRNIP})
    with uow("ivanov") as ctx:
        assert get_client(ctx, cid).kind == "ip"
        spec = lists.spec("clients")
        col = spec.column("kind")
        assert col.choices["ip"] == "ИП"
        state = lists.ListState(filters=[lists.Filter("kind", "=", "ip")])
        rows = lists.fetch(ctx, spec, state, 0, 50, None)
        assert [r.id for r in rows] == [cid]
    assert KIND_TITLES["ip"] == "ИП"


def test_kind_guessed_from_the_name_and_the_inn():
    from crmdesk.services.imports.rows import guess_kind

    assert kind_of("ИП Иванов И.И.", INN12) == "ip"
    assert kind_of("Иванов И.И.", INN12) == "person"
    assert kind_of("ООО «Альфа»", INN10) == "company"
    for given in ("ИП", "ип", "Индивидуальный предприниматель"):
        assert guess_kind("Петров Пётр", INN12, given) == "ip"
    assert guess_kind("Петров Пётр", INN12, "Тип: физлицо") == "person"
    assert guess_kind("ИП Петров Пётр", INN12) == "ip"
    assert guess_kind("ИП Петров Пётр", None) == "ip"
    assert guess_kind("Петров Пётр Петрович", INN12) == "person"
    assert guess_kind("ООО «Ромашка»", INN10, "Организация") == "company"


def test_a_manager_cannot_create_a_group_by_typing_it(uow):
    with uow("ivanov") as ctx, pytest.raises(ValidationError) as exc:
        create_client(ctx, {"name": "ООО «Липа»", "groups": ["Оптовые", "Самые важные"]})
    assert exc.value.field == "Группы" and "«Самые важные» нет в справочнике" in str(exc.value)
    with uow() as ctx:
        names = ctx.session.scalars(select(ClientGroup.name)).all()
        assert "Самые важные" not in names
        assert ctx.session.scalar(select(Client).where(Client.name == "ООО «Липа»")) is None
    # a group of the catalogue, by name (any case) or by id, is taken
    with uow("ivanov") as ctx:
        wholesale = ctx.session.scalar(select(ClientGroup).where(ClientGroup.name == "Оптовые"))
        new = ctx.session.scalar(select(ClientGroup).where(ClientGroup.name == "Новые"))
        c = create_client(ctx, {"name": "ООО «Липа»", "groups": ["оптовые", new.id]})
        assert [g.id for g in c.groups] == [wholesale.id, new.id]
    # the administrator (right to the catalogue) still may, as an import does
    with uow() as ctx:
        c = create_client(ctx, {"name": "ООО «Клён»", "groups": ["Самые важные"]})
        assert [g.name for g in c.groups] == ["Самые важные"]


def test_migration_0015_turns_persons_named_ip_with_12_digit_inn_into_ip(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from crmdesk.db import alembic_config, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0014")
    with engine.begin() as conn:
        for name, kind, inn in (("ИП Смирнов Олег", "person", INN12),
                                ("Смирнов Олег", "person", INN12),
                                ("ИП «Берёза»", "company", None),
                                ("Индивидуальный предприниматель Ли", "company", INN12)):
            conn.execute(text(
                "INSERT INTO clients (kind, name, inn, search_name, search_text, version,"
                " deletion_mark, consent_email, consent_sms, created_at, updated_at)"
                " VALUES (:k, :n, :i, '', '', 1, 0, 0, 0, '2026-01-01', '2026-01-01')"),
                {"k": kind, "n": name, "i": inn})
    command.upgrade(cfg, "0015")
    with engine.connect() as conn:
        kinds = dict(conn.execute(text("SELECT name, kind FROM clients")).all())
    assert kinds == {"ИП Смирнов Олег": "ip", "Смирнов Олег": "person",
                     "ИП «Берёза»": "company", "Индивидуальный предприниматель Ли": "ip"}
    engine.dispose()


def test_import_knows_the_ip_by_its_kind_column_or_its_name_and_inn(engine, tmp_path):
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.imports import import_clients

    rows = [["Наименование", "Вид", "ИНН", "Телефон"],
            ["Петров Пётр Петрович", "ИП", INN12, "+7 912 000-00-01"],
            ["Сидоров Сидор", "ип", "", "+7 912 000-00-02"],
            ["Кузнецов Кузьма", "Индивидуальный предприниматель", "", "+7 912 000-00-03"],
            ["ИП Орлова Ольга", "", "526317984689", "+7 912 000-00-04"],
            ["Орлов Олег Олегович", "", "", "+7 912 000-00-05"],
            ["ООО «Ромашка»", "Организация", INN10, "+7 912 000-00-06"]]
    path = tmp_path / "kinds.csv"
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    report = import_clients(engine, path)
    assert report.created == 6, report.items
    with unit_of_work(engine) as ctx:
        kinds = dict(ctx.session.execute(select(Client.name, Client.kind)).all())
    assert {n: kinds[n] for n, *_r in rows[1:]} == {
        "Петров Пётр Петрович": "ip", "Сидоров Сидор": "ip", "Кузнецов Кузьма": "ip",
        "ИП Орлова Ольга": "ip", "Орлов Олег Олегович": "person", "ООО «Ромашка»": "company"}


def test_print_forms_name_the_ip_with_its_inn_and_no_kpp(uow):
    from crmdesk.reports.printform import client_party

    with uow("ivanov") as ctx:
        ip = create_client(ctx, {"kind": "ip", "name": "Иванов Иван Иванович",
                                 "full_name": "Индивидуальный предприниматель Иванов Иван "
                                              "Иванович", "inn": INN12, "ogrn": OGRNIP})
        assert client_party(ip).text() == f"ИП Иванов Иван Иванович, ИНН {INN12}"
        company = create_client(ctx, {"name": "ООО «Ромашка»", "inn": INN10,
                                      "kpp": "770701001"})
        assert client_party(company).text() == f"ООО «Ромашка», ИНН {INN10}, КПП 770701001"


def test_an_import_by_a_manager_makes_no_new_groups(uow, team, tmp_path):
    from crmdesk.services.imports import import_clients

    rows = [["Наименование", "Группа", "Телефон"],
            ["ООО «Ясень»", "Оптовые", "+7 912 000-10-01"],
            ["ООО «Вяз»", "Очень важные", "+7 912 000-10-02"]]
    path = tmp_path / "groups.csv"
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    with uow("ivanov") as ctx:
        before = set(ctx.session.scalars(select(ClientGroup.name)))
    report = import_clients(team, path, user="ivanov")
    assert report.created == 2
    assert [(i.kind, i.field, i.value) for i in report.items] == [
        ("note", "Группы", "Очень важные")]
    with uow() as ctx:
        assert set(ctx.session.scalars(select(ClientGroup.name))) == before
        vyaz = ctx.session.scalar(select(Client).where(Client.name == "ООО «Вяз»"))
        assert vyaz.groups == [] and "Очень важные" in (vyaz.comment or "")
        yasen = ctx.session.scalar(select(Client).where(Client.name == "ООО «Ясень»"))
        assert [g.name for g in yasen.groups] == ["Оптовые"]
