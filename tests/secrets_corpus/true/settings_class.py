class Settings:
    host: str = "db.internal"
    user: str = "etl"
    password: str = "Cl4ssPa55!"
