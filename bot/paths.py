"""Where the project's files live, independent of the working directory (root: bot/settings.py)."""
from pathlib import Path

from bot.settings import settings

ROOT = settings().root
DOMAIN_FILE = ROOT / "domain.yml"
CREDENTIALS_FILE = ROOT / "credentials.yml"
ENDPOINTS_FILE = ROOT / "endpoints.yml"
MODELS_DIR = ROOT / "models"
MODEL_FILE = MODELS_DIR / "safe-report.tar.gz"
WEB_DIR = Path(__file__).resolve().parent / "web"
LOGGING_CONFIG = ROOT / "config" / "logging.yml"
