#!/usr/bin/env bash
# Builds a larger local corpus of real text for the corpus-coverage benchmark (docs/benchmarks.md)
# from source code installed on the machine, one plain-text document per package / directory (its
# source files concatenated in name order), sources in the order given, until the corpus holds at
# least --mb megabytes (default 48 MB, about 11.5M cl100k tokens with the default source).
#   datasets/build-local-corpus.sh [OUT_DIR] [--mb N] [--one-document] [--sources LIST | --all-sources]
# --one-document  writes the same text as ONE document (long-document test: >= 10M tokens).
# --sources LIST  comma-separated, in order (default: jdk17, the corpus of docs/benchmarks.md):
#   jdk17   OpenJDK 17 class library, lib/src.zip, one document per Java package (about 200 MB,
#           48M tokens). Debian/Ubuntu: apt-get install openjdk-17-source (openjdk-17-jdk-headless
#           alone only ships a dangling lib/src.zip symlink). GPL-2.0 + Classpath exception.
#   go      Go toolchain and standard library, $(go env GOROOT)/src or /usr/local/go/src, one document
#           per directory of .go files, testdata excluded (about 90 MB). Debian: apt-get install
#           golang-src (then /usr/share/go-*/src), or the go.dev tarball. BSD-3-Clause.
#   python  CPython standard library (.py files of the newest python3's lib/pythonX.Y, site-packages
#           excluded), one document per directory (about 30 MB). Debian: apt-get install libpython3-stdlib
#           (installed with python3). PSF-2.0.
#   jdk25   another JDK's lib/src.zip (a JDK >= 21 under /usr/lib/jvm, e.g. Temurin 25), one document
#           per package and module; much of it repeats jdk17's text. Debian: apt-get install openjdk-21-source.
# --all-sources   jdk17,go,python,jdk25 (whatever of them is installed: up to about 110M tokens).
# A requested source that is not installed is skipped with a note saying what to install; the
# script fails only when none of them is there or the corpus ends below --mb. It prints what it used.
set -euo pipefail
OUT="${1:-/tmp/ropescale-corpus}"
shift || true
MB=48
ONE=0
SOURCES="jdk17"
while [ $# -gt 0 ]; do
  case "$1" in
    --mb) MB="$2"; shift 2 ;;
    --one-document) ONE=1; shift ;;
    --sources) SOURCES="$2"; shift 2 ;;
    --all-sources) SOURCES="jdk17,go,python,jdk25"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v python3 >/dev/null || { echo "needs python3 (apt-get install python3)" >&2; exit 1; }

# the JDK's feature version from its release file ("" if none)
jdk_version() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -1; }

find_jdk17() {
  local homes=()
  [ -n "${JAVA_HOME:-}" ] && homes+=("$JAVA_HOME")
  if command -v java >/dev/null; then homes+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
  homes+=(/usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/openjdk-17 /usr/lib/jvm/*17*)
  for h in "${homes[@]}"; do
    # -f follows the symlink: a dangling one (no openjdk-17-source) does not count
    if [ "$(jdk_version "$h")" = "17" ] && [ -f "$h/lib/src.zip" ]; then echo "$h/lib/src.zip"; return; fi
  done
}
find_newer_jdk() {
  for h in /usr/lib/jvm/*; do
    local v; v="$(jdk_version "$h")"
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ -f "$h/lib/src.zip" ]; then echo "$h/lib/src.zip"; return; fi
  done
}
find_go() {
  local roots=()
  if command -v go >/dev/null; then roots+=("$(go env GOROOT 2>/dev/null || true)"); fi
  roots+=(/usr/local/go /usr/lib/go /usr/share/go-*)
  for r in "${roots[@]}"; do
    if [ -n "$r" ] && [ -f "$r/src/fmt/print.go" ]; then echo "$r/src"; return; fi
  done
}
find_python() {
  local p
  for py in python3 /usr/bin/python3; do
    p="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])' 2>/dev/null || true)"
    if [ -n "$p" ] && [ -f "$p/os.py" ]; then echo "$p"; return; fi
  done
}

SPECS=()
IFS=',' read -r -a WANT <<<"$SOURCES"
for s in "${WANT[@]}"; do
  case "$s" in
    jdk17) p="$(find_jdk17)"; hint="apt-get install openjdk-17-source (JDK 17 lib/src.zip)" ;;
    jdk25) p="$(find_newer_jdk)"; hint="a JDK >= 21 with lib/src.zip, e.g. apt-get install openjdk-21-source" ;;
    go) p="$(find_go)"; hint="apt-get install golang-src, or the Go tarball from go.dev in /usr/local/go" ;;
    python) p="$(find_python)"; hint="apt-get install python3 (libpython3-stdlib)" ;;
    *) echo "unknown source '$s' (jdk17, go, python, jdk25)" >&2; exit 2 ;;
  esac
  if [ -z "$p" ]; then
    echo "skipping source $s: not installed; needs $hint" >&2
  else
    SPECS+=("$s=$p")
  fi
done
if [ "${#SPECS[@]}" -eq 0 ]; then
  echo "none of the sources '$SOURCES' is installed (see the notes above); the default needs the JDK 17 sources:" \
    "apt-get install openjdk-17-source" >&2
  exit 1
fi
mkdir -p "$OUT"
python3 - "$OUT" "$MB" "$ONE" "${SPECS[@]}" <<'PY'
import os, sys, zipfile, collections
out, mb, one, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4:]
limit, total, docs = mb * 1_000_000, 0, 0
used = []

def jdk(src):
    z = zipfile.ZipFile(src)
    pkgs = collections.defaultdict(list)
    for n in sorted(z.namelist()):
        if n.endswith(".java"):
            pkgs[os.path.dirname(n)].append(n)
    for pkg in sorted(pkgs):
        yield pkg.replace("/", "."), b"".join(z.read(n) for n in pkgs[pkg])

def tree(root, ext, skip):
    for d, subdirs, files in os.walk(root):
        subdirs[:] = sorted(s for s in subdirs if s not in skip and not s.startswith("."))
        names = sorted(f for f in files if f.endswith(ext))
        if names:
            data = b""
            for f in names:
                with open(os.path.join(d, f), "rb") as fh:
                    data += fh.read()
            yield (os.path.relpath(d, root).replace(os.sep, ".") if d != root else "_root"), data

def documents(kind, path):
    if kind in ("jdk17", "jdk25"):
        return jdk(path)
    if kind == "go":
        return tree(path, ".go", {"testdata"})
    return tree(path, ".py", {"site-packages", "__pycache__"})

big = open(os.path.join(out, "corpus.txt" if len(specs) > 1 else "openjdk-17-src.txt"), "wb") if one else None
for spec in specs:
    kind, path = spec.split("=", 1)
    n0, b0 = docs, total
    for name, data in documents(kind, path):
        if total >= limit:
            break
        if b"\0" in data or not data.strip():
            continue  # binary test data, or only empty files (__init__.py): the corpus stays non-empty text
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # a few test-data sources are not UTF-8; the corpus stays valid text
        if one:
            big.write(data)
        else:
            # jdk17 documents keep their historical names (package.txt), so the default corpus is unchanged
            fname = (name if kind == "jdk17" else kind + "." + name) + ".txt"
            with open(os.path.join(out, fname), "wb") as f:
                f.write(data)
        total += len(data); docs += 1
    if docs > n0:
        used.append(f"{kind}: {docs - n0} documents, {(total - b0) / 1e6:.1f} MB from {path}")
if big:
    big.close()
for u in used:
    print(f"  {u}")
print(f"{out}: {1 if one else docs} documents, {total / 1e6:.1f} MB of source text")
if total < limit:
    print(f"only {total / 1e6:.1f} MB of the {mb} MB asked for are installed; add sources (--sources / --all-sources)",
          file=sys.stderr)
    sys.exit(1)
PY
