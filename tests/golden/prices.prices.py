"""Prefect flow `prices` of project `prices`, compiled by etlnb from "prices.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import json  # cell 2 [imports], line 1
import os  # cell 2 [imports], line 2
import urllib.request  # cell 2 [imports], line 3

import pandas as pd  # cell 2 [imports], line 5
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner


# cell 5 [functions] id=a8b08bed, lines 1-12
def read_json(url):
    """JSON from an http(s) URL or a local file."""
    if url.startswith(("http://", "https://")):
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.load(response)
    with open(url, encoding="utf-8") as f:
        return json.load(f)


def convert(amount, currency, rates):
    """Convert an amount into the target currency; rates are per 1 unit of the base."""
    return round(amount / rates[currency] * rates[target_currency], 2)


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
target_currency = None


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_prices(prices_url):
    # cell 6 [extract] id=421317d7, lines 1-3
    prices = pd.read_csv(prices_url)
    # rows without a price are useless downstream
    prices = prices[prices["price"].notna()].reset_index(drop=True)
    return prices


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_rates(rates_url):
    # cell 7 [extract] id=1812d4f7, line 1
    rates = read_json(rates_url)["rates"]
    return rates


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_report(prices, rates):
    # cell 9 [transform] id=d6a1f04e, lines 1-10
    prices["price_converted"] = [
        convert(amount, currency, rates) for amount, currency in zip(prices["price"], prices["currency"], strict=True)
    ]
    report = (
        prices.groupby("category", as_index=False)
        .agg(products=("sku", "count"), mean_price=("price_converted", "mean"))
        .sort_values("category", ignore_index=True)
    )
    report["mean_price"] = report["mean_price"].round(2)
    report["currency"] = target_currency
    return report


@task(cache_policy=NO_CACHE, persist_result=False)
def validate(report):
    # cell 10 [validate] id=407fae1e, lines 1-3
    assert len(report) > 0, "no categories left after cleaning"
    assert report["mean_price"].gt(0).all(), "a category has a non-positive mean price"
    assert report["currency"].eq(target_currency).all()


@task(cache_policy=NO_CACHE, persist_result=False)
def load(destination, report):
    # cell 11 [load] id=3bee74fd, lines 1-5
    if "://" not in destination:
        os.makedirs(destination, exist_ok=True)
    report.to_parquet(f"{destination}category_prices.parquet", index=False)
    print(f"loaded {len(report)} categories ({report['products'].sum()} products) into {destination}category_prices.parquet")
    print(report.to_string(index=False))


@flow(name="prices", log_prints=True, task_runner=ThreadPoolTaskRunner())
def prices_flow(
    prices_url: str = "https://data.example.com/prices/latest.csv",
    rates_url: str = "https://data.example.com/fx/latest.json",
    destination: str = "s3://etlnb-demo/prices/",
    target_currency: str = "EUR",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    if "ETLNB_RUN_DIR" in os.environ:  # set by the deployment: never write into stored code
        os.chdir(os.environ["ETLNB_RUN_DIR"])
    globals().update(target_currency=target_currency)  # helper functions read these as module globals
    prices = extract_prices(prices_url)
    rates = extract_rates(rates_url)
    report = transform_report(prices, rates)
    validate(report)
    load(destination, report)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {
    "prices_url": "samples/prices.csv",
    "rates_url": "samples/rates.json",
    "destination": "out/",
    "target_currency": "EUR",
}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../notebooks/prices"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    prices_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
