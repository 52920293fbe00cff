resp = requests.post(
    "https://api.example.com/export",
    auth=(
        "etl",
        "Mu1t!L1nePw",
    ),
)
