"""Schema fuzzing (schemathesis) against the running test server, as a partner and as staff.

Every operation of /api/schema/ gets generated requests (valid and invalid data), sent over
HTTP to the live server with a partner's and a staff member's API token. No response may be
a server error or disagree with the schema (status code, content type, body). Bounded:
FUZZ_EXAMPLES per operation, persona and mode (`make fuzz` raises it).
"""

import os

import pytest
from allauth.mfa.models import Authenticator
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import api_token_create
from cases import services
from tests import factories as f

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def fuzz_world(settings, live_server, bob, support, alice_asset, eu_retailers):
    """Data the operations can find (an asset, a case), and a token for each persona."""
    settings.PORTAL_REQUIRE_STAFF_MFA = True
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    Authenticator.objects.create(user=support, type=Authenticator.Type.TOTP,
                                 data={"secret": "JBSWY3DPEHPK3PXP"})
    f.DownloadPresetFactory(slug="original", name="Original")
    services.case_open(opener=bob, asset=alice_asset, category="incorrect_asset",
                       subject="Wrong box", body="The photo shows last year's box.")
    return {"partner": api_token_create(user=bob, name="fuzz").key,
            "staff": api_token_create(user=support, name="fuzz").key}


@pytest.mark.django_db(transaction=True)
def test_the_api_never_errs_and_always_matches_its_schema(live_server, fuzz_world):
    # given
    schema = openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures, generated = [], {"cases": 0}
    # when
    for persona, key in fuzz_world.items():
        headers = {"Authorization": f"Token {key}"}
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, live_server.url, headers, persona, failures, generated)
    # then
    print(f"schemathesis: {generated['cases']} cases over {len(operations)} operations; "
          f"no negative case possible for {generated.get('unsatisfiable', [])}")
    print({persona: generated[persona] for persona in fuzz_world})
    assert generated["cases"] > 10 * len(operations)
    for persona in fuzz_world:  # the tokens really let both personas in
        assert sum(n for code, n in generated[persona].items() if code < 300) > 0, persona
    assert failures == [], "\n".join(sorted(set(failures)))


def _summary(failure) -> str:
    """The failure's kind, status and body, without the curl line."""
    text = str(failure)
    keep = [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith(("curl", "Reproduce"))]
    return " | ".join(keep)[:400]


def _fuzz(operation, mode, base_url, headers, persona, failures, generated):
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                         database=None, phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        generated["cases"] += 1
        # auth goes in the headers: a generated Authorization header would not be ours
        case.headers = {k: v for k, v in (case.headers or {}).items()
                        if k.lower() != "authorization"}
        response = case.call(base_url=base_url, headers=headers)
        statuses = generated.setdefault(persona, {})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as failure:  # collected, reported below
            failures.append(f"{persona} {mode.value} {operation.label}: {_summary(failure)}")

    try:
        run()
    except Unsatisfiable:
        # e.g. no invalid value exists for an operation without parameters
        generated.setdefault("unsatisfiable", []).append(f"{mode.value} {operation.label}")
