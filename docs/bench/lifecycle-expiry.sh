#!/bin/bash
# Measures the lifecycle worker expiring a bucket of small objects while a
# foreground zones3 bench runs (lifecycle/doc.go, "Measured over the object
# layer").
#
#   docs/bench/lifecycle-expiry.sh [RATE] [OBJECTS]
#
# RATE is --lifecycle-rate (default 6000; 0 for no bound), OBJECTS the
# bucket's size (default 1000000). The filled data is kept in
# $WORK/filled-$OBJECTS and copied for each run, so a second run skips the
# fill (about 10 minutes for 1,000,000 objects on 2 cores). Needs the aws
# CLI.
set -euo pipefail
RATE=${1:-6000}
OBJECTS=${2:-1000000}
WORK=${WORK:-/tmp/zones3-lc-bench}
ADDR=127.0.0.1:9310
BIN=$WORK/zones3
mkdir -p "$WORK"
go build -o "$BIN" ./cmd/zones3
export ZONES3_ROOT_ACCESS_KEY=AKLCBENCH ZONES3_ROOT_SECRET_KEY=lcbenchsecret
export AWS_ACCESS_KEY_ID=$ZONES3_ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$ZONES3_ROOT_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
server() {
	"$BIN" server --listen $ADDR --data "$WORK/data" --lifecycle-interval 5s --lifecycle-day 1s --lifecycle-rate "$RATE" >"$WORK/server.log" 2>&1 &
	PID=$!
	trap 'kill $PID 2>/dev/null || true' EXIT
	until curl -sf http://$ADDR/health/ready >/dev/null; do sleep 0.2; done
}
if [ ! -d "$WORK/filled-$OBJECTS" ]; then
	rm -rf "$WORK/data"
	server
	"$BIN" bench --endpoint http://$ADDR --op get --bucket fill --keys "$OBJECTS" --size 1KiB --concurrency 32 --duration 1s --cleanup=false
	kill $PID; wait $PID || true
	mv "$WORK/data" "$WORK/filled-$OBJECTS"
fi
rm -rf "$WORK/data" && cp -a "$WORK/filled-$OBJECTS" "$WORK/data"
server
fg() { "$BIN" bench --endpoint http://$ADDR --bucket fgbench --size 16KiB --concurrency 8 --duration 15s --cleanup=false --op "$1" 2>&1 | grep -v level=; }
echo "== foreground before the rule"; fg get; fg put
cat >"$WORK/rules.json" <<'RULES'
{"Rules":[{"ID":"all","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"Days":1}}]}
RULES
aws --endpoint-url http://$ADDR s3api put-bucket-lifecycle-configuration --bucket fill --lifecycle-configuration "file://$WORK/rules.json"
sleep 6 # the next pass starts within --lifecycle-interval
echo "== foreground during the pass"; fg get; fg put
until grep -q "lifecycle pass complete.*objects_expired=[1-9]" "$WORK/server.log"; do sleep 2; done
grep "lifecycle pass complete" "$WORK/server.log" | tail -1
