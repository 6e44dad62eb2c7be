"""What a new machine or the Docker image installs must be what the code opens: the Debian
package list that setup.sh and the Dockerfile share, and the data files a wheel carries."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from pipeline.extract.passport import OCRB_FONT
from samples.fonts import FONTS

REPO = Path(__file__).resolve().parents[1]
PACKAGE_LIST = REPO / "scripts" / "debian-packages.txt"


def _listed_packages() -> set[str]:
    lines = PACKAGE_LIST.read_text("utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_setup_and_the_image_install_the_same_list() -> None:
    assert "debian-packages.txt" in (REPO / "scripts" / "setup.sh").read_text("utf-8")
    assert "debian-packages.txt" in (REPO / "docker" / "Dockerfile").read_text("utf-8")


def test_every_system_file_the_code_opens_comes_from_a_listed_package() -> None:
    wanted = {Path(OCRB_FONT): "fonts-ocr-b", **dict(FONTS.values())}
    listed = _listed_packages()
    for path, package in wanted.items():
        owner = subprocess.run(
            ["dpkg", "-S", str(path)], capture_output=True, text=True, check=True
        ).stdout.split(":")[0]
        assert owner == package, path
        assert package in listed, f"{package} (for {path}) is not in {PACKAGE_LIST.name}"


def test_the_wheel_carries_every_data_file_the_packages_hold(tmp_path: Path) -> None:
    """The image installs the project as a wheel, not from the checkout: a checklist or
    template left out of package-data would only fail there."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("docintake-*.whl")
    carried = set(zipfile.ZipFile(wheel).namelist())
    for package in ("pipeline", "schemas", "flows"):
        for path in (REPO / package).rglob("*"):
            if path.is_file() and path.suffix not in {".py", ".pyc"}:
                assert path.relative_to(REPO).as_posix() in carried
