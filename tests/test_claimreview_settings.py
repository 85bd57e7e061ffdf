"""The ClaimReview settings: a public address must be http(s), and the fact-check template must place the claim."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from workbench.env import env_public_url


def test_an_unset_address_is_empty() -> None:
    assert env_public_url("CLAIMREVIEW_AUTHOR_URL", {}) == ""


def test_a_template_names_where_the_claim_goes() -> None:
    environ = {"CLAIMREVIEW_URL_TEMPLATE": "https://checks.example/fact-checks/{claim}"}
    assert (
        env_public_url("CLAIMREVIEW_URL_TEMPLATE", environ, placeholder="{claim}")
        == environ["CLAIMREVIEW_URL_TEMPLATE"]
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("checks.example/{claim}", "is not an http"),
        ("javascript:alert(1)//{claim}", "is not an http"),
        ("https://checks.example/fact-checks/", "must contain {claim} once"),
        ("https://checks.example/{claim}/{claim}", "must contain {claim} once"),
    ],
)
def test_a_bad_template_stops_start_up_naming_the_variable(raw: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="CLAIMREVIEW_URL_TEMPLATE"):
        env_public_url("CLAIMREVIEW_URL_TEMPLATE", {"CLAIMREVIEW_URL_TEMPLATE": raw}, placeholder="{claim}")
    with pytest.raises(ImproperlyConfigured, match=message.replace("{", r"\{").replace("}", r"\}")):
        env_public_url("CLAIMREVIEW_URL_TEMPLATE", {"CLAIMREVIEW_URL_TEMPLATE": raw}, placeholder="{claim}")
