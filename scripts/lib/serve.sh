# serve.sh: start `cairn serve` for a script, on a free loopback port with a
# new data folder; sourced by load.sh, hostile.sh and soak.sh.
#
#   start_cairn BINARY DATA_DIR LOG_FILE [serve flags…]
#
# sets base (http://127.0.0.1:PORT), key (the first run's owner API key), ach
# (the first run's achievement id) and server (its pid). stop_cairn ends it
# (TERM, then KILL after 10 s); call it from the script's EXIT trap.
# Environment variables of the caller (CAIRN_*) reach the server.

server=""

start_cairn() {
	local bin=$1 data=$2 log=$3
	shift 3
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000)))
	base="http://127.0.0.1:$port"
	"$bin" serve --addr "127.0.0.1:$port" --data "$data" "$@" >"$data.out" 2>"$log" &
	server=$!
	key="" ach=""
	for _ in $(seq 1 150); do
		key=$(sed -n "s/.*Authorization: Bearer \([^' ]*\)'.*/\1/p" "$data.out" | head -1)
		ach=$(grep -o '"achievementId":"[^"]*"' "$data.out" | cut -d'"' -f4 || true)
		if [ -n "$key" ] && [ -n "$ach" ] && curl -sf "$base/readyz" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$server" 2>/dev/null || { echo "cairn serve exited:" >&2; cat "$log" >&2; return 1; }
		sleep 0.2
	done
	echo "no API key or achievement id in the first run's output:" >&2
	cat "$data.out" >&2
	return 1
}

stop_cairn() {
	if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
		kill -TERM "$server" 2>/dev/null || true
		for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$server" 2>/dev/null || true
	fi
	server=""
}

# machine_line prints what the figures were measured on.
machine_line() {
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version)"
	echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
}
