# CSV: BOM, CRLF, quoted commas, embedded newline, doubled quotes, wrong field count, epoch/ISO/X times
cmd: tocsin read --format csv --output table tests/data/read/edge.csv
status: 0
--- stdout
ts                    kind     id                    author            channel           text
2021-05-18T19:24:56Z  post     1                     ana                                 plain                                                       
2018-05-18T19:24:56Z  post     2                     bo                                  with, comma                                                 
-                     post     3                     cy                                  multi line "quoted"                                         
2018-10-10T20:19:24Z  post     5                     dee                                                                                             
--- stderr
tocsin: warning: tests/data/read/edge.csv:6: skipped: row has 5 fields, the header has 4 (bad-csv)
tocsin: read: 1 file, 5 records, 4 posts, 1 skipped (bad-csv: 1)
