"""telemedicine: doctors, working hours, consultations and their documents (issue 11)

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-02 04:39:31.519216
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('telemedicine_doctors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('speciality', sa.String(length=32), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('telemedicine_doctors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telemedicine_doctors_speciality'), ['speciality'], unique=False)

    op.create_table('telemedicine_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doctor_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('end', sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(['doctor_id'], ['telemedicine_doctors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('doctor_id', 'weekday', 'start')
    )
    with op.batch_alter_table('telemedicine_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telemedicine_hours_doctor_id'), ['doctor_id'], unique=False)

    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('speciality', sa.String(length=32), nullable=False),
    sa.Column('doctor_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('slot_key', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('patient_name', sa.String(length=128), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('queue_message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_calls', sa.Integer(), nullable=False),
    sa.Column('join_link', sa.String(length=256), nullable=True),
    sa.Column('counted_as', sa.String(length=24), nullable=True),
    sa.Column('conclusion_text', sa.Text(), nullable=True),
    sa.Column('conclusion_sha256', sa.String(length=64), nullable=True),
    sa.Column('conclusion_name', sa.String(length=128), nullable=True),
    sa.Column('complaint', sa.Text(), nullable=True),
    sa.Column('complained_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_reminder_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['doctor_id'], ['telemedicine_doctors.id'], ),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number'),
    sa.UniqueConstraint('slot_key')
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultations_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index('ix_consultations_reminder', ['next_reminder_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_user_id'), ['user_id'], unique=False)

    op.create_table('consultation_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('original_name', sa.String(length=128), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'sha256')
    )
    with op.batch_alter_table('consultation_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_documents_consultation_id'), ['consultation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('consultation_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_documents_consultation_id'))

    op.drop_table('consultation_documents')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultations_user_id'))
        batch_op.drop_index(batch_op.f('ix_consultations_status'))
        batch_op.drop_index('ix_consultations_reminder')
        batch_op.drop_index(batch_op.f('ix_consultations_policy_id'))

    op.drop_table('consultations')
    with op.batch_alter_table('telemedicine_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telemedicine_hours_doctor_id'))

    op.drop_table('telemedicine_hours')
    with op.batch_alter_table('telemedicine_doctors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telemedicine_doctors_speciality'))

    op.drop_table('telemedicine_doctors')
