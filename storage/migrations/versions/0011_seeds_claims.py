"""seeds (issue 12): disability date and option flag on claims, originals
confirmed by the insurer, early termination requests

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disability_set_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('outside_option', sa.String(length=64), nullable=True))

    op.create_table('claim_originals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=48), nullable=False),
    sa.Column('confirmed_by', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('claim_id', 'item_code')
    )
    with op.batch_alter_table('claim_originals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_originals_claim_id'), ['claim_id'], unique=False)

    op.create_table('termination_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('repaid_on', sa.Date(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('rule_code', sa.String(length=48), nullable=False),
    sa.Column('clause', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('premium_minor', sa.BigInteger(), nullable=False),
    sa.Column('expenses_minor', sa.BigInteger(), nullable=False),
    sa.Column('refund_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('termination_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_termination_requests_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_termination_requests_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('termination_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_termination_requests_user_id'))
        batch_op.drop_index(batch_op.f('ix_termination_requests_policy_id'))
    op.drop_table('termination_requests')
    with op.batch_alter_table('claim_originals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_originals_claim_id'))
    op.drop_table('claim_originals')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('outside_option')
        batch_op.drop_column('disability_set_on')
