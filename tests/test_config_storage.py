"""Configuration layering, local content-addressed storage, prefect.yaml."""

from __future__ import annotations

import pytest
import yaml

from etlnb.analyse.config import load_settings
from etlnb.analyse.diagnostics import CompileError
from etlnb.deploy.storage import VERSION_PLACEHOLDER, LocalStorage, StorageError, open_storage, verify, version_sha
from etlnb.pipeline import compile_file

from .conftest import make_notebook

CELLS = [("n = 2", ["parameters"]), ("xs = list(range(n))", ["extract"]), ("print(xs)", ["load"])]


def _project(tmp_path, pyproject: str = "", metadata: dict | None = None):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    nb = tmp_path / "notebooks" / "cfgdemo" / "cfgflow.ipynb"
    nb.parent.mkdir(parents=True)
    meta = {"kernelspec": {"name": "python3", "display_name": "P", "language": "python"}}
    if metadata:
        meta["etlnb"] = metadata
    nb.write_text(make_notebook(CELLS, meta))
    return nb


def test_pyproject_then_notebook_metadata_then_flags(tmp_path):
    nb = _project(
        tmp_path,
        '[tool.etlnb]\nwork_pool = "k8s"\nwork_pool_type = "kubernetes"\nschedule = "0 6 * * *"\ntags = ["etl"]\n',
        {"schedule": 3600, "namespace": "etl"},
    )
    settings = load_settings(nb, {"schedule": 3600, "namespace": "etl"}, {"tags": ["cli"], "image": None})
    assert (settings.work_pool, settings.work_pool_type) == ("k8s", "kubernetes")
    assert settings.schedule == 3600  # metadata beats pyproject
    assert settings.namespace == "etl"
    assert settings.tags == ("cli",)  # flags beat both


def test_etlnb_toml_is_found_and_env_gives_the_endpoint(tmp_path, monkeypatch):
    nb = _project(tmp_path)
    (tmp_path / "etlnb.toml").write_text('storage = "s3://code/flows"\n')
    monkeypatch.setenv("ETLNB_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    settings = load_settings(nb, {})
    assert settings.storage == "s3://code/flows"
    assert settings.s3_endpoint_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[tool.etlnb]\nstorag = "x"\n', "unknown etlnb setting `storag`"),
        ('[tool.etlnb]\naws_secret_access_key = "x"\n', "looks like a credential"),
        ('[tool.etlnb]\nretries = "three"\n', "setting `retries`"),
        ('[tool.etlnb]\nwork_pool_type = "docker"\n', "work_pool_type must be one of process, kubernetes"),
        ('[tool.etlnb]\nstorage_key = "latest"\n', 'storage_key must be one of fixed, versioned, not "latest"'),
        ("[tool.etlnb]\nstorage_key = true\n", "setting `storage_key`"),
    ],
)
def test_bad_settings_are_one_line_errors_naming_the_file(tmp_path, toml, message):
    nb = _project(tmp_path, toml)
    with pytest.raises(CompileError) as err:
        load_settings(nb, {})
    first = err.value.diagnostics[0].format().splitlines()[0]
    assert message in first and "pyproject.toml" in first


def _version(script: bytes) -> tuple[str, dict[str, bytes]]:
    """A version as etlnb seals one: the script and a prefect.yaml naming the version."""
    yaml = "deployments:\n- version: {v}\n  entrypoint: f.py:f_flow\n"
    sha = version_sha({"f.py": script, "prefect.yaml": yaml.format(v=VERSION_PLACEHOLDER).encode()})
    return sha, {"f.py": script, "prefect.yaml": yaml.format(v=sha).encode()}


def test_local_storage_is_content_addressed_and_never_rewritten(tmp_path):
    storage = open_storage(str(tmp_path / "store"))
    assert isinstance(storage, LocalStorage)
    sha, files = _version(b"print(1)\n")
    assert verify(sha, files)
    where = storage.upload("p", "f", sha, files)
    assert where.endswith(f"p/f/{sha}")
    # a second upload of the same version keeps the original bytes
    storage.upload("p", "f", sha, {"f.py": b"tampered", "prefect.yaml": files["prefect.yaml"]})
    assert storage.verified("p", "f", sha) == files
    other, other_files = _version(b"print(2)\n")
    storage.upload("p", "f", other, other_files)
    assert {v.sha for v in storage.versions("p", "f")} == {sha, other}
    with pytest.raises(StorageError, match="is not stored"):
        storage.verified("p", "f", "0" * 16)


@pytest.mark.parametrize(
    "damage",
    [
        lambda folder: [f.unlink() for f in folder.iterdir()],  # an empty folder
        lambda folder: (folder / "prefect.yaml").unlink(),  # a partial upload
        lambda folder: (folder / "f.py").write_bytes(b"import os; os.system('x')\n"),  # edited in place
    ],
    ids=["empty", "partial", "edited"],
)
def test_a_folder_that_does_not_hash_to_its_name_is_not_a_version(tmp_path, damage):
    storage = open_storage(str(tmp_path / "store"))
    sha, files = _version(b"print(1)\n")
    storage.upload("p", "f", sha, files)
    damage(tmp_path / "store" / "p" / "f" / sha)
    listed = storage.versions("p", "f")
    assert [v for v in listed if not v.tampered] == []  # not listed as deployable
    folder = tmp_path / "store" / "p" / "f" / sha
    assert [v.sha for v in listed] == ([sha] if folder.exists() and any(folder.iterdir()) else [])
    assert all("altered" in v.tampered for v in listed)  # listed as tampered, never silently gone
    with pytest.raises(StorageError, match=r"incomplete or altered|is not stored"):
        storage.verified("p", "f", sha)
    # uploading the real version again repairs it
    storage.upload("p", "f", sha, files)
    assert storage.verified("p", "f", sha) == files


@pytest.mark.parametrize("name", ["../../../../x", "/tmp", "abc", "0" * 15, "G" * 16, "0" * 16 + "/.."])
def test_only_a_content_hash_names_a_version(tmp_path, name):
    storage = open_storage(str(tmp_path / "store"))
    with pytest.raises(StorageError, match="is not a version"):
        storage.verified("p", "f", name)


def test_unwritable_local_storage_is_a_storage_error(tmp_path):
    root = tmp_path / "store"
    root.write_text("a file where the storage folder should be")
    with pytest.raises(StorageError, match="cannot write"):
        open_storage(str(root)).upload("p", "f", "abc", {"f.py": b"x"})
    assert root.read_text().startswith("a file")


def test_unsupported_storage_url_is_refused():
    with pytest.raises(StorageError, match="use s3://bucket/prefix or a local folder"):
        open_storage("gs://bucket/x")


def test_compile_writes_prefect_yaml_for_the_same_deployment(tmp_path):
    nb = _project(
        tmp_path,
        '[tool.etlnb]\nstorage = "s3://code/flows"\ns3_endpoint_url = "http://minio:9000"\nwork_pool = "k8s"\nwork_pool_type = "kubernetes"\nschedule = "0 6 * * *"\n',
    )
    compiled = compile_file(nb, tmp_path / "build")
    doc = yaml.safe_load(compiled.prefect_yaml)
    (deployment,) = doc["deployments"]
    assert deployment["entrypoint"] == "cfgflow.py:cfgflow_flow"
    assert deployment["version"] == compiled.sha
    assert deployment["work_pool"] == {
        "name": "k8s",
        "job_variables": {
            "image": "{{ prefect.variables.cfgdemo_base_image }}",
            "env": {"ETLNB_CODE_VERSION": compiled.sha},
        },
    }
    assert deployment["schedules"] == [{"cron": "0 6 * * *"}]
    pull, check = doc["pull"]  # pull the version, then check it where it runs (issue 26)
    assert check["prefect.deployments.steps.run_shell_script"]["script"].startswith("python3 -c ")
    step = pull["prefect_aws.deployments.steps.pull_from_s3"]
    assert step["bucket"] == "code" and step["folder"] == "flows/cfgdemo/cfgflow/{{ $ETLNB_CODE_VERSION }}"
    assert step["client_parameters"] == {"endpoint_url": "http://minio:9000"}
    assert "secret" not in compiled.prefect_yaml.lower() and "access_key" not in compiled.prefect_yaml.lower()
    # the version is the hash of exactly these files: another schedule is another version
    files = {"cfgflow.py": compiled.script.encode(), "prefect.yaml": compiled.prefect_yaml.encode()}
    assert verify(compiled.sha, files)
    toml = (tmp_path / "pyproject.toml").read_text().replace("0 6 * * *", "0 7 * * *")
    (tmp_path / "pyproject.toml").write_text(toml)
    other = compile_file(nb, tmp_path / "build")
    assert other.script == compiled.script and other.sha != compiled.sha


def test_prefect_yaml_values_are_data_whatever_they_contain():
    from etlnb.targets.prefect3.prefect_yaml import dump

    tricky = {
        "a": "x: y # not a comment\n- not: a list",
        "b": ["{{ prefect.variables.x }}", "'quoted'", 'say "hi"', "ünï", None, 3, True, 1.5],
        "weird key: #": {"nested": [{"deep": "- [x]"}], "empty": {}, "none": []},
    }
    assert yaml.safe_load(dump(tricky)) == tricky


def test_a_broken_config_file_is_an_error_never_skipped_for_a_parents(tmp_path):
    """Another team's [tool.etlnb] further up must not be used because ours has a typo."""
    (tmp_path / "pyproject.toml").write_text('[tool.etlnb]\nstorage = "s3://other-teams-bucket/flows"\n')
    (tmp_path / "ours").mkdir()
    nb = _project(tmp_path / "ours", '[tool.etlnb]\nstorage = "s3://ours/flows"\nwork_pool = "k8s\n')
    with pytest.raises(CompileError) as err:
        load_settings(nb, {})
    first = err.value.diagnostics[0].format().splitlines()[0]
    assert first.startswith(f"{tmp_path / 'ours' / 'pyproject.toml'}: line 3: error: invalid TOML"), first


@pytest.mark.parametrize(
    ("toml", "message"),
    [("tool = 1\n", "`tool` must be a table, not int"), ("[tool]\netlnb = 5\n", "`tool.etlnb` must be a table")],
)
def test_a_mistyped_tool_table_is_one_error(tmp_path, toml, message):
    nb = _project(tmp_path, toml)
    with pytest.raises(CompileError) as err:
        load_settings(nb, {})
    assert message in err.value.diagnostics[0].message


def test_version_folders_follow_the_umask(tmp_path):
    """A worker running as another user must be able to read the stored code."""
    import os

    old = os.umask(0o022)
    try:
        where = open_storage(str(tmp_path / "store")).upload("p", "f", "abc", {"f.py": b"x"})
    finally:
        os.umask(old)
    from pathlib import Path

    assert Path(where).stat().st_mode & 0o777 == 0o755
    assert (Path(where) / "f.py").stat().st_mode & 0o777 == 0o644


def test_reading_the_parameter_schema_leaves_no_temporary_folder(tmp_path, monkeypatch):
    import tempfile

    from etlnb.targets.prefect3.api import parameter_schema

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    (tmp_path / "p").mkdir()
    compiled = compile_file(_project(tmp_path / "p"), tmp_path / "build")
    schema = parameter_schema(compiled.script, compiled.entrypoint)
    assert "n" in schema["properties"]
    assert list(tmp_path.glob("etlnb-schema-*")) == []


def test_a_prefect1_version_is_its_script_alone_and_names_itself(tmp_path):
    """One definition of a version for both targets; a version of one target is never one of the other."""
    from etlnb.deploy.storage import seal

    def render(version: str) -> dict[str, bytes]:
        return {"f.py": f'S3(key="p/f/{version}/f.py")\nliteral = "{VERSION_PLACEHOLDER}"\n'.encode()}

    sha, files = seal(render)
    assert sha == version_sha(render(VERSION_PLACEHOLDER)) and f"p/f/{sha}/f.py".encode() in files["f.py"]
    assert b'literal = "0000000000000000"' in files["f.py"]  # only the rendered version changes
    assert verify(sha, files, "prefect1") and not verify(sha, files)  # Prefect 3 needs its prefect.yaml
    assert not verify(sha, {**files, "x.txt": b""}, "prefect1")  # exactly the script
    assert not verify(sha, {"f.py": files["f.py"].replace(b"literal", b"changed")}, "prefect1")
    p3_sha, p3_files = _version(b"print(1)\n")
    assert verify(p3_sha, p3_files) and not verify(p3_sha, p3_files, "prefect1")
    storage = open_storage(str(tmp_path / "store"))
    storage.upload("p", "f", p3_sha, p3_files)
    storage.upload("p", "f", sha, files)
    assert [v.sha for v in storage.versions("p", "f", "prefect1")] == [sha]
    assert [v.sha for v in storage.versions("p", "f")] == [p3_sha]
    assert storage.verified("p", "f", sha, "prefect1") == files
    with pytest.raises(StorageError, match="incomplete or altered"):
        storage.verified("p", "f", p3_sha, "prefect1")
