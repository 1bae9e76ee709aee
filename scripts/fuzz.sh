#!/usr/bin/env bash
# Fuzzes the REST API with Schemathesis (pinned, in a git-ignored virtualenv) against the built
# server's own /api-docs-json, with every check. Zero failures is the bar.
#   FUZZ_SECONDS  time budget for the generated phases (default 120)
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
# Limits off: with them on, most generated requests would only exercise the 429 path (covered by e2e tests).
PORT=$PORT DATA_DIR=$DATA_DIR NODE_ENV=test BCRYPT_COST=4 AUTH_RATE_LIMIT=0 API_RATE_LIMIT=0 \
  AUTH_IP_RATE_LIMIT=0 ACCOUNT_LOCKOUT_THRESHOLD=0 \
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

json='{"username":"fuzzer","password":"fuzzer password"}'
curl -fs -X POST "$BASE/auth/sign-up" -H 'content-type: application/json' -d "$json" >/dev/null
fresh_token() {
  curl -fs -X POST "$BASE/auth/sign-in" -H 'content-type: application/json' -d "$json" |
    node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).data.accessToken)'
}

# --exclude-checks unsupported_method: the contract answers an unknown route (method + path) with
#   404 NOT_FOUND, where this check expects 405.
# --workers 1: with several worker threads, CPython 3.11's ast.parse (which Hypothesis calls to
#   describe filters) can fail with "AST constructor recursion depth mismatch", a runtime error of
#   the fuzzer itself, not of the API.
# --generation-codec ascii: the password limit is 72 UTF-8 bytes, which JSON Schema cannot say;
#   with ASCII, characters are bytes and the documented maxLength is exact (multi-byte passwords
#   are covered by the e2e tests).
fuzz() {
  local seconds=$1
  shift
  .venv/bin/schemathesis --no-color --config-file .ci/schemathesis.toml run "$BASE/api-docs-json" \
    --checks all \
    --exclude-checks unsupported_method \
    --generation-codec ascii \
    --header "Authorization: Bearer $(fresh_token)" \
    --max-time "$seconds" \
    --workers 1 \
    --seed 1 \
    "$@"
}

# Logout, change-password and deleting one's own account end the caller's session (that is their
# job), which would leave the rest of the run with a dead token: they get a pass of their own,
# after everything else.
SESSION_ENDING='^(POST /auth/(logout|change-password)|DELETE /users/\{id\})$'
fuzz "$FUZZ_SECONDS" --exclude-name-regex "$SESSION_ENDING"
fuzz $((FUZZ_SECONDS / 4 + 10)) --include-name-regex "$SESSION_ENDING"
