"""Schemas of the login endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.domain.permissions import permissions_of


class CredentialsSchema(Schema):
    username = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    username = fields.Str()
    display_name = fields.Str()
    role = fields.Str()
    active = fields.Bool()
    permissions = fields.Method("get_permissions", dump_only=True)

    def get_permissions(self, user) -> list[str]:
        return sorted(p.value for p in permissions_of(user.role))


class TokenSchema(Schema):
    token = fields.Str()
    token_type = fields.Str()
    expires_at = fields.DateTime()
    user = fields.Nested(UserSchema)


class SessionSchema(Schema):
    csrf_token = fields.Str()
    user = fields.Nested(UserSchema)
