#!/usr/bin/env bash
# Sets up Apache Flink 2.2 for the side-by-side benchmarks (bench/kafka/): PyFlink
# from PyPI in its own venv, plus the Kafka SQL connector, the Parquet format and the
# Hadoop client classes it needs from Maven Central (bench/flink/pom.xml). Pinned
# versions; idempotent. Prints the Python to run Flink jobs with and the jar folder.
#
#   bench/flink/setup.sh        → WEIR_FLINK_PYTHON=… WEIR_FLINK_JARS=…
#
# Everything goes to $WEIR_FLINK_DIR (default ~/.cache/weir/flink-2.2.0). Needs
# python3-venv, Java 17 and Maven (scripts/setup.sh installs them).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VERSION=2.2.0
DIR=${WEIR_FLINK_DIR:-$HOME/.cache/weir/flink-$VERSION}

if [ ! -f "$DIR/venv/.complete" ]; then
  echo "flink setup: installing apache-flink==$VERSION into $DIR/venv" >&2
  rm -rf "$DIR/venv"
  python3 -m venv "$DIR/venv"
  "$DIR/venv/bin/pip" install -q --disable-pip-version-check "apache-flink==$VERSION" >&2
  touch "$DIR/venv/.complete"
fi
if [ ! -f "$DIR/jars/.complete" ]; then
  echo "flink setup: fetching connector jars into $DIR/jars" >&2
  rm -rf "$DIR/jars"
  mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$DIR/jars" >&2
  touch "$DIR/jars/.complete"
fi
echo "WEIR_FLINK_PYTHON=$DIR/venv/bin/python"
echo "WEIR_FLINK_JARS=$DIR/jars"
