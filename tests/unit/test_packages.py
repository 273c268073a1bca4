"""The packages a generated project declares: only names and versions from the package index are ever handed to
pip; options, URLs and local paths are named back to the user instead."""

from core.domain.packages import declared, missing


def test_declared_packages_are_names_and_versions_only():
    requirements = "\n".join(["pytest>=7  # the test runner", "botarmy-absent[extra]==9.9", "-e git+https://x.example/y",
                              "--index-url http://evil.example/simple", "pkg @ https://evil.example/pkg.whl",
                              "windows-only; sys_platform == 'win32'", "# a comment", ""])
    pyproject = '[project]\ndependencies = ["also-absent<2"]\n'
    found, refused = declared({"requirements.txt": requirements, "pyproject.toml": pyproject})
    assert [str(r) for r in found] == ["pytest>=7", "botarmy-absent[extra]==9.9", "also-absent<2"]
    assert refused == ["-e git+https://x.example/y", "--index-url http://evil.example/simple",
                       "pkg @ https://evil.example/pkg.whl"]
    assert [r.name for r in missing(found)] == ["botarmy-absent", "also-absent"]  # pytest is there
