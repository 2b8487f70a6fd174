"""ingested_events: event ids applied by POST /api/v1/events (idempotent live ingestion)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Not contract data: no change-counting triggers (a retried batch that changes nothing must not
make dashboards redraw); the contract rows an event writes bump the counter themselves.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ingested_events',
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('ingested_at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('ingested_events', schema=None) as batch_op:
        batch_op.create_index('ix_ingested_events_ingested_at', ['ingested_at'], unique=False)


def downgrade():
    with op.batch_alter_table('ingested_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ingested_events_ingested_at')
    op.drop_table('ingested_events')
