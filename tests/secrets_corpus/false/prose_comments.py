# Load the warehouse.
#
# Credentials: the password and the API token are read from the environment
# (DB_PASSWORD, API_TOKEN); pw: never hard-code it.
# Authorization: Bearer tokens expire after an hour, see docs/auth.md
# login: uses the service account
rows = fetch(token=os.environ["API_TOKEN"])  # token: from the environment
url = "https://example.com/#password=reset"  # anchors are not comments
