"""observations stored in their key's order (SQLite WITHOUT ROWID)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:10:00
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # On SQLite an ordinary table keeps its rows by a hidden rowid and the primary key
    # (measure, geography, period) as a second B-tree; WITHOUT ROWID keeps the rows in the
    # key's B-tree itself: one tree fewer to write on every import (an import of a million
    # rows takes about a tenth less time) and a measure's series read from one place.
    # PostgreSQL has no such option and is left as it is. The table is copied: on a large
    # city (six million rows) this takes about half a minute.
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table(
        'observation', recreate='always', table_kwargs={'sqlite_with_rowid': False}
    ):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table(
        'observation', recreate='always', table_kwargs={'sqlite_with_rowid': True}
    ):
        pass
