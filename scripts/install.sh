#!/usr/bin/env bash
# Installs the NVR as a service on Debian 12 or Ubuntu 24.04, from a checkout with dist/
# built (scripts/setup.sh or `npm ci` builds it). Safe to run again: it upgrades the app,
# keeps /etc/nvr/config.yaml and every recording, and restarts the service.
#
#   sudo scripts/install.sh
#
# What it does: apt packages (ffmpeg, util-linux for setpriv, inotify-tools for the
# recordings watcher, a compiler for
# better-sqlite3 when no prebuilt binary can be fetched); checks Node.js >= 20.19 at
# /usr/bin/node; creates the system user `nvr`; copies the app to /opt/nvr (root-owned,
# node_modules from `npm ci --omit=dev`); writes /etc/nvr/config.yaml from
# config/example.yaml if there is none; creates /var/lib/nvr (recordings, index);
# installs, enables and starts systemd/nvr.service.
#
# Switches for packaging and tests (all optional):
#   NVR_INSTALL_ROOT=DIR  install under DIR instead of / (the user goes into DIR/etc/passwd)
#   NVR_NO_APT=1          do not run apt-get
#   NVR_NO_SYSTEMCTL=1    do not run systemctl (no systemd as PID 1: containers, chroots)
#   NVR_NODE=PATH         the node to check and build with (default /usr/bin/node, what the unit runs)
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=${NVR_INSTALL_ROOT:-}
NODE=${NVR_NODE:-/usr/bin/node}
APP=$ROOT/opt/nvr
ETC=$ROOT/etc/nvr
DATA=$ROOT/var/lib/nvr
UNIT=$ROOT/etc/systemd/system/nvr.service
NVR_USER=nvr
APT_PACKAGES=(ffmpeg util-linux inotify-tools ca-certificates python3 make g++)

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: ERROR: %s\n' "$*" >&2; exit 1; }

check_system() {
  [ -n "$ROOT" ] || [ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"
  local id version
  id=$(sed -n 's/^ID=//p' /etc/os-release | tr -d '"')
  version=$(sed -n 's/^VERSION_ID=//p' /etc/os-release | tr -d '"')
  case "$id $version" in
    "debian 12" | "ubuntu 24.04") say "system: $id $version" ;;
    *) say "warning: tested on Debian 12 and Ubuntu 24.04, this is '$id $version'; continuing" ;;
  esac
}

install_packages() {
  if [ "${NVR_NO_APT:-}" = 1 ]; then say "apt: skipped (NVR_NO_APT=1)"; return; fi
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then say "apt: ${APT_PACKAGES[*]} already installed"; return; fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_node() {
  [ -x "$NODE" ] || die "no Node.js at $NODE. Debian/Ubuntu ship Node 18, too old; install Node.js 20 LTS, e.g. from NodeSource:
  curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs"
  "$NODE" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
    || die "$NODE is $("$NODE" --version); the NVR needs Node.js >= 20.19"
  NPM=$(dirname "$NODE")/npm
  [ -x "$NPM" ] || NPM=$(command -v npm) || die "npm not found next to $NODE nor on PATH"
  [ -f "$SRC/dist/cli/main.js" ] || die "$SRC/dist is not built: run scripts/setup.sh (or npm ci) in $SRC first"
  say "node $("$NODE" --version), npm $("$NPM" --version)"
}

ensure_user() {
  if grep -q "^$NVR_USER:" "$ROOT/etc/passwd" 2>/dev/null; then say "user $NVR_USER exists"; return; fi
  local prefix=()
  [ -z "$ROOT" ] || prefix=(--prefix "$ROOT")
  useradd "${prefix[@]}" --system --user-group --home-dir /var/lib/nvr --no-create-home \
    --shell /usr/sbin/nologin --comment "Commune NVR" "$NVR_USER"
  say "created system user $NVR_USER"
}

# Numeric ids from the target root's own files (chown would look names up in the host's).
uid_of() { awk -F: -v u="$1" '$1 == u { print $3 }' "$ROOT/etc/passwd"; }
gid_of() { awk -F: -v g="$1" '$1 == g { print $3 }' "$ROOT/etc/group"; }

install_app() {
  mkdir -p "$APP"
  # Only what runs: the compiled code, its entry point, the embedded default config, the
  # offline export verifier (tools/), the docs the unit points at, the web app. Old copies
  # go first, so nothing stale is ever loaded.
  local dir
  for dir in dist bin config docs tools web; do rm -rf "${APP:?}/$dir"; done
  cp -R "$SRC/dist" "$SRC/bin" "$SRC/config" "$SRC/docs" "$SRC/tools" "$APP/"
  if [ -d "$SRC/web/dist" ]; then
    mkdir -p "$APP/web" && cp -R "$SRC/web/dist" "$APP/web/"
  else
    say "warning: web/dist is not built: the API works, the web UI will not (build it, then run this again)"
  fi
  cp "$SRC/package.json" "$SRC/package-lock.json" "$APP/"
  cp "$SRC/systemd/nvr.service" "$APP/nvr.service"
  local stamp="$APP/node_modules/.nvr-lock-sha256" want
  want=$(sha256sum "$APP/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "node_modules up to date"
  else
    say "npm ci --omit=dev in $APP"
    # --ignore-scripts: the package's own `prepare` (tsc) needs dev tools; dist/ is copied.
    (cd "$APP" && PATH="$(dirname "$NODE"):$PATH" "$NPM" ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
    native_sqlite
    echo "$want" > "$stamp"
  fi
  # The daemon must not be able to change its own code.
  chown -R 0:0 "$APP"
  chmod -R u=rwX,go=rX "$APP"
  say "app installed in $APP"
}

# better-sqlite3's native part: the checkout's own build when it is the same version and
# loads with this node (scripts/setup.sh compiled it minutes ago: 2 minutes saved on a
# 2-core box), else `npm rebuild` (a prebuilt download, or a compile).
native_sqlite() {
  local mod=node_modules/better-sqlite3 probe="require('./node_modules/better-sqlite3')(':memory:').close()"
  if [ -f "$SRC/$mod/build/Release/better_sqlite3.node" ] \
    && cmp -s "$SRC/$mod/package.json" "$APP/$mod/package.json" \
    && cp -R "$SRC/$mod/build" "$APP/$mod/" \
    && (cd "$APP" && "$NODE" -e "$probe" 2>/dev/null); then
    say "better-sqlite3: reused the checkout's build (same version, loads with this node)"
    return
  fi
  rm -rf "${APP:?}/$mod/build"
  (cd "$APP" && PATH="$(dirname "$NODE"):$PATH" "$NPM" rebuild better-sqlite3 --loglevel=error)
  (cd "$APP" && "$NODE" -e "$probe") || die "better-sqlite3 does not load in $APP"
}

install_config() {
  local uid gid
  uid=$(uid_of "$NVR_USER"); gid=$(gid_of "$NVR_USER")
  install -d -m 0750 -o 0 -g "$gid" "$ETC"
  if [ -e "$ETC/config.yaml" ]; then
    say "keeping $ETC/config.yaml"
  else
    # The example's data dir becomes the unit's; its sample cameras are switched off, so
    # a fresh box does not knock on addresses that may be someone else's device.
    # Camera URLs carry passwords: readable by root and the nvr group only.
    sed -e 's#^\(  dataDir:\).*#\1 /var/lib/nvr#' -e 's#^\(    enabled:\) true$#\1 false#' \
      "$SRC/config/example.yaml" > "$ETC/config.yaml"
    chown "0:$gid" "$ETC/config.yaml"
    chmod 0640 "$ETC/config.yaml"
    say "wrote $ETC/config.yaml from config/example.yaml (sample cameras disabled): set the cameras' URLs and enabled: true, then: systemctl restart nvr"
  fi
  "$NODE" "$APP/bin/nvr.js" check-config "$ETC/config.yaml" || die "$ETC/config.yaml is not valid (see above); fix it and run this again"
  install -d -m 0750 -o "$uid" -g "$gid" "$DATA"
}

install_unit() {
  install -d -m 0755 "$(dirname "$UNIT")"
  install -m 0644 -o 0 -g 0 "$SRC/systemd/nvr.service" "$UNIT"
  if [ "${NVR_NO_SYSTEMCTL:-}" = 1 ]; then say "systemctl: skipped (NVR_NO_SYSTEMCTL=1)"; return; fi
  systemctl daemon-reload
  systemctl enable nvr.service >/dev/null 2>&1
  # Type=notify: this returns once the daemon reported READY=1 (or failed).
  systemctl restart nvr.service || die "nvr did not start: journalctl -u nvr -n 50 --no-pager"
  say "nvr.service enabled and running"
}

print_summary() {
  local listen port address
  listen=$("$NODE" --input-type=module -e "import { loadConfig } from '$APP/dist/config/load.js'; const { host, port } = loadConfig({ file: '$ETC/config.yaml', env: {} }).server; console.log(host, port)" 2>/dev/null || echo '0.0.0.0 8080')
  port=${listen#* }
  address=${listen% *}
  # Listening on every interface: show the box's first address.
  case "$address" in 0.0.0.0 | :: | '[::]') address=$(hostname -I 2>/dev/null | awk '{ print $1 }') ;; esac
  cat <<EOF

The NVR is installed.
  Web and API:      http://${address:-<this-box>}:$port/
  First admin:      user 'admin', password in $DATA/initial-admin-password
                    (written at the first start; log in, change it, delete the file)
  Configuration:    $ETC/config.yaml   (then: systemctl restart nvr)
  Recordings:       $DATA
  Logs:             journalctl -u nvr -f -o cat
  Health:           curl -s http://127.0.0.1:$port/api/v1/health
EOF
}

check_system
install_packages
check_node
ensure_user
install_app
install_config
install_unit
print_summary
