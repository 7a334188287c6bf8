"""Production settings pass Django's deployment checklist."""

import secrets
import subprocess

from tests.servers import PYTHON, ROOT, server_env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = server_env(
        SECRET_KEY=secrets.token_urlsafe(60),
        PUBLIC_URL="https://upserve.example.org",
        ALLOWED_HOSTS="upserve.example.org",
        UPSERVE_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [str(PYTHON), "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
