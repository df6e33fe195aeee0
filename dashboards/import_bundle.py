"""Import the ropescale Superset bundle (dashboards/superset/: database, datasets, charts, dashboard)
into a Superset instance, with the database URI taken from the environment.

    ROPESCALE_SQL_URI=hive://127.0.0.1:10000/ropescale \
    SUPERSET_CONFIG_PATH=/path/to/superset_config.py \
    .venv-bi/bin/python dashboards/import_bundle.py [--user admin]

The committed bundle names a placeholder URI and no secret; this script copies it, writes
ROPESCALE_SQL_URI into databases/ropescale.yaml, zips it the way Superset exports bundles and runs
`superset import-dashboards` (the same CLI Superset documents for exported bundles). Importing
again overwrites the same objects (they are matched by uuid).
"""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
BUNDLE = HERE / "superset"
URI = re.compile(r"^(hive|sparksql|databricks\+pyhive)://[^\s]+$")


def fail(field, value, why):
    print(f"import_bundle: {field} '{value}' {why}", file=sys.stderr)
    sys.exit(2)


def build_zip(uri: str, out_dir: pathlib.Path) -> pathlib.Path:
    root = out_dir / "ropescale_dashboard"
    shutil.copytree(BUNDLE, root, ignore=shutil.ignore_patterns("README*"))
    db = root / "databases" / "ropescale.yaml"
    text, n = re.subn(r"(?m)^sqlalchemy_uri: .*$", "sqlalchemy_uri: " + uri, db.read_text())
    if n != 1:
        fail("bundle", db, "must hold exactly one sqlalchemy_uri line")
    db.write_text(text)
    zpath = out_dir / "ropescale_dashboard.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for f in sorted(root.rglob("*.yaml")):
            z.write(f, f.relative_to(out_dir).as_posix())
    return zpath


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--user", default="admin", help="Superset user the imported objects belong to (default: admin)")
    args = ap.parse_args()
    uri = os.environ.get("ROPESCALE_SQL_URI", "")
    if not URI.match(uri):
        fail("ROPESCALE_SQL_URI", uri, "must be a HiveServer2 URI such as hive://127.0.0.1:10000/ropescale")
    superset = pathlib.Path(sys.executable).with_name("superset")
    with tempfile.TemporaryDirectory() as tmp:
        zpath = build_zip(uri, pathlib.Path(tmp))
        r = subprocess.run([str(superset), "import-dashboards", "--path", str(zpath), "--username", args.user],
                           capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        # Superset's CLI logs import failures; do not rely on its exit code alone.
        if r.returncode != 0 or "There was an error when importing" in r.stdout + r.stderr:
            print("import_bundle: superset import-dashboards failed", file=sys.stderr)
            sys.exit(1)
    print(f"import_bundle: imported {BUNDLE} with database {uri}")


if __name__ == "__main__":
    main()
