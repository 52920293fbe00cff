"""etlnb: compile tagged Jupyter notebooks into Prefect 3 flows.

Importing the package must stay cheap: `etlnb compile` runs on every save,
so nothing here pulls in prefect, nbformat or Jupyter.
"""

__version__ = "0.1.0"


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext etlnb`: the %etl_* magics."""
    from etlnb.jupyter.magics import load

    load(ipython)
