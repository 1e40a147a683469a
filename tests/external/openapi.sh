#!/usr/bin/env bash
# External checks of the locations example's OpenAPI document and explorer, by tools nobody here
# wrote: openapi-spec-validator (the document is valid OpenAPI 3.1), schemathesis (a bounded
# fuzzing run: no 5xx, every status and body as documented) and headless Chromium (the explorer
# renders the document, served from the binary, through its relative URL).
# Usage: tests/external/openapi.sh path/to/locations-binary
# Needs python3 with pip, and Chromium (installed from Debian when missing and running as root).
set -euo pipefail
BIN=${1:?path to the locations example binary}
PORT=${OPENAPI_CHECK_PORT:-3990}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    "openapi-spec-validator==0.9.0" "schemathesis==4.32.5"

PORT=$PORT "$BIN" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -sf "$BASE/openapi.json" -o "$WORK/openapi.json" && break
    sleep 0.1
done
[ -s "$WORK/openapi.json" ] || { echo "server did not start"; cat "$WORK/server.log"; exit 1; }

echo "== openapi-spec-validator"
python3 -m openapi_spec_validator "$WORK/openapi.json"
curl -sf "$BASE/openapi.yaml" -o "$WORK/openapi.yaml"
python3 -m openapi_spec_validator "$WORK/openapi.yaml"

echo "== schemathesis (every operation, bounded; its cache stays in the temporary folder)"
(cd "$WORK" && timeout 900 st run "$BASE/openapi.json" --url "$BASE" \
    --phases coverage,fuzzing --max-examples 25 --generation-deterministic \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --request-timeout 10 --continue-on-failure --no-color \
    --exclude-path-regex "change-stream") \
    >"$WORK/schemathesis.log" 2>&1 || { cp "$WORK/schemathesis.log" /tmp/schemathesis-last.log;
        cat "$WORK/schemathesis.log"; echo "schemathesis found failures"; exit 1; }
grep -E 'Tested:|generated,' "$WORK/schemathesis.log"
if grep -q 'panicked' "$WORK/server.log"; then
    cat "$WORK/server.log"; echo "the server panicked"; exit 1
fi

echo "== headless Chromium renders the explorer"
if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || true
    fi
fi
if ! command -v chromium >/dev/null; then
    echo "SKIPPED: chromium is not installed (apt-get install chromium)"
    exit 0
fi
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --disable-sync --user-data-dir="$WORK/chrome" \
    --virtual-time-budget=15000 --dump-dom "$BASE/explorer/" >"$WORK/dom.html" 2>"$WORK/chrome.log" || true
for want in 'Location' '/api/locations/nearby' 'Find nearby locations around the geo point' 'LocationFilter' 'Inventory' 'btn authorize' '/api/users/login'; do
    if ! grep -qF "$want" "$WORK/dom.html"; then
        echo "explorer page does not show: $want"; head -c 2000 "$WORK/dom.html"; exit 1
    fi
done
if grep -qiE 'Failed to load API definition|errors-wrapper' "$WORK/dom.html"; then
    echo "Swagger UI reports an error"; exit 1
fi
echo "explorer rendered $(grep -o 'opblock-summary-path' "$WORK/dom.html" | wc -l) operations"
