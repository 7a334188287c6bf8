"""Settings of the bare app: Channels' in-process layer, or channels_redis' pub/sub layer when
REDIS_URL is set (the layers a naive app would use for the project's two shapes), nothing else."""

import os
from pathlib import Path

VAR_DIR = Path(os.environ.get("BARE_VAR_DIR", "/tmp/upserve-bench-bare"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "bare-" + "k" * 50)
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["daphne", "channels"]
ROOT_URLCONF = "bench.bare.urls"
ASGI_APPLICATION = "bench.bare.asgi.application"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "bare.sqlite3"}}
USE_TZ = True

if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
