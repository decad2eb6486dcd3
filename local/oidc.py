"""The registration system's accounts, as the local stack stands them in: an OpenID Connect issuer at
`<stack>/oidc` (R1: the first jump from registration to the upload page asks the candidate to
authorise that account, an OAuth consent).

- `GET /oidc/.well-known/openid-configuration`: discovery (issuer, endpoints, jwks_uri).
- `GET /oidc/jwks.json`: the signing key (RS256); the gateway checks every token against this set.
- `GET /oidc/authorize`: authorization code + PKCE (S256 only) for a registered client and redirect URI.
  The page is the consent step, in Chinese: one form whose submit button reads 同意并授权.
  `login_hint=<sub>` names the demo account (the local stand-in for the password step); without it the
  form lets one pick a demo account.
- `POST /oidc/authorize`: the consent given: 302 to `redirect_uri?code=…&state=…`.
- `POST /oidc/token`: `authorization_code` (+ `code_verifier`; a code works once and for 60 s),
  `refresh_token`, and the registration system's `client_credentials` (local.auth). Errors are OAuth's:
  400 `{"error": "invalid_grant" | "invalid_request" | "invalid_client" | "unsupported_grant_type"}`.
- `GET /oidc/logout`: back to `post_logout_redirect_uri` (a registered one).

Tokens are those of local.auth.TokenIssuer: the same keys, claims and checks as `POST /dev/token`'s.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from local.auth import TokenIssuer, token_endpoint
from local.gateway import Request, Response
from local.seed import DEMO_USERS, DemoUser

CODE_TTL_SECONDS = 60
REFRESH_TTL_SECONDS = 12 * 3600  # the template's WebClient RefreshTokenValidity
SCOPES = ("openid", "profile")


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    user: DemoUser
    nonce: str | None
    expires: float


def _form(body: bytes) -> dict[str, str]:
    try:
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
    except UnicodeDecodeError:
        return {}


def _query(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.raw_query, keep_blank_values=True).items()}


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def _page(status: int, title: str, body: str) -> Response:
    document = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<link rel="stylesheet" href="/oidc/consent.css"></head><body><main>{body}</main></body></html>')
    return Response(status, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
                    document.encode())


CONSENT_CSS = b"""body{font-family:"Noto Sans CJK SC",system-ui,sans-serif;background:#f3f5f8;margin:0;color:#1d2733}
main{max-width:26rem;margin:3rem auto;background:#fff;border-radius:8px;padding:1.5rem 1.75rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.25rem;margin:0 0 .25rem}.issuer{color:#5b6776;font-size:.85rem;margin:0 0 1rem}
ul{padding-left:1.2rem}li{margin:.3rem 0}.account{font-weight:600}
button{width:100%;padding:.7rem;font-size:1rem;border:0;border-radius:6px;background:#1a5fb4;color:#fff;cursor:pointer}
select{width:100%;padding:.5rem;margin:.25rem 0 1rem;font-size:1rem}a.deny{display:block;text-align:center;margin-top:.9rem;color:#5b6776}
.error{color:#a51d2d}"""

ROLE_NAMES = {"candidate": "考生", "site_reviewer": "考点审核员", "region_reviewer": "考区审核员", "exam_office": "考务人员"}
STAFF = {"site_reviewer", "region_reviewer", "exam_office"}


class OidcProvider:
    def __init__(self, tokens: TokenIssuer, base_url: str, redirect_uris: tuple[str, ...],
                 users: tuple[DemoUser, ...] = DEMO_USERS):
        self.tokens, self.base_url = tokens, base_url.rstrip("/")
        self.client_id = tokens.audience  # the web client: public, PKCE required
        self.redirect_uris = frozenset(redirect_uris)
        self.users = {u.sub: u for u in users if "registrar" not in u.groups}  # the registrar is a machine
        self._codes: dict[str, _Grant] = {}
        self._refresh: dict[str, tuple[DemoUser, str, float]] = {}
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return self.tokens.issuer

    def routes(self) -> dict[tuple[str, str], object]:
        return {
            ("GET", "/oidc/.well-known/openid-configuration"): self.discovery,
            ("GET", "/oidc/jwks.json"): lambda _: Response.json(200, self.tokens.jwks()),
            ("GET", "/oidc/authorize"): self.authorize_page,
            ("POST", "/oidc/authorize"): self.consent,
            ("POST", "/oidc/token"): self.token,
            ("GET", "/oidc/logout"): self.logout,
            ("GET", "/oidc/consent.css"): lambda _: Response(200, [("Content-Type", "text/css; charset=utf-8")], CONSENT_CSS),
        }

    def discovery(self, _: Request) -> Response:
        base = f"{self.base_url}/oidc"
        return Response.json(200, {
            "issuer": self.issuer, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks.json", "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"], "grant_types_supported": ["authorization_code", "refresh_token",
                                                                            "client_credentials"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"], "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "cognito:groups",
                                 "custom:site", "custom:region"],
        })

    # ------------------------------------------------------------ authorise (the consent step)
    def _check(self, params: dict[str, str]) -> tuple[str | None, str | None]:
        """(error shown on the page, error sent back to the client): a bad client or redirect URI is never
        redirected to; anything else goes back to the client as OAuth says."""
        if params.get("client_id") != self.client_id:
            return "未知的应用(client_id)。", None
        if params.get("redirect_uri") not in self.redirect_uris:
            return "回调地址(redirect_uri)未登记。", None
        if params.get("response_type") != "code":
            return None, "unsupported_response_type"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return None, "invalid_request"  # PKCE with S256 is required of this public client
        if "openid" not in params.get("scope", "").split():
            return None, "invalid_scope"
        return None, None

    def _back(self, params: dict[str, str], **answer: str) -> Response:
        state = {"state": params["state"]} if params.get("state") else {}
        return Response(302, [("Location", f"{params['redirect_uri']}?{urlencode({**answer, **state})}"),
                              ("Cache-Control", "no-store")])

    def authorize_page(self, request: Request) -> Response:
        params = _query(request)
        page_error, client_error = self._check(params)
        if page_error:
            return _page(400, "授权失败", f'<h1>授权失败</h1><p class="error">{page_error}</p>')
        if client_error:
            return self._back(params, error=client_error)
        hint = params.get("login_hint")
        if hint and hint not in self.users:
            return self._back(params, error="login_required")
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items() if k != "login_hint")
        if hint:
            user = self.users[hint]
            account = (f'<input type="hidden" name="login_hint" value="{html.escape(hint)}">'
                       f'<p>账号:<span class="account">{html.escape(hint)}</span>({self._role(user)})</p>')
        else:
            options = "".join(f'<option value="{html.escape(u.sub)}">{html.escape(u.sub)}({self._role(u)})</option>'
                              for u in self.users.values())
            account = f'<label for="login_hint">账号</label><select id="login_hint" name="login_hint">{options}</select>'
        deny = f"{params['redirect_uri']}?{urlencode({'error': 'access_denied', **({'state': params['state']} if params.get('state') else {})})}"
        body = (
            "<h1>授权登录</h1>"
            f'<p class="issuer">医师资格考试报名系统 · {html.escape(self.issuer)}</p>'
            "<p>“医师资格考试材料在线审核”申请使用您的报名系统账号登录,并获取以下信息:</p>"
            "<ul><li>账号标识</li><li>角色,以及审核人员所属的考点或考区</li></ul>"
            f'<form method="post" action="/oidc/authorize">{hidden}{account}'
            '<button type="submit">同意并授权</button></form>'
            f'<a class="deny" href="{html.escape(deny)}">拒绝</a>'
        )
        return _page(200, "授权登录 - 医师资格考试报名系统", body)

    @staticmethod
    def _role(user: DemoUser) -> str:
        names = [ROLE_NAMES.get(g, g) for g in user.groups]
        scope = f" {user.site}" if user.site else f" {user.region}" if user.region else ""
        return "、".join(names) + scope

    def consent(self, request: Request) -> Response:
        params = _form(request.body)
        page_error, client_error = self._check(params)
        if page_error:
            return _page(400, "授权失败", f'<h1>授权失败</h1><p class="error">{page_error}</p>')
        if client_error:
            return self._back(params, error=client_error)
        user = self.users.get(params.get("login_hint", ""))
        if not user:
            return self._back(params, error="login_required")
        code = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._codes = {c: g for c, g in self._codes.items() if g.expires > now}  # forget expired ones
            self._codes[code] = _Grant(params["client_id"], params["redirect_uri"], params["code_challenge"], user,
                                       params.get("nonce") or None, now + CODE_TTL_SECONDS)
        return self._back(params, code=code)

    # ------------------------------------------------------------ tokens
    def _id_token(self, user: DemoUser, nonce: str | None = None) -> str:
        # The registration system signs staff in with a second factor (core.identity checks `amr`).
        amr = ["pwd", "otp", "mfa"] if STAFF & set(user.groups) else ["pwd"]
        return self.tokens.mint(user.sub, list(user.groups), site=user.site, region=user.region, amr=amr, nonce=nonce)

    def _tokens(self, user: DemoUser, client_id: str, nonce: str | None = None, refresh: str | None = None) -> dict:
        if refresh is None:
            refresh = secrets.token_urlsafe(32)
            with self._lock:
                self._refresh[refresh] = (user, client_id, time.time() + REFRESH_TTL_SECONDS)
        return {"id_token": self._id_token(user, nonce), "access_token": self.tokens.access_token(client_id, ["openid"], sub=user.sub),
                "refresh_token": refresh, "token_type": "Bearer", "expires_in": self.tokens.ttl}

    def token(self, request: Request) -> Response:
        form = _form(request.body)
        grant = form.get("grant_type")
        if grant == "client_credentials":
            return Response.json(*token_endpoint(self.tokens, request.header("authorization"), request.body))
        if grant == "authorization_code":
            return self._exchange(form)
        if grant == "refresh_token":
            return self._refreshed(form)
        return _oauth_error("unsupported_grant_type" if grant else "invalid_request")

    def _exchange(self, form: dict[str, str]) -> Response:
        if form.get("client_id") != self.client_id:
            return _oauth_error("invalid_client", 401)
        verifier = form.get("code_verifier", "")
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # single use: gone whatever happens next
        if grant is None or grant.expires < time.time() or grant.client_id != form["client_id"]:
            return _oauth_error("invalid_grant")
        if grant.redirect_uri != form.get("redirect_uri"):
            return _oauth_error("invalid_grant")
        if not 43 <= len(verifier) <= 128 or not hmac.compare_digest(s256(verifier), grant.challenge):
            return _oauth_error("invalid_grant")  # RFC 7636 4.6
        return Response.json(200, self._tokens(grant.user, grant.client_id, grant.nonce),
                             [("Cache-Control", "no-store")])

    def _refreshed(self, form: dict[str, str]) -> Response:
        token = form.get("refresh_token", "")
        with self._lock:
            found = self._refresh.get(token)
        if not found or found[2] < time.time() or found[1] != form.get("client_id"):
            return _oauth_error("invalid_grant")
        user, client_id, _ = found
        answer = self._tokens(user, client_id, refresh=token)
        del answer["refresh_token"]  # as Cognito: the refresh token stays the same, only new ID/access tokens
        return Response.json(200, answer, [("Cache-Control", "no-store")])

    def logout(self, request: Request) -> Response:
        params = _query(request)
        target = params.get("post_logout_redirect_uri", "")
        if params.get("client_id") != self.client_id or target not in self.redirect_uris:
            return _page(400, "退出失败", '<h1>退出失败</h1><p class="error">退出后的跳转地址未登记。</p>')
        return Response(302, [("Location", target)])


def _oauth_error(code: str, status: int = 400) -> Response:
    return Response.json(status, {"error": code}, [("Cache-Control", "no-store")])
