#!/usr/bin/env bash
# Builds a larger local corpus of real text for the corpus-coverage benchmark (docs/benchmarks.md):
# the OpenJDK 17 class library sources (lib/src.zip of the installed JDK; GPL-2.0 with the
# Classpath exception, see datasets/licenses/), one plain-text document per Java package (the
# package's .java files concatenated in name order), modules in alphabetical order, until the
# corpus holds at least --mb megabytes (default 48 MB, about 12M cl100k tokens).
#   datasets/build-local-corpus.sh [OUT_DIR] [--mb N] [--one-document]
# --one-document writes the same text as ONE document (long-document test: >= 10M tokens).
# Needs the JDK sources: on Debian `apt-get install openjdk-17-source` (the script says so if missing).
set -euo pipefail
OUT="${1:-/tmp/ropescale-corpus}"
shift || true
MB=48
ONE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mb) MB="$2"; shift 2 ;;
    --one-document) ONE=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
JAVA_HOME_GUESS="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
SRC=""
for c in "$JAVA_HOME_GUESS/lib/src.zip" /usr/lib/jvm/java-17-openjdk-amd64/lib/src.zip /usr/lib/jvm/*/lib/src.zip; do
  if [ -f "$c" ]; then SRC="$c"; break; fi
done
if [ -z "$SRC" ]; then
  echo "no JDK src.zip found; install the JDK sources (Debian: apt-get install openjdk-17-source)" >&2
  exit 1
fi
mkdir -p "$OUT"
python3 - "$SRC" "$OUT" "$MB" "$ONE" <<'PY'
import os, sys, zipfile, collections
src, out, mb, one = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
z = zipfile.ZipFile(src)
pkgs = collections.defaultdict(list)
for n in sorted(z.namelist()):
    if n.endswith(".java"):
        pkgs[os.path.dirname(n)].append(n)
limit, total, docs = mb * 1_000_000, 0, 0
big = open(os.path.join(out, "openjdk-17-src.txt"), "wb") if one else None
for pkg in sorted(pkgs):
    data = b"".join(z.read(n) for n in pkgs[pkg])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        continue  # a few test-data sources are not UTF-8; the corpus stays valid text
    if one:
        big.write(data)
    else:
        with open(os.path.join(out, pkg.replace("/", ".") + ".txt"), "wb") as f:
            f.write(data)
    total += len(data); docs += 1
    if total >= limit:
        break
if big:
    big.close()
print(f"{out}: {1 if one else docs} documents, {total / 1e6:.1f} MB of Java source from {src}")
PY
