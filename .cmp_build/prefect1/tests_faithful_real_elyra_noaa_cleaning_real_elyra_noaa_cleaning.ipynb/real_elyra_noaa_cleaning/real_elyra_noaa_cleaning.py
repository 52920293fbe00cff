"""Prefect 1 flow `real_elyra_noaa_cleaning` of project `real_elyra_noaa_cleaning`, compiled by etlnb from "real_elyra_noaa_cleaning.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os

from prefect import Flow, Parameter, task
from prefect.executors import LocalExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 2 [imports] id=c1, lines 1-4
import re

import numpy as np
import pandas as pd


@task(checkpoint=False, log_stdout=True)
def extract_raw_data():
    # cell 3 [extract] id=c2, lines 1-3
    raw_data = pd.read_csv('data/jfk_weather.csv',
                           parse_dates=['DATE'])
    raw_data.head()
    return raw_data


@task(checkpoint=False, log_stdout=True)
def transform_hourly_data(raw_data):
    # ruff: disable[UP034]  # the notebook's own code, copied verbatim
    # cell 4 [transform] id=c3, lines 1-24
    # Choose what columns to import from raw data
    column_subset = [
        'DATE',
        'HOURLYVISIBILITY',
        'HOURLYDRYBULBTEMPF',
        'HOURLYWindDirection',
        'HOURLYPressureTendency',
        'HOURLYPrecip',
    ]

    # Filter dataset to relevant columns
    hourly_data = raw_data[column_subset]
    # Set date index
    hourly_data = hourly_data.set_index(pd.DatetimeIndex(hourly_data['DATE']))
    hourly_data.drop(['DATE'], axis=1, inplace=True)
    hourly_data.replace(to_replace='*', value=np.nan, inplace=True)
    # Set of columns to convert
    messy_columns = column_subset[1:]

    # Convert columns to float32 datatype
    for i in messy_columns:
        hourly_data[i] = hourly_data[i].apply(
            lambda x: re.sub('[^0-9,.-]', '', x)
            if type(x) == str else x).replace('', np.nan).astype(('float32'))
    # ruff: enable[UP034]
    return hourly_data


@task(checkpoint=False, log_stdout=True)
def transform_hourly_data_2(hourly_data):
    # cell 5 [transform] id=c4, lines 1-7
    # Replace any hourly visibility figure outside these bounds with nan
    hourly_data.loc[hourly_data['HOURLYVISIBILITY'] > 10, 'HOURLYVISIBILITY'] = np.nan
    hourly_data = hourly_data.resample('60min').last().shift(periods=1)
    hourly_data['HOURLYPressureTendency'] =\
        hourly_data['HOURLYPressureTendency'].ffill()
    hourly_data = hourly_data.interpolate(method='linear')  # interpolate missing values
    hourly_data.drop(hourly_data.index[0], inplace=True)  # drop first row
    return hourly_data


@task(checkpoint=False, log_stdout=True)
def transform_hourly_data_renamed(hourly_data):
    # cell 6 [transform] id=c5, lines 1-8
    hourly_data['HOURLYWindDirectionSin'] = np.sin(hourly_data['HOURLYWindDirection'] * (2. * np.pi / 360))
    hourly_data['HOURLYWindDirectionCos'] = np.cos(hourly_data['HOURLYWindDirection'] * (2. * np.pi / 360))
    hourly_data.drop(['HOURLYWindDirection'], axis=1, inplace=True)
    columns_new_name = ['visibility', 'dry_bulb_temp_f', 'pressure_tendency', 'precip',
                        'wind_direction_sin', 'wind_direction_cos']
    columns_name_map =\
        {c: columns_new_name[i] for i, c in enumerate(hourly_data.columns)}
    hourly_data_renamed = hourly_data.rename(columns=columns_name_map)
    return hourly_data_renamed


@task(checkpoint=False, log_stdout=True)
def load(hourly_data_renamed):
    # cell 7 [load] id=c6, lines 1-3
    hourly_data_renamed.to_csv(
        "data/jfk_weather_cleaned.csv",
        float_format='%g')


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "real_elyra_noaa_cleaning",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        raw_data = extract_raw_data()
        hourly_data = transform_hourly_data(raw_data)
        hourly_data = transform_hourly_data_2(hourly_data)
        hourly_data_renamed = transform_hourly_data_renamed(hourly_data)
        load(hourly_data_renamed)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/real_elyra_noaa_cleaning"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
