def fetch(url: str, token: str) -> bytes:
    """Read the token from the GITHUB_TOKEN environment variable; never write it here.

    Example: fetch(url, token=os.environ["GITHUB_TOKEN"])
    """
    return get(url, headers={"Authorization": f"Bearer {token}"})
