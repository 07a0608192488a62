"""users, sessions and secrets: no schema change in this version

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Signing in without a password is now governed by the ``allow_empty_passwords`` setting (a
row of ``settings``, no new column): not set, it is allowed only while no user has a
password — see ``services.users.empty_passwords_allowed``. Password hashes of the older cost
are replaced at each user's next sign-in, not here (the password is needed for that).
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
