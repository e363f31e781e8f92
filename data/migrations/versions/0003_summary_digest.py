"""the overview's "what changed" digest, stored with each summary

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:35:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written by `statroom refresh`; empty on summaries stored before this revision, for
    # which the overview computes the digest from the payload until the next refresh.
    with op.batch_alter_table('measure_summary') as batch:
        batch.add_column(sa.Column('digest', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('measure_summary') as batch:
        batch.drop_column('digest')
