"""bench/scale.py's generated RouterBench-shaped log, small: its shape, routelab's import of
it, and the Data page's stored summaries against the same summaries from the outcomes."""

from __future__ import annotations

import ast

import pandas as pd
import pyarrow.parquet as pq
import pytest

from app.data.importers import import_path, remove_dataset
from app.store import datasets, summary
from bench.scale import MODELS, TASKS, generate

PROMPTS = 2_000


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("scale") / "log", PROMPTS)


@pytest.fixture(scope="module")
def table(log) -> pd.DataFrame:
    return pd.concat([pq.read_table(p).to_pandas() for p in log], ignore_index=True)


def test_every_prompt_is_answered_by_every_model(log, table):
    assert sorted(p.name for p in log) == ["scale_test.parquet", "scale_train.parquet"]
    models = [m for m, *_ in MODELS]
    assert list(table.columns) == ["sample_id", "prompt", "eval_name", *models,
                                   *(f"{m}|total_cost" for m in models)]
    assert len(table) == PROMPTS and table["sample_id"].is_unique
    scores, costs = table[models], table[[f"{m}|total_cost" for m in models]]
    assert scores.notna().all().all() and costs.notna().all().all()
    assert ((scores >= 0) & (scores <= 1)).all().all()
    assert (costs > 0).all().all()
    assert set(table["eval_name"]) == {t[0] for t in TASKS}


def test_prompts_are_distinct_python_list_literals_of_realistic_length(table):
    texts = [ast.literal_eval(p) for p in table["prompt"]]
    assert all(isinstance(t, list) and len(t) == 1 for t in texts)
    texts = [t[0] for t in texts]
    assert len(set(texts)) == PROMPTS
    words = pd.Series([len(t.split()) for t in texts])
    assert words.min() >= 20 and words.quantile(0.99) <= 500
    assert any("'" in t for t in texts) and any("\n\n" in t for t in texts)  # escapes


def test_costs_and_quality_follow_the_models(table):
    mean_cost = {m: table[f"{m}|total_cost"].mean() for m, *_ in MODELS}
    assert max(mean_cost.values()) / min(mean_cost.values()) > 30
    strongest, weakest = MODELS[0][0], MODELS[-1][0]
    assert table[strongest].mean() > table[weakest].mean() + 0.2
    graded = table[table["eval_name"] == "mt-bench"][strongest]
    assert not graded.isin([0.0, 1.0]).all()  # mt-bench is judged 0-1, the rest 0/1
    longer = table["prompt"].str.len() > table["prompt"].str.len().median()
    assert (table.loc[longer, f"{weakest}|total_cost"].mean()
            > table.loc[~longer, f"{weakest}|total_cost"].mean())


def test_routelab_imports_every_outcome(store, log, table):
    report = import_path(store, log[0].parent, name="scale")
    assert (report.format, report.queries, report.models, report.outcomes) == \
        ("routerbench", PROMPTS, len(MODELS), PROMPTS * len(MODELS))
    dataset = datasets.by_name(store, "scale")
    assert (dataset.queries, dataset.models, dataset.outcomes) == \
        (PROMPTS, len(MODELS), PROMPTS * len(MODELS))
    splits = summary.split_counts(store, dataset.id)
    assert set(splits) == {"train", "test"} and sum(splits.values()) == PROMPTS
    stored = dict(store.rows("SELECT source_id, text FROM queries"))
    for sample_id, prompt in table[["sample_id", "prompt"]].head(50).itertuples(index=False):
        assert stored[sample_id] == ast.literal_eval(prompt)[0]


def _summaries(store, dataset_id: int):
    return (summary.model_summary(store, dataset_id), summary.task_breakdown(store, dataset_id),
            pd.DataFrame([summary.oracle_summary(store, dataset_id)]))


def test_stored_summaries_equal_the_summaries_from_the_outcomes(store, log):
    import_path(store, log[0].parent, name="scale")
    dataset_id = datasets.id_of(store, "scale")
    per_task = len(MODELS) * len(TASKS) + len(TASKS)  # every model and the oracle
    assert _stored_rows(store, dataset_id) == (len(MODELS), per_task, 1)
    stored = _summaries(store, dataset_id)
    store.write(lambda cur: summary.forget(cur, dataset_id))
    for mine, computed in zip(stored, _summaries(store, dataset_id), strict=True):
        pd.testing.assert_frame_equal(mine, computed, check_exact=False, rtol=1e-12)
    assert stored[0]["answered"].tolist() == [PROMPTS] * len(MODELS)
    assert stored[2]["queries"][0] == PROMPTS
    store.write(lambda cur: summary.refresh(cur, dataset_id))
    assert _stored_rows(store, dataset_id) == (len(MODELS), per_task, 1)
    remove_dataset(store, "scale")
    assert _stored_rows(store, dataset_id) == (0, 0, 0)


def _stored_rows(store, dataset_id: int) -> tuple[int, ...]:
    return tuple(store.rows(f"SELECT count(*) FROM {table} WHERE dataset_id = ?",
                            [dataset_id])[0][0]
                 for table in ("summary_models", "summary_tasks", "summary_oracle"))


def test_an_appended_outcome_is_never_hidden_by_a_stored_summary(store, log):
    """A live collection appends outcomes after the import stored its summaries."""
    import_path(store, log[0].parent, name="scale")
    dataset_id = datasets.id_of(store, "scale")
    first = store.rows("SELECT min(query_id) FROM queries WHERE dataset_id = ?",
                       [dataset_id])[0][0]
    store.write(lambda cur: cur.execute(
        "INSERT INTO outcomes (query_id, model, score, cost_usd) VALUES (?, 'newcomer', 1, 0)",
        [first]))
    models = summary.model_summary(store, dataset_id).set_index("model")
    assert models.loc["newcomer", "answered"] == 1
    tasks = summary.task_breakdown(store, dataset_id)
    assert "newcomer" in set(tasks["model"])
    assert datasets.by_name(store, "scale").outcomes == PROMPTS * len(MODELS) + 1
