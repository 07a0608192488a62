"""pipeline: deals tied to documents, processes, event rules, plans

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Stages get a colour, a probability and «final»; deals an expected close date, a probability
of their own, a source, «amount typed by hand» and the moment they entered their stage;
tasks a deal; the stage history the rule that made a move. New tables: refusal reasons,
event rules, what the rules did (rule_runs), sales plans. The default process's colours,
probabilities, reasons and shipped rules are filled by services.pipeline_setup at the next
start (ensure_defaults), the same for a new and an upgraded database.
"""

import sqlalchemy as sa
from alembic import op

import crmdesk.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


# each move's time in its stage: the funnel averages it without reading the times; the
# same statement as services.deals.stayed_sql (a migration does not import the services)
def stayed_sql(dialect: str) -> str:
    """UPDATE giving each stage move without it the seconds until the deal's next move."""
    nxt = ("(SELECT min(n.at) FROM deal_stage_history n WHERE n.deal_id = h.deal_id AND "
           "(n.at > h.at OR (n.at = h.at AND n.id > h.id)))")
    if dialect == "sqlite":
        span = f"CAST(round((julianday({nxt}) - julianday(h.at)) * 86400) AS INTEGER)"
    else:
        span = f"CAST(round(EXTRACT(EPOCH FROM {nxt} - h.at)) AS INTEGER)"
    return (f"UPDATE deal_stage_history AS h SET stayed_seconds = {span} "
            "WHERE h.stayed_seconds IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("stages", recreate="never") as b:
        b.add_column(sa.Column("is_final", sa.Boolean(), nullable=False, server_default=sa.false()))
        b.add_column(sa.Column("color", sa.String(length=7), nullable=True))
        b.add_column(sa.Column("probability", sa.Integer(), nullable=True))
    with op.batch_alter_table("deals", recreate="never") as b:
        b.add_column(sa.Column("expected_close", sa.Date(), nullable=True))
        b.add_column(sa.Column("probability", sa.Integer(), nullable=True))
        b.add_column(sa.Column("source", sa.String(length=100), nullable=True))
        b.add_column(
            sa.Column("amount_fixed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        b.add_column(
            sa.Column("stage_since", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        b.create_index("ix_deals_manager_stage", ["manager_id", "stage_id"])
        b.create_index("ix_deals_stage_since", ["stage_id", "stage_since"])
    with op.batch_alter_table("deal_stage_history", recreate="never") as b:
        b.add_column(sa.Column("rule_id", sa.Integer(), nullable=True))
        b.add_column(
            sa.Column("stayed_seconds", sa.Integer(), nullable=True)
        )
        b.create_index("ix_deal_stage_history_to_at", ["to_stage_id", "at", "stayed_seconds"])
        b.create_index("ix_deal_stage_history_deal_stage", ["deal_id", "to_stage_id", "at"])
    if op.get_bind().dialect.name == "sqlite":  # in place: a rebuild would lose nothing, but
        # SQLite adds a column with its reference only this way (alembic refuses the ALTER);
        # a downgrade on SQLite leaves it (it cannot drop a referencing column in place)
        if "deal_id" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("tasks")}:
            op.execute("ALTER TABLE tasks ADD COLUMN deal_id INTEGER REFERENCES deals (id)")
    else:
        op.add_column("tasks", sa.Column("deal_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_tasks_deal_id_deals"), "tasks", "deals", ["deal_id"],
                              ["id"])
    op.create_index(op.f("ix_tasks_deal_id"), "tasks", ["deal_id"])
    # the moment each deal entered its present stage: its last move there
    op.execute(
        "UPDATE deals SET stage_since = (SELECT max(h.at) FROM deal_stage_history h "
        "WHERE h.deal_id = deals.id AND h.to_stage_id = deals.stage_id)"
    )
    op.execute("UPDATE deals SET stage_since = created_at WHERE stage_since IS NULL")
    op.execute(stayed_sql(op.get_bind().dialect.name))

    op.create_table(
        "refusal_reasons",
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"], ["sales_processes.id"],
            name=op.f("fk_refusal_reasons_process_id_sales_processes"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refusal_reasons")),
        sa.UniqueConstraint("process_id", "name", name=op.f("uq_refusal_reasons_process_id")),
    )
    op.create_table(
        "event_rules",
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column("task_title", sa.String(length=300), nullable=True),
        sa.Column("task_days", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"], ["sales_processes.id"],
            name=op.f("fk_event_rules_process_id_sales_processes"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"], ["stages.id"], name=op.f("fk_event_rules_stage_id_stages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_rules")),
    )
    op.create_table(
        "rule_runs",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("occasion", sa.String(length=40), nullable=False),
        sa.Column("at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["event_rules.id"], name=op.f("fk_rule_runs_rule_id_event_rules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_rule_runs_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_runs")),
        sa.UniqueConstraint("rule_id", "deal_id", "occasion", name=op.f("uq_rule_runs_rule_id")),
    )
    with op.batch_alter_table("rule_runs") as b:
        b.create_index(b.f("ix_rule_runs_deal_id"), ["deal_id"])
    op.create_table(
        "sales_plans",
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", crmdesk.models.base.Money(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_sales_plans_manager_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_plans")),
        sa.UniqueConstraint("manager_id", "month", name=op.f("uq_sales_plans_manager_id")),
    )


def downgrade() -> None:
    op.drop_table("sales_plans")
    op.drop_table("rule_runs")
    op.drop_table("event_rules")
    op.drop_table("refusal_reasons")
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index(op.f("ix_tasks_deal_id"), "tasks")
    if not sqlite:  # SQLite keeps the column: dropping a referencing column needs a rebuild
        op.drop_constraint(op.f("fk_tasks_deal_id_deals"), "tasks", type_="foreignkey")
        op.drop_column("tasks", "deal_id")
    # in place (SQLite ≥ 3.35 drops plain columns): a rebuild of «deals» would be refused by
    # the tables that refer to it
    keep = "never" if sqlite else "auto"
    with op.batch_alter_table("deal_stage_history", recreate=keep) as b:
        b.drop_index("ix_deal_stage_history_deal_stage")
        b.drop_index("ix_deal_stage_history_to_at")
        b.drop_column("stayed_seconds")
        b.drop_column("rule_id")
    with op.batch_alter_table("deals", recreate=keep) as b:
        b.drop_index("ix_deals_stage_since")
        b.drop_index("ix_deals_manager_stage")
        for name in ("stage_since", "amount_fixed", "source", "probability", "expected_close"):
            b.drop_column(name)
    with op.batch_alter_table("stages", recreate=keep) as b:
        for name in ("probability", "color", "is_final"):
            b.drop_column(name)
