import os

credentials_info = {
    "type": "service_account",
    "project_id": "acme-etl",
    "private_key_id": os.environ["GCP_KEY_ID"],
    "private_key": os.environ["GCP_PRIVATE_KEY"],
    "client_email": "etl@acme-etl.iam.gserviceaccount.com",
}
