"""carried-over answers and actions (issue #17 point 2)

Revision ID: 5e2c7a1f9b30
Revises: a17c05e1d2f3
Create Date: 2026-12-03 12:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2c7a1f9b30'
down_revision = 'a17c05e1d2f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        # Answers carried forward before this change were already open to submission as they
        # stood: they start confirmed rather than blocking assessments in progress.
        batch_op.add_column(
            sa.Column('carried_over', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_improvement_action_carried_from_id'), ['carried_from_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_improvement_action_carried_from_id_improvement_action'),
            'improvement_action',
            ['carried_from_id'],
            ['id'],
        )


def downgrade():
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_improvement_action_carried_from_id_improvement_action'),
            type_='foreignkey',
        )
        batch_op.drop_index(batch_op.f('ix_improvement_action_carried_from_id'))
        batch_op.drop_column('carried_from_id')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('carried_over')
