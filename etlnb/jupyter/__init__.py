"""The Jupyter faces: the %etl_* magics, the %etl_deploy panel, and the jupyter_server handlers the JupyterLab extension calls."""
