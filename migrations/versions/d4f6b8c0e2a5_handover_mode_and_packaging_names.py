"""a parcel put on a courier's handover manifest ships without the courier's signature
(handover.handover_mode: in_person or manifest), and packaging types are named in
English too (packaging_type.name_en)

Revision ID: d4f6b8c0e2a5
Revises: f3b8d2c6a4e1
Create Date: 2026-12-02 10:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'd4f6b8c0e2a5'
down_revision = 'f3b8d2c6a4e1'
branch_labels = None
depends_on = None

#: The demo's packaging presets, named in English where a database already has them.
PRESET_NAMES_EN = {
    "BAG-S": "Mailer bag, small",
    "BAG-L": "Mailer bag, large",
    "BOX-1": "Carton no. 1",
    "BOX-3": "Carton no. 3",
    "BOX-5": "Carton no. 5",
}


def upgrade():
    # Plain ADD COLUMN on both databases: SQLite adds in place (with its CHECK), without
    # rebuilding handover, which manifests point at.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE handover ADD COLUMN handover_mode VARCHAR(16) DEFAULT 'in_person' NOT NULL "
                   "CONSTRAINT ck_handover_handover_mode CHECK (handover_mode IN ('in_person', 'manifest'))")
    else:
        op.add_column('handover', sa.Column('handover_mode', sa.String(length=16), server_default='in_person',
                                            nullable=False))
        op.create_check_constraint(op.f('ck_handover_handover_mode'), 'handover',
                                   "handover_mode IN ('in_person', 'manifest')")
    op.add_column('packaging_type', sa.Column('name_en', sa.String(length=100), nullable=True))
    packaging = sa.table('packaging_type', sa.column('code', sa.String), sa.column('name_en', sa.String))
    for code, name in PRESET_NAMES_EN.items():
        op.execute(packaging.update().where(packaging.c.code == code).values(name_en=name))


def downgrade():
    op.execute('ALTER TABLE packaging_type DROP COLUMN name_en')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_handover_handover_mode'), 'handover', type_='check')
    # SQLite drops a column with a CHECK of its own in place, the CHECK with it.
    op.execute('ALTER TABLE handover DROP COLUMN handover_mode')
