"""telemedicine: the patient's phone and name, the conclusion and the complaint
encrypted at rest like the other personal data (issue 8)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 06:55:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# (column, type before, nullable)
ENCRYPTED = (
    ('phone', sa.String(length=32), False),
    ('patient_name', sa.String(length=128), False),
)


def upgrade() -> None:
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        for column, before, nullable in ENCRYPTED:
            batch_op.alter_column(column, existing_type=before, type_=sa.Text(), existing_nullable=nullable,
                                  postgresql_using=f'{column}::text')


def downgrade() -> None:
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        for column, before, nullable in ENCRYPTED:
            batch_op.alter_column(column, existing_type=sa.Text(), type_=before, existing_nullable=nullable,
                                  postgresql_using=f'{column}::varchar')
