#!/usr/bin/env python3
"""Adds English plural forms to qml/i18n/safeguard_en.ts.

Usage: scripts/add-plural.py CONTEXT 'source with %n thing(s)' 'one form' 'other form'

Only the numerus messages live in the English file (every other string is
its own translation); lupdate would add every string, so they are kept by
hand. An existing source in the context is left as it is.
"""
import sys
from xml.sax.saxutils import escape

path = 'qml/i18n/safeguard_en.ts'
context, source, one, other = sys.argv[1:5]
text = open(path, encoding='utf-8').read()
entry = ('    <message numerus="yes">\n'
         f'        <source>{escape(source)}</source>\n'
         '        <translation>\n'
         f'            <numerusform>{escape(one)}</numerusform>\n'
         f'            <numerusform>{escape(other)}</numerusform>\n'
         '        </translation>\n'
         '    </message>\n')
head = f'<context>\n    <name>{context}</name>\n'
if f'<source>{escape(source)}</source>' in text.split(head, 1)[-1].split('</context>', 1)[0] and head in text:
    sys.exit(0)
if head in text:
    text = text.replace(head, head + entry, 1)
else:
    text = text.replace('</TS>', head + entry + '</context>\n</TS>', 1)
open(path, 'w', encoding='utf-8').write(text)
