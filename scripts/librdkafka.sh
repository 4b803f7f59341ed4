#!/usr/bin/env bash
# Builds librdkafka 2.12.0 (static, with SSL, SASL PLAIN/SCRAM/OAUTHBEARER, zstd,
# zlib, lz4; without Kerberos/GSSAPI and OIDC token fetching, which need libsasl2 and
# libcurl) into ~/.cache/weir/librdkafka-2.12.0, where CMake finds it (both read
# WEIR_RDKAFKA_DIR).
#
# Why not Debian's librdkafka-dev: its 2.0.2 pauses fetching a partition for a fixed
# second whenever the partition's local queue reaches queued.min.messages or
# queued.max.messages.kbytes, so a consumer that decodes between polls idles most of
# the time unless the queue holds a second of records (hundreds of MB).
# fetch.queue.backoff.ms (2.3.0) makes that pause configurable (docs/design/kafka.md).
#
# Where from: this machine reaches package registries only. The npm package
# node-rdkafka 3.6.1 carries librdkafka v2.12.0's unmodified source tree in
# deps/librdkafka; `npm pack` fetches it and its sha256 is checked. Idempotent.
set -euo pipefail

VERSION=2.12.0
NPM_PACKAGE=node-rdkafka@3.6.1
SHA256=148f7e7b65c510314c70762d8f1be052c8fe1fdf03a128e6c78083a729a57a30
PREFIX=${WEIR_RDKAFKA_DIR:-$HOME/.cache/weir/librdkafka-$VERSION}

MARKER="$PREFIX/.weir-librdkafka-$VERSION"
if [ -f "$MARKER" ] && [ -f "$PREFIX/lib/librdkafka.a" ]; then
  exit 0
fi
# Never replace a folder this script did not make.
if [ -e "$PREFIX" ] && ! ls "$PREFIX"/.weir-librdkafka-* >/dev/null 2>&1 &&
   [ -n "$(ls -A "$PREFIX" 2>/dev/null)" ]; then
  echo "librdkafka.sh: $PREFIX exists and was not made by this script; remove it or" \
    "set WEIR_RDKAFKA_DIR elsewhere" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
if ! command -v npm >/dev/null; then
  echo "librdkafka.sh: installing npm (it fetches the source)" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
fi
for tool in npm make cc; do
  command -v "$tool" >/dev/null || { echo "librdkafka.sh: needs $tool" >&2; exit 1; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "librdkafka.sh: building librdkafka $VERSION into $PREFIX (about a minute)" >&2
(cd "$WORK" && npm pack --silent "$NPM_PACKAGE" >/dev/null)
TARBALL=$(ls "$WORK"/*.tgz)
if ! echo "$SHA256  $TARBALL" | sha256sum -c --quiet -; then
  echo "librdkafka.sh: $NPM_PACKAGE does not have the expected sha256" >&2
  exit 1
fi
tar xzf "$TARBALL" -C "$WORK" package/deps/librdkafka
SRC="$WORK/package/deps/librdkafka"
grep -q "define RD_KAFKA_VERSION 0x020c00ff" "$SRC/src/rdkafka.h" || {
  echo "librdkafka.sh: the source is not librdkafka $VERSION" >&2
  exit 1
}
cd "$SRC"
./configure --prefix="$PREFIX" --disable-curl --disable-gssapi --enable-zstd \
  --enable-ssl --disable-lz4-ext >"$WORK/configure.log" 2>&1 ||
  { cat "$WORK/configure.log" >&2; exit 1; }
make -j"$(nproc)" libs >"$WORK/make.log" 2>&1 || { tail -50 "$WORK/make.log" >&2; exit 1; }
# Install into a staging folder, then move it into place.
make -C src install DESTDIR="$WORK/stage" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; exit 1; }
STAGED="$WORK/stage$PREFIX"
# Only the static library: a shared one here could shadow the system's at run time.
rm -f "$STAGED"/lib/librdkafka.so*
touch "$STAGED/.weir-librdkafka-$VERSION"
rm -rf "$PREFIX"
mkdir -p "$(dirname "$PREFIX")"
mv "$STAGED" "$PREFIX"
echo "librdkafka.sh: done" >&2
