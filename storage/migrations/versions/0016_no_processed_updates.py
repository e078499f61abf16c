"""the processed-update records go: every update comes through the inbox, whose row
is the record that it was processed (issue 15)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_processed_updates_processed_at', table_name='processed_updates')
    op.drop_table('processed_updates')


def downgrade() -> None:
    op.create_table('processed_updates',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('update_id')
    )
    op.create_index('ix_processed_updates_processed_at', 'processed_updates', ['processed_at'])
