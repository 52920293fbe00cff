"""Deploying: compile -> check -> upload -> register through the target, code storage and its versions, base images, deployed runs."""
