#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft) on a loopback port, for tests and
# benchmarks.
#
#   scripts/kafka.sh start    fetch (once), format, start; prints 127.0.0.1:PORT
#   scripts/kafka.sh status   prints the bootstrap address if running (exit 1 if not)
#   scripts/kafka.sh stop     stops the broker it started (by its pid)
#
# The broker's jars (pinned in scripts/kafka/pom.xml) are fetched from Maven Central
# with Maven into $WEIR_KAFKA_CACHE (default ~/.cache/weir/kafka-4.1.1). Its state
# lives in $WEIR_KAFKA_DIR (default .kafka in the checkout): a fresh log directory
# per start, the pid, the port and the broker's log (broker.log).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION=4.1.1
CACHE=${WEIR_KAFKA_CACHE:-$HOME/.cache/weir/kafka-$VERSION}
STATE=${WEIR_KAFKA_DIR:-$ROOT/.kafka}
PID_FILE=$STATE/pid
PORT_FILE=$STATE/port

die() { echo "kafka.sh: $*" >&2; exit 1; }

running() {
  [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

fetch() {
  if [ -f "$CACHE/.complete" ]; then return; fi
  command -v mvn >/dev/null || die "Maven (mvn) is missing: run scripts/setup.sh"
  command -v java >/dev/null || die "Java is missing: run scripts/setup.sh"
  echo "kafka.sh: fetching Apache Kafka $VERSION from Maven Central into $CACHE" >&2
  mkdir -p "$CACHE"
  mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$CACHE/libs" >&2 || die "could not fetch the Kafka jars with Maven"
  touch "$CACHE/.complete"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  if running; then
    echo "127.0.0.1:$(cat "$PORT_FILE")"
    return
  fi
  fetch
  rm -rf "$STATE"
  mkdir -p "$STATE"
  local port controller
  port=$(free_port)
  controller=$(free_port)
  while [ "$controller" = "$port" ]; do controller=$(free_port); done
  cat > "$STATE/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$STATE/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
PROPS
  local cp="$CACHE/libs/*"
  local cluster
  cluster=$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null)
  java -cp "$cp" kafka.tools.StorageTool format -t "$cluster" \
    -c "$STATE/server.properties" > "$STATE/format.log" 2>&1 ||
    die "formatting the log directory failed: see $STATE/format.log"
  # setsid: the broker outlives this script and the caller's process group.
  setsid java -Xms256m -Xmx${WEIR_KAFKA_HEAP:-1g} -XX:+UseG1GC -cp "$cp" kafka.Kafka \
    "$STATE/server.properties" > "$STATE/broker.log" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  echo "$port" > "$PORT_FILE"
  # Ready when the broker logs that it started and accepts connections.
  for _ in $(seq 1 120); do
    if ! running; then
      tail -20 "$STATE/broker.log" >&2
      die "the broker exited while starting (log: $STATE/broker.log)"
    fi
    if grep -q "Kafka Server started" "$STATE/broker.log" 2>/dev/null &&
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "127.0.0.1:$port"
      return
    fi
    sleep 0.5
  done
  stop
  die "the broker did not start within 60 s (log: $STATE/broker.log)"
}

status() {
  running || { echo "kafka.sh: not running" >&2; exit 1; }
  echo "127.0.0.1:$(cat "$PORT_FILE")"
}

stop() {
  if ! running; then
    rm -f "$PID_FILE"
    return
  fi
  local pid
  pid=$(cat "$PID_FILE")
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$PID_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: scripts/kafka.sh start|stop|status" ;;
esac
