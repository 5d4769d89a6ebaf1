#!/usr/bin/env bash
# Refreshes qml/i18n/safeguard_en.ts from the sources and fills in English
# singular and plural forms for every "%n ...(s)" message, so "1 record" and
# "2 records" read right. Run after adding or changing a counted message.
set -euo pipefail
cd "$(dirname "$0")/.."
ts=qml/i18n/safeguard_en.ts
/usr/lib/qt6/bin/lupdate -silent -pluralonly -no-obsolete -locations none \
  -source-language en -target-language en app/ui qml -ts "${ts}"
python3 - "${ts}" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
singular = [("record(s) need correction", "record needs correction"), ("record(s)", "record"),
            ("attempt(s)", "attempt"), ("question(s)", "question"), ("item(s)", "item"),
            ("passphrase(s)", "passphrase"), ("child(ren)", "child")]
def forms(source):
    one, many = source, source
    for a, b in singular:
        one = one.replace(a, b)
    many = re.sub(r"(\w+)\(s\)", r"\1s", many).replace("child(ren)", "children")
    return one, many
def fill(match):
    block = match.group(0)
    source = re.search(r"<source>(.*?)</source>", block, re.S).group(1)
    one, many = forms(source)
    new = ("<translation>\n            <numerusform>%s</numerusform>\n"
           "            <numerusform>%s</numerusform>\n        </translation>" % (one, many))
    return re.sub(r"<translation[^>]*>.*?</translation>|<translation[^>]*/>", new, block, flags=re.S)
text = re.sub(r'<message numerus="yes">.*?</message>', fill, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY
echo "updated ${ts}"
