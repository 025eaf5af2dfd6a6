#!/usr/bin/env bash
# load.sh: a bounded load test of `cairn serve` on 127.0.0.1, with the load
# generator (scripts/load) on the same machine.
#
#   scripts/load.sh             issue awards, then read the credential JSON
#                               (.json and Accept: application/vc+ld+json)
#                               and the credential page of popular
#                               credentials, then first views of the others (pages
#                               the server rendered ahead, or renders now);
#                               one table row per phase and concurrency
#   C_READ=4,16,64 DURATION=10s scripts/load.sh
#                               the same at several concurrencies
#
# It builds cairn and the generator, starts `cairn serve` on a free loopback
# port with a new temporary data folder (SQLite, or PostgreSQL when
# CAIRN_DATABASE_URL is set: use an empty database), reads the API key and
# the achievement id from the first run's output, runs the phases, stops the
# server and removes the folder. Every phase stops by itself.
#
# Environment:
#   DURATION (20s)   measured time of each phase at each concurrency
#   WARMUP (2s)      unmeasured warm-up before each
#   C_ISSUE (4)      concurrencies of the issue phase, comma-separated
#   C_READ (16)      concurrencies of the read phases, comma-separated
#   PHASES (issue,json,vcld,page,cold; also etag: the page with
#                    If-None-Match, png: the baked badge; a read phase but
#                    cold as NAME@RATE, e.g. page@12000, sends RATE requests
#                    a second, with wrk)
#   GZIP (0)         1: read requests accept gzip, as browsers do
#   SETTLE (0s)      pause after the issue phase, while the server's page
#                    worker renders the new awards' pages; SETTLE=pages
#                    waits until it has rendered them all (its queue,
#                    read from the server's metrics, is empty), so that
#                    the reads are measured without the rendering beside
#   HOT (200)        json, vcld and page cycle over the first HOT issued ids
#                    (0: all); cold reads the pages of the others, once each
#   FORMATS (di)     di, jwt or di,jwt for the issued awards
#   MAX (200000)     at most this many requests per phase and concurrency
#   TIMEOUT (170)    seconds: hard limit on the generator's whole run
#   OUT              folder to keep the server log and the table in
#                    (default: the temporary folder, removed at the end)
#   PROCS            GOMAXPROCS of the generator (default: all cores)
#   WRK              the wrk binary that sends the read phases' requests
#                    (default: wrk on PATH); WRK= (empty) sends them with
#                    the Go generator's clients, which take about as much
#                    CPU as the server, on the same two cores
#   WRK_THREADS (1)  wrk's threads
#   RATE             requests a second that wrk sends in the read phases
#                    but cold (default: as many as the server answers), to
#                    measure the latency at that rate (e.g. RATE=12000)
#   CAIRN            a cairn binary to run instead of building ./cmd/cairn
#                    (e.g. one built with a local profiling patch)
# The defaults take about 110 s plus the build.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-2s}
C_ISSUE=${C_ISSUE:-4}
C_READ=${C_READ:-16}
PHASES=${PHASES:-issue,json,vcld,page,cold}
FORMATS=${FORMATS:-di}
HOT=${HOT:-200}
MAX=${MAX:-200000}
TIMEOUT=${TIMEOUT:-170}
WRK=${WRK-$(command -v wrk || true)}
db=SQLite
[ -z "${CAIRN_DATABASE_URL:-}" ] || db=PostgreSQL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-load.XXXXXX")
out=${OUT:-$tmp}
mkdir -p "$out"
. scripts/lib/serve.sh
cleanup() {
	stop_cairn
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cairn=${CAIRN:-$tmp/cairn}
[ -n "${CAIRN:-}" ] || go build -o "$cairn" ./cmd/cairn
go build -o "$tmp/load" ./scripts/load

mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo $((40000 + RANDOM % 20000)))
export CAIRN_METRICS_ADDR=127.0.0.1:$mport
start_cairn "$cairn" "$tmp/data" "$out/server.log" --offline
settle=${SETTLE:-0s} wait_pages=false
[ "$settle" != pages ] || settle=0s wait_pages=true

machine_line
echo "# server $base (pid $server), database: $db; generator on the same machine (reads: ${WRK:-Go clients}); each row ${DURATION} after ${WARMUP} warm-up; formats $FORMATS; gzip ${GZIP:-0}; settle ${SETTLE:-0s}; read rate ${RATE:-max}"
echo
GOMAXPROCS=${PROCS:-} CAIRN_LOAD_KEY="$key" timeout -k 5 $((TIMEOUT + 15)) "$tmp/load" \
	-base "$base" -achievement "$ach" -phase "$PHASES" \
	-c "$C_READ" -issue-c "$C_ISSUE" -d "$DURATION" -warmup "$WARMUP" -n "$MAX" -formats "$FORMATS" \
	-hot "$HOT" -pid "$server" -wrk "$WRK" -wrk-threads "${WRK_THREADS:-1}" -rate "${RATE:-0}" -timeout "${TIMEOUT}s" -gzip="$([ "${GZIP:-0}" = 1 ] && echo true || echo false)" -settle "$settle" -wait-pages="$wait_pages" -metrics "http://$CAIRN_METRICS_ADDR/metrics" | tee "$out/load.txt"
echo
echo "# srv, gen: cores of CPU the server and the generator used (2 = the whole machine;"
echo "# with PostgreSQL, its own processes are not counted); srv µs: the server's CPU per"
echo "# request; by: the generator (go: its own clients, wrk: wrk)"
