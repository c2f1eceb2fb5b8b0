#!/usr/bin/env bash
# tests/openapi/run.sh DOC ARGS...: validate.mjs with its npm packages,
# installed on first use (Node.js and npm from Debian when missing, as the
# browser test does; the packages from package-lock.json with npm ci).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing=""
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    echo "[openapi] installing:$missing" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
fi
if [ ! -d "$here/node_modules/openapi-backend" ]; then
    echo "[openapi] installing the validator's packages (npm ci)" >&2
    (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
exec node "$here/validate.mjs" "$@"
