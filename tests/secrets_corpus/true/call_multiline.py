conn = connect(
    account="acme",
    user="etl",
    password="Sn0wPa55!",
)
