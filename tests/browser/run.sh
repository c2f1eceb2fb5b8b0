#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The browser test: installs Debian's chromium and playwright-core when
# missing, then runs cors.test.mjs against the httpd the harness started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

. "$here/../lib-npm.sh"
npm_ready browser "$here" playwright-core chromium:chromium
cd "$here"
exec node cors.test.mjs
