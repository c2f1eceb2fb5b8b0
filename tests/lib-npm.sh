# SPDX-License-Identifier: Apache-2.0
# tests/lib-npm.sh: what the Node.js tests need, installed on first use
# (sourced): Node.js and npm (and more commands) from Debian when missing,
# then the test's npm packages from its package-lock.json with npm ci.

npm_ready() {   # npm_ready TAG DIR NPM_PACKAGE [COMMAND:DEBIAN_PACKAGE ...]
    local tag=$1 dir=$2 module=$3 missing="" want
    shift 3
    for want in "$@" node:nodejs npm:npm; do
        command -v "${want%%:*}" >/dev/null 2>&1 || missing="$missing ${want#*:}"
    done
    if [ -n "$missing" ]; then
        echo "[$tag] installing:$missing" >&2
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
    fi
    if [ ! -d "$dir/node_modules/$module" ]; then
        echo "[$tag] installing $module (npm ci; no browser download)" >&2
        (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
    fi
}
