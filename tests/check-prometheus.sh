#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shipped Prometheus alerts and Grafana dashboard:
#   - promtool check rules on conf/prometheus/clinic-alerts.yml;
#   - every query of conf/grafana/clinic-dashboard.json parses (promtool
#     checks them as recording rules);
#   - every clinic_* metric they name is one the module serves
#     (core/metrics_fmt.c's table).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
alerts="$top/conf/prometheus/clinic-alerts.yml"
dashboard="$top/conf/grafana/clinic-dashboard.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

promtool check rules "$alerts" >/dev/null || { promtool check rules "$alerts" >&2; exit 1; }

# the dashboard's queries, $vhost as any host, as recording rules
node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const out = ["groups:", "  - name: dashboard", "    rules:"];
let n = 0;
for (const p of d.panels) {
  for (const t of p.targets || []) {
    const e = t.expr.replace(/\$vhost/g, ".*");
    out.push("      - record: clinic_dashboard:query_" + (++n),
             "        expr: " + JSON.stringify(e));
  }
}
if (!n) { console.error("no query in the dashboard"); process.exit(1); }
require("fs").writeFileSync(process.argv[2], out.join("\n") + "\n");
' "$dashboard" "$tmp/dashboard-rules.yml"
promtool check rules "$tmp/dashboard-rules.yml" >/dev/null \
    || { promtool check rules "$tmp/dashboard-rules.yml" >&2; exit 1; }

# every metric named is served: the table names counters without
# _total and histograms without _bucket/_sum/_count
bad=0
for m in $(grep -ohE 'clinic_[a-z_]+' "$alerts" "$dashboard" | grep -v '^clinic_dashboard' | sort -u); do
    base=$(printf '%s' "$m" | sed -E 's/_(total|bucket|sum|count)$//')
    if ! grep -q "\"$base\"" "$top/core/metrics_fmt.c"; then
        echo "check-prometheus: $m is not a metric of the module" >&2
        bad=1
    fi
done
[ $bad = 0 ] || exit 1
echo "prometheus: $(grep -c 'alert:' "$alerts") alerts and $(grep -c '"expr"' "$dashboard") dashboard queries check"
