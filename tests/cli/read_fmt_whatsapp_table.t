# tocsin read --output table on an Android WhatsApp export: one row per message, the line number
# as id, the file's base name as channel (cut to 16 columns), times in UTC (no --tz given). Columns are padded, the text to 60.
cmd: tocsin read --output table tests/data/formats/whatsapp_txt/chat_analytics_2A_5M.txt
status: 0
--- stdout
ts                    kind     id                    author            channel           text
2021-01-01T12:00:00Z  post     1                     A                 chat_analytics_2  Hi                                                          
2021-01-01T12:01:00Z  post     2                     B                 chat_analytics_2  Whats up?                                                   
2021-01-01T12:02:00Z  post     3                     A                 chat_analytics_2  All good                                                    
2021-01-01T12:03:00Z  post     4                     B                 chat_analytics_2  <media omitted>                                             
2021-01-01T12:02:00Z  post     5                     A                 chat_analytics_2  This message should be reordered                            
--- stderr
tocsin: read: 1 file, 5 records, 5 posts, 0 skipped
