import json

info = json.loads("""
{
  "type": "service_account",
  "project_id": "acme-etl",
  "private_key_id": "411673376a38e7a6e2ef32a3030001fc5f0c5c78",
  "client_email": "etl@acme-etl.iam.gserviceaccount.com"
}
""")
