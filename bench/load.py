"""Load benchmark: the partner's requests on a real server (gunicorn) under a load generator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k \\
        .venv/bin/python bench/load.py [--assets 100000] [--port 8190] [--workers 4] \\
        [--connections 10] [--duration 12] [--redis redis://127.0.0.1:6379/14]

Uses the world of bench/catalog.py (seeded with bench/seed.py if the database does not
hold it yet). Starts gunicorn (`portal.wsgi`, sync workers) in production mode: DEBUG off,
`portal.settings` with the production system checks on (a random SECRET_KEY, the webhook
secret, placeholder Cloudinary / Trading Grid endpoints that are never called on these
paths, the Redis cache that login rate limits and API throttles need), WhiteNoise serving
the static files collected into a temporary directory, requests marked as HTTPS by
`X-Forwarded-Proto` as behind the TLS proxy (SECURE_SSL_REDIRECT stays on). The API user
throttle is raised (API_THROTTLE_USER) so it counts but never refuses the benchmark.

Logs bench.partner in through the login form (a session cookie), checks that every endpoint
answers as the partner (not the login page), then drives each endpoint with `wrk` (Debian's
wrk 4; redirects are not followed) at --connections for --duration seconds after a short
warm-up:

- trivial: `/api/v1/me/tokens/`, the cheapest page that needs a login (session, user,
  throttle, one small query for the partner's API tokens; no template). Measured first
  and last; the percentages use the mean of the two;
- catalog `/catalog/`, search `/catalog/?q=ridge+boot`, API list `/api/v1/assets/`,
  download redirect `/assets/<id>/download/web-1200-webp/` (302 to the signed URL).

Reports req/s, p50/p99 latency, errors (non-2xx/3xx responses and socket errors, with
the status counts a wrk Lua script collects) and each endpoint's req/s as % of the
trivial view.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import PBKDF2PasswordHasher  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from assets.models import Asset  # noqa: E402
from bench.seed import BENCH_EMAIL, World, seed_catalog, world_is_seeded  # noqa: E402

PASSWORD = "bench-load-" + "partner-17"  # set on bench.partner by this script
PRESET = "web-1200-webp"
STATUS_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("status %d %d\\n", code, n)) end
end
"""


def server_environment(port: int, var_dir: Path, redis: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "PORTAL_VAR_DIR": str(var_dir),
        "REDIS_URL": redis,
        "CELERY_BROKER_URL": redis,
        "TRADING_GRID_WEBHOOK_SECRET": secrets.token_urlsafe(24),
        # Placeholders that satisfy the production checks; these paths never call them.
        "CLOUDINARY_URL": "cloudinary://benchkey:benchsecret@bench-cloud",
        "TRADING_GRID_URL": "https://bench:bench@tradinggrid.invalid/v1",
        "API_THROTTLE_USER": "100000000/hour",
    })
    return env


def request(port: int, method: str, path: str, cookies: dict, body: str | None = None,
            headers: dict | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    all_headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{port}",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body is not None:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    all_headers.update(headers or {})
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    response.body = response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
    conn.close()
    return response


def log_in(port: int) -> dict:
    """bench.partner's cookies after the login form (csrftoken and sessionid)."""
    cookies: dict = {}
    page = request(port, "GET", "/accounts/login/", cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if page.status != 200 or not token:
        raise SystemExit(f"login page: {page.status} {page.body[:300]!r}")
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1).decode(),
                                   "login": BENCH_EMAIL, "password": PASSWORD})
    answer = request(port, "POST", "/accounts/login/", cookies, body,
                     {"Referer": f"https://127.0.0.1:{port}/accounts/login/"})
    if answer.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login refused: {answer.status} {answer.body[:500]!r}")
    return cookies


def verify(port: int, cookies: dict, name: str, path: str, status: int) -> None:
    """The endpoint answers the partner (a redirect to the login page would look like a
    success to the load generator)."""
    answer = request(port, "GET", path, dict(cookies))
    location = answer.getheader("Location") or ""
    if answer.status != status or "/accounts/login" in location:
        raise SystemExit(f"{name} {path}: {answer.status} {location} {answer.body[:300]!r}")
    if status == 302 and not location.startswith("https://"):
        raise SystemExit(f"{name}: redirect to {location!r}, not a signed delivery URL")
    print(f"  {name:9} {path} -> {answer.status} ({len(answer.body)} bytes)", flush=True)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(port: int, cookies: dict, path: str, connections: int, duration: int,
            script: Path) -> dict:
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency",
               "--timeout", "30s", "-s", str(script), "-H", f"Cookie: {cookie}",
               "-H", "X-Forwarded-Proto: https", f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = {"out": out}
    found["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    found["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    for pct in ("50", "99"):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        found[f"p{pct}"] = _ms(value, unit)
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    found["errors"] = (int(non.group(1)) if non else 0) + (
        sum(int(g) for g in sock.groups()) if sock else 0)
    found["statuses"] = {int(code): int(n)
                         for code, n in re.findall(r"^status (\d+) (\d+)$", out, re.M)}
    return found


def wait_for(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            # the login page, not /healthz: that one pings Cloudinary
            if request(port, "GET", "/accounts/login/", {}).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=500)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--duration", type=int, default=12, help="seconds per endpoint")
    parser.add_argument("--warmup", type=int, default=2, help="seconds before each, unreported")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/load.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    call_command("migrate", verbosity=0)
    world = World(args.assets, args.communities, args.users)
    if not world_is_seeded(world):
        seed_catalog(world)
    # The production hasher (the test settings' MD5 hasher is not in the server's list).
    User.objects.filter(email=BENCH_EMAIL).update(
        password=PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt()))
    user = User.objects.get(email=BENCH_EMAIL)
    one = Asset.objects.visible_to(user).order_by("-updated_at").first()
    endpoints = [
        ("trivial", "/api/v1/me/tokens/", 200),
        ("catalog", "/catalog/", 200),
        ("search", "/catalog/?q=ridge+boot", 200),
        ("API list", "/api/v1/assets/", 200),
        ("download", f"/assets/{one.pk}/download/{PRESET}/", 302),
    ]
    connection.close()

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        var_dir = Path(tmp)
        env = server_environment(args.port, var_dir, args.redis)
        python = str(Path(sys.executable))
        print("collecting static files ...", flush=True)
        subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                       env=env, check=True)
        script = var_dir / "statuses.lua"
        script.write_text(STATUS_SCRIPT)
        log = open(var_dir / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "portal.wsgi:application", "--workers", str(args.workers),
             "--bind", f"127.0.0.1:{args.port}", "--timeout", "120"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(args.port, server)
            print(f"gunicorn (pid {server.pid}, {args.workers} workers) on port {args.port}; "
                  f"logging in {BENCH_EMAIL} ...", flush=True)
            cookies = log_in(args.port)
            for name, path, status in endpoints:
                verify(args.port, cookies, name, path, status)
            results = []
            for name, path, _status in endpoints + [endpoints[0]]:
                if args.warmup:
                    run_wrk(args.port, cookies, path, args.connections, args.warmup, script)
                result = run_wrk(args.port, cookies, path, args.connections, args.duration,
                                 script)
                results.append((name, path, result))
                print(f"  {name:9} {result['rps']:8.1f} req/s  p50 {result['p50']:7.1f} ms  "
                      f"p99 {result['p99']:7.1f} ms  errors {result['errors']}  "
                      f"{result['statuses']}", flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
        # e.g. a request that tried to reach the placeholder Cloudinary host
        errors = re.findall(r".*(?:Error|Traceback|WARNING).*",
                            (var_dir / "gunicorn.log").read_text())
    baseline = statistics.mean([results[0][2]["rps"], results[-1][2]["rps"]])
    print(f"\n{len(endpoints)} endpoints, gunicorn {args.workers} sync workers, wrk 2 threads "
          f"× {args.connections} connections × {args.duration} s each (after {args.warmup} s "
          f"warm-up); trivial = mean of the first and last run ({baseline:.1f} req/s)\n")
    print("| endpoint | req/s | p50 ms | p99 ms | requests | errors | statuses | % of trivial |")
    print("|---|---|---|---|---|---|---|---|")
    for index, (name, path, r) in enumerate(results):
        label = name if index < len(results) - 1 else f"{name} (again)"
        statuses = ", ".join(f"{c}: {n}" for c, n in sorted(r["statuses"].items()))
        print(f"| {label} `{path}` | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
              f"{r['requests']} | {r['errors']} | {statuses} | "
              f"{100 * r['rps'] / baseline:.1f} % |")
    if errors:
        print(f"\ngunicorn log: {len(errors)} error lines, e.g. {errors[:3]}")


if __name__ == "__main__":
    main()
