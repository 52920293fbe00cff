rows = []
token = "first"
while token:
    page = fetch(page_token=token)
    rows += page["rows"]
    token = page.get("next_token")
