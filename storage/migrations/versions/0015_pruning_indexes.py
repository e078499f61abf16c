"""pruning without scanning: the dedupe records by age, and the sent outbox rows
whose personal data is still to be purged (issue 15)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:00:00
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_processed_updates_processed_at', 'processed_updates', ['processed_at'])
    op.create_index('ix_outbox_unpurged', 'outbox', ['purged_at', 'sent_at'])


def downgrade() -> None:
    op.drop_index('ix_outbox_unpurged', table_name='outbox')
    op.drop_index('ix_processed_updates_processed_at', table_name='processed_updates')
