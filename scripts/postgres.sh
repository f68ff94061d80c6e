# A private PostgreSQL cluster for the run and test commands. Source it, don't run it.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the system user `veta`.

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_OS_USER=veta

# Runs a PostgreSQL tool as the cluster's owner.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

# pg_start DIR PORT [postgres -c options…]: initialises DIR once (password in DIR/password) and
# starts the cluster on 127.0.0.1:PORT. Prints nothing; sets PG_URL_BASE (without database name).
pg_start() {
  local dir=$1 port=$2; shift 2
  local data=$dir/data
  if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$PG_OS_USER" "$dir"
    pg_as_owner test -x "$dir" ||
      die "el usuario $PG_OS_USER no puede entrar en $dir: dé permiso de paso (chmod o+x) a las carpetas que lo contienen, o defina DATABASE_URL"
  fi
  if ! [ -f "$data/PG_VERSION" ]; then
    log "creando el clúster de PostgreSQL en $data"
    head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/password"
    chmod 600 "$dir/password"
    [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir/password"
    pg_as_owner "$PG_BIN/initdb" -D "$data" --username=veta --pwfile="$dir/password" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  mkdir -p "$dir/run"
  [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir/run"
  local opts="-p $port -k $dir/run -c listen_addresses=127.0.0.1"
  local extra
  for extra in "$@"; do opts="$opts -c $extra"; done
  pg_as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$dir/postgres.log" -o "$opts" -w -t 60 start >/dev/null ||
    die "PostgreSQL no arrancó (puerto $port ocupado?): vea $dir/postgres.log"
  PG_URL_BASE="postgres://veta:$(cat "$dir/password")@127.0.0.1:$port"
}

# pg_stop DIR: stops the cluster if it runs.
pg_stop() {
  local data=$1/data
  if [ -f "$data/postmaster.pid" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# pg_ensure_database URL_BASE NAME: creates the database if it does not exist.
pg_ensure_database() {
  local base=$1 name=$2
  if ! psql "$base/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    psql "$base/postgres" -qc "CREATE DATABASE \"$name\"" >/dev/null
  fi
}
