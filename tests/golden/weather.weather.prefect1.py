"""Prefect 1 flow `weather` of project `weather`, compiled by etlnb from "weather.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import json  # cell 2 [imports], line 1
import os  # cell 2 [imports], line 2
import urllib.request  # cell 2 [imports], line 3
from datetime import timedelta

import pandas as pd  # cell 2 [imports], line 5
from prefect import Flow, Parameter, task, unmapped
from prefect.executors import LocalDaskExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local


# cell 5 [extract] id=ffc375c7, lines 1-10
def extract(source):
    """Fetch one city's hourly forecast (http(s) URL or local file)."""
    url = source["url"]
    if url.startswith(("http://", "https://")):
        with urllib.request.urlopen(url, timeout=30) as response:
            payload = json.load(response)
    else:
        with open(url, encoding="utf-8") as f:
            payload = json.load(f)
    return {"city": source["city"], "payload": payload}


# cell 7 [transform] id=250bed23, lines 1-15
def transform(raw):
    """Hourly readings -> one row per day; drops readings below min_valid_temp_c."""
    hourly = pd.DataFrame(raw["payload"]["hourly"])
    hourly = hourly[hourly["temperature_2m"] >= min_valid_temp_c]
    hourly["date"] = hourly["time"].str[:10]
    daily = hourly.groupby("date", as_index=False).agg(
        temp_min=("temperature_2m", "min"),
        temp_max=("temperature_2m", "max"),
        temp_mean=("temperature_2m", "mean"),
        precipitation=("precipitation", "sum"),
    )
    daily["temp_mean"] = daily["temp_mean"].round(2)
    daily["precipitation"] = daily["precipitation"].round(2)
    daily.insert(0, "city", raw["city"])
    return daily


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
min_valid_temp_c = None


@task(checkpoint=False)
def set_module_globals(min_valid_temp_c):
    """Set the notebook values helper functions read as module globals."""
    globals().update(min_valid_temp_c=min_valid_temp_c)


# cell 5 [extract] id=ffc375c7, line 13: raw_data = [extract(s) for s in sources]
@task(max_retries=2, retry_delay=timedelta(seconds=10), checkpoint=False, log_stdout=True)
def extract_raw_data(s):
    return extract(s)


# cell 7 [transform] id=250bed23, line 18: mapped over raw_data
@task(checkpoint=False, log_stdout=True)
def transform_clean_data(r, min_valid_temp_c):
    """`transform` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 7 [transform] id=250bed23, lines 1-15
    def transform(raw):
        """Hourly readings -> one row per day; drops readings below min_valid_temp_c."""
        hourly = pd.DataFrame(raw["payload"]["hourly"])
        hourly = hourly[hourly["temperature_2m"] >= min_valid_temp_c]
        hourly["date"] = hourly["time"].str[:10]
        daily = hourly.groupby("date", as_index=False).agg(
            temp_min=("temperature_2m", "min"),
            temp_max=("temperature_2m", "max"),
            temp_mean=("temperature_2m", "mean"),
            precipitation=("precipitation", "sum"),
        )
        daily["temp_mean"] = daily["temp_mean"].round(2)
        daily["precipitation"] = daily["precipitation"].round(2)
        daily.insert(0, "city", raw["city"])
        return daily
    return transform(r)


@task(checkpoint=False, log_stdout=True)
def load(destination, clean_data):
    # cell 8 [load] id=e9904205, lines 1-6
    # load: one CSV for all cities, sorted so reruns give the same file.
    if "://" not in destination:
        os.makedirs(destination, exist_ok=True)
    daily = pd.concat(clean_data, ignore_index=True).sort_values(["city", "date"])
    daily.to_csv(f"{destination}daily_weather.csv", index=False)
    print(f"loaded {len(daily)} rows for {daily['city'].nunique()} cities into {destination}daily_weather.csv")


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "weather",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        sources = Parameter(
            "sources",
            default=[
                {
                    "city": "berlin",
                    "url": "https://api.open-meteo.com/v1/forecast?latitude=52.52&longitude=13.41&hourly=temperature_2m,precipitation",
                },
                {
                    "city": "lisbon",
                    "url": "https://api.open-meteo.com/v1/forecast?latitude=38.72&longitude=-9.14&hourly=temperature_2m,precipitation",
                },
                {
                    "city": "oslo",
                    "url": "https://api.open-meteo.com/v1/forecast?latitude=59.91&longitude=10.75&hourly=temperature_2m,precipitation",
                },
            ],
        )
        destination = Parameter("destination", default="s3://etlnb-demo/weather/")
        min_valid_temp_c = Parameter("min_valid_temp_c", default=-60.0)
        module_globals = set_module_globals(min_valid_temp_c)
        raw_data = extract_raw_data.map(sources, upstream_tasks=[unmapped(module_globals)])
        clean_data = transform_clean_data.map(
            raw_data,
            min_valid_temp_c=unmapped(min_valid_temp_c),
            upstream_tasks=[unmapped(raw_data)],
        )
        load(destination, clean_data)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {
    "sources": [
        {"city": "berlin", "url": "samples/berlin.json"},
        {"city": "lisbon", "url": "samples/lisbon.json"},
        {"city": "oslo", "url": "samples/oslo.json"},
    ],
    "destination": "out/",
    "min_valid_temp_c": -60.0,
}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../notebooks/weather"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
