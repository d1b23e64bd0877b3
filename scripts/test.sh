#!/usr/bin/env bash
# Runs every test of Nghị trường: formatting, lints, the Rust tests on
# SQLite, the store's conformance tests on PostgreSQL, and the browser tests.
#
#   bash scripts/test.sh
#
# Needs: the Rust toolchain, PostgreSQL on 127.0.0.1:5432 (trust auth; the
# database named by NGHITRUONG_TEST_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/test), Node.js >= 20 with npm, and
# Debian's Chromium at /usr/bin/chromium. .ci/run installs what is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD
CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}
PG_URL=${NGHITRUONG_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO_ROOT/target}
PG_SKIPPED=
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$REPO_ROOT/$TARGET_DIR ;; esac

step() {
  printf '\n==> %s\n' "$*"
}

warn() {
  printf '\n!!! %s\n' "$*" >&2
}

# Fail fast, before any compiling, if the browser tests cannot run.
if [[ ! -x $CHROMIUM_BIN ]]; then
  warn "Chromium is missing ($CHROMIUM_BIN); the browser tests need Debian's package:"
  echo "    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-core" >&2
  echo "    (or run .ci/run, which installs it)" >&2
  exit 1
fi
for tool in cargo node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    warn "$tool is not on PATH"
    exit 1
  fi
done

step "cargo fmt --all --check"
cargo fmt --all --check

# Clippy runs inside the one build the tests need, instead of as a check
# build of its own: cargo clippy is cargo check with clippy-driver wrapped
# around rustc for the workspace's crates, and clippy-driver compiles as
# rustc does when asked to. So every dependency is compiled once, not once for
# the lints and again for the tests. Every cargo command below keeps the same
# wrapper and arguments, so none of them compiles the workspace again.
CLIPPY_DRIVER=$(rustc --print sysroot)/bin/clippy-driver
if [[ ! -x $CLIPPY_DRIVER ]]; then
  warn "clippy is not installed ($CLIPPY_DRIVER); rustup component add clippy"
  exit 1
fi
export RUSTC_WORKSPACE_WRAPPER=$CLIPPY_DRIVER
export CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

step "clippy -D warnings on every target, built: cargo test --workspace --all-targets --no-run"
cargo test --workspace --all-targets --no-run

# Only the benchmark's binary: the server's own, target/debug/nghitruong, stays
# the one built with the workspace's features, which the browser tests run.
step "clippy -D warnings on the benchmark, built: cargo build -p nghitruong --features bench --bin session-bench"
cargo build -p nghitruong --features bench --bin session-bench

step "cargo test --workspace (SQLite)"
# The PostgreSQL run is the next step; keep this one on SQLite only.
env -u NGHITRUONG_TEST_DATABASE_URL cargo test --workspace

step "cargo test -p nghitruong-store --test conformance (PostgreSQL at ${PG_URL})"
if pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  # --workspace keeps the features of the step above, so nothing is rebuilt.
  NGHITRUONG_TEST_DATABASE_URL=$PG_URL cargo test --workspace --test conformance --test supervision
  # The store's own tests that take both backends (raw SQL against triggers).
  NGHITRUONG_TEST_DATABASE_URL=$PG_URL cargo test --workspace --lib -- on_both_backends
elif [[ ${CI:-} == "true" ]]; then
  warn "PostgreSQL does not answer on 127.0.0.1:5432 (pg_isready failed); in CI this is a failure."
  exit 1
else
  PG_SKIPPED=1
  warn "SKIPPED: the PostgreSQL store conformance tests. PostgreSQL does not answer on 127.0.0.1:5432.
!!! Start it (pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start) and run again."
fi

step "browser tests (e2e/ with headless Chromium)"
# The server the Rust tests above started, built with the workspace's features.
NGHITRUONG_BIN=$TARGET_DIR/debug/nghitruong
if [[ ! -x $NGHITRUONG_BIN ]]; then
  warn "the product binary was not built: $NGHITRUONG_BIN"
  exit 1
fi
rm -rf e2e/artifacts
(
  cd e2e
  npm ci --no-audit --no-fund
  NGHITRUONG_BIN=$NGHITRUONG_BIN CHROMIUM_BIN=$CHROMIUM_BIN npm test
)

if [[ -n ${PG_SKIPPED:-} ]]; then
  step "all tests passed, but the PostgreSQL conformance tests were SKIPPED"
else
  step "all tests passed"
fi
