"""search and duplicates: contact persons in the search text, bounded texts, last contact

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

- ``clients.search_text`` now also holds each contact person's name, e-mails and phones
  (searching a contact finds the client) and is at most ``search.MAX_TEXT`` characters (a
  10 MB name made every fragment search of the database cost gigabytes). It is recomputed
  here for the clients with contact persons and for those whose text is too long.
- An index on ``interactions (client_id, occurred_at)``: the client list's «last contact»
  column and its «no contact for N days» filter read it for each client.
"""

from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 2000


def _recompute(conn) -> None:
    from crmdesk.services.search import MAX_TEXT, client_search_text

    ids = [
        r[0]
        for r in conn.execute(
            sa.text(
                "SELECT id FROM clients WHERE length(search_text) > :cap "
                "OR id IN (SELECT client_id FROM contact_persons) ORDER BY id"
            ),
            {"cap": MAX_TEXT},
        )
    ]
    for start in range(0, len(ids), BATCH):
        part = ids[start : start + BATCH]
        bind = {"ids": part}
        expand = sa.bindparam("ids", expanding=True)

        def rows(sql: str):
            return conn.execute(sa.text(sql).bindparams(expand), bind).all()

        clients = rows(
            "SELECT id, substr(name, 1, 600), substr(full_name, 1, 600), inn "
            "FROM clients WHERE id IN :ids"
        )
        phones, emails, people = {}, {}, {}
        for cid, e164 in rows("SELECT client_id, e164 FROM client_phones WHERE client_id IN :ids"):
            phones.setdefault(cid, []).append(SimpleNamespace(e164=e164))
        for cid, email in rows(
            "SELECT client_id, email FROM client_emails WHERE client_id IN :ids"
        ):
            emails.setdefault(cid, []).append(SimpleNamespace(email=email))
        persons = {}
        for pid, cid, name, marked in rows(
            "SELECT id, client_id, substr(name, 1, 600), deletion_mark FROM contact_persons "
            "WHERE client_id IN :ids ORDER BY id"
        ):
            person = SimpleNamespace(name=name, deletion_mark=bool(marked), phones=[], emails=[])
            persons[pid] = person
            people.setdefault(cid, []).append(person)
        for pid, e164 in rows(
            "SELECT p.contact_id, p.e164 FROM contact_phones p JOIN contact_persons c "
            "ON c.id = p.contact_id WHERE c.client_id IN :ids"
        ):
            persons[pid].phones.append(SimpleNamespace(e164=e164))
        for pid, email in rows(
            "SELECT e.contact_id, e.email FROM contact_emails e JOIN contact_persons c "
            "ON c.id = e.contact_id WHERE c.client_id IN :ids"
        ):
            persons[pid].emails.append(SimpleNamespace(email=email))
        values = []
        for cid, name, full_name, inn in clients:
            look = SimpleNamespace(
                name=name,
                full_name=full_name,
                inn=inn,
                phones=phones.get(cid, []),
                emails=emails.get(cid, []),
                contacts=people.get(cid, []),
            )
            values.append({"b_id": cid, "text": client_search_text(look)})
        if values:
            conn.execute(
                sa.text("UPDATE clients SET search_text = :text WHERE id = :b_id"), values
            )


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.create_index("ix_interactions_client_when", ["client_id", "occurred_at"])
    _recompute(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_index("ix_interactions_client_when")
