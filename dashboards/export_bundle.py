"""Export the ropescale dashboard from a running Superset into dashboards/superset/ (the versioned
bundle), after editing it in Superset's UI.

    SUPERSET_URL=http://127.0.0.1:8088 SUPERSET_USER=admin SUPERSET_PASSWORD=... \
    .venv-bi/bin/python dashboards/export_bundle.py [--refresh-datasets]

Uses Superset's REST API (/api/v1/dashboard/export/), the same export as the UI's "Download as
bundle". The database URI is replaced by the placeholder import_bundle.py overwrites, the password
field is dropped (the bundle holds no secret), and the export timestamp is pinned so that a
re-export without changes leaves the files unchanged. --refresh-datasets first re-reads every
dataset's columns from the database (needed after a view gained columns).
"""
import argparse
import io
import os
import pathlib
import re
import sys
import zipfile

import requests

HERE = pathlib.Path(__file__).resolve().parent
BUNDLE = HERE / "superset"
PLACEHOLDER_URI = "hive://127.0.0.1:10000/ropescale"


def session(base, user, password):
    s = requests.Session()
    r = s.post(base + "/api/v1/security/login",
               json={"username": user, "password": password, "provider": "db", "refresh": True}, timeout=60)
    r.raise_for_status()
    s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    csrf = s.get(base + "/api/v1/security/csrf_token/", timeout=60).json()["result"]
    s.headers.update({"X-CSRFToken": csrf, "Referer": base})
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refresh-datasets", action="store_true")
    ap.add_argument("--slug", default="ropescale")
    args = ap.parse_args()
    base = os.environ.get("SUPERSET_URL", "http://127.0.0.1:8088").rstrip("/")
    s = session(base, os.environ.get("SUPERSET_USER", "admin"), os.environ["SUPERSET_PASSWORD"])
    dash = s.get(base + f"/api/v1/dashboard/{args.slug}", timeout=60).json()["result"]
    if args.refresh_datasets:
        ds = s.get(base + f"/api/v1/dashboard/{args.slug}/datasets", timeout=60).json()["result"]
        for d in ds:
            r = s.put(base + f"/api/v1/dataset/{d['id']}/refresh", timeout=300)
            print(f"refreshed dataset {d['table_name']}: {r.status_code}")
            r.raise_for_status()
    r = s.get(base + "/api/v1/dashboard/export/", params={"q": f"!({dash['id']})"}, timeout=300)
    r.raise_for_status()
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        names = [n for n in z.namelist() if n.endswith(".yaml")]
        for old in BUNDLE.rglob("*.yaml"):  # the export replaces every YAML file; README.md stays
            old.unlink()
        for n in names:
            rel = pathlib.Path(*pathlib.Path(n).parts[1:])  # drop the export's top directory
            text = z.read(n).decode()
            if rel.parts[0] == "databases":
                text = re.sub(r"(?m)^sqlalchemy_uri: .*$", "sqlalchemy_uri: " + PLACEHOLDER_URI, text)
                text = re.sub(r"(?m)^password: .*\n", "", text)
            if rel.name == "metadata.yaml":
                text = re.sub(r"(?m)^timestamp: .*$", "timestamp: '2026-11-27T00:00:00+00:00'", text)
            out = BUNDLE / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text)
        print(f"exported {len(names)} files into {BUNDLE}")


if __name__ == "__main__":
    sys.exit(main())
