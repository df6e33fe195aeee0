"""Superset settings for a local ropescale Superset (the end-to-end test and a quick look at one's own
warehouse). Everything machine-specific comes from the environment:

    ROPESCALE_SUPERSET_HOME   directory for the SQLite metadata DB (created if missing)
    SUPERSET_SECRET_KEY       session-signing key; generate one (`openssl rand -base64 42`), never commit it

Point Superset at it with SUPERSET_CONFIG_PATH=dashboards/superset_config.py.
"""
import os

_home = os.environ.get("ROPESCALE_SUPERSET_HOME")
if not _home:
    raise RuntimeError("ROPESCALE_SUPERSET_HOME is not set (directory for Superset's SQLite metadata DB)")
os.makedirs(_home, exist_ok=True)
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(_home, "superset.db")
DATA_DIR = _home
# A local, single-user instance: no CSP/HTTPS redirects (Talisman), no rate-limited login, no
# outbound calls; the browser test treats every console error as a failure.
TALISMAN_ENABLED = False
RATELIMIT_ENABLED = False
WTF_CSRF_ENABLED = True
SQLLAB_CTAS_NO_LIMIT = True
PREVENT_UNSAFE_DB_CONNECTIONS = False
FEATURE_FLAGS = {"DASHBOARD_RBAC": False}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# No telemetry pixel (Scarf) from the browser: the dashboard talks to this server only.
SCARF_ANALYTICS = False
