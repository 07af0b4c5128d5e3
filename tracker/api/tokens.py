"""JSON API v1, tokens: sign in for a bearer token, revoke it; and the OpenAPI document."""

from flask import current_app, g, jsonify

from tracker import security
from tracker.api import bp
from tracker.api.bodies import NewToken, parse
from tracker.api.http import ApiError, user
from tracker.api.openapi import document
from tracker.api.shapes import Token
from tracker.auth import operations as auth
from tracker.auth import tokens

NOT_RIGHT = "The email address or password is not right."


@bp.post("/tokens")
@security.sign_in_attempts()
def create_token():
    body = parse(NewToken)
    name = (body.name or "API token").strip()[: tokens.NAME_MAX] or "API token"
    days = tokens.DEFAULT_DAYS if body.expires_in_days is None else body.expires_in_days
    if not 1 <= days <= tokens.MAX_DAYS:
        raise ApiError(
            422,
            "unprocessable",
            f"expires_in_days must be from 1 to {tokens.MAX_DAYS}.",
            "expires_in_days",
        )
    if len(body.email) > 254 or len(body.password) > 200:
        raise ApiError(401, "unauthorised", NOT_RIGHT)
    config = current_app.config
    result = auth.authenticate(
        body.email, body.password, config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCK_MINUTES"]
    )
    if result.refusal == "locked":
        raise ApiError(
            401, "unauthorised", "Too many failed attempts: this account is locked for a while."
        )
    if result.refusal:
        raise ApiError(401, "unauthorised", NOT_RIGHT)
    token, raw = tokens.issue(result.user, name, days, bool(body.read_only))
    response = jsonify(Token.of(token, raw).model_dump(mode="json"))
    response.status_code = 201
    return response


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.delete("/tokens/current")
def revoke_current_token():
    tokens.revoke(user(), g.api_token)
    return "", 204
