#!/usr/bin/env bash
# Installs the system packages the test suite needs, when missing: PostgreSQL 15 (throwaway clusters),
# Chromium (the HTML report's browser test) and, with --ci, docker-compose (validating
# docker-compose.yml). As root with apt-get it installs them; otherwise it names the packages and the
# command, and fails: a missing component fails the run, it never skips tests.
#
#   scripts/provision.sh        # what `npm test` needs
#   scripts/provision.sh --ci   # plus what .ci/run needs
set -euo pipefail

missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${1:-}" = "--ci" ]; then
  docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

install_cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  {
    echo "provision: the tests need these system packages, which are not installed: ${missing[*]}"
    if command -v apt-get >/dev/null 2>&1; then
      echo "  install them as root:  sudo sh -c '$install_cmd'"
    else
      echo "  no apt-get here: install PostgreSQL 15 (initdb at /usr/lib/postgresql/15/bin), Chromium (/usr/bin/chromium)"
      echo "  and docker-compose with your system's package manager"
    fi
  } >&2
  exit 1
fi

echo "provision: installing ${missing[*]} (apt-get)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for pkg in "${missing[@]}"; do
  case "$pkg" in
    postgresql-15) [ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "provision: postgresql-15 installed, but /usr/lib/postgresql/15/bin/initdb is missing" >&2; exit 1; } ;;
    chromium) [ -x /usr/bin/chromium ] || { echo "provision: chromium installed, but /usr/bin/chromium is missing" >&2; exit 1; } ;;
  esac
done
echo "provision: installed ${missing[*]}"
