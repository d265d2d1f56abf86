import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_django(code, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))}
    environment.update(env, DJANGO_SETTINGS_MODULE="alliance_portal.settings")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_django("pass", PORTAL_PRODUCTION="1", DJANGO_ALLOWED_HOSTS="kjj.shuozhou.gov.cn")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_mode_refuses_to_start_without_the_portals_address():
    """The letters the daily commands send link to the portal: no request gives its host."""
    result = run_django(
        "pass",
        PORTAL_PRODUCTION="1",
        DJANGO_ALLOWED_HOSTS="kjj.shuozhou.gov.cn",
        DJANGO_SECRET_KEY="x" * 64,
        PORTAL_SITE_URL="http://kjj.shuozhou.gov.cn",
    )
    assert result.returncode != 0
    assert "PORTAL_SITE_URL" in result.stderr


def test_production_mode_settings_are_secure():
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
        "s.SECURE_SSL_REDIRECT, s.STORAGES['default']['OPTIONS']['base_url'] is None, "
        "s.LANGUAGE_CODE, s.TIME_ZONE)",
        PORTAL_PRODUCTION="1",
        DJANGO_ALLOWED_HOSTS="kjj.shuozhou.gov.cn",
        DJANGO_SECRET_KEY="x" * 64,
        PORTAL_SITE_URL="https://kjj.shuozhou.gov.cn",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "True",
        "zh-hans",
        "Asia/Shanghai",
    ]


def test_private_media_lies_outside_static_and_has_no_url():
    from django.conf import settings

    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert not root.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not any(root.is_relative_to(Path(d).resolve()) for d in settings.STATICFILES_DIRS)
    assert settings.STORAGES["default"]["OPTIONS"]["base_url"] is None
