"""The `cosmostream` command: migrate, demo data, users, and refusing bad configuration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "cosmostream"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120)


def test_migrate_demo_and_users(cli_env: dict[str, str]) -> None:
    assert run(["migrate"], cli_env).returncode == 0
    # The demo videos go through the real pipeline: tests/demo covers them.
    first = run(["demo", "--if-empty", "--videos", "0"], cli_env)
    assert first.returncode == 0, first.stderr
    assert "admin@example.com" in first.stdout and "password:" in first.stdout
    assert "0 new demo videos" in first.stdout
    again = run(["demo", "--videos", "0"], cli_env)
    assert "0 new accounts" in again.stdout
    skipped = run(["demo", "--if-empty"], cli_env)
    assert "skipped" in skipped.stdout
    assert run(["demo", "--videos", "-1"], cli_env).returncode == 2

    created = run(
        [
            "user",
            "create",
            "--email",
            "Cli@Example.com",
            "--password",
            "command line pass",
            "--role",
            "creator",
        ],
        cli_env,
    )
    assert created.returncode == 0, created.stderr
    assert "cli@example.com (creator)" in created.stdout
    duplicate = run(
        ["user", "create", "--email", "cli@example.com", "--password", "command line pass"], cli_env
    )
    assert duplicate.returncode == 1
    weak = run(["user", "create", "--email", "weak@example.com", "--password", "123"], cli_env)
    assert weak.returncode == 1 and "at least 8" in weak.stderr
    promoted = run(["user", "set-role", "cli@example.com", "admin"], cli_env)
    assert promoted.returncode == 0 and "is now admin" in promoted.stdout
    bad_role = run(["user", "set-role", "cli@example.com", "emperor"], cli_env)
    assert bad_role.returncode == 2
    missing = run(["user", "set-role", "nobody@example.com", "admin"], cli_env)
    assert missing.returncode == 1


def test_demo_hides_passwords_in_production(cli_env: dict[str, str]) -> None:
    env = {
        **cli_env,
        "COSMOSTREAM_ENV": "production",
        "JWT_SECRET": "p" * 48,
        "COSMOSTREAM_BASE_URL": "https://cosmostream.example.com",
    }
    assert run(["migrate"], env).returncode == 0
    result = run(["demo", "--videos", "0"], env)
    assert result.returncode == 0
    assert "password:" not in result.stdout


@pytest.mark.parametrize("secret", ["", "change-me", "your-super-secret-jwt-key", "short"])
def test_production_refuses_default_or_weak_secret(cli_env: dict[str, str], secret: str) -> None:
    env = {
        **cli_env,
        "COSMOSTREAM_ENV": "production",
        "JWT_SECRET": secret,
        "COSMOSTREAM_BASE_URL": "https://cosmostream.example.com",
    }
    result = run(["migrate"], env)
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr


def test_production_requires_https(cli_env: dict[str, str]) -> None:
    env = {
        **cli_env,
        "COSMOSTREAM_ENV": "production",
        "JWT_SECRET": "p" * 48,
        "COSMOSTREAM_BASE_URL": "http://insecure.example.com",
    }
    assert run(["migrate"], env).returncode == 2


def test_development_secret_is_generated_once(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = {k: v for k, v in cli_env.items() if k != "JWT_SECRET"}
    assert run(["migrate"], env).returncode == 0
    key_file = tmp_path / "data" / "secret_key"
    first = key_file.read_text()
    assert len(first) >= 48
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert run(["migrate"], env).returncode == 0
    assert key_file.read_text() == first


def test_schema_export_matches_committed(cli_env: dict[str, str]) -> None:
    root = Path(__file__).resolve().parents[2]
    result = run(["export-schema"], cli_env)
    assert result.stdout.strip() == (root / "schema.graphql").read_text().strip()
