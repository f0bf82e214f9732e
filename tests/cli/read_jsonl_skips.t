# JSON Lines: field discovery, exact big ids, bad lines skipped with file:line and reason, unterminated last line
cmd: tocsin read tests/data/read/mixed.jsonl
status: 0
--- stdout
{"platform":null,"format":"jsonl","id":"1001","ts":"2021-05-18T19:24:56Z","author_id":"ana","author_name":"ana","channel_id":null,"channel_name":null,"kind":"post","ref_id":null,"lang":"en","urls":[],"hashtags":[],"mentions":[],"text":"first post","source":"tests/data/read/mixed.jsonl","line":1,"record":1}
{"platform":null,"format":"jsonl","id":"12345678901234567890","ts":"2023-07-13T04:54:38Z","author_id":"bo","author_name":"bo","channel_id":"c1","channel_name":"c1","kind":"post","ref_id":null,"lang":null,"urls":[],"hashtags":[],"mentions":[],"text":"second","source":"tests/data/read/mixed.jsonl","line":4,"record":3}
--- stderr
tocsin: warning: tests/data/read/mixed.jsonl:2: skipped: invalid JSON: The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc. (bad-json)
tocsin: warning: tests/data/read/mixed.jsonl:5: skipped: the record is not a JSON object (not-object)
tocsin: warning: tests/data/read/mixed.jsonl:6: skipped: no text field (text, full_text, message, body, content, selftext, com) (no-text)
tocsin: warning: tests/data/read/mixed.jsonl:7: skipped: cannot parse the time "yesterday" in ts (bad-time)
tocsin: warning: tests/data/read/mixed.jsonl:8: skipped: the input ends inside this record: A string is opened, but never closed. (truncated)
tocsin: read: 1 file, 7 records, 2 posts, 5 skipped (bad-json: 1, no-text: 1, bad-time: 1, not-object: 1, truncated: 1)
