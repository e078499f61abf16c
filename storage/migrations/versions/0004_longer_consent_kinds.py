"""consent kinds up to 64 characters (nomad_life_third_party_information is 34)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=32), type_=sa.String(length=64),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=64), type_=sa.String(length=32),
                              existing_nullable=False)
