"""partner API: partners with hashed keys, idempotent requests, events to partners;
the claim status "complete" becomes "documents_complete" (issue 9)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'partners',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('products', sa.JSON(), nullable=False),
        sa.Column('key_sha256', sa.String(length=64), nullable=False),
        sa.Column('webhook_url', sa.String(length=512), nullable=True),
        sa.Column('webhook_secret', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
        sa.UniqueConstraint('key_sha256'),
    )
    op.create_table(
        'idempotent_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('request_sha256', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('response', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('partner_id', 'key'),
    )
    op.create_table(
        'partner_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=48), nullable=False),
        sa.Column('claim_number', sa.String(length=32), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('given_up_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_partner_events_pending', 'partner_events', ['partner_id', 'delivered_at', 'id'])
    op.execute("UPDATE claims SET status = 'documents_complete' WHERE status = 'complete'")
    op.execute("UPDATE claim_events SET kind = 'documents_complete' WHERE kind = 'complete'")


def downgrade() -> None:
    op.execute("UPDATE claim_events SET kind = 'complete' WHERE kind = 'documents_complete'")
    op.execute("UPDATE claims SET status = 'registered' WHERE status = 'documents_requested'")
    op.execute("UPDATE claims SET status = 'complete' WHERE status IN ('documents_complete', 'under_review', 'approved')")
    op.drop_index('ix_partner_events_pending', table_name='partner_events')
    op.drop_table('partner_events')
    op.drop_table('idempotent_requests')
    op.drop_table('partners')
