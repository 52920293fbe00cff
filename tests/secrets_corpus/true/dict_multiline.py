config = {
    "user": "etl",
    "host": "db.internal",
    "password": "D1ctPa55word",
}
