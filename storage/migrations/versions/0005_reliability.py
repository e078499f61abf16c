"""durable inbox; outbox retry/in-flight/give-up/purge columns; personal data columns as
encrypted text (existing plain values stay readable; `python -m bot rekey` encrypts them)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# (table, column, type before, nullable)
ENCRYPTED = (
    ('users', 'phone', sa.String(length=32), True),
    ('dialogs', 'data', sa.JSON(), False),
    ('outbox', 'payload', sa.JSON(), False),
    ('support_requests', 'text', sa.Text(), False),
    ('applications', 'answers', sa.JSON(), False),
    ('applications', 'signature', sa.Text(), True),
    ('signing_codes', 'sent_to', sa.String(length=32), False),
    ('claims', 'description', sa.Text(), False),
    ('claims', 'contact_phone', sa.String(length=32), False),
)


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_pending', ['processed_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_update_id'), ['update_id'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('in_flight_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('given_up_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
    for table in dict.fromkeys(t for t, *_ in ENCRYPTED):  # one table copy each on SQLite
        with op.batch_alter_table(table, schema=None) as batch_op:
            for _, column, before, nullable in (e for e in ENCRYPTED if e[0] == table):
                batch_op.alter_column(column, existing_type=before, type_=sa.Text(), existing_nullable=nullable,
                                      postgresql_using=f'{column}::text')


def downgrade() -> None:
    for table in dict.fromkeys(t for t, *_ in ENCRYPTED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for _, column, before, nullable in (e for e in ENCRYPTED if e[0] == table):
                batch_op.alter_column(column, existing_type=sa.Text(), type_=before, existing_nullable=nullable,
                                      postgresql_using=f'{column}::{"json" if isinstance(before, sa.JSON) else "varchar"}')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('given_up_at')
        batch_op.drop_column('in_flight_at')
        batch_op.drop_column('next_attempt_at')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_update_id'))
        batch_op.drop_index('ix_inbox_pending')
    op.drop_table('inbox')
