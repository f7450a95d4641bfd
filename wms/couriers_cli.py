"""``wms couriers``: the preset couriers (SF, ZTO, YTO, STO, YUNDA, JT, EMS, JD) and a list.

``wms couriers preset`` creates the presets that are missing and leaves existing couriers
as they are, so it is safe on a production database and safe to run again.
"""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup


@click.group("couriers", cls=AppGroup)
def couriers_group() -> None:
    """Couriers: create the presets, list them."""


@couriers_group.command("preset")
def preset_command() -> None:
    """Create the preset couriers that are missing (existing ones are not changed)."""
    from wms.services.couriers import preset_couriers

    created = preset_couriers()
    click.echo(json.dumps({"created": created}, ensure_ascii=False))


@couriers_group.command("list")
def list_command() -> None:
    """Every courier: code, names, pattern, active flag and waybill provider."""
    import sqlalchemy as sa

    from wms.extensions import db
    from wms.models import Courier

    for c in db.session.execute(sa.select(Courier).order_by(Courier.code)).scalars():
        click.echo(f"{c.code}\t{c.name_zh}\t{c.name_en}\t{c.tracking_pattern}\t"
                   f"{'active' if c.active else 'inactive'}\t{c.waybill_provider}")
