#!/usr/bin/env bash
# Browser test of the HTML report: installs Debian's chromium when missing, installs the pinned npm
# packages (report/package-lock.json), runs a real sweep (report/browser-test-spec.yaml: every stage)
# on a temporary warehouse through the built jar (its report step writes the page; `report` is run
# again explicitly), and opens the page in
# headless Chromium (browser-test.mjs): no console errors, no network, every chart drew its marks.
# Screenshot: jobs/target/report-screenshot.png. When the Maven tests have written the fully
# populated fixture page (jobs/target/report-fixture, ReportJobTest), it is checked too
# (screenshot jobs/target/report-screenshot-full.png).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CP_FILE="$ROOT/jobs/target/classpath.txt"
ENV_FILE="$ROOT/jobs/target/ropescale.env" # the jar's name, from pom.xml (written by Maven)
jar_path() { [ -f "$ENV_FILE" ] && (. "$ENV_FILE" && echo "$ROOT/jobs/target/$ROPESCALE_JAR"); }
JAR="$(jar_path || true)"

if ! command -v chromium >/dev/null 2>&1; then
  echo "[browser-test] installing chromium (apt-get)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd "$ROOT/report" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
if [ -z "$JAR" ] || [ ! -f "$JAR" ] || [ ! -f "$CP_FILE" ]; then
  echo "[browser-test] building the jar (mvn package)" >&2
  (cd "$ROOT" && mvn -q -B -DskipTests package) >&2
  JAR="$(jar_path)"
fi

ropescale() {
  java -Xmx4g -XX:+IgnoreUnrecognizedVMOptions \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
    --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
    --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false \
    -Dropescale.home="$ROOT" -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties" \
    -cp "$JAR:$(cat "$CP_FILE")" io.ropescale.cli.Main "$@"
}

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
WH="$TMP/warehouse"
ropescale sweep "$ROOT/report/browser-test-spec.yaml" --warehouse "$WH" --run-id browser-test >"$TMP/sweep.log" 2>&1 || { cat "$TMP/sweep.log"; exit 1; }
# the sweep's last stage writes the report (the `report` command on its own: ReportJobTest)
grep '^report: ' "$TMP/sweep.log"

PAGES=("$WH/reports/browser-test/index.html" "$ROOT/jobs/target/report-screenshot.png")
FIXTURE="$ROOT/jobs/target/report-fixture/reports/fixture/index.html"
if [ -f "$FIXTURE" ]; then
  PAGES+=("$FIXTURE" "$ROOT/jobs/target/report-screenshot-full.png")
fi
cd "$ROOT/report"
node browser-test.mjs "${PAGES[@]}"
