#!/usr/bin/env bash
# Installs the system packages the test suite needs, when missing: PostgreSQL 15 (throwaway clusters),
# Chromium (the HTML report's browser test) and, with --ci, docker-compose (validating
# docker-compose.yml); and generates the de_DE.UTF-8 locale (a PostgreSQL server that speaks German,
# test/cliReadsPostgres.test.ts), which a fresh Debian image lists but has not generated. As root
# with apt-get it installs them; otherwise it names the packages and the command, and fails: a
# missing component fails the run, it never skips tests.
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

# The locale's definition comes with the `locales` package; localedef (libc-bin) builds it.
german_locale() { locale -a 2>/dev/null | grep -qiE '^de_DE\.utf-?8$'; }
if ! german_locale; then
  [ -f /usr/share/i18n/locales/de_DE ] || missing+=(locales)
  generate_locale=1
fi
[ "${#missing[@]}" -eq 0 ] && [ -z "${generate_locale:-}" ] && exit 0

install_cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
locale_cmd="localedef -i de_DE -c -f UTF-8 de_DE.UTF-8"
[ "${#missing[@]}" -eq 0 ] && install_cmd="$locale_cmd"
[ "${#missing[@]}" -gt 0 ] && [ -n "${generate_locale:-}" ] && install_cmd="$install_cmd && $locale_cmd"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  {
    [ "${#missing[@]}" -gt 0 ] && echo "provision: the tests need these system packages, which are not installed: ${missing[*]}"
    [ -n "${generate_locale:-}" ] && echo "provision: the tests need the de_DE.UTF-8 locale, which is not generated"
    if command -v apt-get >/dev/null 2>&1; then
      echo "  install them as root:  sudo sh -c '$install_cmd'"
    else
      echo "  no apt-get here: install PostgreSQL 15 (initdb at /usr/lib/postgresql/15/bin), Chromium (/usr/bin/chromium)"
      echo "  and docker-compose with your system's package manager, and generate the de_DE.UTF-8 locale"
    fi
  } >&2
  exit 1
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "provision: installing ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for pkg in "${missing[@]}"; do
  case "$pkg" in
    postgresql-15) [ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "provision: postgresql-15 installed, but /usr/lib/postgresql/15/bin/initdb is missing" >&2; exit 1; } ;;
    chromium) [ -x /usr/bin/chromium ] || { echo "provision: chromium installed, but /usr/bin/chromium is missing" >&2; exit 1; } ;;
  esac
done
[ "${#missing[@]}" -gt 0 ] && echo "provision: installed ${missing[*]}"
if [ -n "${generate_locale:-}" ]; then
  $locale_cmd
  german_locale || { echo "provision: $locale_cmd ran, but locale -a does not list de_DE.UTF-8" >&2; exit 1; }
  echo "provision: generated the de_DE.UTF-8 locale"
fi
