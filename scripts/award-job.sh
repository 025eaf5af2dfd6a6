#!/usr/bin/env bash
# award-job.sh: measure award jobs against single awards on one server.
#
#   scripts/award-job.sh              100,000-row job; single POST /awards for 15 s
#                                     first, from 1 client and from 4
#   ROWS=1000000 SINGLE=0 scripts/award-job.sh
#                                     a 1,000,000-row job alone
#
# It builds cairn and the load generator, starts `cairn serve` on a free
# loopback port with a new data folder (SQLite, or PostgreSQL when
# CAIRN_DATABASE_URL is set), measures the rate of single POST
# /api/v1/awards calls (the load generator's issue phase, once for each
# client count in C_ISSUE) unless SINGLE=0, then generates a ROWS-row CSV
# file and times `cairn award-job` from the upload to the job's end,
# sampling the server's resident memory (ps) every second and its CPU time
# (/proc/PID/stat) before and after. It prints one line per measurement,
# the job's rate over each single rate, and removes the folder.
#
# Environment: ROWS (100000), SINGLE (1), DURATION (15s), C_ISSUE ("1 4"),
# OUT (a folder to keep the server log, the RSS samples and the output).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-100000}
SINGLE=${SINGLE:-1}
DURATION=${DURATION:-15s}
C_ISSUE=${C_ISSUE:-1 4}
db=SQLite
[ -z "${CAIRN_DATABASE_URL:-}" ] || db=PostgreSQL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-award-job.XXXXXX")
out=${OUT:-$tmp}
mkdir -p "$out"
. scripts/lib/serve.sh
sampler=""
cleanup() {
	[ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true
	stop_cairn
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

go build -o "$tmp/cairn" ./cmd/cairn
go build -o "$tmp/load" ./scripts/load
start_cairn "$tmp/cairn" "$tmp/data" "$out/server.log" --offline

machine_line
echo "# server $base (pid $server), database: $db"
# cpu_s prints the CPU seconds (user + system) the server used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server/stat"; }
: >"$out/single.txt"
if [ "$SINGLE" = 1 ]; then
	for c in $C_ISSUE; do
		echo "# single awards: POST /api/v1/awards from $c clients for $DURATION; load: $(cut -d' ' -f1-3 /proc/loadavg)"
		CAIRN_LOAD_KEY="$key" "$tmp/load" -base "$base" -achievement "$ach" -phase issue \
			-issue-c "$c" -d "$DURATION" -warmup 2s -n 1000000 -pid "$server" -timeout 120s | tee -a "$out/single.txt"
	done
fi

awk -v n="$ROWS" 'BEGIN { print "did,name,externalId"; for (i = 0; i < n; i++) printf "did:example:job%d,Learner %d,row-%d\n", i, i, i }' >"$tmp/rows.csv"
echo "# award job: $ROWS rows, $(du -h "$tmp/rows.csv" | cut -f1) CSV; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
(while kill -0 "$server" 2>/dev/null; do ps -o rss= -p "$server" >>"$out/rss.txt" || true; sleep 1; done) &
sampler=$!
cpu0=$(cpu_s)
start=$(date +%s.%N)
"$tmp/cairn" award-job --server "$base" --key "$key" --achievement "$ach" "$tmp/rows.csv" 2>"$out/progress.txt" | tee "$out/job.txt"
end=$(date +%s.%N)
cpu1=$(cpu_s)
kill "$sampler" 2>/dev/null || true
sampler=""
awk -v s="$start" -v e="$end" -v n="$ROWS" -v c0="$cpu0" -v c1="$cpu1" 'BEGIN {
	printf "award job: %d rows in %.1f s = %.0f awards/s (upload, storage and issuing); server CPU %.0f s = %.0f us/award, %.2f cores\n",
		n, e - s, n / (e - s), c1 - c0, (c1 - c0) * 1e6 / n, (c1 - c0) / (e - s) }' | tee "$out/jobrate.txt"
# The job's rate over each single rate measured above (issue lines: clients in column 2, req/s in column 4).
rate=$(sed -n 's/.*= \([0-9]*\) awards\/s.*/\1/p' "$out/jobrate.txt")
awk -v r="$rate" '$1 == "issue" && $4 > 0 { printf "job / single at %d client(s): %.0f / %.0f = %.1fx\n", $2, r, $4, r / $4 }' "$out/single.txt"
sort -n "$out/rss.txt" | awk '{ a[NR] = $1 } END { printf "server RSS during the job: min %.0f MiB, median %.0f MiB, max %.0f MiB (%d samples)\n", a[1] / 1024, a[int((NR + 1) / 2)] / 1024, a[NR] / 1024, NR }'
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
