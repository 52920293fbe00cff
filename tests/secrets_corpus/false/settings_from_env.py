import os


class Settings:
    host: str = "db.internal"
    user: str = "etl"
    password: str = os.environ.get("DB_PASSWORD", "")
    token: str | None = None
