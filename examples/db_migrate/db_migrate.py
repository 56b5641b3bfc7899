"""Applies the migration scripts in migrations/ that the database at DB_PATH has not seen yet, in order."""
import os
import sqlite3
from pathlib import Path

import odin

db_path = Path(os.environ.get("DB_PATH", "app.db"))
scripts = sorted(Path(__file__).with_name("migrations").glob("*.sql"))
db_path.parent.mkdir(parents=True, exist_ok=True)

with sqlite3.connect(db_path) as db:
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    applied = {row[0] for row in db.execute("SELECT name FROM schema_migrations")}
    missing = [s for s in scripts if s.name not in applied]
    odin.watch(len(missing), "missing_migrations")
    for script in missing:
        print(f"applying {script.name}")
        db.executescript(f"BEGIN;\n{script.read_text()}\n"
                         f"INSERT INTO schema_migrations VALUES ('{script.name}', datetime('now'));\nCOMMIT;")
    version = db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]

odin.watch(version, "schema_version")
if odin.condition(version == len(scripts), "database is at the latest schema"):
    odin.result(f"applied {len(missing)} migrations; schema at version {version}")
odin.result(f"schema at version {version}, expected {len(scripts)}")
