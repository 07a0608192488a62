"""forms the 1C way: the client kind «ip» (индивидуальный предприниматель)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

No new columns: ``clients.kind`` (String(10)) takes «ip», ``clients.ogrn`` (String(15)) holds
an ИП's ОГРНИП. A data migration: a client kept as a person (or a company) whose INN has 12
digits and whose name begins with «ИП» or «Индивидуальный предприниматель» becomes an ИП.
Its KPP, which an ИП has not, is kept as it was (nothing is thrown away here); the card,
which hides the KPP of an ИП, empties it at the next write. Downgrade turns ИП back into persons.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

IP_NAMES = ("ИП %", "ИП«%", "ИП \"%", "Индивидуальный предприниматель%",
            "индивидуальный предприниматель%")


def upgrade() -> None:
    clients = sa.table(
        "clients",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("full_name", sa.String),
        sa.column("inn", sa.String),
    )
    named_ip = sa.or_(
        *[clients.c.name.like(p) for p in IP_NAMES],
        *[clients.c.full_name.like(p) for p in IP_NAMES],
    )
    op.execute(
        clients.update()
        .where(clients.c.kind.in_(("person", "company")))
        .where(sa.func.length(clients.c.inn) == 12)
        .where(named_ip)
        .values(kind="ip")
    )


def downgrade() -> None:
    clients = sa.table("clients", sa.column("kind", sa.String))
    op.execute(clients.update().where(clients.c.kind == "ip").values(kind="person"))
