"""Dump → load round trips between SQLite and PostgreSQL give back exactly what was dumped."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from crmdesk.db import make_engine, open_database
from crmdesk.models import Organization, Product, utcnow
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.documents import create_based_on, create_document, post
from crmdesk.services.errors import CrmError
from crmdesk.services.interactions import record_interaction
from crmdesk.services.settings import set_setting
from crmdesk.services.setup import initialize
from tests.conftest import new_pg_database, pg_admin_execute, pg_url


def fill(engine):
    initialize(engine)
    with unit_of_work(engine) as ctx:
        org = ctx.session.query(Organization).one()
        org.logo = bytes(range(256))
        ctx.session.add(
            Product(
                article="P-1",
                name="Клапан",
                price=Decimal("1234567.89"),
                cost_price=Decimal("1000000.01"),
                vat_rate=Decimal("22"),
            )
        )
        set_setting(ctx.session, "proposal_design", {"accent": "#1f6feb", "intro": "Привет"})
        cid = create_client(
            ctx,
            {
                "name": "ООО «Обмен»",
                "inn": "7707083893",
                "phones": ["+7 912 345-67-89 доб. 12"],
                "emails": ["a@b.ru"],
                "groups": ["Оптовые"],
                "contacts": [{"name": "Ёжиков Пётр", "phones": ["89031234567"]}],
            },
        ).id
        order = create_document(
            ctx,
            "order",
            cid,
            {
                "lines": [
                    {"product": "P-1", "quantity": "1.125"},
                    {"description": "Доставка", "price": 10},
                ]
            },
        )
        post(ctx, order.id)
        inv = create_based_on(ctx, order.id, "invoice")
        post(ctx, inv.id)
        pay = create_based_on(ctx, inv.id, "payment", {"total": "1000"})
        post(ctx, pay.id)
        record_interaction(ctx, cid, "call_in", "Звонил", when=utcnow() - timedelta(days=3))


@pytest.fixture
def pg_empty(pg_available):
    if not pg_available:
        pytest.skip("no PostgreSQL server answers")
    names = []

    def make():
        names.append(new_pg_database())
        return pg_url(names[-1])

    yield make
    for name in names:
        pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tables_of(path):
    return json.loads(path.read_text(encoding="utf-8"))["tables"]


def test_sqlite_to_postgres_to_sqlite_gives_back_the_same_data(tmp_path, pg_empty):
    src = open_database(f"sqlite:///{tmp_path / 'src.sqlite'}")
    fill(src)
    from crmdesk.services.exchange import dump, load

    dump(src, tmp_path / "1.json")
    pg = open_database(pg_empty())
    load(pg, tmp_path / "1.json")
    dump(pg, tmp_path / "2.json")
    back = open_database(f"sqlite:///{tmp_path / 'back.sqlite'}")
    load(back, tmp_path / "2.json")
    dump(back, tmp_path / "3.json")
    one, two, three = (tables_of(tmp_path / f"{i}.json") for i in (1, 2, 3))
    assert one == two == three
    assert one["products"]["rows"][0][one["products"]["columns"].index("price")] == "1234567.89"
    assert one["organization"]["rows"][0][one["organization"]["columns"].index("logo")]["$base64"]
    # serials continue after the loaded ids, and search works on the copy
    with unit_of_work(pg) as ctx:
        assert create_client(ctx, {"name": "Новый"}).id == 2
        from crmdesk.services.search import find_clients

        assert [c.name for c in find_clients(ctx.session, ctx.user, "обмен")] == ["ООО «Обмен»"]
    with unit_of_work(back) as ctx:
        assert [c.name for c in find_clients(ctx.session, ctx.user, "345-67")] == ["ООО «Обмен»"]


def test_copy_database_in_one_step(tmp_path, pg_empty):
    from crmdesk.services.exchange import copy_database, dump

    src = open_database(f"sqlite:///{tmp_path / 'src.sqlite'}")
    fill(src)
    url = pg_empty()
    counts = copy_database(src, url)
    assert counts["clients"] == 1 and counts["documents"] == 3
    dump(src, tmp_path / "a.json")
    dump(make_engine(url), tmp_path / "b.json")
    assert tables_of(tmp_path / "a.json") == tables_of(tmp_path / "b.json")


def test_load_refuses_a_non_empty_database_and_changes_nothing(engine, tmp_path):
    from crmdesk.services.exchange import dump, load

    fill(engine)
    dump(engine, tmp_path / "d.json")
    with pytest.raises(CrmError, match="не пуста"):
        load(engine, tmp_path / "d.json")


def test_load_refuses_newer_or_foreign_files(tmp_path):
    from crmdesk.services.exchange import load

    target = open_database(f"sqlite:///{tmp_path / 't.sqlite'}")
    newer = tmp_path / "newer.json"
    newer.write_text(
        json.dumps(
            {
                "format": "crmdesk-exchange",
                "format_version": 999,
                "schema_revision": "0002",
                "tables": {},
            }
        )
    )
    with pytest.raises(CrmError, match="более новой версией"):
        load(target, newer)
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"hello": 1}')
    with pytest.raises(CrmError, match="не файл обмена"):
        load(target, foreign)


def test_a_reformatted_file_still_loads_and_a_failed_load_leaves_nothing(tmp_path):
    from crmdesk.services.exchange import dump, load

    src = open_database(f"sqlite:///{tmp_path / 'src.sqlite'}")
    fill(src)
    dump(src, tmp_path / "d.json")
    data = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    (tmp_path / "pretty.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    target = open_database(f"sqlite:///{tmp_path / 't.sqlite'}")
    load(target, tmp_path / "pretty.json")
    docs = data["tables"]["documents"]
    docs["rows"][-1][docs["columns"].index("client_id")] = 999999  # breaks a foreign key
    (tmp_path / "bad.json").write_text(json.dumps(data, ensure_ascii=False))
    empty = open_database(f"sqlite:///{tmp_path / 'e.sqlite'}")
    with pytest.raises(CrmError, match="Загрузка прервана, база не изменена"):
        load(empty, tmp_path / "bad.json")
    from crmdesk.services.exchange import require_empty

    require_empty(empty)  # nothing half-written
