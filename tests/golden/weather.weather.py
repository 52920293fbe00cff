"""Prefect flow `weather` of project `weather`, compiled by etlnb from "weather.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import json  # cell 2 [imports], line 1
import os  # cell 2 [imports], line 2
import urllib.request  # cell 2 [imports], line 3

import pandas as pd  # cell 2 [imports], line 5
from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner


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


# cell 5 [extract] id=ffc375c7, line 13: raw_data = [extract(s) for s in sources]
@task(retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE, persist_result=False)
def extract_raw_data(s):
    return extract(s)


# cell 7 [transform] id=250bed23, line 18: mapped over raw_data
@task(cache_policy=NO_CACHE, persist_result=False)
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


@task(cache_policy=NO_CACHE, persist_result=False)
def load(destination, clean_data):
    # cell 8 [load] id=e9904205, lines 1-6
    # load: one CSV for all cities, sorted so reruns give the same file.
    if "://" not in destination:
        os.makedirs(destination, exist_ok=True)
    daily = pd.concat(clean_data, ignore_index=True).sort_values(["city", "date"])
    daily.to_csv(f"{destination}daily_weather.csv", index=False)
    print(f"loaded {len(daily)} rows for {daily['city'].nunique()} cities into {destination}daily_weather.csv")


@flow(name="weather", log_prints=True, task_runner=ThreadPoolTaskRunner())
def weather_flow(
    sources: list[dict[str, str]] = [  # noqa: B006
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
    destination: str = "s3://etlnb-demo/weather/",
    min_valid_temp_c: float = -60.0,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    if "ETLNB_RUN_DIR" in os.environ:  # set by the deployment: never write into stored code
        os.chdir(os.environ["ETLNB_RUN_DIR"])
    globals().update(min_valid_temp_c=min_valid_temp_c)  # helper functions read these as module globals
    raw_data = extract_raw_data.map(sources).result()
    clean_data = transform_clean_data.map(raw_data, min_valid_temp_c=unmapped(min_valid_temp_c)).result()
    load(destination, clean_data)


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
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    weather_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
