# tocsin detect: a header without timestamp/value columns
cmd: tocsin detect tests/data/detect/bad_header.csv
status: 5
--- stdout
--- stderr
tocsin: tests/data/detect/bad_header.csv:1: field 'header': expected columns "timestamp" and "value" (got "time,count")
