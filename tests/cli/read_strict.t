# --strict: the first bad record is the error (exit 4, TOCSIN_ERR_PARSE) with the same file:line
cmd: tocsin read --strict --format jsonl tests/data/read/mixed.jsonl
status: 4
--- stdout
{"platform":null,"format":"jsonl","id":"1001","ts":"2021-05-18T19:24:56Z","author_id":"ana","author_name":"ana","channel_id":null,"channel_name":null,"kind":"post","ref_id":null,"lang":"en","urls":[],"hashtags":[],"mentions":[],"text":"first post","source":"tests/data/read/mixed.jsonl","line":1,"record":1}
--- stderr
tocsin: tests/data/read/mixed.jsonl:2: invalid JSON: The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc. (bad-json)
tocsin: read: 1 file, 2 records, 1 posts, 1 skipped (bad-json: 1)
