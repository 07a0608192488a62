"""A read-only unit of work (lists, reports) never holds up a writer and never writes."""

import pytest
from sqlalchemy import func, select, text

from crmdesk.models import Client, ClientGroup
from crmdesk.services.context import unit_of_work


def test_a_long_read_does_not_make_a_writer_wait(engine):
    with unit_of_work(engine, read_only=True) as reader:
        reader.session.scalar(select(func.count()).select_from(Client))  # the read is open
        with engine.connect() as writer:
            if engine.dialect.name == "sqlite":  # fail at once, not in 10 s, if locked
                writer.connection.driver_connection.execute("PRAGMA busy_timeout=0")
            writer.execute(ClientGroup.__table__.insert().values(name="Пока читают"))
            writer.commit()
        # the reader goes on reading its own snapshot
        assert reader.session.scalar(select(func.count()).select_from(Client)) >= 0
    with unit_of_work(engine) as ctx:
        assert ctx.session.scalar(
            select(func.count()).where(ClientGroup.name == "Пока читают")
        ) == 1


def test_nothing_written_in_a_read_only_unit_of_work_is_kept(engine):
    with pytest.raises(Exception) if engine.dialect.name == "postgresql" else _nothing():
        with unit_of_work(engine, read_only=True) as ctx:
            ctx.session.add(ClientGroup(name="Не сохранится"))
            ctx.session.flush()
    with unit_of_work(engine) as ctx:
        assert ctx.session.scalar(
            select(func.count()).where(ClientGroup.name == "Не сохранится")
        ) == 0
        assert ctx.session.execute(text("SELECT 1")).scalar() == 1


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
