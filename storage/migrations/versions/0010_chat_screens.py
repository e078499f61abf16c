"""chat screens: the message that may be edited, and retired screens

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-02 04:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_screens',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('retired', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('chat_screens')
