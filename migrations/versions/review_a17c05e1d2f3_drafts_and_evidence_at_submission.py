"""drafts kept while leaving a form; each response's evidence as it stood at submission

Revision ID: a17c05e1d2f3
Revises: db68602c7185
Create Date: 2026-12-03 12:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a17c05e1d2f3'
down_revision = 'db68602c7185'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'draft',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_draft_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft')),
        sa.UniqueConstraint('user_id', 'key', name=op.f('uq_draft_user_id_key')),
    )
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('response', schema=None) as batch_op:
        # Assessments submitted before this have no record of it: shown as unknown, not guessed.
        batch_op.add_column(sa.Column('submitted_evidence', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('submitted_evidence')
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_user_id'))
    op.drop_table('draft')
