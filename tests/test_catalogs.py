"""The ja and en translation catalogs are complete, compiled and in step with the source.

No database: these tests read ``src/totonou/locale`` and run GNU gettext (``msgfmt``) and Django's
``makemessages`` into a temporary copy of the package, never into the working tree.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

import totonou

PACKAGE_DIR = Path(totonou.__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ("ja", "en")
# The demo data generator's Japanese/English sample texts are data, not UI.
IGNORE = ("demo/*",)

if shutil.which("msgfmt") is None:
    if os.environ.get("CI"):
        raise RuntimeError("GNU gettext (msgfmt) is required for the catalog tests")
    pytest.skip("GNU gettext (msgfmt) is not installed", allow_module_level=True)


# --- a small .po/.pot reader (no polib) -------------------------------------------------------------

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def read_po(path: Path) -> dict[tuple[str | None, str], dict]:
    """Entries of a .po/.pot by (msgctxt, msgid): their flags and msgstr forms; obsolete ones left out."""
    entries: dict[tuple[str | None, str], dict] = {}
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry: dict = {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}
        field = None
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith("#~"):
                continue
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
                continue
            if line.startswith("#"):
                continue
            match = _KEYWORD.match(line)
            if match:
                field, value = match.group(1), ast.literal_eval(match.group(2))
                if field.startswith("msgstr"):
                    entry["msgstr"][field] = value
                else:
                    entry[field] = value
            elif line.startswith('"') and field:
                value = ast.literal_eval(line)
                if field.startswith("msgstr"):
                    entry["msgstr"][field] += value
                else:
                    entry[field] += value
        if entry["msgid"] is not None:
            entries[(entry["msgctxt"], entry["msgid"])] = entry
    return entries


def msgfmt_statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )
    assert result.returncode == 0, f"msgfmt --check failed for {po}:\n{result.stderr}"
    return result.stderr.strip()


def domains() -> list[str]:
    """``django``, and ``djangojs`` as soon as a script of the package calls gettext."""
    uses_js_gettext = any(
        re.search(r"\b(n|p|np)?gettext\s*\(", path.read_text(encoding="utf-8", errors="replace"))
        for path in PACKAGE_DIR.rglob("*.js")
        if "node_modules" not in path.parts
    )
    return ["django", "djangojs"] if uses_js_gettext else ["django"]


def catalog(language: str, domain: str = "django") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


# --- the catalogs themselves ------------------------------------------------------------------------


@pytest.mark.parametrize("domain", domains())
@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_valid_and_has_no_fuzzy_entries(language, domain):
    po = catalog(language, domain)
    assert po.exists(), f"{po} is missing: run `make messages`"
    stats = msgfmt_statistics(po)
    assert "fuzzy" not in stats, f"{po}: {stats} (check each fuzzy entry, then remove the flag)"
    fuzzy = [msgid for (_, msgid), entry in read_po(po).items() if msgid and "fuzzy" in entry["flags"]]
    assert not fuzzy, f"{po} has fuzzy entries: {fuzzy}"
    header = read_po(po)[(None, "")]["msgstr"]["msgstr"]
    assert f"Language: {language}\n" in header


@pytest.mark.parametrize("domain", domains())
def test_japanese_catalog_is_fully_translated(domain):
    po = catalog("ja", domain)
    stats = msgfmt_statistics(po)
    assert "untranslated" not in stats and "fuzzy" not in stats, f"{po}: {stats}"
    untranslated = [
        msgid
        for (_, msgid), entry in read_po(po).items()
        if msgid and not all(value.strip() for value in entry["msgstr"].values())
    ]
    assert not untranslated, f"{po} has untranslated messages: {untranslated}"


@pytest.mark.parametrize("domain", domains())
@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_source(language, domain, tmp_path):
    """The committed .mo is what `compilemessages` makes of the committed .po."""
    po, mo = catalog(language, domain), catalog(language, domain).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `totonou compilemessages`"
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)

    def messages(path: Path) -> tuple[dict, dict]:
        with path.open("rb") as handle:
            translations = gettext.GNUTranslations(handle)
        found = dict(translations._catalog)  # type: ignore[attr-defined]
        header = found.pop("", "")
        return found, {k: v for k, v in (line.split(":", 1) for line in header.splitlines() if ":" in line)}

    committed, committed_header = messages(mo)
    expected, expected_header = messages(fresh)
    stale = sorted(str(key) for key in set(committed) ^ set(expected))
    changed = sorted(str(key) for key in set(committed) & set(expected) if committed[key] != expected[key])
    assert not stale and not changed, (
        f"{mo} is out of date with {po.name}: run `totonou compilemessages`.\n"
        f"Differing messages: {stale + changed}"
    )
    for key in ("Plural-Forms", "Content-Type", "Language"):
        assert committed_header.get(key) == expected_header.get(key), key


# --- every translatable string of the source is in the catalogs ------------------------------------


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> dict[str, set[tuple[str | None, str]]]:
    """The msgids `makemessages` finds in the source now, by domain, made in a throwaway copy."""
    work = tmp_path_factory.mktemp("makemessages")
    copy = work / "totonou"
    shutil.copytree(
        PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "*.mo", "*.po")
    )
    (copy / "locale").mkdir()
    # Point LOCALE_PATHS at the copy, so makemessages can never write into the working tree.
    settings_lines = [
        "from totonou.config.settings import *  # noqa: F403",
        f"LOCALE_PATHS = [{str(copy / 'locale')!r}]",
    ]
    (work / "catalog_test_settings.py").write_text("\n".join(settings_lines) + "\n")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "catalog_test_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(work), os.environ.get("PYTHONPATH")])),
        "TOTONOU_VAR_DIR": str(work / "var"),
    }
    found: dict[str, set[tuple[str | None, str]]] = {}
    for domain in domains():
        command = [sys.executable, "-m", "django", "makemessages", "-l", "ja", "-d", domain, "--keep-pot"]
        for pattern in IGNORE:
            command += ["--ignore", pattern]
        result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
        pot = copy / "locale" / f"{domain}.pot"
        found[domain] = set(read_po(pot)) - {(None, "")} if pot.exists() else set()
    return found


@pytest.mark.parametrize("domain", domains())
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_source_string_is_in_the_catalog(source_messages, language, domain):
    in_catalog = set(read_po(catalog(language, domain)))
    missing = sorted(source_messages[domain] - in_catalog, key=lambda key: (key[0] or "", key[1]))
    assert not missing, (
        f"{len(missing)} translatable string(s) are not in {catalog(language, domain)}; run `make messages`, "
        "translate them and compile:\n" + "\n".join(f"  {msgid!r}" for _, msgid in missing)
    )


def test_the_source_has_translatable_strings(source_messages):
    """Guards the check above against a makemessages run that silently found nothing."""
    assert (None, "My day") in source_messages["django"]


# --- the app speaks Japanese -------------------------------------------------------------------------


def test_navigation_is_japanese_under_ja():
    with translation.override("ja"):
        assert translation.gettext("My day") == "今日の活動"
        assert translation.gettext("Customers") == "顧客"
        assert translation.gettext("Deals") == "案件"
        assert translation.ngettext("%(days)s day", "%(days)s days", 3) % {"days": 3} == "3 日"
        rendered = Template('{% load i18n %}{% translate "Feed" %}|{% translate "Key customer" %}').render(
            Context()
        )
    assert rendered == "フィード|重点顧客"


def test_english_is_the_source_text():
    with translation.override("en"):
        assert translation.gettext("My day") == "My day"
        assert translation.ngettext("%(days)s day", "%(days)s days", 1) == "%(days)s day"
        assert translation.ngettext("%(days)s day", "%(days)s days", 2) == "%(days)s days"
