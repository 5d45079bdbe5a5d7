#!/usr/bin/env bash
# Builds the Debian package from the build directory (build/, or $SINKSCOPE_BUILD_DIR, configured
# by scripts/build.sh) and checks it: control fields and file list, lintian (accepted tags:
# packaging/lintian-overrides), the AppStream metainfo and the desktop entry; then installs it,
# runs the installed sinkscope-cli on stories260K and removes the package again.
#   bash scripts/package.sh        -> build/sinkscope_VERSION-1_ARCH.deb
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${SINKSCOPE_BUILD_DIR:-build}
stories=${SINKSCOPE_SHARED_MODELS_DIR:-$root/../shared/models}/stories260K
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
start=$(date +%s)
fail() { echo "package: $*" >&2; exit 1; }
last=$start laps=""
lap() { # records the seconds since the previous lap under a name, for the summary line
  local now
  now=$(date +%s)
  laps+="${laps:+, }$1 $((now - last)) s"
  last=$now
}

[ -f "$build/CMakeCache.txt" ] || fail "no build in $build: run scripts/build.sh first"
for tool in cpack dpkg-deb lintian appstreamcli desktop-file-validate; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/setup.sh installs it)"
done

# --- build ------------------------------------------------------------------------------------
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/sinkscope-ccache} CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
cmake --build "$build" -j "${SINKSCOPE_JOBS:-$(nproc)}" >/dev/null # a no-op right after a build
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
rm -f "$build"/sinkscope_*.deb
(cd "$build" && cpack -G DEB >cpack.log 2>&1) || { cat "$build/cpack.log"; fail "cpack failed"; }
deb=$(ls "$build"/sinkscope_*.deb)
echo "package: built $deb ($(du -h "$deb" | cut -f1))"
lap cpack

# --- control fields -----------------------------------------------------------------------------
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = sinkscope ] || fail "Package is '$(field Package)', expected sinkscope"
[ "$(field Version)" = "$version-1" ] || fail "Version is '$(field Version)', expected $version-1"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture is '$(field Architecture)'"
[ "$(field Section)" = science ] || fail "Section is '$(field Section)', expected science"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Description)" ] || fail "no Description"
depends=$(field Depends)
for dep in libopenblas0-pthread libtorch1.13 libqt6core6 libqt6gui6 libqt6widgets6 libqt6svg6 \
  libsqlite3-0 libzstd1 libfmt9 libpcre2-8-0 libc6 libstdc++6; do
  [[ ", $depends," == *", $dep"[\ ,]* ]] || fail "Depends lacks $dep: $depends"
done

# --- file list ----------------------------------------------------------------------------------
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
expected=(
  ./usr/bin/sinkscope
  ./usr/bin/sinkscope-cli
  ./usr/share/applications/org.sinkscope.SinkScope.desktop
  ./usr/share/icons/hicolor/scalable/apps/org.sinkscope.SinkScope.svg
  ./usr/share/metainfo/org.sinkscope.SinkScope.metainfo.xml
  ./usr/share/man/man1/sinkscope.1.gz
  ./usr/share/man/man1/sinkscope-cli.1.gz
  ./usr/share/doc/sinkscope/copyright
  ./usr/share/doc/sinkscope/changelog.Debian.gz
  ./usr/share/lintian/overrides/sinkscope
)
if [ -d assets/models ]; then expected+=(./usr/share/sinkscope/models/); fi
for f in "${expected[@]}"; do
  grep -qxF "$f" <<<"$contents" || fail "$deb lacks $f"
done
outside=$(grep -v '^\./usr/' <<<"$contents" | grep -vx '\./' || true)
[ -z "$outside" ] || fail "files outside /usr: $outside"

# --- lintian, AppStream, desktop entry ----------------------------------------------------------
# Errors and warnings fail; accepted tags and their reasons are in packaging/lintian-overrides
# (shipped in the package, so lintian reads them from there).
lint_rc=0
lint=$(lintian --fail-on error,warning --tag-display-limit 0 "$deb" 2>&1) || lint_rc=$?
grep -v 'running with root privileges' <<<"$lint" || true
[ "$lint_rc" = 0 ] || fail "lintian reports errors or warnings (above)"
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
dpkg-deb -x "$deb" "$tree"
appstreamcli validate --no-net "$tree/usr/share/metainfo/org.sinkscope.SinkScope.metainfo.xml" >/dev/null ||
  { appstreamcli validate --no-net --explain "$tree/usr/share/metainfo/org.sinkscope.SinkScope.metainfo.xml"; fail "AppStream metainfo invalid"; }
desktop-file-validate "$tree/usr/share/applications/org.sinkscope.SinkScope.desktop" ||
  fail "desktop entry invalid"
zcat "$tree/usr/share/man/man1/sinkscope-cli.1.gz" | grep -q '^\.SH COMMANDS' || fail "man page unreadable"
lap checks

# --- install, run from /usr/bin, remove ---------------------------------------------------------
was_installed=$(dpkg-query -W -f='${db:Status-Status}' sinkscope 2>/dev/null || true)
if [ "$was_installed" = installed ]; then
  echo "package: sinkscope was installed before: it is upgraded to this build and left installed"
fi
remove() {
  if [ "$was_installed" != installed ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq -o DPkg::Lock::Timeout=300 sinkscope \
      >>"$build/package-apt.log" 2>&1 || { cat "$build/package-apt.log"; fail "apt-get remove failed"; }
  fi
}
trap 'remove; rm -rf "$tree"' EXIT
# The dependencies are installed by scripts/setup.sh; apt would fetch any that are missing.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  -o DPkg::Lock::Timeout=300 "$(realpath "$deb")" >"$build/package-apt.log" 2>&1 ||
  { cat "$build/package-apt.log"; fail "apt-get install failed"; }
[ "$(/usr/bin/sinkscope-cli --version)" = "sinkscope-cli $version" ] || fail "installed --version is wrong"
QT_QPA_PLATFORM=offscreen /usr/bin/sinkscope --help 2>/dev/null | grep -q -- '--model' ||
  fail "installed sinkscope does not start"
models=$(/usr/bin/sinkscope-cli models --dir "$stories" --json)
grep -q '"bundled":\["/usr/share/sinkscope/models"\]' <<<"$models" ||
  fail "installed sinkscope-cli looks for bundled models elsewhere: $models"
grep -q '"name":"stories260K"' <<<"$models" || fail "installed sinkscope-cli models misses stories260K"
run=$(/usr/bin/sinkscope-cli run --model "$stories/stories260K.bin" --token-ids 1,461,392,284,265 \
  --max-new-tokens 4 --json 2>/dev/null)
grep -q '"generated_ids":\[[0-9]*,[0-9]*,[0-9]*,[0-9]*\]' <<<"$run" || fail "installed run failed: $run"
remove
trap 'rm -rf "$tree"' EXIT
lap "install, run, remove"
echo "package: ok ($deb checked, installed, run and removed in $(($(date +%s) - start)) s: $laps)"
