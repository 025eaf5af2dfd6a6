#!/usr/bin/env bash
# soak.sh: ten minutes of steady mixed traffic on loopback (issue #7).
#
#   scripts/soak.sh                       10 minutes, the default rates
#   DURATION=2m WARMUP=30s scripts/soak.sh
#
# It starts `cairn serve` on a free loopback port with a new temporary data
# folder (SQLite, or PostgreSQL when CAIRN_DATABASE_URL names an empty
# database), then runs scripts/soak: issuing, credential pages and JSON,
# public verification and revocation, each at a steady rate. Every EVERY it
# prints the server's resident memory and the requests of the interval; at
# the end, errors by status and p50/p99/max per route, and the memory growth
# after warm-up. It exits 1 on any failed request or a growth of more than
# MAX_GROWTH. Everything stops by itself.
#
# Environment:
#   DURATION (10m), WARMUP (4m: bounded caches fill, the page cache's
#   4,096 pages in about 3.5 minutes at the default rates), EVERY (30s),
#   MAX_GROWTH (0.10: the means of the first and last halves of the reports
#   after warm-up)
#   RATES (issue=20,page=40,json=20,verify=4,revoke=2)  requests per second
#   OUT   folder to keep the server log and the report in
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10m}
WARMUP=${WARMUP:-4m}
EVERY=${EVERY:-30s}
MAX_GROWTH=${MAX_GROWTH:-0.10}
RATES=${RATES:-issue=20,page=40,json=20,verify=4,revoke=2}
db=SQLite
[ -z "${CAIRN_DATABASE_URL:-}" ] || db=PostgreSQL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-soak.XXXXXX")
out=${OUT:-$tmp}
mkdir -p "$out"
. scripts/lib/serve.sh
cleanup() {
	stop_cairn
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

go build -o "$tmp/cairn" ./cmd/cairn
go build -o "$tmp/soak" ./scripts/soak
start_cairn "$tmp/cairn" "$tmp/data" "$out/server.log" --offline

machine_line
echo "# server $base (pid $server), database: $db; generator on the same machine; $DURATION at $RATES (req/s)"
echo
secs=$(python3 -c "
import re,sys
m=re.fullmatch(r'(\d+)([smh])','$DURATION')
print(int(m[1])*{'s':1,'m':60,'h':3600}[m[2]] if m else 600)")
rc=0
CAIRN_SOAK_KEY="$key" timeout -k 5 $((secs + 120)) "$tmp/soak" -base "$base" -achievement "$ach" -pid "$server" \
	-d "$DURATION" -warmup "$WARMUP" -every "$EVERY" -max-growth "$MAX_GROWTH" -rates "$RATES" | tee "$out/soak.txt" || rc=$?
errors=$(grep -ciE 'level=(error|warn)' "$out/server.log" || true)
echo "server log: $errors warnings or errors"
[ "$errors" -eq 0 ] || { grep -iE 'level=(error|warn)' "$out/server.log" | head -20; rc=1; }
[ $rc -eq 0 ] && echo "PASS" || echo "FAIL"
exit $rc
