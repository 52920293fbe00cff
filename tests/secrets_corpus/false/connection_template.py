import os

user = os.environ["DB_USER"]
password = os.environ["DB_PASSWORD"]
host = "db.internal"
url = f"postgresql://{user}:{password}@{host}/warehouse"
conn = connect(
    host=host,
    user=user,
    password=password,
)
