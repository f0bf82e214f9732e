# Every matching example of issue 2: word boundaries, separators, proclitics, diacritics,
# tatweel, letter variants, ZWNJ, zero-width, exclusions, regex. Expected counts reasoned per case
# (see tests/data/scan/README.md); the language is the input's (none: und).
cmd: tocsin scan --watchlist tests/data/scan/watchlist.yaml --output json --lang-source input tests/data/scan/examples.jsonl
status: 0
--- stdout
{"topic":"iskp","lang":"und","bucket":"2021-08-14","posts":8,"authors":3}
{"topic":"iskp","lang":"und","bucket":"2021-08-16","posts":7,"authors":3}
{"topic":"place","lang":"und","bucket":"2021-08-14","posts":2,"authors":2}
--- stderr
tocsin: scan: 1 file, 22 records, 22 posts, 0 skipped
tocsin: scan: 16 matching posts
