#!/bin/bash
# Measures the six speed cases of zones3 bench against zones3 server: PUT and
# GET of 4 KiB x16 clients, 1 MiB x8 and 64 MiB x4. Each case runs on a fresh
# server (empty data directory) for DURATION, ROUNDS times, the cases
# interleaved so that a slow spell of the machine does not hit one case
# only. Each line also gives the server's and the bench's CPU time.
#
#   docs/bench/speed.sh [ROUNDS] [DURATION]
#
# Defaults: 3 rounds of 10s. BIN=path/to/zones3 measures that binary
# instead of building this checkout. BASE=path/to/other/zones3 compares two
# builds: every case runs on BASE right after BIN, with BIN's bench client
# for both, so that a slow spell of the machine (it drifts by 10% and more
# over an hour) hits both sides of each pair. CASES="put 64MiB 4;get 64MiB
# 4" runs only those cases. CLIENT=path/to/zones3 runs the bench client
# from that binary instead of BIN.
#
# MINIO=path/to/minio compares with MinIO instead of BASE: in erasure mode
# over three drives (directories of WORK), the setup zones3's speed
# targets were set against, with the same bench client. The machine's
# speed drifts from day to day, so targets set against MinIO are best
# checked as ratios taken in one spell. `GOBIN=/tmp/minio go install
# github.com/minio/minio@latest` builds MinIO from the Go module proxy.
set -euo pipefail
ROUNDS=${1:-3}
DURATION=${2:-10s}
WORK=${WORK:-/tmp/zones3-speed}
ADDR=127.0.0.1:9320
mkdir -p "$WORK"
if [ -z "${BIN:-}" ]; then
	BIN=$WORK/zones3
	go build -o "$BIN" ./cmd/zones3
fi
export ZONES3_ROOT_ACCESS_KEY=AKSPEEDBENCH ZONES3_ROOT_SECRET_KEY=speedbenchsecret
export AWS_ACCESS_KEY_ID=$ZONES3_ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$ZONES3_ROOT_SECRET_KEY
PID=
trap 'if [ -n "$PID" ]; then kill $PID 2>/dev/null || true; fi' EXIT
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
run() { # server-binary op size concurrency
	local server=$1
	shift
	rm -rf "$WORK/data"
	if [ "$server" = "${MINIO:-}" ]; then
		mkdir -p "$WORK/data/d1" "$WORK/data/d2" "$WORK/data/d3"
		# MINIO_CI_CD lets MinIO use directories of the root disk.
		MINIO_ROOT_USER=$ZONES3_ROOT_ACCESS_KEY MINIO_ROOT_PASSWORD=$ZONES3_ROOT_SECRET_KEY \
			MINIO_CI_CD=on MINIO_BROWSER=off "$server" server "$WORK/data/d{1...3}" \
			--address $ADDR >"$WORK/server.log" 2>&1 &
		PID=$!
		until curl -sf http://$ADDR/minio/health/cluster >/dev/null; do sleep 0.2; done
		sleep 2 # the cluster check passes a moment before requests do
	else
		"$server" server --listen $ADDR --data "$WORK/data" >"$WORK/server.log" 2>&1 &
		PID=$!
		until curl -sf http://$ADDR/health/ready >/dev/null; do sleep 0.2; done
	fi
	local t0 out
	t0=$(ticks $PID)
	# A GET run first writes its objects (not timed); the CPU figures
	# include that fill.
	out=$( { /usr/bin/time -f "bench-cpu=%Us+%Ss" "${CLIENT:-$BIN}" bench --endpoint http://$ADDR --op "$1" --size "$2" \
		--concurrency "$3" --duration "$DURATION" --server-pid $PID; } 2>&1 | grep -v level= | tail -2 | tr -s ' ' | tr '\n' ' ')
	local label=""
	if [ -n "${MINIO:-}" ]; then
		label="$([ "$server" = "$MINIO" ] && echo minio || echo zones3) "
	elif [ -n "${BASE:-}" ]; then
		label="$([ "$server" = "$BASE" ] && echo base || echo new) "
	fi
	echo "$label$out server-cpu=$(( ($(ticks $PID) - t0) / 100 ))s"
	kill $PID; wait $PID 2>/dev/null || true
	PID=
}
echo "op size concurrency ops/s MiB/s p50 p99 errors server-peak-RSS"
IFS=';' read -r -a cases <<<"${CASES:-put 4KiB 16;get 4KiB 16;put 1MiB 8;get 1MiB 8;put 64MiB 4;get 64MiB 4}"
for _ in $(seq "$ROUNDS"); do
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086
		run "$BIN" $c
		if [ -n "${MINIO:-${BASE:-}}" ]; then
			# shellcheck disable=SC2086
			run "${MINIO:-$BASE}" $c
		fi
	done
done
