#!/usr/bin/env bash
# Fuzzes the REST API with Schemathesis (pinned, in a git-ignored virtualenv) against the built
# server's own /api-docs-json, with every check, in three passes that each sign in as someone who
# may succeed: zero failures is the bar, and so is no operation answered only 401/403.
#   FUZZ_SECONDS  time budget of the three passes together (default 120)
#   FUZZ_PASSES   the passes to run (default "user admin fresh"); arguments go to every Schemathesis
#                 run (say --report har, to see each request)
#
# Passes (scripts/fuzz_auth.py signs in, keeps the session alive and sorts the routes):
#   user   an ordinary user: public routes and every bearer route that needs no admin or fresh login
#   admin  the seeded admin: admin-only routes and those that reach other users' data
#   fresh  a user with a fresh login, signing up again once it deleted itself: routes that need a
#          fresh login, and those that end the caller's session (they would cut the other passes short)
# Each pass also runs the routes whose OpenAPI links lead to its own (sign-up, sign-in, me), so its
# stateful phase chains real ids.
#
# A new route joins a pass by its documentation, nothing to add here:
#   public                     no bearer security (no ApiAuthenticated)
#   bearer                     ApiAuthenticated(...)
#   admin only                 ApiAdminOnly()  (x-required-role: admin)
#   fresh login                ApiAuthenticated(..., ErrorCode.FRESH_LOGIN_REQUIRED)
#   another user's data        ApiAuthenticated(..., ErrorCode.FORBIDDEN)
#   reads the refresh cookie   ApiRefreshCookie(...)  (the pass's live cookie is sent along)
# Only a route that ends the caller's session whatever its input needs a line: SESSION_ENDING in
# scripts/fuzz_auth.py. Give a route that hands out ids an ApiLinks(...) to the routes that take them.
# Operations whose whole job is to refuse (allowed to answer only 401/403): none today. Name one in
# .ci/schemathesis.toml with a `warnings` entry that leaves out missing_auth. docs/fuzzing.md has more.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
FUZZ_SECONDS=${FUZZ_SECONDS:-120}
# a free port unless FUZZ_PORT says otherwise, so two runs on one machine cannot meet
PORT=${FUZZ_PORT:-$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')}
BASE="http://127.0.0.1:${PORT}"

if [ ! -x .venv/bin/schemathesis ] || ! .venv/bin/schemathesis --version | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet "schemathesis==${SCHEMATHESIS_VERSION}"
fi
[ -f dist/main.js ] || npm run build

DATA_DIR=$(mktemp -d)
LOG="$DATA_DIR/server.log"
export FUZZ_ADMIN_USERNAME=fuzz-admin FUZZ_ADMIN_PASSWORD="fuzz-admin password"
# Limits off: with them on, most generated requests would only exercise the 429 path (covered by e2e tests).
PORT=$PORT DATA_DIR=$DATA_DIR NODE_ENV=test BCRYPT_COST=4 AUTH_RATE_LIMIT=0 API_RATE_LIMIT=0 \
  AUTH_IP_RATE_LIMIT=0 ACCOUNT_LOCKOUT_THRESHOLD=0 \
  ADMIN_USERNAME=$FUZZ_ADMIN_USERNAME ADMIN_PASSWORD=$FUZZ_ADMIN_PASSWORD \
  node dist/main >"$LOG" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -fs "$BASE/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "$BASE/health" >/dev/null || { cat "$LOG"; exit 1; }

# --exclude-checks unsupported_method: the contract answers an unknown route (method + path) with
#   404 NOT_FOUND, where this check expects 405.
# --workers 1: with several worker threads, CPython 3.11's ast.parse (which Hypothesis calls to
#   describe filters) can fail with "AST constructor recursion depth mismatch", a runtime error of
#   the fuzzer itself, not of the API.
# --generation-codec ascii: the password limit is 72 UTF-8 bytes, which JSON Schema cannot say;
#   with ASCII, characters are bytes and the documented maxLength is exact (multi-byte passwords
#   are covered by the e2e tests).
fuzz() {
  local pass=$1 seconds=$2
  local operations operation
  local -a selection=()
  # (set -e is off inside `fuzz ... || status=1`)
  operations=$(.venv/bin/python scripts/fuzz_auth.py "$pass" "$BASE/api-docs-json") || return 1
  [ -n "$operations" ] || return 1
  while IFS= read -r operation; do
    selection+=(--include-name "$operation")
  done <<<"$operations"
  echo "== fuzz pass '$pass' (${seconds}s): $(( ${#selection[@]} / 2 )) operations"
  FUZZ_PASS=$pass FUZZ_BASE_URL=$BASE FUZZ_SERVER_LOG=$LOG SCHEMATHESIS_HOOKS=scripts/fuzz_auth.py \
    .venv/bin/schemathesis --no-color --config-file .ci/schemathesis.toml run "$BASE/api-docs-json" \
    --checks all \
    --exclude-checks unsupported_method \
    --generation-codec ascii \
    --max-time "$seconds" \
    --workers 1 \
    --seed 1 \
    "${selection[@]}" \
    "${EXTRA_ARGS[@]}"
}

EXTRA_ARGS=("$@")
declare -A SHARE=([user]=40 [admin]=40 [fresh]=20)
status=0
for pass in ${FUZZ_PASSES:-user admin fresh}; do
  fuzz "$pass" $((FUZZ_SECONDS * SHARE[$pass] / 100)) || status=1
done
exit $status
