"""Local tokens, checked exactly as API Gateway's JWT authorizer checks them (HTTP APIs):
the token alone or after "Bearer "; a `kid` that names a key of the issuer; an RSA signature;
`iss` equal to the issuer; `aud` (or, only when there is no `aud`, `client_id`) among the audiences;
`exp` in the future; `nbf` and `iat`, when present, in the past. Anything else: 401.
The key pair is made at startup, so a token only lives as long as the stack.

Tokens have the shapes the template's Cognito user pool issues: the web page's ID token (`aud` = the web
client; groups, `custom:site`, `custom:region`), and the registration system's client-credentials
access token (no `aud`; `client_id`, `scope` = "exam-materials/registrar"), which `token_endpoint`
hands out as Cognito's /oauth2/token does. The JwtAudience parameter is both client ids. Staff tokens
say how the person signed in (`amr`, RFC 8176): with a second factor, as core.identity requires.

The local stack's issuer is its OIDC stand-in for the registration system's accounts (local.oidc), at
`<stack>/oidc`; `verify` checks a token against the issuer's published key set (`jwks()`), as API
Gateway does with a deployed issuer's jwks_uri."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
import uuid
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://auth.exam-materials.local"
AUDIENCE = "exam-materials-local"  # the web client's id
REGISTRATION_CLIENT_ID = "exam-materials-registration-local"
REGISTRATION_CLIENT_SECRET = "local-registration-secret"  # local only, like every token here
REGISTRAR_SCOPE = "exam-materials/registrar"  # resource server "exam-materials", scope "registrar" (template)
TOKEN_TTL_SECONDS = 12 * 3600
ACCESS_TOKEN_TTL_SECONDS = 3600  # the template's RegistrationClient AccessTokenValidity
STAFF = frozenset({"site_reviewer", "region_reviewer", "exam_office"})


class Unauthorized(Exception):
    pass


class InvalidClient(Exception):
    pass


class TokenIssuer:
    def __init__(self, issuer: str = ISSUER, audience: str = AUDIENCE,
                 registration_client: tuple[str, str] = (REGISTRATION_CLIENT_ID, REGISTRATION_CLIENT_SECRET),
                 ttl: int = TOKEN_TTL_SECONDS):
        self.issuer, self.audience, self.ttl = issuer, audience, ttl
        self.registration_client_id, self._registration_secret = registration_client
        self.kid = uuid.uuid4().hex[:16]
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._keys = jwt.PyJWKSet.from_dict(self.jwks())

    def jwks(self) -> dict:
        """The issuer's public key set, as its jwks_uri serves it."""
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    @property
    def audiences(self) -> tuple[str, str]:
        """The JWT authorizer's audience: the web client and the registration system's client."""
        return (self.audience, self.registration_client_id)

    def mint(self, sub: str, groups: list[str], site: str | None = None, region: str | None = None,
             ttl: int | None = None, amr: list[str] | None = None, nonce: str | None = None) -> str:
        """An ID token as the issuer gives it to the web client after a sign-in. `amr`: how the person
        signed in; by default with a second factor for staff, a password for anyone else."""
        now = int(time.time())
        claims = {"sub": sub, "cognito:groups": list(groups), "iss": self.issuer, "aud": self.audience,
                  "cognito:username": sub, "email_verified": True, "origin_jti": str(uuid.uuid4()),
                  "event_id": str(uuid.uuid4()), "jti": str(uuid.uuid4()),
                  "amr": amr if amr is not None else ["pwd", "otp", "mfa"] if STAFF & set(groups) else ["pwd"],
                  "iat": now, "auth_time": now, "exp": now + (self.ttl if ttl is None else ttl), "token_use": "id"}
        if nonce:
            claims["nonce"] = nonce
        if site:
            claims["custom:site"] = str(site)
        if region:
            claims["custom:region"] = str(region)
        return self.sign(claims)

    def access_token(self, client_id: str, scopes: list[str], ttl: int = ACCESS_TOKEN_TTL_SECONDS,
                     sub: str | None = None) -> str:
        """An access token: no aud, no groups. For client credentials the client is its own subject."""
        now = int(time.time())
        return self.sign({"sub": sub or client_id, "client_id": client_id, "token_use": "access", "scope": " ".join(scopes),
                          "iss": self.issuer, "iat": now, "auth_time": now, "exp": now + ttl, "version": 2,
                          "jti": str(uuid.uuid4())})

    def client_credentials(self, client_id: str, client_secret: str, scope: str | None) -> dict:
        """Cognito's answer to grant_type=client_credentials. The registration client may ask only for
        the registrar scope; no scope asked means every scope it is allowed."""
        if not (client_id == self.registration_client_id
                and hmac.compare_digest(client_secret.encode(), self._registration_secret.encode())):
            raise InvalidClient("invalid_client")
        scopes = scope.split() if scope else [REGISTRAR_SCOPE]
        if any(s != REGISTRAR_SCOPE for s in scopes):
            raise InvalidClient("invalid_scope")
        return {"access_token": self.access_token(client_id, scopes), "expires_in": ACCESS_TOKEN_TTL_SECONDS,
                "token_type": "Bearer"}

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
            kid = jwt.get_unverified_header(token).get("kid")
            key = next((k for k in self._keys.keys if k.key_id == kid), None)
            if key is None:
                raise Unauthorized("unknown kid")
            claims = jwt.decode(token, key.key, algorithms=["RS256", "RS384", "RS512"],
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


def token_endpoint(tokens: TokenIssuer, authorization: str | None, body: bytes) -> tuple[int, dict]:
    """POST /oauth2/token (form-encoded) as the Hosted UI domain answers it, for the client-credentials
    grant only: the client authenticates with HTTP Basic or with client_id/client_secret in the body.
    Errors are Cognito's: 400 {"error": "invalid_request" | "unsupported_grant_type" | "invalid_client" |
    "invalid_scope"}."""
    try:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), strict_parsing=False).items()}
    except UnicodeDecodeError:
        return 400, {"error": "invalid_request"}
    if form.get("grant_type") != "client_credentials":
        return 400, {"error": "unsupported_grant_type" if form.get("grant_type") else "invalid_request"}
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if authorization and authorization[:6].lower() == "basic ":
        try:
            client_id, _, secret = base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return 400, {"error": "invalid_client"}
    try:
        return 200, tokens.client_credentials(client_id, secret, form.get("scope"))
    except InvalidClient as e:
        return 400, {"error": str(e)}
