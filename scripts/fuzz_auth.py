"""Who the fuzzer is, in each pass of scripts/fuzz.sh (Schemathesis hooks), and which routes a pass runs.

Every route joins a pass by what the OpenAPI document says of it (see `passes_of`):
  - admin-only (`x-required-role: admin`)                  -> admin
  - fresh login (documents 403 FRESH_LOGIN_REQUIRED)        -> fresh, and admin too when it also
    documents 403 FORBIDDEN (an admin acts on someone else)
  - ends the caller's session (SESSION_ENDING below)        -> fresh
  - reaches other users' data (documents 403 FORBIDDEN)     -> user and admin
  - any other route, public or bearer                       -> user
and each pass also runs the routes whose OpenAPI links lead to its own, so that its stateful phase
chains real ids (sign-up -> PATCH /users/{id} in the admin pass, GET /auth/me -> DELETE /users/{id}
in the fresh pass).

Run as a script, it prints the operations of one pass:  fuzz_auth.py <pass> <document URL>
Loaded by Schemathesis (SCHEMATHESIS_HOOKS, with FUZZ_PASS and FUZZ_BASE_URL set), it signs in as
that pass's identity and keeps it alive.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import re
import sys
import time
import urllib.request
from http.cookies import SimpleCookie
from typing import Any

import requests

PASSES = ("user", "admin", "fresh")
# Routes that end the caller's own session whatever their input: they get the fresh pass, where
# losing the session is expected. Add a new one here.
SESSION_ENDING = {"POST /auth/logout"}
SESSION_BY_ID = "/users/{id}/sessions/{sessionId}"
REVOKE_TOKEN = "POST /auth/revoke-token"
METHODS = ("get", "put", "post", "patch", "delete")
OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")


def documented_codes(operation: dict[str, Any], status: str) -> set[str]:
    """The error codes an operation documents for one status (its examples are named by code)."""
    response = operation.get("responses", {}).get(status, {})
    return set(response.get("content", {}).get("application/json", {}).get("examples", {}))


def error_code(response: Any) -> str | None:
    try:
        return json.loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def documented_example(operation: Any, name: str) -> Any:
    for parameter in operation.definition.raw.get("parameters", []):
        if parameter.get("name") == name:
            return parameter.get("schema", {}).get("example", parameter.get("example"))
    return None


def claims_of(token: str) -> dict[str, Any]:
    """The claims of a JWT, read without checking it (the fuzzer's own tokens only)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def is_bearer(operation: dict[str, Any]) -> bool:
    return any("bearer" in requirement for requirement in operation.get("security", []))


def passes_of(label: str, operation: dict[str, Any]) -> set[str]:
    forbidden = "FORBIDDEN" in documented_codes(operation, "403")
    if operation.get("x-required-role") == "admin":
        return {"admin"}
    if "FRESH_LOGIN_REQUIRED" in documented_codes(operation, "403"):
        return {"fresh", "admin"} if forbidden else {"fresh"}
    if label in SESSION_ENDING:
        return {"fresh"}
    return {"user", "admin"} if forbidden else {"user"}


def operations_of(document: dict[str, Any], pass_name: str) -> list[str]:
    """A pass's routes, and the routes whose links lead to them (the stateful phase starts there)."""
    operations = {
        f"{method.upper()} {path}": item[method]
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    }
    by_id = {operation.get("operationId"): label for label, operation in operations.items()}
    selected = {label for label, operation in operations.items() if pass_name in passes_of(label, operation)}

    def links_into_selection(operation: dict[str, Any]) -> bool:
        return any(
            by_id.get(link.get("operationId")) in selected
            for response in operation.get("responses", {}).values()
            for link in response.get("links", {}).values()
        )

    sources = {label for label, operation in operations.items() if links_into_selection(operation)}
    return [label for label in operations if label in selected | sources]


class Identity:
    """One account the fuzzer acts as: signs in, and signs up again when its account was deleted."""

    def __init__(self, base_url: str, username: str, password: str, can_sign_up: bool) -> None:
        self.base_url = base_url
        self.username = username
        self.password = password
        self.can_sign_up = can_sign_up
        self.token: str | None = None
        self.user_id: str | None = None
        # the refresh cookie (and any other) of the current session, by name
        self.cookies: dict[str, str] = {}
        self.issued_cookies: set[str] = set()

    def _post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.base_url}{path}", json=body, timeout=30)

    def sign_in(self) -> str:
        credentials = {"username": self.username, "password": self.password}
        response = self._post("/auth/sign-in", credentials)
        if response.status_code == 401 and self.can_sign_up:
            # with an address, so that asking for a verification mail can succeed
            account = {**credentials, "email": f"{self.username}@fuzz.example.com"}
            self._post("/auth/sign-up", account).raise_for_status()
            response = self._post("/auth/sign-in", credentials)
        response.raise_for_status()
        data = response.json()["data"]
        self.token, self.user_id = data["accessToken"], data["user"]["id"]
        self.cookies = dict(response.cookies)
        self.issued_cookies.update(self.cookies.values())
        return self.token

    def spare_refresh_token(self, cookie_name: str) -> str | None:
        """The refresh token of a new session of this account, the one in use left alone: a token
        the caller owns, for revoke-token, whose random tokens are all refused (400 INVALID_TOKEN)."""
        answer = self._post("/auth/sign-in", {"username": self.username, "password": self.password})
        return answer.cookies.get(cookie_name) if answer.ok else None

    def session_id(self) -> str | None:
        """The session of the current access token (its `sid` claim)."""
        return None if self.token is None else claims_of(self.token)["sid"]

    def spare_session(self) -> tuple[str, str] | None:
        """(user id, session id) of a new session of this account, the one in use left alone: a
        session the caller may end, for DELETE /users/{id}/sessions/{sessionId}, whose random ids
        name no session (404) or another user's (403)."""
        answer = self._post("/auth/sign-in", {"username": self.username, "password": self.password})
        if not answer.ok:
            return None
        data = answer.json()["data"]
        return data["user"]["id"], claims_of(data["accessToken"])["sid"]

    def ensure_signed_in(self) -> None:
        if self.token is None:
            self.sign_in()

    def owns(self, case: Any) -> bool:
        """Whether the case was sent with this identity's current access token."""
        return case.headers.get("Authorization") == f"Bearer {self.token}"

    def note_cookies(self, case: Any, response: Any) -> bool:
        """Follows the session's cookies as the server rotates them, in answers to requests that
        sent them (other users' sign-ins set cookies too). True when one was cleared: the answer
        ended the session."""
        cleared = False
        for header in response.headers.get("set-cookie", []):
            for name, morsel in SimpleCookie(header).items():
                if name not in self.cookies or case.cookies.get(name) != self.cookies[name]:
                    continue
                if morsel.value == "" or morsel["max-age"] == "0":
                    cleared = True
                else:
                    self.cookies[name] = morsel.value
                    self.issued_cookies.add(morsel.value)
        return cleared


class MailedTokens:
    """What only a mail carries, for the routes whose success needs it. The server runs without
    SMTP_URL, so each mail is a line of its log (FUZZ_SERVER_LOG), which this reads. Each token
    comes from an account of its own (so the mail caps, 3 an hour, never hold one back), minted
    BATCH at a time."""

    PASSWORD = "fuzz-mail password"
    BATCH = 20

    def __init__(self, base_url: str, log_path: str | None) -> None:
        self.base_url = base_url
        self.log_path = log_path
        self.accounts = 0
        self.offset = 0
        # the latest link token mailed to each address, by the page it links to
        self.mailed: dict[tuple[str, str], str] = {}
        self.pools: dict[str, list[str]] = {"verification": [], "reset": []}
        self.verified_user: str | None = None

    def _post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.base_url}{path}", json=body, timeout=30)

    def _read_log(self) -> None:
        with open(self.log_path or os.devnull, encoding="utf-8", errors="replace") as log:
            log.seek(self.offset)
            for line in log:
                if not line.endswith("\n"):
                    break
                self.offset += len(line.encode())
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("event") != "mail":
                    continue
                for page, token in re.findall(r"/(verify-email|reset-password)\?token=([\w-]+)", entry.get("text", "")):
                    self.mailed[(entry.get("to", ""), page)] = token

    def _tokens(self, emails: list[str], page: str) -> list[str]:
        """The tokens mailed to `emails` linking to `page`, once the log shows them (10 s at most)."""
        deadline = time.time() + 10
        while self.log_path and time.time() < deadline:
            self._read_log()
            if all((email, page) in self.mailed for email in emails):
                break
            time.sleep(0.1)
        return [self.mailed.pop((email, page)) for email in emails if (email, page) in self.mailed]

    def _new_accounts(self) -> list[tuple[str, str, str]]:
        """BATCH new accounts with an (unverified) address: (username, email, id)."""
        accounts = []
        for _ in range(self.BATCH):
            self.accounts += 1
            username = f"fuzz-mail-{os.getpid()}-{self.accounts}"
            email = f"{username}@fuzz.example.com"
            answer = self._post("/auth/sign-up", {"username": username, "password": self.PASSWORD, "email": email})
            if answer.ok:
                accounts.append((username, email, answer.json()["data"]["id"]))
        return accounts

    def _verified_accounts(self) -> list[tuple[str, str, str]]:
        accounts = self._new_accounts()
        tokens = self._tokens([email for _, email, _ in accounts], "verify-email")
        for token in tokens:
            self._post("/auth/email/verify", {"token": token})
        return accounts if len(tokens) == len(accounts) else []

    def _mint(self, kind: str) -> None:
        if kind == "verification":
            accounts = self._new_accounts()
            self.pools[kind] += self._tokens([email for _, email, _ in accounts], "verify-email")
            return
        accounts = self._verified_accounts()
        for username, _, _ in accounts:
            self._post("/auth/password/forgot", {"username": username})
        self.pools[kind] += self._tokens([email for _, email, _ in accounts], "reset-password")

    def _take(self, kind: str) -> str | None:
        if not self.pools[kind]:
            self._mint(kind)
        return self.pools[kind].pop() if self.pools[kind] else None

    def verification(self) -> str | None:
        return self._take("verification")

    def reset(self) -> str | None:
        return self._take("reset")

    def user_with_verified_address(self) -> str | None:
        if self.verified_user is None:
            accounts = self._verified_accounts()
            self.verified_user = accounts[0][2] if accounts else None
        return self.verified_user


def totp(secret: str, at: float) -> str:
    """The RFC 6238 code of a base32 secret (SHA-1, 6 digits, 30 s), as an authenticator app shows."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class MfaAccounts:
    """Accounts at each stage of the second factor, one per case, for the routes that succeed only
    with a factor in some state and a code the fuzzer cannot guess: set up (confirm takes a current
    code), on (regenerate and disable take a recovery code; an admin's DELETE /users/{id}/mfa
    turns it off), or half signed in (verify takes the mfaToken and a recovery code). The hooks
    enrol them as a person would, with the code their authenticator app would show. Such a case
    goes with the account's own access token, which `own_bearers` holds so that the pass's
    identity does not replace it."""

    PASSWORD = "fuzz-mfa password"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.accounts = 0
        self.own_bearers: set[str] = set()

    def _post(self, path: str, body: dict[str, Any], token: str | None = None) -> requests.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return requests.post(f"{self.base_url}{path}", json=body, headers=headers, timeout=30)

    def _set_up(self) -> tuple[dict[str, str], str, str, str] | None:
        """A new account with TOTP set up, not yet confirmed: (credentials, id, access token, secret)."""
        self.accounts += 1
        credentials = {"username": f"fuzz-mfa-{os.getpid()}-{self.accounts}", "password": self.PASSWORD}
        if not self._post("/auth/sign-up", credentials).ok:
            return None
        signed_in = self._post("/auth/sign-in", credentials)
        if not signed_in.ok:
            return None
        data = signed_in.json()["data"]
        setup = self._post("/auth/mfa/totp/setup", {}, data["accessToken"])
        if not setup.ok:
            return None
        return credentials, data["user"]["id"], data["accessToken"], setup.json()["data"]["secret"]

    def _enrolled(self) -> tuple[dict[str, str], str, str, list[str]] | None:
        """A new account with the factor on: (credentials, id, access token, recovery codes)."""
        account = self._set_up()
        if account is None:
            return None
        credentials, user_id, token, secret = account
        confirmed = self._post("/auth/mfa/totp/confirm", {"code": totp(secret, time.time())}, token)
        if not confirmed.ok:
            return None
        return credentials, user_id, token, confirmed.json()["data"]["recoveryCodes"]

    def _bearer(self, token: str) -> str:
        self.own_bearers.add(f"Bearer {token}")
        return f"Bearer {token}"

    def enrolled_user(self, case: Any) -> None:
        account = self._enrolled()
        if account is not None:
            case.path_parameters["id"] = account[1]

    def pending_confirmation(self, case: Any) -> None:
        account = self._set_up()
        if account is not None and isinstance(case.body, dict):
            case.headers["Authorization"] = self._bearer(account[2])
            case.body["code"] = totp(account[3], time.time())

    def enrolled_caller(self, case: Any) -> None:
        account = self._enrolled()
        if account is not None and isinstance(case.body, dict):
            case.headers["Authorization"] = self._bearer(account[2])
            case.body["code"] = account[3][0]

    def second_step(self, case: Any) -> None:
        account = self._enrolled()
        if account is None or not isinstance(case.body, dict):
            return
        credentials, _, _, recovery_codes = account
        first_step = self._post("/auth/sign-in", credentials)
        if first_step.status_code == 401 and error_code(first_step) == "MFA_REQUIRED":
            case.body["mfaToken"] = first_step.json()["error"]["mfaToken"]
            case.body["code"] = recovery_codes[0]


# The routes whose success needs what a random value never is (a token only a mail carries, a user
# with a verified address or with the second factor in some state, a current code): where it goes
# ("case": the source fills in the case, its bearer and body), and how to get it. Every positive
# case gets the real thing (Schemathesis judges each scenario, some of a single case, by whether
# any valid input was served, and an operation never served fails the run as soon as one scenario
# draws mostly invalid tokens); the refusals are fuzzed by the negative cases, and values that
# look right but are not are covered by the e2e tests.
REAL_VALUES = {
    "POST /auth/email/verify": ("body.token", "verification"),
    "POST /auth/password/reset": ("body.token", "reset"),
    "POST /users/{id}/password-reset": ("path.id", "user_with_verified_address"),
    "DELETE /users/{id}/mfa": ("case", "enrolled_user"),
    "POST /auth/mfa/totp/confirm": ("case", "pending_confirmation"),
    "POST /auth/mfa/recovery-codes": ("case", "enrolled_caller"),
    "DELETE /auth/mfa": ("case", "enrolled_caller"),
    "POST /auth/mfa/verify": ("case", "second_step"),
    "DELETE /users/{id}/sessions/{sessionId}": ("path.session", "spare_session"),
}


def label_of(case: Any) -> str:
    return f"{case.operation.method.upper()} {case.operation.path}"


def is_positive(case: Any) -> bool:
    return case.meta is not None and case.meta.generation.mode.name == "POSITIVE"


def refresh_cookie_of(case: Any) -> str:
    """The name of the refresh cookie, as the operation documents its cookie parameter."""
    parameters = case.operation.definition.raw.get("parameters", [])
    return next((p["name"] for p in parameters if p["in"] == "cookie"), "refreshToken")


def identity_for(pass_name: str, base_url: str) -> Identity:
    if pass_name == "admin":
        return Identity(
            base_url, os.environ["FUZZ_ADMIN_USERNAME"], os.environ["FUZZ_ADMIN_PASSWORD"], False
        )
    return Identity(base_url, f"fuzz-{pass_name}", f"fuzz-{pass_name} password", True)


def install_hooks() -> None:
    import schemathesis

    pass_name = os.environ["FUZZ_PASS"]
    me = identity_for(pass_name, os.environ["FUZZ_BASE_URL"])
    mailed = MailedTokens(os.environ["FUZZ_BASE_URL"], os.environ.get("FUZZ_SERVER_LOG"))
    mfa = MfaAccounts(os.environ["FUZZ_BASE_URL"])
    sources = {"spare_session": lambda case: me.spare_session()}

    def with_real_value(case: Any) -> None:
        label = label_of(case)
        if label not in REAL_VALUES or not is_positive(case):
            return
        where, source = REAL_VALUES[label]
        if where == "case":
            getattr(mfa, source)(case)
            return
        value = sources[source](case) if source in sources else getattr(mailed, source)()
        if value is None:
            return
        if where == "path.id":
            case.path_parameters["id"] = value
        elif where == "path.session":
            case.path_parameters["id"], case.path_parameters["sessionId"] = value
        elif isinstance(case.body, dict):
            case.body["token"] = value

    # Signs in again every two minutes (well within FRESH_LOGIN_MAX_AGE) and whenever a request
    # with the token is answered 401, then replays that request once.
    @schemathesis.auth(refresh_interval=120, retry_on=[401])
    class SignedIn:
        def get(self, case: Any, context: Any) -> str:
            return me.sign_in()

        def set(self, case: Any, token: str, context: Any) -> None:
            operation = case.operation.definition.raw
            if is_bearer(operation) and case.headers.get("Authorization") not in mfa.own_bearers:
                case.headers["Authorization"] = f"Bearer {me.token}"
            # a route that reads the refresh cookie gets the live one, unless the case brings its own
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                if parameter["in"] != "cookie" or name not in me.cookies:
                    continue
                if case.cookies.get(name) in (None, "", *me.issued_cookies):
                    case.cookies[name] = me.cookies[name]

    @schemathesis.hook
    def map_case(context: Any, case: Any) -> Any:
        """Half the well-formed user ids (and the documented example id, the one case of the
        examples phase) become the caller's own, and half the current passwords become its
        password: a real client mostly acts on its own account, which a random value never hits.
        The other half keeps the refusals fuzzed. The routes that need a mailed token get one."""
        with_real_value(case)
        if pass_name == "admin":
            return case
        me.ensure_signed_in()
        user_id = case.path_parameters.get("id")
        if (
            case.operation.path.startswith("/users/{id}")
            and isinstance(user_id, str)
            and OBJECT_ID.match(user_id)
            and (user_id == documented_example(case.operation, "id") or int(user_id[-1], 16) % 2 == 0)
        ):
            case.path_parameters["id"] = me.user_id
        body = case.body
        if isinstance(body, dict):
            current = body.get("currentPassword")
            if isinstance(current, str) and 0 < len(current.encode()) <= 72 and len(current) % 2 == 0:
                body["currentPassword"] = me.password
        return case

    @schemathesis.hook
    def before_add_examples(context: Any, examples: list[Any]) -> None:
        """The examples phase does not pass through map_case: its cases get their real values here.
        (Filling every real value in before_call instead, which reaches every phase, once left
        DELETE /users/{id}/sessions/{sessionId} answered only 401/403 in 4.32.5, not looked into;
        before_call below serves revoke-token only.)"""
        for case in examples:
            with_real_value(case)

    @schemathesis.hook
    def before_call(context: Any, case: Any, **kwargs: Any) -> None:
        """Every positive revoke-token case is sent a token that is live as it leaves: a new
        session's of the caller's own, where the server reads it (the body's token, or the cookie
        when the body names none). Whether any other token is live depends on all that happened
        since it was issued, which the hooks cannot follow: a link's value from an earlier answer
        of the scenario may have been rotated by a later refresh, or its session ended (revoked,
        its user disabled or deleted) or evicted by the session cap, and a generated cookie never
        is. The API rightly refuses those (400 INVALID_TOKEN), and one scenario whose every
        positive revoke drew one fails the run (validation_mismatch; twice in CI). This runs after
        the stateful phase merges a link's values into the case, which map_case never sees."""
        if label_of(case) != REVOKE_TOKEN or not is_positive(case):
            return
        cookie = refresh_cookie_of(case)
        token = me.spare_refresh_token(cookie)
        if token is None:
            return
        if isinstance(case.body, dict) and isinstance(case.body.get("token"), str):
            case.body["token"] = token
        else:
            if case.cookies is None:
                case.cookies = {}
            case.cookies[cookie] = token

    @schemathesis.hook
    def filter_case(context: Any, case: Any) -> bool:
        """The admin never demotes, disables or deletes itself (the LAST_ADMIN tests cover that):
        once the fuzzer has promoted another user, the run would go on without an admin."""
        if pass_name != "admin" or case.operation.path != "/users/{id}":
            return True
        me.ensure_signed_in()
        return str(case.path_parameters.get("id", "")).lower() != me.user_id

    @schemathesis.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        """Signs in again as soon as an answer shows the session ended (its cookie cleared, or the
        token refused): the stateful phase never replays a step, and would go on with a dead token.
        Follows password changes and the account's own deletion."""
        if me.note_cookies(case, response):
            me.sign_in()
            return
        if not me.owns(case):
            return
        if response.status_code == 401 and error_code(response) == "UNAUTHORIZED":
            me.sign_in()
            return
        if not 200 <= response.status_code < 300:
            return
        body = case.body if isinstance(case.body, dict) else {}
        if "newPassword" in body and body.get("currentPassword") == me.password:
            me.password = body["newPassword"]
        if case.operation.method.upper() == "DELETE" and case.operation.path == SESSION_BY_ID:
            if str(case.path_parameters.get("sessionId", "")).lower() == me.session_id():
                # the stateful phase can revoke the session in use (a listing's first id): the
                # cases after it would go with a dead token, answered only 401
                me.sign_in()
                return
        if case.operation.method.upper() == "DELETE" and case.operation.path == "/users/{id}":
            if str(case.path_parameters.get("id", "")).lower() == me.user_id:
                # the account is gone: sign up again now, so the next case names the new id
                me.sign_in()


if __name__ == "__main__":
    pass_name, document_url = sys.argv[1], sys.argv[2]
    if pass_name not in PASSES:
        sys.exit(f"pass must be one of {', '.join(PASSES)}")
    with urllib.request.urlopen(document_url) as answer:
        print("\n".join(operations_of(json.load(answer), pass_name)))
else:
    install_hooks()
