#!/usr/bin/env bash
# release_files.sh — the files a release ships besides the code, and the PGXN distribution:
#
#   1. LICENSE is the PostgreSQL License, word for word the text debian/copyright gives; META.json
#      says "postgresql"; debian/copyright is machine-readable (DEP-5); the README names the license
#   2. META.json is valid PGXN metadata (meta-spec 1.0.0: test/ops/pgxn_meta.py, which must also
#      refuse a broken META.json), with homepage, repository and bug tracker, and what it needs
#   3. the versions agree: kobatela.control's default_version, META.json (twice), debian/changelog
#   4. CHANGELOG.md has a section for default_version and for every version of sql/versions/, newest
#      first, and no internal tracker words
#   5. make dist in a temporary clone: dist/kobatela-VERSION.zip, everything under kobatela-VERSION/,
#      the files a PGXN build and its installcheck need, no build products or CI files, META.json's
#      version inside it = its control file's; make dist refuses when META.json disagrees
#
# Needs no server, no root: git, python3, unzip. make dist archives the committed tree (HEAD), so
# step 5 tests the last commit, not uncommitted work.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/ops/lib.sh

version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" kobatela.control)
json() { python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

# --- 1. License --------------------------------------------------------------------------------
check_eq "LICENSE is the PostgreSQL License" "PostgreSQL License" "$(head -1 LICENSE)"
check "LICENSE: copyright 2026, Kobatela developers" grep -qxF 'Copyright (c) 2026, Kobatela developers' LICENSE
# The licence text from "Permission" on, as words: LICENSE's, and debian/copyright's stand-alone
# "License: PostgreSQL" paragraph (its lines indented by one space, "." for an empty line).
license_words() { sed -n '/^Permission to use/,$p' LICENSE | tr -s ' \n' '\n\n' | grep -v '^$'; }
copyright_words() {
  awk '/^License: PostgreSQL$/ {on = 1; next} on && /^[^ ]/ {on = 0} on' debian/copyright \
    | sed 's/^ \.$//' | tr -s ' \n' '\n\n' | grep -v '^$'
}
check "LICENSE has the whole licence text (the permission and the two paragraphs that follow)" \
  test "$(license_words | wc -l)" -gt 100 -a "$(license_words | tail -1)" = "MODIFICATIONS."
check_eq "debian/copyright has the licence text of LICENSE" "$(license_words | paste -sd' ')" \
  "$(copyright_words | paste -sd' ')"
check_eq "META.json's license is postgresql" "postgresql" "$(json META.json 'm["license"]')"
check_eq "debian/copyright is DEP-5 (Format, Upstream-Name, Source)" \
  "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/|Upstream-Name: kobatela|Source: https://github.com/kobatela/kobatela" \
  "$(grep -E '^(Format|Upstream-Name|Source):' debian/copyright | paste -sd'|')"
check_eq "debian/copyright: Files: * and Files: debian/*, each under the PostgreSQL License" \
  "Files: *|License: PostgreSQL|Files: debian/*|License: PostgreSQL" \
  "$(awk '/^Files:/ {f = $0} /^License:/ && f {print f; print; f = ""}' debian/copyright | paste -sd'|')"
check "README names the license" grep -qE '^## License' README.md

# --- 2. META.json ------------------------------------------------------------------------------
check "META.json is valid JSON" python3 -m json.tool META.json /dev/null
check_eq "META.json follows PGXN meta-spec 1.0.0" "" "$(python3 test/ops/pgxn_meta.py META.json 2>&1)"
# The validator can fail: a META.json without a license, with a bad version and an untyped
# repository URL is refused on each count.
broken=$(mktemp)
trap 'rm -f "$broken"; [ -n "${clone_dir:-}" ] && rm -rf "$clone_dir"' EXIT
python3 - "$broken" <<'PY'
import json, sys
m = json.load(open('META.json'))
del m['license']
m['version'] = '0.9'
m['resources']['repository'] = {'url': 'https://example.com/kobatela.git'}
json.dump(m, open(sys.argv[1], 'w'))
PY
check_eq "the validator refuses a broken META.json (three problems)" "3" \
  "$(python3 test/ops/pgxn_meta.py "$broken" | grep -cE '^/(license|version|resources/repository):')"
check "META.json names its homepage, git repository and bug tracker" \
  test -n "$(json META.json 'm["resources"]["homepage"] and m["resources"]["bugtracker"]["web"] and m["resources"]["repository"]["url"] and (m["resources"]["repository"]["type"] == "git" or None)')"
check_eq "META.json: PostgreSQL 15 to build and run, pg_cron recommended at run time" "15.0.0 15.0.0 1.4.0" \
  "$(json META.json '" ".join([m["prereqs"]["build"]["requires"]["PostgreSQL"], m["prereqs"]["runtime"]["requires"]["PostgreSQL"], m["prereqs"]["runtime"]["recommends"]["pg_cron"]])')"
check_eq "META.json: the tests need PostgreSQL 15 and pg_cron (installcheck preloads it)" "15.0.0 1.4.0" \
  "$(json META.json '" ".join([m["prereqs"]["test"]["requires"]["PostgreSQL"], m["prereqs"]["test"]["requires"]["pg_cron"]])')"
check "META.json's provided file and docfile exist" \
  test -f "$(json META.json 'm["provides"]["kobatela"]["file"]')" -a -f "$(json META.json 'm["provides"]["kobatela"]["docfile"]')"

# --- 3. Versions -------------------------------------------------------------------------------
check_eq "META.json version is kobatela.control's default_version" "$version" "$(json META.json 'm["version"]')"
check_eq "META.json provides kobatela at that version" "$version" "$(json META.json 'm["provides"]["kobatela"]["version"]')"
check_eq "debian/changelog is at version $version-N" "$version" \
  "$(sed -n '1s/^kobatela (\([^-]*\)-[0-9][^)]*).*/\1/p' debian/changelog)"

# --- 4. CHANGELOG.md ---------------------------------------------------------------------------
# Versions: the frozen install scripts' (kobatela--X.sql, not the upgrade scripts) and the current.
versions=$( { ls sql/versions | sed -n 's/^kobatela--\([0-9][0-9.]*\)\.sql$/\1/p'; echo "$version"; } | sort -uV)
sections=$(sed -n 's/^## \[\([^]]*\)\].*/\1/p' CHANGELOG.md)
for v in $versions; do
  check "CHANGELOG.md has a section for $v" grep -qxF "$v" <<<"$sections"
done
check_eq "CHANGELOG.md's sections, newest first, are exactly those versions" \
  "$(sort -rV <<<"$versions" | paste -sd' ')" "$(paste -sd' ' <<<"$sections")"
check_eq "CHANGELOG.md's section for $version is dated or Unreleased" "1" \
  "$(grep -cE "^## \[$version\] - ([0-9]{4}-[0-9]{2}-[0-9]{2}|Unreleased)\$" CHANGELOG.md)"
check "CHANGELOG.md uses no internal tracker words (issue numbers, blocked, helper)" \
  bash -c '! grep -niE "issue *[0-9]|#[0-9]+|blocked|helper|\bwip\b" CHANGELOG.md'

# --- 5. make dist ------------------------------------------------------------------------------
clone_dir=$(mktemp -d)
clone=$clone_dir/kobatela
zip=$clone/dist/kobatela-$version.zip
if git clone -q --no-hardlinks . "$clone" 2>/dev/null && make -s -C "$clone" dist >"$clone_dir/dist.log" 2>&1; then
  ok "make dist in a clone of HEAD"
else
  not_ok "make dist in a clone of HEAD"; sed 's/^/#   /' "$clone_dir/dist.log" 2>/dev/null | tail -5
fi
check "it writes dist/kobatela-$version.zip" test -f "$zip"
listing=$(unzip -Z1 "$zip" 2>/dev/null)
check "every entry is under kobatela-$version/" \
  bash -c '[ -n "$1" ] && ! grep -qv "^kobatela-$2/" <<<"$1"' _ "$listing" "$version"
for f in META.json kobatela.control Makefile LICENSE CHANGELOG.md README.md sql/types.sql \
         "sql/versions/kobatela--0.1.0.sql" src/api/ test/sql/00_setup.sql expected/00_setup.out \
         test/isolation/specs/ debian/control; do
  check "the zip holds $f" grep -qxF "kobatela-$version/$f" <<<"$listing"
done
check "no build products in the zip (*.o, *.so, *.d, *.bc, build/, dist/, results)" \
  bash -c '! grep -qE "\.(o|so|d|bc)$|/build/|/dist/|/results/|regression\.(diffs|out)$" <<<"$1"' _ "$listing"
check "no CI or git files in the zip (.ci/, .git*)" \
  bash -c '! grep -qE "/\.ci/|/\.git" <<<"$1"' _ "$listing"
unzip -q -o "$zip" -d "$clone_dir/unpacked" 2>/dev/null
check_eq "the zip's META.json version = its kobatela.control's = $version" "$version $version" \
  "$(cd "$clone_dir/unpacked/kobatela-$version" 2>/dev/null && json META.json 'm["version"]') $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$clone_dir/unpacked/kobatela-$version/kobatela.control" 2>/dev/null)"
# A META.json that disagrees with the control file stops make dist before anything is written.
rm -rf "$clone/dist"
sed -i "s/\"version\": \"$version\"/\"version\": \"9.9.9\"/" "$clone/META.json"
check "make dist refuses a META.json whose version is not the control file's" \
  bash -c '! make -s -C "$1" dist >/dev/null 2>&1 && [ ! -e "$1/dist" ]' _ "$clone"

done_testing
