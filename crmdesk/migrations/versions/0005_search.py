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

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.create_index("ix_interactions_client_when", ["client_id", "occurred_at"])
    from crmdesk.services.search import MAX_TEXT
    from crmdesk.services.search_upkeep import recompute_search_texts

    conn = op.get_bind()
    ids = conn.execute(
        sa.text(
            "SELECT DISTINCT client_id FROM contact_persons "
            "UNION SELECT id FROM clients WHERE length(search_text) > :cap"
        ),
        {"cap": MAX_TEXT},
    ).scalars()
    recompute_search_texts(conn, list(ids))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_index("ix_interactions_client_when")
