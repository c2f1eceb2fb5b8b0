#!/usr/bin/env bash
# The browser test: installs Debian's chromium and playwright-core when
# missing, then runs cors.test.mjs against the httpd the harness started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    echo "[browser] installing:$missing" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
    echo "[browser] installing playwright-core (no browser download)" >&2
    (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
cd "$here"
exec node cors.test.mjs
