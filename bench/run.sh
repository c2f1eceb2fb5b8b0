#!/usr/bin/env bash
# Throughput of mod_clinic against a static file served by the same httpd,
# measured in the same run with wrk on loopback (bounded: SECONDS per URL).
#   bench/run.sh [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-5}
command -v wrk >/dev/null || { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
make -C "$top" -s all >/dev/null

run=$(mktemp -d /tmp/clinic-bench.XXXXXX)
chmod 755 "$run"
trap '[ -s "$run/httpd.pid" ] && kill -TERM "$(cat "$run/httpd.pid")" 2>/dev/null; sleep 1; rm -rf "$run"' EXIT
port=$(( (RANDOM % 10000) + 10000 ))
mkdir -p "$run/www"
printf '{"success":true,"data":{"name":"mod_clinic","version":"x"},"message":"static"}' > "$run/www/static.json"
"$top/schema/apply.sh" sqlite sqlite3 "$run/clinic.db" >/dev/null
sqlite3 "$run/clinic.db" < "$top/schema/seed.sql"
head -c 48 /dev/urandom | base64 > "$run/jwt.key"
chown -R www-data:www-data "$run"; chown root "$run/jwt.key"
sed -e "s#@RUN@#$run#g" -e "s#@MODULE@#$top/.libs/mod_clinic.so#g" \
    -e "s#@ERRORLOG@#$run/error.log#g" "$top/conf/common.conf.in" > "$run/common.conf"
sed -i "s#^CustomLog.*#CustomLog /dev/null clinic#" "$run/common.conf"
sed -e "s#@RUN@#$run#g" -e "s#@PORT@#$port#g" "$top/bench/bench.conf.in" > "$run/httpd.conf"
apache2 -f "$run/httpd.conf" -k start
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/version" >/dev/null && break; sleep 0.1; done

rss() { ps -o rss= -C apache2 | awk '{s+=$1} END {print s}'; }
measure() {  # prints requests/second
    wrk -t2 -c32 -d"${secs}s" --latency "$1" 2>/dev/null | awk '/Requests\/sec/ {print $2}'
}
rss0=$(rss)
base=$(measure "http://127.0.0.1:$port/static.json")
version=$(measure "http://127.0.0.1:$port/api/version")
health=$(measure "http://127.0.0.1:$port/api/health")
pkgs=$(measure "http://127.0.0.1:$port/api/packages/available")
rss1=$(rss)
ratio() { awk -v a="$1" -v b="$base" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-28s %12s %8s\n' url req/s vs-static
printf '%-28s %12s %8s\n' /static.json "$base" 1.00
printf '%-28s %12s %8s\n' /api/version "$version" "$(ratio "$version")"
printf '%-28s %12s %8s\n' /api/health "$health" "$(ratio "$health")"
printf '%-28s %12s %8s\n' /api/packages/available "$pkgs" "$(ratio "$pkgs")"
echo "httpd resident memory (all processes): ${rss0} KiB before, ${rss1} KiB after"
