"""The accounts tests reuse the cases fixtures (a case bob opened on alice's asset)."""

from tests.cases.conftest import bob_case, open_case  # noqa: F401
