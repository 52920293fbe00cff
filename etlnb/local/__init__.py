"""The embedded default: the local Prefect server, its worker, and the kernel spec."""
