"""The `openbook` command, in-process through click and once as a real process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from openbook.auth.secrets import secret_matches
from openbook.cli import main
from openbook.store.factory import build_store
from openbook.store.port import Partner
from openbook.store.revision import expected_revision
from openbook.store.urls import DatabaseUrl
from tests.support.server_fixture import free_port
from tests.unit.test_import_formats import CSV_HEADER, VALID


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["migrate"],
        ["import"],
        ["demo"],
        ["clients"],
        ["clients", "add"],
        ["clients", "revoke"],
        ["staff"],
        ["staff", "add"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    code, output = run(*command, "--help")
    assert code == 0 and "Usage:" in output


def database_args(url: DatabaseUrl) -> list[str]:
    return ["--database-url", url.raw]


def test_import_json_then_refuse_the_same_file_again(database_url: DatabaseUrl, tmp_path: Path) -> None:
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(VALID))
    code, output = run("import", *database_args(database_url), str(path))
    assert code == 0, output
    assert "imported 1 sellers, 1 places, 3 parents, 3 offers, 3 opportunities" in output
    code, output = run("import", *database_args(database_url), str(path))
    assert code == 1
    assert "sellers 'acme': identifier: already exists in the database" in output
    assert "nothing was imported" in output


def test_bad_import_names_record_and_field_and_imports_nothing(database_url: DatabaseUrl, tmp_path: Path) -> None:
    document = json.loads(json.dumps(VALID))
    document["sessionSeries"][0]["sessions"][0]["maximumAttendeeCapacity"] = -4
    document["sessionSeries"][0]["activity"] = ["https://openactive.io/activity-list#not-a-real-activity"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    code, output = run("import", *database_args(database_url), str(path))
    assert code == 1
    assert "sessions[0] 'yoga-1': maximumAttendeeCapacity: must be at least 0, got -4" in output
    # The activity is checked once the file parses; fix capacity and the next problem is named.
    document["sessionSeries"][0]["sessions"][0]["maximumAttendeeCapacity"] = 4
    path.write_text(json.dumps(document))
    code, output = run("import", *database_args(database_url), str(path))
    assert code == 1 and "is not in the OpenActive activity list" in output
    code, output = run("demo", *database_args(database_url))
    assert code == 0, output  # nothing from the failed imports is in the way


def test_csv_timetable_import_uses_existing_seller_and_place(database_url: DatabaseUrl, tmp_path: Path) -> None:
    sellers = tmp_path / "sellers.json"
    sellers.write_text(json.dumps({"sellers": VALID["sellers"], "places": VALID["places"]}))
    assert run("import", *database_args(database_url), str(sellers))[0] == 0
    timetable = tmp_path / "timetable.csv"
    timetable.write_text(
        CSV_HEADER + "pilates,Pilates,acme,Yoga,hall,2030-01-01T09:00:00Z,2030-01-01T10:00:00Z,8,6.50,GBP\n"
    )
    code, output = run("import", *database_args(database_url), str(timetable))
    assert code == 0, output
    assert "1 opportunities" in output
    timetable.write_text(CSV_HEADER + "x,X,nobody,Yoga,hall,2030-01-01T09:00:00Z,2030-01-01T10:00:00Z,8,6.50,GBP\n")
    code, output = run("import", *database_args(database_url), str(timetable))
    assert code == 1 and "no seller 'nobody'" in output


def test_demo_twice_is_refused_clearly(sqlite_url: DatabaseUrl) -> None:
    assert run("demo", *database_args(sqlite_url))[0] == 0
    code, output = run("demo", *database_args(sqlite_url))
    assert code == 1 and "already loaded" in output


def test_bad_flags_are_refused() -> None:
    code, output = run("migrate", "--database-url", "mysql://x")
    assert code == 2 and "unsupported database URL" in output
    code, output = run("serve", "--lease-duration", "15 minutes")
    assert code == 2 and "ISO 8601" in output
    code, output = run("serve", "--token-lifetime", "1h")
    assert code == 2 and "--token-lifetime" in output


def test_postgres_serve_refuses_an_unmigrated_schema() -> None:
    from tests.conftest import POSTGRES_URL, require_postgres

    require_postgres()
    code, output = run("serve", "--database-url", f"{POSTGRES_URL}?schema=never_migrated_schema")
    assert code == 1 and "run `openbook migrate" in output


def test_migrate_is_idempotent(postgres_url: DatabaseUrl) -> None:
    for _ in range(2):
        code, output = run("migrate", *database_args(postgres_url))
        assert code == 0
        assert f"schema at revision {expected_revision(postgres_url)}" in output


def test_the_readme_server_command_starts_with_demo_data(tmp_path: Path) -> None:
    """`openbook serve --demo` as a real process (granian), as the README tells operators to run it."""
    port = free_port()
    env = {**os.environ, "OPENBOOK_DATA_DIR": str(tmp_path / "data"), "OPENBOOK_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "openbook", "serve", "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
                if health["opportunities"] > 0:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)
        page = httpx.get(f"http://localhost:{port}/feeds/session-series", timeout=5).json()
        assert page["next"].startswith(f"http://localhost:{port}/feeds/session-series")
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_documented_examples_import(database_url: DatabaseUrl) -> None:
    examples = Path(__file__).parents[2] / "examples"
    code, output = run("import", *database_args(database_url), str(examples / "inventory.json"))
    assert code == 0, output
    code, output = run("import", *database_args(database_url), str(examples / "timetable.csv"))
    assert code == 0, output
    assert "3 opportunities in 2 parents" in output


def test_clients_lifecycle_and_refusals(database_url: DatabaseUrl) -> None:
    db = database_args(database_url)
    assert run("demo", *db)[0] == 0
    code, output = run(
        "clients", "add", "Fit App", "--seller", "riverside-leisure", "--client-id", "fit-app", "--json", *db
    )
    assert code == 0, output
    credentials = json.loads(output.splitlines()[0])
    assert credentials["client_id"] == "fit-app" and len(credentials["client_secret"]) >= 40

    code, output = run("clients", "add", "Again", "--client-id", "fit-app", *db)
    assert code == 1 and "already exists" in output
    code, output = run("clients", "add", "Nobody's", "--seller", "no-such-seller", *db)
    assert code == 1 and "no-such-seller" in output
    code, output = run("clients", "add", "  ", *db)
    assert code == 1 and "needs a name" in output
    code, output = run("clients", "suspend", "not-a-client", *db)
    assert code == 1 and "not-a-client" in output

    code, output = run("clients", "add", "Plain", *db)
    assert code == 0 and "client_secret:" in output
    assert run("clients", "authorise", "fit-app", "sam-taylor-coaching", *db)[0] == 0
    assert run("clients", "suspend", "fit-app", *db)[0] == 0
    listed = {c["client_id"]: c for c in json.loads(run("clients", "list", "--json", *db)[1])}
    assert listed["fit-app"]["suspended"] is True
    assert listed["fit-app"]["sellers"] == ["riverside-leisure", "sam-taylor-coaching"]
    assert run("clients", "revoke", "fit-app", "riverside-leisure", *db)[0] == 0
    assert run("clients", "resume", "fit-app", *db)[0] == 0
    listed = {c["client_id"]: c for c in json.loads(run("clients", "list", "--json", *db)[1])}
    assert listed["fit-app"] == {
        "client_id": "fit-app",
        "name": "Fit App",
        "suspended": False,
        "sellers": ["sam-taylor-coaching"],
    }
    code, output = run("clients", "reset-secret", "fit-app", "--json", *db)
    new_secret = json.loads(output.splitlines()[0])["client_secret"]
    assert new_secret != credentials["client_secret"]
    stored = asyncio.run(stored_partner(database_url, "fit-app"))
    assert stored.secret_hash is not None and stored.secret_hash.startswith("$argon2id$")
    assert new_secret not in stored.secret_hash
    assert secret_matches(stored.secret_hash, new_secret)
    assert not secret_matches(stored.secret_hash, credentials["client_secret"])


async def stored_partner(url: DatabaseUrl, client_id: str) -> Partner:
    store = build_store(url)
    await store.start()
    try:
        partner = await store.partner(client_id)
    finally:
        await store.close()
    assert partner is not None
    return partner
