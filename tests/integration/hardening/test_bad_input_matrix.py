"""Bad input at every entry point: one line naming the file and the reason, nothing changed.

One matrix, entry points across, kinds of bad input down. Each cell asserts

- CLI: the exit code (1 bad input, 2 usage: a path that names nothing, a bad configuration),
  no 'Traceback', and exactly one stderr line that names the file (its base name), starts
  with 'citywatch: error: ' and gives the reason. Stderr is captured at the file descriptor,
  so FFmpeg's, OpenCV's and libjpeg's own messages count too. Where the decoder reports damage
  as it goes, the table says so: one warning line naming the file comes first (a truncated
  JPEG: "JPEG data ends early"; a corrupt PNG named .mp4: "skipping damaged data");
- API: the status code and a one-line JSON `detail` naming the form field and the file;
- both: the rows of every table in the store and the set of files under the workspace (data
  dir, inputs, the working directory, where a default `citywatch-data` would appear) are the
  same afterwards. Refused input writes nothing, not even in the data dir's media folder.

Covered cells (the rest of the cross product would repeat a cell's code path):

| input              | faces   | plates | search face | search person | watchlist | API: 3 upload |
|                    | compare | read   | --query     | --query       | add       | routes        |
| refused images (*) | all     | all    | all         | all           | all       | all           |
| odd images (**)    | all     | all    | (***)       | all           | (***)     | all           |
| missing ../ path   | all     | all    | all         | all           | all       | -             |
| upload file names  | -       | -      | -           | -             | -         | all           |

| input                                                    | track  | search face --source |
| zero-byte, truncated MP4, text as .mp4, corrupt PNG as   | all    | all                  |
| .mp4, a real PNG as .mp4 (plays: one frame), unicode     |        |                      |
| name, missing ../ path, empty folder                     |        |                      |

| input                                                    | run --config |
| tabs, unclosed quote, top-level list, a list for a       | all          |
| mapping, unknown key, unicode key, missing ../ source    |              |

(*) zero-byte file; truncated PNG; the corrupt real samples corrupted.png and empty.png
(compreface imgtools, see its EXPECTED.tsv); a PNG bomb (header 30000x30000); real images of
20000x20000 (past Pillow's own bomb limit) and 8000x8000 (past our 50 MP limit), small on disk;
text saved as .jpg; a unicode file name; a missing path through ../.
(**) a truncated JPEG (decoded as far as its data goes), the real truncated.jpg sample, a 1x1
PNG: accepted by the decoder, so the entry point's own answer applies (no face, no plate).
(***) not truncated.jpg: with its face decodable, `search face` would search the footage and
`watchlist add` would enrol someone, which is not bad input.

Upload file names ('../../x.jpg', 'φωτο ü.jpg') are the API's: cleaned to a base name in the
message, never used as a path. On disk, 'φωτο ü.jpg' is the unicode cell above.

A `citywatch run` whose configuration names a missing file source used to load every model,
open the store, fail the camera and exit 0; it is now refused first (exit 2, naming the key).

Speed (15-25 s on 2 cores): the CLI runs in-process (`citywatch.cli.main`), and the model
factories are memoised for the module, so each real model loads once, not once a cell (most
refusals happen before any model loads anyway: images are read first). The API cells share
one seeded app with a stand-in face pipeline (tests/support/api_seed.py); what they check ends
before any model.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from api_seed import IN_CASE, Clients, FakeFaces, clients_for, make_app, make_services, seed
from bad_inputs import (
    BAD_CONFIGS,
    CORRUPTED_PNG,
    EMPTY_PNG,
    INDEX_LAST_MP4,
    REAL_FACE,
    REAL_JPEG,
    REAL_PNG,
    TEXT,
    TRUNCATED_JPG,
    bomb,
    files_under,
    huge_png,
    one_pixel_png,
    row_counts,
    truncated,
)

from citywatch.api.roles import Role
from citywatch.api.services import ApiServices

pytestmark = pytest.mark.slow

ERROR = "citywatch: error: "
ENDS_EARLY = "JPEG data ends early"


# --- the bad inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A bad input: the file name it is saved under and its bytes (from the shared data)."""

    filename: str
    build: Callable[[Path], bytes]


@dataclass(frozen=True)
class Expect:
    """A cell's answer: the exit code (an HTTP status for the API); the reason the one error
    line naming the file gives (None: no error); a warning line naming the file before it."""

    code: int
    reason: str | None = None
    warning: str | None = None


def _real(name: str) -> Callable[[Path], bytes]:
    return lambda data: (data / name).read_bytes()


def _cut(name: str, fraction: float) -> Callable[[Path], bytes]:
    return lambda data: truncated((data / name).read_bytes(), fraction)


# Refused by the decoder, whatever the entry point: exit 1 (API: 422) with this reason.
REFUSED: dict[str, tuple[Bad, str]] = {
    "zero-byte": (Bad("empty.jpg", lambda _: b""), "empty file"),
    "truncated-png": (Bad("cut.png", _cut(REAL_PNG, 0.5)), "cannot decode"),
    "corrupted.png": (Bad("corrupted.png", _real(CORRUPTED_PNG)), "not a recognised image"),
    "empty.png": (Bad("empty.png", _real(EMPTY_PNG)), "not a recognised image"),
    "bomb-30000": (Bad("bomb.png", lambda _: bomb()), "(decompression bomb?)"),
    "real-20000": (Bad("huge.png", lambda _: huge_png()), "(decompression bomb?)"),
    "real-8000": (Bad("big.png", lambda _: huge_png(8000, 8000)), "above the 50 MP limit"),
    "text-as-jpg": (Bad("photo.jpg", lambda _: TEXT), "not a recognised image format"),
    "unicode-name": (Bad("φωτο ü.jpg", lambda _: TEXT), "not a recognised image format"),
}
# Decodable, so each entry point answers for itself (ODD_CLI, ODD_API).
ODD: dict[str, Bad] = {
    "truncated-jpeg": Bad("cut.jpg", _cut(REAL_JPEG, 0.5)),  # the face is in the lost half
    "truncated.jpg": Bad("truncated.jpg", _real(TRUNCATED_JPG)),
    "1x1": Bad("dot.png", lambda _: one_pixel_png()),
}
VIDEOS: dict[str, tuple[Bad, Expect]] = {
    "zero-byte": (Bad("empty.mp4", lambda _: b""), Expect(1, "cannot open")),
    "truncated-mp4": (Bad("cut.mp4", _cut(INDEX_LAST_MP4, 0.5)), Expect(1, "cannot open")),
    "text-as-mp4": (Bad("clip.mp4", lambda _: TEXT), Expect(1, "invalid data")),
    "corrupt-png-as-mp4": (
        Bad("clip.mp4", _real(CORRUPTED_PNG)),
        Expect(1, "no frame could be decoded", warning="skipping damaged data"),
    ),
    # FFmpeg goes by the bytes, as `load_image` does: a real PNG plays as a one-frame video.
    "png-as-mp4": (Bad("clip.mp4", _real(REAL_PNG)), Expect(0)),
    "unicode-name": (Bad("видео ü.mp4", lambda _: TEXT), Expect(1, "invalid data")),
}


# --- the workspace, the CLI and the model cache ---------------------------------------------------


@dataclass
class Workspace:
    root: Path  # the working directory of every command
    data: Path  # --data-dir, with a store and an open case T-1
    shared: Path  # the shared test data
    gallery: Path

    @property
    def database(self) -> Path:
        return self.data / "citywatch.db"

    def put(self, cell: str, bad: Bad) -> Path:
        folder = self.root / "in" / cell
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / bad.filename
        path.write_bytes(bad.build(self.shared))
        return path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Workspace:
    from citywatch.store import open_store
    from citywatch.store.cases import CaseRecords

    root = tmp_path_factory.mktemp("bad_input")
    data = root / "data"
    with open_store(None, data, thumbnails=False) as store:
        CaseRecords(store).create("T-1", "hardening", "", "tests")
    gallery = root / "gallery"
    gallery.mkdir()
    for i, colour in enumerate([(30, 30, 200), (40, 170, 40)]):
        crop = np.full((100, 40, 3), 128, np.uint8)
        crop[10:50, 10:30] = colour
        cv2.imwrite(str(gallery / f"person{i}.png"), crop)
    (root / "out").mkdir()
    return Workspace(root, data, data_dir, gallery)


# {bad}: the bad file; {face}: a good face photo; {video}: a good video; the rest as written.
IMAGE_COMMANDS = {
    "faces-compare": "faces compare {face} {bad} --json",
    "plates-read": "plates read {bad} --json",
    "search-face": "search face --query {bad} --source {video} --json",
    "search-person": "search person --query {bad} --gallery {gallery} --json",
    "watchlist-add": "watchlist add Somebody {face} {bad} --reason r --legal-basis b "
    "--expires 2099-12-31 --by tests --case T-1 --purpose tests --data-dir {data}",
}
VIDEO_COMMANDS = {
    "track": "track {bad} --out {out}",
    "search-face": "search face --query {face} --source {bad} --json",
}
OUT = "out/x.txt"


def argv(template: str, workspace: Workspace, bad: Path) -> list[str]:
    values = {
        "{bad}": bad,
        "{face}": workspace.shared / REAL_FACE,
        "{video}": workspace.shared / INDEX_LAST_MP4,
        "{gallery}": workspace.gallery,
        "{data}": workspace.data,
        "{out}": workspace.root / OUT,
    }
    return [str(values.get(word, word)) for word in template.split()]


_MODELS: dict[str, Any] = {}
FACTORIES = [
    ("citywatch.faces.factory", "create_face_pipeline"),
    ("citywatch.detect", "create_detector"),
    ("citywatch.reid.factory", "create_person_embedder"),
    ("citywatch.plates.reader", "create_plate_reader"),
]


def _memoised(factory: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(factory)
    def made(config: Any, registry: Any, *args: Any, **kwargs: Any) -> Any:
        key = repr((factory.__name__, config, registry.model_dir, args, sorted(kwargs.items())))
        if key not in _MODELS:
            _MODELS[key] = factory(config, registry, *args, **kwargs)
        return _MODELS[key]

    return made


@pytest.fixture(scope="module", autouse=True)
def _release_models() -> Iterator[None]:
    yield
    _MODELS.clear()  # the rest of the session need not hold this module's models


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    workspace: Workspace,
    model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> Callable[[list[str]], Result]:
    """`citywatch ARGS` in-process, in the workspace, with real models (each loaded once)."""
    from citywatch.cli import main

    for module_name, attribute in FACTORIES:
        module = importlib.import_module(module_name)
        monkeypatch.setattr(module, attribute, _memoised(getattr(module, attribute)))
    monkeypatch.chdir(workspace.root)
    monkeypatch.setenv("CITYWATCH_MODEL_DIR", str(model_dir))

    def run(args: list[str]) -> Result:
        capfd.readouterr()
        code = main(args)
        out = capfd.readouterr()
        return Result(code, out.out, out.err)

    return run


@dataclass(frozen=True)
class Snapshot:
    files: dict[str, int]
    rows: dict[str, int]


def snapshot(workspace: Workspace) -> Snapshot:
    return Snapshot(files_under(workspace.root), row_counts(workspace.database))


def check_cell(
    cli: Callable[[list[str]], Result],
    workspace: Workspace,
    args: list[str],
    path: Path,
    expect: Expect,
    writes: frozenset[str] = frozenset(),
) -> Result:
    """Run one cell: the exit code, the lines naming the file, and nothing changed but
    `writes` (files the command is asked to write, relative to the workspace)."""
    before = snapshot(workspace)
    result = cli(args)
    assert "Traceback" not in result.err + result.out
    naming = [line for line in result.err.splitlines() if path.name in line]
    wanted = [text for text in (expect.warning, expect.reason) if text]
    assert len(naming) == len(wanted), (
        f"{len(wanted)} line(s) should name {path.name}:\n{result.err}"
    )
    if expect.warning is not None:
        assert "WARNING" in naming[0] and expect.warning in naming[0], naming[0]
    if expect.reason is not None:
        assert naming[-1].startswith(ERROR) and expect.reason in naming[-1], naming[-1]
    else:
        assert not [line for line in result.err.splitlines() if line.startswith(ERROR)]
    assert result.code == expect.code, result.err
    after = snapshot(workspace)
    assert after.rows == before.rows, "rows were added or removed"
    assert set(after.files) - set(before.files) == set(writes), "unexpected files"
    assert {k: v for k, v in after.files.items() if k not in writes} == before.files
    for name in writes:
        (workspace.root / name).unlink()
    return result


# --- images on the command line -------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(REFUSED))
@pytest.mark.parametrize("entry", list(IMAGE_COMMANDS))
def test_a_refused_image_is_one_line_and_changes_nothing(
    cli: Callable[[list[str]], Result], workspace: Workspace, entry: str, kind: str
) -> None:
    bad, reason = REFUSED[kind]
    path = workspace.put(f"{entry}-{kind}", bad)
    started = time.perf_counter()
    check_cell(
        cli, workspace, argv(IMAGE_COMMANDS[entry], workspace, path), path, Expect(1, reason)
    )
    if kind.startswith(("bomb", "real-")):
        assert time.perf_counter() - started < 10, "refused from the header, not decoded"


@pytest.mark.parametrize("entry", list(IMAGE_COMMANDS))
def test_a_path_that_names_nothing_is_refused(
    cli: Callable[[list[str]], Result], workspace: Workspace, entry: str
) -> None:
    path = workspace.root / "in" / ".." / "nowhere" / "x.jpg"
    # `plates read` reads a batch: an unreadable image of any kind makes it exit 1 at the end.
    expect = Expect(1 if entry == "plates-read" else 2, "no such file")
    check_cell(cli, workspace, argv(IMAGE_COMMANDS[entry], workspace, path), path, expect)


ODD_CLI: dict[tuple[str, str], Expect] = {
    ("faces-compare", "truncated-jpeg"): Expect(1, "no face found", ENDS_EARLY),
    ("faces-compare", "truncated.jpg"): Expect(0, warning=ENDS_EARLY),
    ("faces-compare", "1x1"): Expect(1, "no face found"),
    ("plates-read", "truncated-jpeg"): Expect(0, warning=ENDS_EARLY),
    ("plates-read", "truncated.jpg"): Expect(0, warning=ENDS_EARLY),
    ("plates-read", "1x1"): Expect(0),
    ("search-face", "truncated-jpeg"): Expect(1, "no face found", ENDS_EARLY),
    ("search-face", "1x1"): Expect(1, "no face found"),
    ("search-person", "truncated-jpeg"): Expect(0, warning=ENDS_EARLY),
    ("search-person", "truncated.jpg"): Expect(0, warning=ENDS_EARLY),
    ("search-person", "1x1"): Expect(0),
    ("watchlist-add", "truncated-jpeg"): Expect(1, "no face found", ENDS_EARLY),
    ("watchlist-add", "1x1"): Expect(1, "no face found"),
}


@pytest.mark.parametrize(("entry", "kind"), list(ODD_CLI), ids=[f"{e}/{k}" for e, k in ODD_CLI])
def test_an_odd_but_valid_image_gets_the_entry_points_own_answer(
    cli: Callable[[list[str]], Result], workspace: Workspace, entry: str, kind: str
) -> None:
    path = workspace.put(f"{entry}-{kind}", ODD[kind])
    args = argv(IMAGE_COMMANDS[entry], workspace, path)
    check_cell(cli, workspace, args, path, ODD_CLI[(entry, kind)])


# --- videos ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(VIDEOS))
@pytest.mark.parametrize("entry", list(VIDEO_COMMANDS))
def test_a_bad_video_is_one_line_and_writes_nothing(
    cli: Callable[[list[str]], Result], workspace: Workspace, entry: str, kind: str
) -> None:
    bad, expect = VIDEOS[kind]
    path = workspace.put(f"{entry}-{kind}", bad)
    # Only a video that plays gets its results written (`track --out`).
    writes = frozenset({OUT} if expect.code == 0 and entry == "track" else ())
    check_cell(cli, workspace, argv(VIDEO_COMMANDS[entry], workspace, path), path, expect, writes)


@pytest.mark.parametrize("entry", list(VIDEO_COMMANDS))
def test_a_video_path_that_names_nothing_is_a_usage_error(
    cli: Callable[[list[str]], Result], workspace: Workspace, entry: str
) -> None:
    missing = workspace.root / "in" / ".." / "nowhere" / "clip.mp4"
    args = argv(VIDEO_COMMANDS[entry], workspace, missing)
    check_cell(cli, workspace, args, missing, Expect(2, "no such file or folder"))
    empty = workspace.root / "in" / f"{entry}-empty-folder"
    empty.mkdir(parents=True, exist_ok=True)
    args = argv(VIDEO_COMMANDS[entry], workspace, empty)
    check_cell(cli, workspace, args, empty, Expect(2, "folder is empty"))


# --- configuration --------------------------------------------------------------------------------

CONFIG_REASONS = {
    "tabs": "invalid YAML at line 2, column 1",
    "unclosed-quote": "invalid YAML at line",
    "top-level-list": "the top level must be a mapping of sections",
    "list-for-mapping": "site: Input should be",
    "unknown-key": "detectr: Extra inputs are not permitted",
    "unicode-key": "kaméra_φ: Extra inputs are not permitted",
    "missing-source": "cameras[0].source: ",
}


@pytest.mark.parametrize("kind", list(BAD_CONFIGS))
def test_a_bad_configuration_is_one_line_and_starts_nothing(
    cli: Callable[[list[str]], Result], workspace: Workspace, kind: str
) -> None:
    folder = workspace.root / "in" / f"run-{kind}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cameras.yaml"
    path.write_text(BAD_CONFIGS[kind], encoding="utf-8")
    args = ["run", "--config", str(path), "--data-dir", str(workspace.data), "--duration", "5"]
    result = check_cell(cli, workspace, args, path, Expect(2, CONFIG_REASONS[kind]))
    if kind == "missing-source":
        assert "nowhere/gate.mp4: no such file or folder" in result.err
    assert "INFO" not in result.err, "refused before any model loaded or the store opened"


# --- the API's upload routes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    role: Role
    url: str
    field: str  # the form field the file goes in
    label: str  # how the detail names it
    form: dict[str, str]


ROUTES = {
    "search-face": Route(Role.INVESTIGATOR, "/api/search/face", "photo", "photo", IN_CASE),
    "search-person": Route(Role.INVESTIGATOR, "/api/search/person", "crop", "crop", IN_CASE),
    "enrol": Route(
        Role.ADMIN,
        "/api/watchlist",
        "photos",
        "photos[0]",
        {"name": "X", "reason": "r", "legal_basis": "b", "expires": "2099-12-31", **IN_CASE},
    ),
}


@dataclass
class Api:
    client: Clients
    services: ApiServices
    root: Path  # holds the data dir three levels down: '../../x' from data/tmp stays inside

    def post(self, route: Route, filename: str, data: bytes) -> Any:
        files = {route.field: (filename, data, "application/octet-stream")}
        return self.client(route.role).post(route.url, files=files, data=route.form)

    def snapshot(self) -> Snapshot:
        self.services.store.flush()
        return Snapshot(files_under(self.root), row_counts(self.services.data_dir / "citywatch.db"))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    root = tmp_path_factory.mktemp("bad_uploads")
    services = make_services(root / "a" / "b" / "data")
    seeded = seed(services.store, services.config)
    services._models["faces"] = FakeFaces(seeded.ids["face_query"])
    try:
        for client in clients_for(make_app(services)):
            yield Api(client, services, root)
    finally:
        services.store.close()


def upload_cell(
    api: Api, route: Route, filename: str, data: bytes, shown: str, expect: Expect
) -> None:
    """One upload: the status; for a refusal, one line naming the field and the file (as
    cleaned for messages: `shown`) with the reason, and no row or file changed."""
    before = api.snapshot()
    answer = api.post(route, filename, data)
    assert answer.status_code == expect.code, answer.text
    assert not list((api.services.data_dir / "tmp").iterdir()), "the upload was left on disk"
    if expect.reason is None:
        return
    detail = answer.json()["detail"]
    assert detail.startswith(f"{route.label} ({shown}): ") and expect.reason in detail, detail
    assert "\n" not in detail and "Traceback" not in detail and ".upload" not in detail
    assert api.snapshot() == before, "a refused upload changed files or rows"


@pytest.mark.parametrize("kind", list(REFUSED))
@pytest.mark.parametrize("route", list(ROUTES))
def test_a_refused_upload_is_a_422_naming_the_field_and_file(
    api: Api, data_dir: Path, route: str, kind: str
) -> None:
    bad, reason = REFUSED[kind]
    data = bad.build(data_dir)
    upload_cell(api, ROUTES[route], bad.filename, data, bad.filename, Expect(422, reason))


@pytest.mark.parametrize(
    ("filename", "shown"),
    [("../../x.jpg", "x.jpg"), ("..\\..\\x.jpg", "x.jpg"), ("φωτο ü.jpg", "φωτο ü.jpg")],
)
@pytest.mark.parametrize("route", list(ROUTES))
def test_an_upload_file_name_is_only_a_label(
    api: Api, route: str, filename: str, shown: str
) -> None:
    expect = Expect(422, "not a recognised image format")
    upload_cell(api, ROUTES[route], filename, TEXT, shown, expect)
    assert not list(api.root.rglob("x.jpg")), "the name was used as a path"


ODD_API: dict[tuple[str, str], Expect] = {
    ("search-face", "truncated-jpeg"): Expect(200),
    ("search-face", "truncated.jpg"): Expect(200),
    ("search-face", "1x1"): Expect(422, "no face found"),
    ("search-person", "truncated-jpeg"): Expect(200),
    ("search-person", "truncated.jpg"): Expect(200),
    ("search-person", "1x1"): Expect(200),
    ("enrol", "1x1"): Expect(422, "no face found"),
}


@pytest.mark.parametrize(("route", "kind"), list(ODD_API), ids=[f"{r}/{k}" for r, k in ODD_API])
def test_an_odd_but_valid_upload_gets_the_routes_own_answer(
    api: Api, data_dir: Path, route: str, kind: str
) -> None:
    bad = ODD[kind]
    data = bad.build(data_dir)
    upload_cell(api, ROUTES[route], bad.filename, data, bad.filename, ODD_API[(route, kind)])
