from pathlib import Path

import pytest

from vendor_recon.config import ConfigError, load_accounts

GOOD = """
accounts:
  - account_id: acme-na
    region: NA
    marketplaces: [ATVPDKIKX0DER]
    vendor_codes: [ACME1]
    currency: USD
    connection_id: spapi_acme_na
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accounts.yml"
    path.write_text(text)
    return path


def test_committed_accounts_file_is_valid(repo):
    accounts = load_accounts(repo / "config" / "accounts.yml")
    assert {a.region for a in accounts} == {"NA", "EU", "FE"}


def test_good_account_is_typed(tmp_path):
    (account,) = load_accounts(write(tmp_path, GOOD))
    assert account.marketplace_ids == ("ATVPDKIKX0DER",)
    assert account.reporting_currency_code == "USD"
    assert account.default_endpoint.endswith("-na.amazon.com")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    region: NA", "    region: XX"), "field 'region' is 'XX'"),
        (
            ("    connection_id: spapi_acme_na\n", ""),
            "field 'connection_id' is missing",
        ),
        (("ATVPDKIKX0DER", "A1PA6795UKMFR9"), "not a marketplace of region NA"),
        (("currency: USD", "currency: usd"), "field 'currency'"),
    ],
)
def test_bad_account_names_file_account_and_field(tmp_path, change, message):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as error:
        load_accounts(path)
    assert str(path) in str(error.value)
    assert "'acme-na'" in str(error.value)
    assert message in str(error.value)


def test_duplicate_account_is_refused(tmp_path):
    body = GOOD + GOOD.split("accounts:\n", 1)[1]
    with pytest.raises(ConfigError, match="listed twice"):
        load_accounts(write(tmp_path, body))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_accounts(tmp_path / "nope.yml")
