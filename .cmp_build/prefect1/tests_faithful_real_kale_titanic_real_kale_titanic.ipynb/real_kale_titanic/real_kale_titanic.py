"""Prefect 1 flow `real_kale_titanic` of project `real_kale_titanic`, compiled by etlnb from "real_kale_titanic.ipynb".

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


# ruff: disable[F401]  # the notebook's own code, copied verbatim
# cell 2 [imports] id=c1, lines 1-5
import re

import numpy as np
import pandas as pd
from sklearn.naive_bayes import GaussianNB
# ruff: enable[F401]


@task(nout=2, checkpoint=False, log_stdout=True)
def extract_test_df():
    # cell 4 [extract] id=c3, lines 1-4
    path = "data/"

    test_df = pd.read_csv(path + "test.csv")
    train_df = pd.read_csv(path + "train.csv")
    return test_df, train_df


@task(nout=3, checkpoint=False, log_stdout=True)
def transform_dataset(train_df, test_df):
    # cell 5 [transform] id=c4, lines 1-7
    data = [train_df, test_df]
    for dataset in data:
        dataset['relatives'] = dataset['SibSp'] + dataset['Parch']
        dataset.loc[dataset['relatives'] > 0, 'not_alone'] = 0
        dataset.loc[dataset['relatives'] == 0, 'not_alone'] = 1
        dataset['not_alone'] = dataset['not_alone'].astype(int)
    train_df['not_alone'].value_counts()
    return dataset, test_df, train_df


@task(nout=2, checkpoint=False, log_stdout=True)
def transform_train_df(train_df, test_df, dataset):
    # ruff: disable[PLR1704]  # the notebook's own code, copied verbatim
    # cell 6 [transform] id=c5, lines 1-19
    deck = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "U": 8}
    data = [train_df, test_df]

    for dataset in data:
        dataset['Cabin'] = dataset['Cabin'].fillna("U0")
        dataset['Deck'] = dataset['Cabin'].map(lambda x: re.compile("([a-zA-Z]+)").search(x).group())
        dataset['Deck'] = dataset['Deck'].map(deck)
        dataset['Deck'] = dataset['Deck'].fillna(0)
        dataset['Deck'] = dataset['Deck'].astype(int)
    # we can now drop the cabin feature
    train_df = train_df.drop(['PassengerId', 'Cabin', 'Name', 'Ticket'], axis=1)
    test_df = test_df.drop(['Cabin', 'Name', 'Ticket'], axis=1)
    genders = {"male": 0, "female": 1}
    ports = {"S": 0, "C": 1, "Q": 2}
    for dataset in [train_df, test_df]:
        dataset['Sex'] = dataset['Sex'].map(genders)
        dataset['Embarked'] = dataset['Embarked'].fillna('S').map(ports)
        dataset['Age'] = dataset['Age'].fillna(train_df['Age'].median()).astype(int)
        dataset['Fare'] = dataset['Fare'].fillna(0).astype(int)
    # ruff: enable[PLR1704]
    return train_df, test_df


@task(nout=2, checkpoint=False, log_stdout=True)
def transform_gaussian(train_df, PREDICTION_LABEL):
    # cell 7 [transform] id=c6, lines 1-5
    train_labels = train_df[PREDICTION_LABEL]
    train_df = train_df.drop(PREDICTION_LABEL, axis=1)
    gaussian = GaussianNB()
    gaussian.fit(train_df, train_labels)
    acc_gaussian = round(gaussian.score(train_df, train_labels) * 100, 2)
    return gaussian, acc_gaussian


@task(checkpoint=False, log_stdout=True)
def load(gaussian, test_df, acc_gaussian):
    # cell 8 [load] id=c7, lines 1-4
    predicted = gaussian.predict(test_df.drop('PassengerId', axis=1))
    pd.DataFrame({'PassengerId': test_df['PassengerId'], 'Survived': predicted}).to_csv('predictions.csv', index=False)
    with open('accuracy.txt', 'w') as f:
        f.write(str(acc_gaussian))


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "real_kale_titanic",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        PREDICTION_LABEL = Parameter("PREDICTION_LABEL", default="Survived")
        test_df, train_df = extract_test_df()
        dataset, test_df, train_df = transform_dataset(train_df, test_df)
        train_df, test_df = transform_train_df(train_df, test_df, dataset)
        gaussian, acc_gaussian = transform_gaussian(train_df, PREDICTION_LABEL)
        load(gaussian, test_df, acc_gaussian)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"PREDICTION_LABEL": "Survived"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/real_kale_titanic"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
