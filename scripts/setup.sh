#!/usr/bin/env bash
# Idempotent setup for development, tests and CI (Debian 12): checks Node, installs the system
# tools the tests drive for real (ffmpeg/ffprobe, the GStreamer RTSP test camera, setpriv) only
# when something is missing, then `npm ci` when node_modules is missing or stale.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

APT_PACKAGES=(
  ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-x  # textoverlay and timeoverlay (the pango plugin) live here on Debian 12, not in -base
  util-linux mount e2fsprogs ca-certificates systemd shellcheck iproute2
  inotify-tools  # inotifywait: the recordings watcher, with no event per write (tree-watch.ts)
  # better-sqlite3 compiles from source (no prebuilt download here): node-gyp needs these.
  python3 make g++
  chromium  # the web app's end-to-end tests drive Debian's browser (never a browser download)
)
# scripts/test-camera.py runs on Debian's python (python3-gi is not on pip/pyenv pythons).
PYTHON=/usr/bin/python3

# --- Node: engines >= 20.19 (ESM-only dependencies load through require(esm), unflagged from 20.19).
command -v node >/dev/null 2>&1 || die "node not found: install Node.js >= 20.19 (Debian 12's own nodejs 18 is too old)"
command -v npm >/dev/null 2>&1 || die "npm not found (it ships with Node.js >= 20.19)"
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  die "node $(node --version) is too old: this project needs Node.js >= 20.19"
fi
say "node $(node --version) ok"

# --- System tools. Prints one line per missing item; empty output = all present.
missing_system() {
  local tool
  for tool in ffmpeg ffprobe setpriv inotifywait perl mount mkfs.ext4 chattr make g++ systemd-analyze systemd-notify shellcheck ip chromium; do
    command -v "$tool" >/dev/null 2>&1 || echo "$tool"
  done
  if [ ! -x "$PYTHON" ]; then
    echo "$PYTHON"
    return
  fi
  # The GStreamer elements scripts/test-camera.py uses, not just the bindings: a plugin package
  # can be missing while gi and GstRtspServer import fine.
  "$PYTHON" - <<'PY' 2>/dev/null || echo "python3-gi with GstRtspServer 1.0"
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer  # noqa: F401
Gst.init(None)
for name in ("videotestsrc textoverlay timeoverlay x264enc x265enc h264parse h265parse rtph264pay "
             "rtph265pay audiotestsrc audioconvert audioresample mulawenc alawenc rtppcmupay "
             "rtppcmapay voaacenc aacparse rtpmp4gpay").split():
    if Gst.ElementFactory.find(name) is None:
        print(f"GStreamer element {name}")
PY
}

apt_install() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      die "not root and no sudo; as root run:
  apt-get update && apt-get install -y --no-install-recommends ${APT_PACKAGES[*]}"
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || die "no apt-get: install the equivalents of: ${APT_PACKAGES[*]}"
  say "apt-get install ${APT_PACKAGES[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
}

missing=$(missing_system)
if [ -n "$missing" ]; then
  say "missing: $(echo "$missing" | paste -sd, - | sed 's/,/, /g')"
  apt_install
  missing=$(missing_system)
  [ -z "$missing" ] || die "still missing after apt-get install: $(echo "$missing" | paste -sd, - | sed 's/,/, /g')"
fi
ffmpeg_version=$(ffmpeg -hide_banner -version | awk 'NR == 1 { print $3 }')
gst_version=$("$PYTHON" -c 'import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst; Gst.init(None); print(Gst.version_string())')
say "ffmpeg $ffmpeg_version, $gst_version (gst-rtsp-server), setpriv ok"

# --- node_modules. npm writes node_modules/.package-lock.json last on every install, so it dates
# the tree better than the node_modules directory itself (whose mtime only changes with its
# direct entries). `npm ci` also builds dist/ through the package's `prepare` script.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci (node_modules missing or older than package-lock.json)"
  npm ci --no-audit --no-fund
  touch node_modules/.package-lock.json
else
  say "node_modules up to date"
fi
say "done"
