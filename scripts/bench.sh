#!/usr/bin/env bash
# bench.sh reproduces the figures of docs/PERFORMANCE.md.
#
#   scripts/bench.sh            Go benchmarks of the hot paths, one core,
#                               -count 5, medians by benchstat
#   scripts/bench.sh cpu        CPU time per operation (user+sys) of the key
#                               benchmarks: what they cost on one core even
#                               when other processes share it
#   scripts/bench.sh profile    CPU profiles of DI sign and verify (pprof -top)
#   scripts/bench.sh vc-verify  the same credential in vc-verify (node), in
#                               process and as whole processes beside cairn
#
# Environment: COUNT (5), BENCHTIME (1s), OUT (a folder for the raw output,
# default a new temporary one), TIMEOUT (whole run, default 20m),
# CAIRN_VC_VERIFY (path to vc-verify, default ../shared/tools/vc-verify).
# Everything is pinned to CPU 1 with taskset when there is more than one, and
# the Go benchmarks run with -cpu 1 (GOMAXPROCS=1): "one core". On a shared
# machine the spread is wide; compare medians, and rerun before concluding.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-1s}
TIMEOUT=${TIMEOUT:-20m}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")}
mkdir -p "$OUT"
PIN=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
	PIN=(taskset -c 1)
fi

# Every benchmark of the hot paths: canonicalization alone (jsonld), DI and
# JWT sign and verify of the typical credential and of the OB 3.0 basic
# example (proof), the whole verify pipeline (verify), baking (bake), status
# lists (status), parsing and schema validation (ob).
PKGS=(./jsonld ./proof ./verify ./bake ./status ./ob)

machine() {
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version)"
	if git rev-parse --git-dir >/dev/null 2>&1; then
		echo "# commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- || echo ' (work tree modified)')"
	fi
	echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# pinned: ${PIN[*]:-no}"
}

benchstat() {
	# benchstat from the Go module proxy; not a dependency of the module.
	go run golang.org/x/perf/cmd/benchstat@latest "$@"
}

go_benchmarks() {
	go test -count=1 -run '^$' "${PKGS[@]}" >/dev/null # build, unpinned
	machine | tee "$OUT/go.txt"
	timeout "$TIMEOUT" "${PIN[@]}" go test -run '^$' -bench . -benchmem \
		-cpu 1 -count "$COUNT" -benchtime "$BENCHTIME" "${PKGS[@]}" | tee -a "$OUT/go.txt"
	benchstat "$OUT/go.txt" | tee "$OUT/benchstat.txt"
	echo "raw output and medians in $OUT"
}

# cpu_per_op BINARY BENCH N prints the CPU seconds (user+sys) of N
# iterations of BENCH minus those of one, divided by N-1: the setup, the
# warm-up run and the process start cancel out.
cpu_per_op() {
	local bin=$1 bench=$2 n=$3 t1 tn
	local TIMEFORMAT='%3U %3S'
	run() { { time "${PIN[@]}" "$bin" -test.run '^$' -test.bench "$bench" -test.cpu 1 -test.benchtime "$1x" >/dev/null; } 2>&1 | awk '{print $1 + $2}'; }
	t1=$(run 1)
	tn=$(run "$n")
	awk -v a="$t1" -v b="$tn" -v n="$n" 'BEGIN { printf "%.3f\n", (b - a) * 1000 / (n - 1) }'
}

cpu_times() {
	go test -c -o "$OUT/proof.test" ./proof
	go test -c -o "$OUT/verify.test" ./verify
	machine | tee "$OUT/cpu.txt"
	echo "# ms of CPU (user+sys) per op, median of $COUNT; -cpu 1, ${PIN[*]:-not pinned}" | tee -a "$OUT/cpu.txt"
	local spec bin bench n i v
	for spec in \
		"proof ^BenchmarkTypicalSignDI$ 3000" \
		"proof ^BenchmarkTypicalVerifyDI$ 3000" \
		"proof ^BenchmarkTypicalCanonicalize$ 3000" \
		"proof ^BenchmarkTypicalSignJWT$/^EdDSA$ 8000" \
		"proof ^BenchmarkTypicalVerifyJWT$/^EdDSA$ 8000" \
		"verify ^BenchmarkVerifyPipelineDI$/^status-served$ 1500" \
		"verify ^BenchmarkVerifyPipelineJWT$/^status-served$ 2000" \
		"verify ^BenchmarkVerifyPipelinePNG$ 1500"; do
		read -r bin bench n <<<"$spec"
		v=$(for ((i = 0; i < COUNT; i++)); do
			(cd "$bin" && cpu_per_op "$OUT/$bin.test" "$bench" "$n")
		done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] " (" a[1] "-" a[NR] ")" }')
		printf '%-58s %s\n' "$bin $bench" "$v" | tee -a "$OUT/cpu.txt"
	done
}

profiles() {
	machine
	for b in TypicalSignDI TypicalVerifyDI; do
		timeout "$TIMEOUT" "${PIN[@]}" go test ./proof -run '^$' -bench "^Benchmark$b\$" \
			-cpu 1 -benchtime 5s -cpuprofile "$OUT/$b.prof" -o "$OUT/proof.test"
		go tool pprof -top -cum -nodecount 40 "$OUT/proof.test" "$OUT/$b.prof" 2>/dev/null | tee "$OUT/$b.top"
	done
	timeout "$TIMEOUT" "${PIN[@]}" go test ./verify -run '^$' -bench '^BenchmarkVerifyPipelineDI$/status-served' \
		-cpu 1 -benchtime 5s -cpuprofile "$OUT/pipeline.prof" -o "$OUT/verify.test"
	go tool pprof -top -cum -nodecount 60 "$OUT/verify.test" "$OUT/pipeline.prof" 2>/dev/null | tee "$OUT/pipeline.top"
}

vc_verify() {
	local tool
	tool=$(realpath "${CAIRN_VC_VERIFY:-../shared/tools/vc-verify}")
	machine
	timeout "$TIMEOUT" "${PIN[@]}" node scripts/bench-vc-verify.mjs "${N:-200}" | tee "$OUT/vc-verify.txt"
	# Whole processes, cairn beside vc-verify (start-up included). Offline,
	# the status check of cairn is indeterminate (exit 2); vc-verify does not
	# check status at all. --now keeps the validity dates in range.
	go build -o "$OUT/cairn" ./cmd/cairn
	local t=proof/testdata
	if command -v hyperfine >/dev/null; then
		"${PIN[@]}" hyperfine -N --warmup 3 --runs 20 -i --export-markdown "$OUT/process.md" \
			"$OUT/cairn verify --offline $t/typical-signed.json" \
			"$OUT/cairn verify --offline $t/typical.EdDSA.jwt" \
			"node $tool/verify.mjs --now 2026-07-01T00:00:00Z $t/typical-signed.json" \
			"node $tool/verify.mjs --now 2026-07-01T00:00:00Z $t/typical.EdDSA.jwt"
	else
		for c in "$OUT/cairn verify --offline" "node $tool/verify.mjs --now 2026-07-01T00:00:00Z"; do
			for f in typical-signed.json typical.EdDSA.jwt; do
				echo "== $c $f (10 runs)"
				time (for _ in 1 2 3 4 5 6 7 8 9 10; do "${PIN[@]}" $c "$t/$f" >/dev/null || true; done)
			done
		done
	fi
}

case "${1:-go}" in
go) go_benchmarks ;;
cpu) cpu_times ;;
profile) profiles ;;
vc-verify) vc_verify ;;
*)
	echo "usage: scripts/bench.sh [go|cpu|profile|vc-verify]" >&2
	exit 2
	;;
esac
