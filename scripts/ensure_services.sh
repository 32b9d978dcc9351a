#!/usr/bin/env bash
# What the tests need outside Python:
# - Debian's chromium for the browser tests (Playwright drives it; no browser download);
# - the local PostgreSQL the statistics tests also run against, started if installed but down.
#   Tests skip PostgreSQL (saying why) when it cannot be reached; SQLite always runs.
set -u
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium: installing Debian's package for the browser tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium: missing; install Debian's 'chromium' package (sudo apt-get install chromium)"
  fi
fi
command -v chromium >/dev/null 2>&1 && echo "chromium: $(chromium --version 2>/dev/null)"
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "PostgreSQL: running on 127.0.0.1:5432"
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in $(seq 1 20); do
    pg_isready -q -h 127.0.0.1 -p 5432 && { echo "PostgreSQL: started"; exit 0; }
    sleep 0.5
  done
fi
echo "PostgreSQL: not reachable on 127.0.0.1:5432; its tests will be skipped"
exit 0
