"""A desktop's own writes are not news to it: on SQLite the counter values it wrote are
known as its own, on PostgreSQL its notes carry its origin — a colleague's write between
two of its own is still reported."""

from __future__ import annotations

import threading

import pytest

from crmdesk.services.changes import (
    ORIGIN,
    WRITTEN,
    CounterWatch,
    OwnWrites,
    PgListener,
    parse_payload,
)
from crmdesk.services.clients import create_client


def _write(uow, login, name, own: OwnWrites | None = None):
    with uow(login) as ctx:
        if own is not None:
            ctx.session.info[ORIGIN] = own.origin
        create_client(ctx, {"name": name, "kind": "company"})
    if own is not None:  # what AppSession.uow does once committed
        own.committed(ctx.session.info[WRITTEN])


def test_own_counter_moves_are_not_reported_a_colleagues_are(uow, team):
    if team.dialect.name != "sqlite":
        pytest.skip("change counters: SQLite")
    own = OwnWrites()
    watch = CounterWatch(team, own)
    watch.poll()
    _write(uow, "ivanov", "ООО «Моё»", own)
    assert watch.poll() == set()
    _write(uow, "ivanov", "ООО «Моё 2»", own)
    _write(uow, "petrov", "ООО «Коллеги»")  # between two of mine
    _write(uow, "ivanov", "ООО «Моё 3»", own)
    assert "clients" in watch.poll()
    assert watch.poll() == set()
    assert own._values == {}  # what was seen is forgotten


def test_a_rolled_back_write_is_not_remembered(uow, team):
    if team.dialect.name != "sqlite":
        pytest.skip("change counters: SQLite")
    watch = CounterWatch(team)
    watch.poll()
    with pytest.raises(RuntimeError), uow("ivanov") as ctx:
        create_client(ctx, {"name": "ООО «Откат»", "kind": "company"})
        ctx.session.flush()
        raise RuntimeError
    assert WRITTEN not in ctx.session.info
    assert watch.poll() == set()


def test_a_transaction_is_announced_once_however_often_it_flushes(uow, team):
    if team.dialect.name != "sqlite":
        pytest.skip("change counters: SQLite")
    with uow("ivanov") as ctx:
        for i in range(3):
            create_client(ctx, {"name": f"ООО «Три {i}»", "kind": "company"})
            ctx.session.flush()
    assert ctx.session.info[WRITTEN]["clients"] and len(ctx.session.info[WRITTEN]["clients"]) == 1


def test_payload_names_its_origin():
    assert parse_payload("clients,documents") == (None, {"clients", "documents"})
    assert parse_payload("ab12;clients") == ("ab12", {"clients"})


def test_postgres_listener_drops_its_own_desktops_notes(uow, team):
    if team.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY: PostgreSQL")
    own = OwnWrites()
    got: list[set[str]] = []
    arrived = threading.Event()

    def on_change(tables):
        got.append(tables)
        arrived.set()

    listener = PgListener(team, on_change, ignore=own.origin)
    listener.start()
    try:
        assert listener.listening.wait(5)
        _write(uow, "ivanov", "ООО «Моё»", own)
        assert not arrived.wait(1.5)  # its own note came and was dropped
        _write(uow, "petrov", "ООО «Коллеги»")
        assert arrived.wait(5)
        listener._halt.wait(0.8)  # whatever else was coming has come
        assert len(got) == 1 and "clients" in got[0]
    finally:
        listener.stop()
        listener.join(5)
