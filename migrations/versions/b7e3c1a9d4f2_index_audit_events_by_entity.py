"""index audit events by entity

Revision ID: b7e3c1a9d4f2
Revises: fd5dabb5ca7c
Create Date: 2026-11-21 09:05:00.000000

A response's history (its page, and the stale-save message naming who changed it) looks up
audit events by entity and id. Without an index that is a scan of the whole audit trail, the
table that grows fastest; `make bench` showed the history page slowing as the data grew.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e3c1a9d4f2'
down_revision = 'fd5dabb5ca7c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_entity_entity_id', ['entity', 'entity_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_entity_entity_id')
