"""Versions under `pmmlkit serve`: hot reload while a client keeps scoring (zero failed
requests), broken and wrongly-verified versions refused while the old one serves, single-file
serving, worker processes that each start their own JVM, and the command line."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
from serving_support import Server, add_version, half_plus_two, running_server

from pmmlkit.cli import build_parser, main
from pmmlkit.serving import ModelSource
from pmmlkit.serving.versions import ServedModel

pytestmark = pytest.mark.xdist_group("serve")
WAIT_SECONDS = 120.0


def _wait_for(condition, what: str, server: Server) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {WAIT_SECONDS:.0f} s:\n{server.log_text()}")
        time.sleep(0.1)


class ClientLoop:
    """Scores x = 2 over and over on a few threads at once; records every answer in order."""

    def __init__(self, server: Server, threads: int = 4) -> None:
        self.server = server
        self.answers: list[tuple[int, object]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            answer = self.server.post("/v1/models/hpt:predict", {"instances": [2.0]})
            self.answers.append((answer.status, answer.body))

    def __enter__(self) -> ClientLoop:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def test_hot_reload_under_load_refuses_bad_versions(tmp_path: Path) -> None:
    base = tmp_path / "hpt"
    add_version(base, 1, half_plus_two(2.0, verification=[(1.0, 2.5), (4.0, 4.0)]))
    with running_server(["--model-name", "hpt", "--model-base-path", str(base),
                         "--file-system-poll-wait-seconds", "0.1"], tmp_path / "server.log") as server, \
            ClientLoop(server) as client:
        _wait_for(lambda: len(client.answers) > 20, "scoring", server)
        # Version 2 is not XML, version 3 scores differently from its own verification rows.
        add_version(base, 2, "<PMML><truncated")
        add_version(base, 3, half_plus_two(3.0, verification=[(1.0, 2.5)]))
        for version, words in ((2, "not well-formed XML"), (3, "verification row 0: y is 3.5")):
            _wait_for(lambda v=version: server.get(f"/v1/models/hpt/versions/{v}").status == 200,
                      f"version {version} being tried", server)
            status = server.get(f"/v1/models/hpt/versions/{version}").body["model_version_status"][0]
            assert status["state"] == "END" and status["status"]["error_code"] == "INVALID_ARGUMENT"
            assert words in status["status"]["error_message"]
        assert server.get("/v1/health/ready").body["models"] == {"hpt": "1"}
        refused_at = len(client.answers)
        # Version 4 is good: it takes over, and version 1 is unloaded.
        add_version(base, 4, half_plus_two(10.0, verification=[(2.0, 11.0)]))
        _wait_for(lambda: client.answers and client.answers[-1][1] == {"predictions": [11.0]}, "version 4", server)
        after = len(client.answers)
        _wait_for(lambda: len(client.answers) > after + 20, "scoring on version 4", server)
        statuses = {s["version"]: s["state"] for s in server.get("/v1/models/hpt").body["model_version_status"]}
    # Until version 4 arrived, every answer came from version 1 (2 and 3 never served).
    assert all(a == (200, {"predictions": [3.0]}) for a in client.answers[:refused_at])
    assert {body["predictions"][0] for status, body in client.answers if status == 200} == {3.0, 11.0}
    assert [a for a in client.answers if a[0] != 200] == []
    assert statuses == {"4": "AVAILABLE", "3": "END", "2": "END", "1": "END"}
    log = server.log_text()
    assert "model hpt: version 2 refused, version 1 keeps serving" in log
    assert "version 4 serving" in log and "version 1 unloaded" in log
    # Stopped with SIGTERM, it shut down gracefully (the JVM did not take the signal for itself).
    assert "Application shutdown complete" in log


def test_single_file_and_workers_start_their_own_jvm(tmp_path: Path) -> None:
    path = tmp_path / "half_plus_two.pmml"
    path.write_text(half_plus_two(), encoding="utf-8")
    with running_server([str(path), "--workers", "2"], tmp_path / "server.log") as server:
        assert server.post("/v1/models/half_plus_two:predict", {"instances": [1.0, 2.0, 5.0]}).body == {
            "predictions": [2.5, 3.0, 4.5]}
        for _ in range(20):  # reach both workers: the metrics sum them
            server.post("/v1/models/half_plus_two:predict", {"instances": [1.0]})
        metrics = server.get("/monitoring/prometheus/metrics").body
        line = next(x for x in metrics.splitlines() if x.startswith("pmmlkit_serving_requests_total{")
                    and 'status="200"' in x)
        assert float(line.rsplit(" ", 1)[1]) == 21
        if sys.platform.startswith("linux"):
            parent = server.process.pid
            assert "libjvm" not in Path(f"/proc/{parent}/maps").read_text(), "the serve process started a JVM"
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
            with_jvm = [c for c in children if "libjvm" in Path(f"/proc/{c}/maps").read_text()]
            assert len(with_jvm) == 2, (children, with_jvm)
    assert server.log_text().count("Application shutdown complete") == 2  # each worker stopped gracefully


def test_model_config_file_in_tensorflow_serving_text_format(tmp_path: Path) -> None:
    add_version(tmp_path / "a", 1, half_plus_two(1.0))
    add_version(tmp_path / "b", 5, half_plus_two(7.0))
    config = tmp_path / "models.config"
    config.write_text('model_config_list {\n  config {\n    name: "first"\n    base_path: "a"\n'
                      "    model_platform: 'pmml'\n  }\n  # a comment\n  config { name: 'second' base_path: \""
                      f'{tmp_path / "b"}" }}\n}}\n')
    # As TensorFlow Serving is started: --port is its gRPC port, the REST API is on --rest_api_port.
    with running_server(["--model_config_file", str(config), "--file_system_poll_wait_seconds", "0",
                         "--port=8500"], tmp_path / "server.log", port_flag="--rest_api_port") as server:
        assert server.post("/v1/models/first:predict", {"instances": [2.0]}).body == {"predictions": [2.0]}
        assert server.post("/v1/models/second/versions/5:predict", {"instances": [2.0]}).body == {
            "predictions": [8.0]}


@pytest.mark.parametrize("argv, words", [
    (["serve"], "give exactly one of"),
    (["serve", "a.pmml", "--model-base-path", "b"], "give exactly one of"),
    (["serve", "missing.pmml"], "does not exist"),
    (["serve", "--model-name", "m", "--model-base-path", "nowhere"], "does not exist"),
    (["serve", "--model-name", "bad name", "--model-base-path", "."], "use letters, digits"),
])
def test_command_line_refusals(argv: list[str], words: str, capsys: pytest.CaptureFixture) -> None:
    assert main(argv) != 0
    assert words in capsys.readouterr().err


def test_tensorflow_serving_flags_are_accepted() -> None:
    # A TensorFlow Serving command line: its --port is gRPC, --rest_api_port is the one served here.
    args = build_parser().parse_args(["serve", "--rest_api_port=9000", "--port=8500", "--model_name=m",
                                      "--model_base_path=/models/m", "--file_system_poll_wait_seconds=5"])
    assert (args.model_name, args.model_base_path, args.rest_api_port, args.poll_seconds) == (
        "m", "/models/m", 9000, 5.0)


def test_json_model_config_refuses_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "models.json"
    config.write_text(json.dumps({"models": [{"name": "a"}]}))
    assert main(["serve", "--model-config-file", str(config)]) == 1
    assert "base_path" in capsys.readouterr().err


def test_removed_version_falls_back_and_unusable_folders_are_refused(tmp_path: Path) -> None:
    # In-process, without HTTP: the version manager alone.
    base = tmp_path / "hpt"
    add_version(base, 1, half_plus_two(1.0))
    add_version(base, 2, half_plus_two(2.0))
    (base / "3").mkdir()  # no .pmml yet
    add_version(base, 4, half_plus_two(4.0))
    (base / "4" / "other.pmml").write_text(half_plus_two(5.0), encoding="utf-8")  # two files
    (base / "notes").mkdir()  # not a version
    served = ServedModel(ModelSource("hpt", str(base)))
    served.refresh()
    assert served.current.version == 2
    reasons = {s["version"]: s["status"]["error_message"] for s in served.status(None)}
    assert "holds no .pmml file" in reasons["3"] and "holds 2 .pmml files" in reasons["4"]
    shutil.rmtree(base / "2")
    served.refresh()
    assert served.current.version == 1
    assert served.current.model.predict({"x": 2.0})["predicted_y"] == 2.0
    assert {s["version"]: s["state"] for s in served.status(None)}["2"] == "END"
    (base / "3" / "model.pmml").write_text(half_plus_two(3.0), encoding="utf-8")  # version 3 completed
    served.refresh()
    assert served.current.version == 3
