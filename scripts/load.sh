#!/usr/bin/env bash
# load.sh: a bounded load test of `cairn serve` on 127.0.0.1, with the load
# generator (scripts/load) on the same machine.
#
#   scripts/load.sh             issue awards, then read the credential JSON
#                               (.json and Accept: application/vc+ld+json)
#                               and the credential page of popular
#                               credentials, then pages not yet cached;
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
#   PHASES (issue,json,vcld,page,cold)
#   HOT (200)        json, vcld and page cycle over the first HOT issued ids
#                    (0: all); cold reads the pages of the others, once each
#   FORMATS (di)     di, jwt or di,jwt for the issued awards
#   MAX (200000)     at most this many requests per phase and concurrency
#   TIMEOUT (170)    seconds: hard limit on the generator's whole run
#   OUT              folder to keep the server log and the table in
#                    (default: the temporary folder, removed at the end)
#   PROCS            GOMAXPROCS of the generator (default: all cores)
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
db=SQLite
[ -z "${CAIRN_DATABASE_URL:-}" ] || db=PostgreSQL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-load.XXXXXX")
out=${OUT:-$tmp}
mkdir -p "$out"
server=""
cleanup() {
	if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
		kill -TERM "$server" 2>/dev/null || true
		for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$server" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cairn=${CAIRN:-$tmp/cairn}
[ -n "${CAIRN:-}" ] || go build -o "$cairn" ./cmd/cairn
go build -o "$tmp/load" ./scripts/load

# A free port on 127.0.0.1: bind :0, read the port, release it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo $((20000 + RANDOM % 20000)))
base="http://127.0.0.1:$port"

"$cairn" serve --addr "127.0.0.1:$port" --data "$tmp/data" --offline \
	>"$tmp/serve.out" 2>"$out/server.log" &
server=$!

key="" ach=""
for _ in $(seq 1 150); do
	key=$(sed -n "s/.*Authorization: Bearer \([^' ]*\)'.*/\1/p" "$tmp/serve.out" | head -1)
	ach=$(grep -o '"achievementId":"[^"]*"' "$tmp/serve.out" | cut -d'"' -f4 || true)
	if [ -n "$key" ] && [ -n "$ach" ] && curl -sf "$base/readyz" >/dev/null 2>&1; then
		break
	fi
	kill -0 "$server" 2>/dev/null || { echo "cairn serve exited:" >&2; cat "$out/server.log" >&2; exit 1; }
	sleep 0.2
done
if [ -z "$key" ] || [ -z "$ach" ]; then
	echo "no API key or achievement id in the first run's output:" >&2
	cat "$tmp/serve.out" >&2
	exit 1
fi

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version)"
echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# server $base (pid $server), database: $db; generator on the same machine; each row ${DURATION} after ${WARMUP} warm-up; formats $FORMATS"
echo
GOMAXPROCS=${PROCS:-} CAIRN_LOAD_KEY="$key" timeout -k 5 $((TIMEOUT + 15)) "$tmp/load" \
	-base "$base" -achievement "$ach" -phase "$PHASES" \
	-c "$C_READ" -issue-c "$C_ISSUE" -d "$DURATION" -warmup "$WARMUP" -n "$MAX" -formats "$FORMATS" \
	-hot "$HOT" -pid "$server" -timeout "${TIMEOUT}s" | tee "$out/load.txt"
echo
echo "# srv, gen: cores of CPU the server and the generator used (2 = the whole machine;"
echo "# with PostgreSQL, its own processes are not counted)"
