"""Local tokens, checked exactly as API Gateway's JWT authorizer checks them (HTTP APIs):
the token alone or after "Bearer "; a `kid` that names a key of the issuer; an RSA signature;
`iss` equal to the issuer; `aud` (or, only when there is no `aud`, `client_id`) among the audiences;
`exp` in the future; `nbf` and `iat`, when present, in the past. Anything else: 401.
The key pair is made at startup, so a token only lives as long as the stack."""

from __future__ import annotations

import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://auth.exam-materials.local"
AUDIENCE = "exam-materials-local"
TOKEN_TTL_SECONDS = 12 * 3600


class Unauthorized(Exception):
    pass


class TokenIssuer:
    def __init__(self, issuer: str = ISSUER, audience: str = AUDIENCE):
        self.issuer, self.audience = issuer, audience
        self.kid = uuid.uuid4().hex[:16]
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def mint(self, sub: str, groups: list[str], site: str | None = None, region: str | None = None,
             ttl: int = TOKEN_TTL_SECONDS) -> str:
        """A token shaped like a Cognito ID token."""
        now = int(time.time())
        claims = {"sub": sub, "cognito:groups": list(groups), "iss": self.issuer, "aud": self.audience,
                  "iat": now, "auth_time": now, "exp": now + ttl, "token_use": "id"}
        if site:
            claims["custom:site"] = str(site)
        if region:
            claims["custom:region"] = str(region)
        return self.sign(claims)

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, identity: str | None, issuer: str | None = None, audiences: tuple[str, ...] | None = None) -> dict:
        """The token's claims, or Unauthorized. `issuer` and `audiences` are the authorizer's (template)."""
        token = (identity or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Unauthorized("no token")
        try:
            if jwt.get_unverified_header(token).get("kid") != self.kid:
                raise Unauthorized("unknown kid")
            claims = jwt.decode(token, self._key.public_key(), algorithms=["RS256", "RS384", "RS512"],
                                issuer=issuer or self.issuer, options={"require": ["exp", "iss"], "verify_aud": False})
        except jwt.PyJWTError as e:
            raise Unauthorized(str(e)) from e
        allowed = audiences or (self.audience,)
        aud = claims.get("aud") if "aud" in claims else claims.get("client_id")
        if not any(a in allowed for a in (aud if isinstance(aud, list) else [aud])):
            raise Unauthorized("audience")
        return claims


def gateway_claims(claims: dict) -> dict[str, str]:
    """Claims as an HTTP API passes them to Lambda: every value a string, arrays as "[a b]"."""
    def text(value) -> str:
        if isinstance(value, list | tuple):
            return "[" + " ".join(text(v) for v in value) + "]"
        if isinstance(value, bool):
            return str(value).lower()
        return str(value)

    return {key: text(value) for key, value in claims.items()}
