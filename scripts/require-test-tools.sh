#!/usr/bin/env bash
# Runs before `npm test` (npm's pretest): the suite needs real programs beside Node. Installs what is
# missing through apt when this user may (root, or sudo without a password, on Debian/Ubuntu), else stops
# at once with the exact install line. Never skips: a test without its tool would pass on nothing.
set -euo pipefail

# program -> Debian package that ships it. The tests run redis-server (REDIS_SERVER_BIN overrides),
# make a throwaway TLS CA with openssl, check the HTML report in headless Chromium (LIFELINE_CHROMIUM
# overrides) and the Prometheus alert rules with promtool (Debian ships it in prometheus).
need=(
  "${REDIS_SERVER_BIN:-redis-server}:redis-server"
  "redis-cli:redis-tools"
  "openssl:openssl"
  "${LIFELINE_CHROMIUM:-chromium}:chromium"
  "promtool:prometheus"
  "ruby:ruby-redis"
)

# An override names a file the user chose: installing a package would not make it exist.
for var in REDIS_SERVER_BIN LIFELINE_CHROMIUM; do
  if [ -n "${!var:-}" ] && ! command -v "${!var}" >/dev/null 2>&1; then
    echo "npm test: $var=${!var} is not an executable file; fix it or unset it" >&2
    exit 1
  fi
done

missing=()
for entry in "${need[@]}"; do
  program=${entry%:*} package=${entry##*:}
  command -v "$program" >/dev/null 2>&1 || missing+=("$package")
done
# The lab's redis-py probe (probes/redis-py-probe.py, test/lab/command-client.test.ts) imports redis: a
# module, not a program. Debian's python3-redis installs it for the system Python, which the probe falls
# back to when the python3 on PATH (pyenv, a venv) lacks it.
python3 -c 'import redis' >/dev/null 2>&1 || /usr/bin/python3 -c 'import redis' >/dev/null 2>&1 ||
  missing+=(python3-redis)
# The lab's redis-rb probe (probes/redis-rb-probe.rb) requires the redis gem; Debian's ruby-redis ships it
# (and pulls in ruby, so a missing ruby program is the same package).
command -v ruby >/dev/null 2>&1 && { ruby -e 'require "redis"' >/dev/null 2>&1 || missing+=(ruby-redis); }
# The phpredis probe (probes/phpredis-probe.php) needs php with the redis extension: php-cli, php-redis.
command -v php >/dev/null 2>&1 || missing+=(php-cli)
php -r 'exit(class_exists("Redis") ? 0 : 1);' >/dev/null 2>&1 || missing+=(php-redis)
# The hiredis probe (probes/hiredis-probe.c) is compiled by its test: a C compiler and C library headers
# (gcc only recommends libc6-dev, and recommends are not installed below), hiredis and cJSON.
command -v cc >/dev/null 2>&1 || missing+=(gcc)
[ -e /usr/include/stdio.h ] || missing+=(libc6-dev)
[ -e /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
[ -e /usr/include/cjson/cJSON.h ] || missing+=(libcjson-dev)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  as_root=(none)
fi

if ! command -v apt-get >/dev/null 2>&1 || [ "${as_root[0]:-}" = none ]; then
  echo "npm test needs ${missing[*]}, which are missing. Install them, then run npm test again:" >&2
  if command -v apt-get >/dev/null 2>&1; then
    echo "  sudo apt-get install -y ${missing[*]}" >&2
  else
    echo "  Debian/Ubuntu: sudo apt-get install -y ${missing[*]}" >&2
    echo "  elsewhere: install redis (redis-server, redis-cli), openssl, chromium, prometheus's promtool, redis-py, ruby with redis-rb," >&2
    echo "  php with phpredis, a C compiler with hiredis and cJSON;" >&2
    echo "  set REDIS_SERVER_BIN or LIFELINE_CHROMIUM if they are not on PATH under those names" >&2
  fi
  exit 1
fi

echo "npm test: installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# No package may start a service: redis-server would take 6379, prometheus 9090. The tests start their own.
policy_added=no
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
  policy_added=yes
fi
apt_log=$(mktemp)
trap '[ "$policy_added" = yes ] && "${as_root[@]}" rm -f /usr/sbin/policy-rc.d; rm -f "$apt_log"' EXIT
# dpkg's hundreds of lines only when something fails.
if ! { "${as_root[@]}" apt-get update -qq && \
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
  tail -n 30 "$apt_log" >&2
  echo "npm test: installing ${missing[*]} failed (above); install them by hand: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "npm test: installed ${missing[*]}"
