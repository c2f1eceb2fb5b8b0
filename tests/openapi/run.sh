#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/openapi/run.sh DOC ARGS...: validate.mjs with its npm packages,
# installed on first use (tests/lib-npm.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib-npm.sh"
npm_ready openapi "$here" openapi-backend
exec node "$here/validate.mjs" "$@"
