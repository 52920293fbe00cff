credentials_info = {
    "type": "service_account",
    "project_id": "acme-etl",
    "private_key_id": "5f0c5c785edb83f3a16dbac6ae0913bc32592f20",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n",
    "client_email": "etl@acme-etl.iam.gserviceaccount.com",
}
