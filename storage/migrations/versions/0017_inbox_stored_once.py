"""an update is stored in the inbox once: a unique index on its id and digest, so two
workers storing one redelivered update at once cannot both store it (issue 15)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 16:00:00
"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A copy stored by that race before this revision: the first one stands.
    op.execute("DELETE FROM inbox WHERE id NOT IN (SELECT min(id) FROM inbox GROUP BY update_id, digest)")
    op.create_index('uq_inbox_update', 'inbox', ['update_id', 'digest'], unique=True)
    op.drop_index('ix_inbox_update_id', table_name='inbox')


def downgrade() -> None:
    op.create_index('ix_inbox_update_id', 'inbox', ['update_id'], unique=False)
    op.drop_index('uq_inbox_update', table_name='inbox')
