# SPDX-License-Identifier: Apache-2.0
# tests/metrics/prometheus.sh: a real Prometheus (Debian's package) for the
# integration run, sourced by tests/run-integration.sh after tests/lib.sh.
# It scrapes the test httpd's clinic-metrics location every second, with
# the shipped alert rules loaded, on a free loopback port, its data in the
# run's folder.  test_metrics.c reads it through CLINIC_PROMETHEUS.
prom_pid=""

prom_start() {   # prom_start HOST:PORT
    local d="$work/prometheus"
    command -v prometheus >/dev/null \
        || { log "prometheus is missing: make deps installs it"; return 1; }
    rm -rf "$d"; mkdir -p "$d/data"
    cp "$top/conf/prometheus/clinic-alerts.yml" "$d/clinic-alerts.yml"
    cat > "$d/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $d/clinic-alerts.yml
scrape_configs:
  - job_name: clinic
    metrics_path: /clinic-metrics
    static_configs:
      - targets: ['$1']
YML
    PORT_PROM=$(free_port)
    prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/data" \
        --web.listen-address="127.0.0.1:$PORT_PROM" --log.level=warn \
        > "$d/prometheus.log" 2>&1 &
    prom_pid=$!
    wait_for 30 curl -sf "http://127.0.0.1:$PORT_PROM/-/ready" \
        || { log "prometheus did not start"; cat "$d/prometheus.log" >&2; return 1; }
    export CLINIC_PROMETHEUS="http://127.0.0.1:$PORT_PROM"
    log "prometheus on 127.0.0.1:$PORT_PROM scraping $1/clinic-metrics"
}

prom_stop() {
    [ -n "$prom_pid" ] || return 0
    kill -TERM "$prom_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$prom_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$prom_pid" 2>/dev/null || true
    prom_pid=""
}
