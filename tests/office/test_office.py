"""The office on one database: change notification, sessions, object locks — on SQLite and
a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from crmdesk.models import Client, ObjectLock, OfficeSession, utcnow
from crmdesk.services.changes import CounterWatch, PgListener, lists_for_tables
from crmdesk.services.clients import create_client
from crmdesk.services.errors import AccessDenied
from crmdesk.services.office import (
    ObjectLocked,
    lock_holder,
    release_lock,
    require_unlocked,
    short_name,
    take_lock,
)
from crmdesk.services.sessions import (
    SessionEnded,
    active_sessions,
    close_session,
    end_session,
    heartbeat,
    start_session,
)


def _start(uow, login):
    with uow(login) as ctx:
        return start_session(ctx.session, ctx.user.id, computer=f"PC-{login}"), ctx.user.id


def test_counter_moves_only_for_tables_written(uow, team):
    if team.dialect.name != "sqlite":
        pytest.skip("PostgreSQL desktops are notified instead of counting")
    watch = CounterWatch(team)
    assert watch.poll() == set()  # the first look only remembers
    with uow("ivanov") as ctx:
        create_client(ctx, {"name": "ООО «Ромашка»", "kind": "company"})
    changed = watch.poll()
    assert "clients" in changed
    assert "clients" in lists_for_tables(changed)
    assert watch.poll() == set()  # nothing new: nothing to refresh


def test_rollback_announces_nothing(uow, team):
    if team.dialect.name != "sqlite":
        pytest.skip("counter: SQLite")
    watch = CounterWatch(team)
    watch.poll()
    with pytest.raises(RuntimeError), uow("ivanov") as ctx:
        create_client(ctx, {"name": "ООО «Тест»", "kind": "company"})
        ctx.session.flush()
        raise RuntimeError
    assert watch.poll() == set()


def test_postgres_notifies_a_listener_on_commit_only(uow, team):
    if team.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY: PostgreSQL")
    got: list[set[str]] = []
    arrived = threading.Event()

    def on_change(tables):
        got.append(tables)
        arrived.set()

    listener = PgListener(team, on_change)
    listener.start()
    try:
        assert listener.listening.wait(5)
        with pytest.raises(RuntimeError), uow("ivanov") as ctx:
            create_client(ctx, {"name": "ООО «Откат»", "kind": "company"})
            ctx.session.flush()
            raise RuntimeError
        assert not arrived.wait(1.0)  # rolled back: nobody is told
        with uow("ivanov") as ctx:
            create_client(ctx, {"name": "ООО «Ромашка»", "kind": "company"})
        assert arrived.wait(2.0), "the other desktop heard nothing within 2 s"
        assert "clients" in set().union(*got)
    finally:
        listener.stop()
        listener.join(5)


def test_sessions_listed_and_ended_by_the_administrator(uow, team):
    sid, _ = _start(uow, "ivanov")
    other, _ = _start(uow, "petrov")
    with uow() as ctx:
        rows = {a.id: a for a in active_sessions(ctx.session)}
    assert rows[sid].login == "ivanov" and rows[sid].computer == "PC-ivanov" and rows[sid].alive
    assert heartbeat(team, sid) is None

    with pytest.raises(AccessDenied), uow("petrov") as ctx:
        end_session(ctx, sid)
    # ivanov writes a client in his session, then the administrator ends it
    with uow("ivanov") as ctx:
        ctx.session.info["office_session_id"] = sid
        kept = create_client(ctx, {"name": "ООО «Записано»", "kind": "company"}).id
        take_lock(ctx.session, "client", kept, sid, ctx.user.id)
    with uow() as ctx:
        end_session(ctx, sid, "зависла программа")
    ended = heartbeat(team, sid)
    assert isinstance(ended, SessionEnded)
    assert "Администратор" in str(ended) or "администратором" in str(ended)
    assert "зависла программа" in str(ended)
    with pytest.raises(SessionEnded), uow("ivanov") as ctx:
        ctx.session.info["office_session_id"] = sid
        create_client(ctx, {"name": "ООО «Не записано»", "kind": "company"})
    with uow() as ctx:
        names = set(ctx.session.scalars(select(Client.name)))
        assert "ООО «Записано»" in names and "ООО «Не записано»" not in names
        assert not ctx.session.scalars(select(ObjectLock)).all()  # its locks are freed
        left = {a.id for a in active_sessions(ctx.session)}
    assert sid not in left and other in left
    close_session(team, other)
    with uow() as ctx:
        assert not active_sessions(ctx.session)


def test_second_editor_sees_who_and_since_when(uow, team):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "ООО «Ромашка»", "kind": "company"}).id
    mine, ivanov = _start(uow, "ivanov")
    theirs, petrov = _start(uow, "petrov")
    with uow("ivanov") as ctx:
        assert take_lock(ctx.session, "client", cid, mine, ivanov) is None
        assert take_lock(ctx.session, "client", cid, mine, ivanov) is None  # again: still mine
    with uow("petrov") as ctx:
        holder = take_lock(ctx.session, "client", cid, theirs, petrov)
        assert holder is not None
        local = holder.since.astimezone()
        assert holder.message == (
            f"Объект редактируется пользователем Иванов И.И. с {local:%H:%M}"
        )
        with pytest.raises(ObjectLocked, match="Иванов И.И."):
            require_unlocked(ctx.session, "client", cid, theirs)
        require_unlocked(ctx.session, "client", cid + 1, theirs)  # another object: free
    with uow("ivanov") as ctx:
        release_lock(ctx.session, "client", cid, mine)
    with uow("petrov") as ctx:
        assert take_lock(ctx.session, "client", cid, theirs, petrov) is None
        assert lock_holder(ctx.session, "client", cid, mine).user == "Петров Пётр Петрович"


def test_a_dead_sessions_lock_is_taken_over(uow, team):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "ООО «Ромашка»", "kind": "company"}).id
    dead, ivanov = _start(uow, "ivanov")
    live, petrov = _start(uow, "petrov")
    with uow("ivanov") as ctx:
        take_lock(ctx.session, "client", cid, dead, ivanov)
        # ivanov's desktop crashed: no heartbeat for five minutes
        ctx.session.execute(update(OfficeSession).where(OfficeSession.id == dead)
                            .values(last_seen=utcnow() - timedelta(minutes=5)))
    with uow("petrov") as ctx:
        assert take_lock(ctx.session, "client", cid, live, petrov) is None
        assert {a.id: a.alive for a in active_sessions(ctx.session)}[dead] is False


def test_short_name():
    assert short_name("Иванов Иван Иванович") == "Иванов И.И."
    assert short_name("Соколова Анна") == "Соколова А."
    assert short_name("Администратор") == "Администратор"


def test_saving_an_object_another_session_has_open_is_refused(uow, team):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "ООО «Ромашка»", "kind": "company"}).id
    mine, ivanov = _start(uow, "ivanov")
    theirs, _petrov = _start(uow, "petrov")
    with uow("ivanov") as ctx:
        take_lock(ctx.session, "clients", cid, mine, ivanov)
    with pytest.raises(ObjectLocked, match="Иванов И.И."), uow("petrov") as ctx:
        ctx.session.info["office_session_id"] = theirs
        ctx.session.get(Client, cid).name = "ООО «Чужая правка»"
    with uow("ivanov") as ctx:  # the holder saves as usual
        ctx.session.info["office_session_id"] = mine
        ctx.session.get(Client, cid).name = "ООО «Ромашка плюс»"
    with uow() as ctx:
        assert ctx.session.get(Client, cid).name == "ООО «Ромашка плюс»"


def test_a_listener_that_lost_its_connection_comes_back_and_refreshes_all(uow, team):
    if team.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY: PostgreSQL")
    from sqlalchemy import text

    got: list[set[str]] = []
    listener = PgListener(team, got.append, retry=0.2)
    listener.start()
    try:
        assert listener.listening.wait(5)
        with team.connect() as conn:  # the server drops the desktop's listening connection
            killed = conn.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'crmdesk-listen' AND datname = current_database()"))
        assert killed == 1
        deadline = utcnow() + timedelta(seconds=10)
        while {"*"} not in got and utcnow() < deadline:
            threading.Event().wait(0.1)
        assert {"*"} in got  # back: everything is read again once
        with uow("ivanov") as ctx:
            create_client(ctx, {"name": "ООО «После обрыва»", "kind": "company"})
        deadline = utcnow() + timedelta(seconds=5)
        while not any("clients" in t for t in got) and utcnow() < deadline:
            threading.Event().wait(0.1)
        assert any("clients" in t for t in got)
    finally:
        listener.stop()
        listener.join(5)
