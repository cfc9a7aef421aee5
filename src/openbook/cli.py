"""The `openbook` command. Every flag can also be given as an OPENBOOK_* environment variable."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from openbook.domain.durations import InvalidDuration, parse_duration
from openbook.domain.inventory import InventoryBundle
from openbook.importing.csv_format import parse_timetable_csv
from openbook.importing.json_format import parse_inventory_json
from openbook.importing.problems import ImportRejected
from openbook.log_config import configure_logging
from openbook.services.backoffice import BackOfficeError, StaffAdmin
from openbook.services.conformance_data import conformance_bundle
from openbook.services.demo import demo_inventory
from openbook.services.inventory import import_inventory
from openbook.services.partners import NewCredentials, PartnerAdmin, PartnerAdminError
from openbook.services.vocabulary import shipped_vocabulary
from openbook.store.factory import build_store
from openbook.store.migrate import migrate
from openbook.store.port import ImportSummary, Store
from openbook.store.revision import current_revision, expected_revision
from openbook.store.urls import DatabaseUrl

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def database_options(command: F) -> F:
    command = click.option(
        "--data-dir",
        envvar="OPENBOOK_DATA_DIR",
        default="openbook-data",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the embedded SQLite database lives.",
    )(command)
    return click.option(
        "--database-url",
        envvar="OPENBOOK_DATABASE_URL",
        default="",
        show_default="SQLite file in --data-dir",
        help="postgresql://user@host:port/db to use PostgreSQL.",
    )(command)


def _url(database_url: str, data_dir: Path) -> DatabaseUrl:
    try:
        return DatabaseUrl.parse(database_url, data_dir)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--database-url") from error


def prepare_database(url: DatabaseUrl) -> None:
    """SQLite migrates itself; PostgreSQL is migrated deliberately (`openbook migrate`) by the operator."""
    if not url.is_postgres:
        migrate(url)
        return
    current, expected = current_revision(url), expected_revision(url)
    if current != expected:
        raise click.ClickException(
            f"the PostgreSQL schema is at revision {current or 'none'}, this openbook needs {expected}: "
            "run `openbook migrate --database-url ...` first"
        )


def _report(summary: ImportSummary) -> None:
    click.echo(
        f"imported {summary.sellers} sellers, {summary.places} places, {summary.parents} parents, "
        f"{summary.offers} offers, {summary.opportunities} opportunities"
    )


async def _import(url: DatabaseUrl, bundle: InventoryBundle) -> ImportSummary:
    store = build_store(url)
    await store.start()
    try:
        with click.progressbar(length=bundle.opportunity_count, label="writing", show_pos=True) as bar:
            return await import_inventory(store, bundle, shipped_vocabulary(), on_progress=bar.update)
    finally:
        await store.close()


async def _is_empty(url: DatabaseUrl) -> bool:
    store = build_store(url)
    await store.start()
    try:
        return (await store.counts())["sellers"] == 0
    finally:
        await store.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="openbook")
def main() -> None:
    """openbook: a booking system server for sellers of sessions, facility slots and events."""
    configure_logging(os.environ.get("OPENBOOK_LOG_LEVEL", "INFO"))


@main.command()
@database_options
@click.option("--host", envvar="OPENBOOK_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="OPENBOOK_PORT", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    envvar="OPENBOOK_WORKERS",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes; one per core is right for most machines.",
)
@click.option(
    "--base-url",
    envvar="OPENBOOK_BASE_URL",
    default="",
    show_default="http://localhost:PORT",
    help="Public URL that @ids and feed links are built from (set it behind a proxy).",
)
@click.option("--demo", envvar="OPENBOOK_DEMO", is_flag=True, help="Load demo data when the database is empty.")
@click.option(
    "--lease-duration",
    envvar="OPENBOOK_LEASE_DURATION",
    default="PT15M",
    show_default=True,
    help="How long a lease holds capacity (ISO 8601 duration).",
)
@click.option(
    "--token-lifetime",
    envvar="OPENBOOK_TOKEN_LIFETIME",
    default="PT15M",
    show_default=True,
    help="How long an access token from /oauth/token is valid (ISO 8601 duration).",
)
@click.option(
    "--test-mode",
    envvar="OPENBOOK_TEST_MODE",
    is_flag=True,
    help="Trust X-OpenActive-Test-* headers and serve the OpenActive test interface. Never in production.",
)
@click.option(
    "--allow-test-mode-on-network",
    is_flag=True,
    help="Allow --test-mode on a non-loopback address (it trusts anyone who can reach the port).",
)
def serve(
    database_url: str,
    data_dir: Path,
    host: str,
    port: int,
    workers: int,
    base_url: str,
    demo: bool,
    lease_duration: str,
    token_lifetime: str,
    test_mode: bool,
    allow_test_mode_on_network: bool,
) -> None:
    """Run the HTTP server."""
    if test_mode and not _is_loopback(host) and not allow_test_mode_on_network:
        raise click.UsageError(
            f"--test-mode trusts unauthenticated headers; refusing to serve it on {host}. "
            "Use a loopback address, or add --allow-test-mode-on-network if you really mean it."
        )
    for flag, value in (("--lease-duration", lease_duration), ("--token-lifetime", token_lifetime)):
        try:
            parse_duration(value)
        except InvalidDuration as error:
            raise click.BadParameter(str(error), param_hint=flag) from error
    url = _url(database_url, data_dir)
    prepare_database(url)
    if demo and asyncio.run(_is_empty(url)):
        _report(asyncio.run(_import(url, demo_inventory(datetime.now(UTC)))))
    # Worker processes read their settings from the environment.
    os.environ.update(
        OPENBOOK_DATABASE_URL=url.raw,
        OPENBOOK_HOST=host,
        OPENBOOK_PORT=str(port),
        OPENBOOK_LEASE_DURATION=lease_duration,
        OPENBOOK_TOKEN_LIFETIME=token_lifetime,
        OPENBOOK_TEST_MODE="1" if test_mode else "",
    )
    if base_url:
        os.environ["OPENBOOK_BASE_URL"] = base_url
    from granian import Granian
    from granian.constants import Interfaces

    click.echo(f"openbook on http://{host}:{port} ({workers} worker(s), {url.redacted()})")
    Granian(
        "openbook.app:app_from_environment",
        factory=True,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        log_access=False,
    ).serve()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@main.command("migrate")
@database_options
def migrate_command(database_url: str, data_dir: Path) -> None:
    """Bring the database schema up to date (safe to run repeatedly)."""
    url = _url(database_url, data_dir)
    migrate(url)
    click.echo(f"schema at revision {expected_revision(url)} ({url.redacted()})")


@main.command("import")
@database_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(database_url: str, data_dir: Path, file: Path) -> None:
    """Import inventory from FILE (.json, or .csv for simple timetables): all of it, or nothing.

    The formats are described in docs/import-format.md.
    """
    url = _url(database_url, data_dir)
    prepare_database(url)
    try:
        if file.suffix.lower() == ".csv":
            bundle = parse_timetable_csv(file.read_text(encoding="utf-8-sig"), shipped_vocabulary())
        else:
            bundle = parse_inventory_json(file.read_bytes())
        counted = f"{bundle.opportunity_count} opportunities in {len(bundle.parents)} parents"
        click.echo(f"{file.name}: {counted}; importing")
        summary = asyncio.run(_import(url, bundle))
    except ImportRejected as rejected:
        for problem in rejected.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(
            f"{len(rejected.problems)} problem(s) in {file.name}; nothing was imported"
        ) from None
    _report(summary)


@main.command()
@database_options
@click.option(
    "--conformance-data",
    is_flag=True,
    help="Also load opportunities for the OpenActive Test Suite's random mode (docs/conformance.md).",
)
@click.option(
    "--conformance-count",
    type=click.IntRange(1),
    default=None,
    help="With --conformance-data: this many per criterion, flow, type and seller (default: twice the suite's uses).",
)
def demo(database_url: str, data_dir: Path, conformance_data: bool, conformance_count: int | None) -> None:
    """Load the demo inventory: two sellers and a fortnight of sessions and facility slots."""
    url = _url(database_url, data_dir)
    prepare_database(url)
    now = datetime.now(UTC)
    bundle = demo_inventory(now)
    if conformance_data:
        bundle = conformance_bundle(bundle, now, conformance_count, click.echo)
    try:
        _report(asyncio.run(_import(url, bundle)))
    except ImportRejected as rejected:
        raise click.ClickException(f"demo data is already loaded ({rejected.problems[0]})") from None


@main.command()
@click.option(
    "--postgres-url",
    envvar="OPENBOOK_BENCH_POSTGRES_URL",
    default="",
    help="Also measure PostgreSQL (a scratch schema is created and dropped).",
)
@click.option("--sizes", default="1000,1000000", show_default=True, help="Feed sizes to compare, comma-separated.")
@click.option(
    "--output", default="bench-results/latest.json", show_default=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--only", type=click.Choice(["feeds", "booking"]), multiple=True, help="Run only these benchmarks.")
@click.option(
    "--requests", default=4000, show_default=True, type=click.IntRange(100), help="Requests per booking scenario."
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server worker processes for the booking benchmarks.",
)
def bench(postgres_url: str, sizes: str, output: Path, only: tuple[str, ...], requests: int, workers: int) -> None:
    """Measure performance and write the figures (JSON) to --output."""
    from openbook.bench.runner import run

    try:
        size_list = sorted({int(size) for size in sizes.split(",")})
    except ValueError as error:
        raise click.BadParameter("sizes must be whole numbers", param_hint="--sizes") from error
    if len(size_list) < 2 or size_list[0] < 500:
        raise click.BadParameter("give at least two sizes of 500 or more", param_hint="--sizes")
    run(output, postgres_url or None, size_list, click.echo, set(only) or None, requests, workers)


@main.group()
def clients() -> None:
    """Manage booking partners: their OAuth2 client credentials and the sellers they may book for.

    Partners exchange their credentials at POST /oauth/token (client-credentials grant) for a bearer token.
    """


def _with_store(database_url: str, data_dir: Path, action: Callable[[Store], Awaitable[T]]) -> T:
    """Run one operator action against the database; refusals become a clear message and exit code 1."""
    url = _url(database_url, data_dir)
    prepare_database(url)

    async def run() -> T:
        store = build_store(url)
        await store.start()
        try:
            return await action(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except PartnerAdminError as error:
        raise click.ClickException(str(error)) from None
    except BackOfficeError as error:
        raise click.ClickException(error.message) from None


def _admin(database_url: str, data_dir: Path, action: Callable[[PartnerAdmin], Awaitable[T]]) -> T:
    return _with_store(database_url, data_dir, lambda store: action(PartnerAdmin(store)))


def _show_credentials(credentials: NewCredentials, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"client_id": credentials.client_id, "client_secret": credentials.secret}))
        return
    click.echo(f"client_id:     {credentials.client_id}")
    click.echo(f"client_secret: {credentials.secret}")
    click.echo("The secret is shown only now; openbook keeps only its hash.", err=True)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


@clients.command("add")
@database_options
@click.argument("name")
@click.option("--client-id", help="Choose the client id (default: generated).")
@click.option("--seller", "sellers", multiple=True, help="Identifier of a seller it may book for (repeatable).")
@json_option
def clients_add(
    database_url: str, data_dir: Path, name: str, client_id: str | None, sellers: tuple[str, ...], as_json: bool
) -> None:
    """Register a booking partner called NAME and print its new credentials."""
    credentials = _admin(
        database_url, data_dir, lambda admin: admin.add(name, list(sellers), datetime.now(UTC), client_id)
    )
    _show_credentials(credentials, as_json)


@clients.command("list")
@database_options
@json_option
def clients_list(database_url: str, data_dir: Path, as_json: bool) -> None:
    """List booking partners, their state and their sellers."""
    summaries = _admin(database_url, data_dir, lambda admin: admin.summaries())
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"client_id": s.client_id, "name": s.name, "suspended": s.suspended, "sellers": list(s.sellers)}
                    for s in summaries
                ]
            )
        )
        return
    for s in summaries:
        state = "suspended" if s.suspended else ("test mode" if not s.has_secret else "active")
        click.echo(f"{s.client_id}\t{s.name}\t{state}\tsellers: {', '.join(s.sellers) or '(none)'}")


def _seller_authorisation_command(name: str, doc: str, grant: bool) -> None:
    @clients.command(name, help=doc)
    @database_options
    @click.argument("client_id")
    @click.argument("sellers", nargs=-1, required=True)
    def command(database_url: str, data_dir: Path, client_id: str, sellers: tuple[str, ...]) -> None:
        change = PartnerAdmin.authorise if grant else PartnerAdmin.revoke
        _admin(database_url, data_dir, lambda admin: change(admin, client_id, list(sellers)))
        click.echo(f"{client_id} may {'' if grant else 'no longer '}book for {', '.join(sellers)}")


_seller_authorisation_command(
    "authorise", "Let CLIENT_ID book for SELLERS (seller identifiers); their orders reappear in its feed.", True
)
_seller_authorisation_command(
    "revoke", "Stop CLIENT_ID booking for SELLERS; their orders show as deleted in its orders feed.", False
)


def _suspension_command(name: str, doc: str, suspended: bool) -> None:
    @clients.command(name, help=doc)
    @database_options
    @click.argument("client_id")
    def command(database_url: str, data_dir: Path, client_id: str) -> None:
        _admin(database_url, data_dir, lambda admin: admin.set_suspended(client_id, suspended))
        click.echo(f"{client_id} {name}d")


_suspension_command("suspend", "Refuse CLIENT_ID's booking calls at once; its orders feed stays open.", True)
_suspension_command("resume", "Lift CLIENT_ID's suspension.", False)


@clients.command("reset-secret")
@database_options
@click.argument("client_id")
@json_option
def clients_reset_secret(database_url: str, data_dir: Path, client_id: str, as_json: bool) -> None:
    """Issue CLIENT_ID a new secret (the old one stops working; its orders stay its own)."""
    _show_credentials(_admin(database_url, data_dir, lambda admin: admin.reset_secret(client_id)), as_json)


@main.group()
def staff() -> None:
    """Manage seller staff keys for the back office (/backoffice/api): each key acts for one seller only."""


def _staff_admin(database_url: str, data_dir: Path, action: Callable[[StaffAdmin], Awaitable[T]]) -> T:
    return _with_store(database_url, data_dir, lambda store: action(StaffAdmin(store)))


@staff.command("add")
@database_options
@click.argument("seller")
@click.argument("name")
@json_option
def staff_add(database_url: str, data_dir: Path, seller: str, name: str, as_json: bool) -> None:
    """Give NAME, of the seller with identifier SELLER, a back-office key (shown once)."""
    made = _staff_admin(database_url, data_dir, lambda admin: admin.add(seller, name, datetime.now(UTC)))
    if as_json:
        click.echo(json.dumps({"id": made.staff.id, "key": made.key}))
        return
    click.echo(f"staff id: {made.staff.id}")
    click.echo(f"key:      {made.key}")
    click.echo("The key is shown only now; openbook keeps only its hash.", err=True)


@staff.command("list")
@database_options
def staff_list(database_url: str, data_dir: Path) -> None:
    """List staff members: id, seller id, name, state."""
    for member in _staff_admin(database_url, data_dir, lambda admin: admin.all()):
        state = "revoked" if member.revoked else "active"
        click.echo(f"{member.id}\tseller {member.seller_id}\t{member.name}\t{state}")


@staff.command("revoke")
@database_options
@click.argument("staff_id", type=int)
def staff_revoke(database_url: str, data_dir: Path, staff_id: int) -> None:
    """Revoke the key of staff member STAFF_ID at once."""
    _staff_admin(database_url, data_dir, lambda admin: admin.revoke(staff_id))
    click.echo(f"staff {staff_id} revoked")
