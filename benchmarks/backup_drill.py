"""R-9: a backup drill. Dump the demo database with scripts/backup, restore it into a fresh
database, and prove the copy equal: row counts, per-table checksums of ordered rows, sequences.

    .venv/bin/python benchmarks/backup_drill.py
    .venv/bin/python benchmarks/backup_drill.py --demo-runs 3   # a larger database

Everything happens in a throwaway PostgreSQL cluster of its own (a free loopback port, a
temporary folder; as the postgres user when run as root), never on the shared server:

1. `manage.py migrate` and `manage.py demo` (run --demo-runs times: each run adds a demo
   programme) into the database `drill_source`.
2. `scripts/backup URL DIR`, the operator's script: pg_dump -Fc to a timestamped file.
3. `createdb drill_restore` and `pg_restore --no-owner --exit-on-error --jobs=2` into it.
4. For every table of the public schema, in both databases: count(*) and
   md5(string_agg(row::text ORDER BY primary key)); for every sequence its last value.
   Any difference is printed and the script exits 1.

Prints the dump and restore times and sizes, with the RPO and RTO they imply. Takes about a
minute (the demo builds most of it). Not run in CI.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib


def manage(url: str, *args: str) -> float:
    """Run a manage.py command on the database at url; returns its wall time."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=benchlib.ROOT,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    return time.perf_counter() - started


def fingerprint(url: str) -> dict[str, tuple]:
    """Every public table's (rows, md5 of its rows in primary-key order) and every
    sequence's (last value, is_called), keyed by name."""
    import psycopg
    from psycopg import sql

    found: dict[str, tuple] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for table in tables:
            keys = primary_key(conn, table)
            order = (
                sql.SQL(", ").join(sql.SQL("t.") + sql.Identifier(k) for k in keys)
                if keys
                else sql.SQL("t::text")
            )
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) "
                "FROM {} t"
            ).format(order, sql.Identifier(table))
            found[f"table {table}"] = conn.execute(query).fetchone()
        sequences = [
            row[0]
            for row in conn.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for sequence in sequences:
            query = sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(sequence))
            found[f"sequence {sequence}"] = conn.execute(query).fetchone()
    return found


def primary_key(conn, table: str) -> list[str]:
    rows = conn.execute(
        """
        SELECT a.attname FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = %s::regclass AND i.indisprimary
        ORDER BY array_position(i.indkey, a.attnum)
        """,
        [f'public."{table}"'],
    )
    return [row[0] for row in rows]


def backup(url: str, folder: Path) -> tuple[Path, float]:
    """scripts/backup, as an operator runs it: the file it wrote and the time it took."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(benchlib.ROOT / "scripts" / "backup"), url, str(folder)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    path = Path(done.stdout.split("\t")[0])
    if not re.fullmatch(r"drill_source-\d{8}T\d{6}Z\.dump", path.name):
        raise RuntimeError(f"unexpected backup file name {path.name}")
    return path, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-runs", type=int, default=1, help="demo programmes (default 1)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    print(f"machine             {benchlib.machine()}")
    cluster = benchlib.Cluster.create()
    try:
        source, restored = cluster.url("drill_source"), cluster.url("drill_restore")
        cluster.run(
            "createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "drill_source"
        )
        built = manage(source, "migrate", "--noinput")
        for _run in range(args.demo_runs):
            built += manage(source, "demo")
        print(
            f"source              demo database ({args.demo_runs} demo runs) built in "
            f"{built:.1f} s, throwaway cluster on 127.0.0.1:{cluster.port}"
        )
        dump, dump_seconds = backup(source, tmp / "backups")
        mode = oct(dump.stat().st_mode & 0o777)
        print(
            f"dump                {dump.name}: {benchlib.kib(dump.stat().st_size)} in "
            f"{dump_seconds:.2f} s (scripts/backup, pg_dump -Fc), mode {mode}"
        )
        cluster.run(
            "createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            "postgres",
            "drill_restore",
        )
        started = time.perf_counter()
        # As this user, like the dump: the file is readable by its owner only.
        subprocess.run(
            [
                benchlib.postgres_bin("pg_restore"),
                f"--dbname={restored}",
                "--no-owner",
                "--exit-on-error",
                "--jobs=2",
                str(dump),
            ],
            check=True,
            timeout=600,
        )
        restore_seconds = time.perf_counter() - started
        print(
            f"restore             pg_restore --jobs=2 into a fresh database in "
            f"{restore_seconds:.2f} s"
        )
        started = time.perf_counter()
        before, after = fingerprint(source), fingerprint(restored)
        compared = time.perf_counter() - started
        tables = [name for name in before if name.startswith("table ")]
        rows = sum(before[name][0] for name in tables)
        differ = sorted(
            name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
        )
        print(
            f"compared            {len(tables)} tables, {rows} rows, "
            f"{len(before) - len(tables)} sequences in {compared:.2f} s"
        )
        biggest = sorted(tables, key=lambda name: -before[name][0])[:5]
        print(
            "largest tables      " + ", ".join(f"{name[6:]} {before[name][0]}" for name in biggest)
        )
        print(f"differences         {len(differ)}")
        for name in differ[:20]:
            print(f"  {name}: source {before.get(name)}, restored {after.get(name)}")
        print(
            "RPO                 the interval between backups (daily cron: up to 24 h of "
            "answers); WAL archiving would shorten it"
        )
        print(
            f"RTO                 about {restore_seconds:.0f} s of restore for this size, plus "
            "creating the database and starting the app"
        )
        print(
            f"verdict             {'PASS' if not differ else 'FAIL'}: equal row counts, "
            "checksums and sequences"
        )
        if differ:
            sys.exit(1)
    finally:
        cluster.remove()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
