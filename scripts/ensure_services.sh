#!/usr/bin/env bash
# What the tests need outside Python:
# - Debian's chromium for the browser tests (Playwright drives it; no browser download);
# - Debian's nginx for the production topology (python -m bot run-production and its tests run
#   their own nginx in the foreground; the system's nginx service is not used);
# - the local PostgreSQL, Redis and RabbitMQ (the statistics tests, the production topology and
#   its fault tests), each started if installed but down.
#   Tests skip what needs a service (saying why) when it cannot be reached; SQLite always runs.
# Prints each one's state; never fails (the tests say what they skipped).
set -u

debian_package() { # command package purpose
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] && return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "$1: installing Debian's package for $3"
    if [ -z "${APT_UPDATED:-}" ]; then
      apt-get update -qq >/dev/null
      APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "$1: missing; install Debian's '$2' package (sudo apt-get install $2)"
  fi
}

debian_package chromium chromium "the browser tests"
command -v chromium >/dev/null 2>&1 && echo "chromium: $(chromium --version 2>/dev/null)"
debian_package nginx nginx "the production topology"
nginx_bin=$(command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
[ -n "$nginx_bin" ] && echo "nginx: $("$nginx_bin" -v 2>&1)"

wait_for() { # seconds command...
  local tries=$(($1 * 2))
  shift
  for _ in $(seq 1 "$tries"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# PostgreSQL on 127.0.0.1:5432.
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "PostgreSQL: running on 127.0.0.1:5432"
elif command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  if wait_for 10 pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "PostgreSQL: started"
  else
    echo "PostgreSQL: not reachable on 127.0.0.1:5432; its tests will be skipped"
  fi
else
  echo "PostgreSQL: not installed; its tests will be skipped"
fi

# Redis on 127.0.0.1:6379 (the lock store of the production topology). Its init script runs it as
# the user redis, which must be able to write its snapshots: a data folder it cannot write makes
# Redis refuse every write (MISCONF) after its first snapshot.
if id redis >/dev/null 2>&1 && [ -d /var/lib/redis ] && [ "$(stat -c %U /var/lib/redis)" != "redis" ] \
  && [ "$(id -u)" = "0" ]; then
  chown redis:redis /var/lib/redis && echo "Redis: /var/lib/redis now belongs to the user redis"
fi
if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "Redis: running on 127.0.0.1:6379"
elif command -v redis-server >/dev/null 2>&1; then
  service redis-server start >/dev/null 2>&1 || true
  if wait_for 10 redis-cli -h 127.0.0.1 -p 6379 ping; then
    echo "Redis: started"
  else
    echo "Redis: not reachable on 127.0.0.1:6379; its tests will be skipped"
  fi
else
  echo "Redis: not installed; its tests will be skipped"
fi

# RabbitMQ on 127.0.0.1:5672 (the event broker).
rabbitmq_up() { rabbitmqctl -q status >/dev/null 2>&1 || (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if command -v rabbitmqctl >/dev/null 2>&1 && rabbitmq_up; then
  echo "RabbitMQ: running on 127.0.0.1:5672"
elif command -v rabbitmq-server >/dev/null 2>&1 || [ -x /etc/init.d/rabbitmq-server ]; then
  service rabbitmq-server start >/dev/null 2>&1 || true
  if wait_for 60 rabbitmq_up; then
    echo "RabbitMQ: started"
  else
    echo "RabbitMQ: not reachable on 127.0.0.1:5672; its tests will be skipped"
  fi
else
  echo "RabbitMQ: not installed; its tests will be skipped"
fi

# The statistics' events queue holds citizen text: it gets a vhost and a user of its own, with
# rights on that vhost only (docs/statistics.md, "Two paths for the events"). The password here
# is for this machine's tests and benchmarks (testkit/production_stack.py); in production
# set your own: rabbitmqctl change_password borger '<password>'.
RABBITMQ_VHOST=borger
RABBITMQ_USER=borger
RABBITMQ_LOCAL_PASSWORD=${BOT_RABBITMQ_LOCAL_PASSWORD:-borger-local}
if command -v rabbitmqctl >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && rabbitmqctl -q status >/dev/null 2>&1; then
  rabbitmqctl -q list_vhosts 2>/dev/null | grep -qx "$RABBITMQ_VHOST" \
    || rabbitmqctl -q add_vhost "$RABBITMQ_VHOST" >/dev/null
  rabbitmqctl -q list_users 2>/dev/null | cut -f1 | grep -qx "$RABBITMQ_USER" \
    || rabbitmqctl -q add_user "$RABBITMQ_USER" "$RABBITMQ_LOCAL_PASSWORD" >/dev/null
  rabbitmqctl -q set_permissions -p "$RABBITMQ_VHOST" "$RABBITMQ_USER" '.*' '.*' '.*' >/dev/null
  if rabbitmqctl -q list_permissions -p "$RABBITMQ_VHOST" 2>/dev/null | cut -f1 | grep -qx "$RABBITMQ_USER"; then
    echo "RabbitMQ: vhost $RABBITMQ_VHOST with user $RABBITMQ_USER (BOT_RABBITMQ_URL=amqp://$RABBITMQ_USER:<password>@127.0.0.1:5672/$RABBITMQ_VHOST)"
  else
    echo "RabbitMQ: could not create the vhost $RABBITMQ_VHOST and user $RABBITMQ_USER; the production topology's tests use them"
  fi
elif command -v rabbitmqctl >/dev/null 2>&1; then
  echo "RabbitMQ: the vhost $RABBITMQ_VHOST and user $RABBITMQ_USER are made as root (sudo make services)"
fi
exit 0
