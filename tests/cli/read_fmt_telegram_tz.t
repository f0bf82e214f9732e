# An old Telegram Desktop export has only `date`, the exporting machine's local time without an
# offset: --tz says which zone that was (Berlin is UTC+1 in January), so 00:00:02 local is
# 23:00:02 UTC the day before. The numeric from_id of old exports comes out as exact text.
cmd: tocsin read --tz Europe/Berlin tests/data/formats/telegram_desktop/langchain_legacy_numeric_from_id_mojibake.result.json
status: 0
--- stdout
{"platform":"telegram","format":"telegram","id":"1980499","ts":"2019-12-31T23:00:02Z","author_id":"4325636679","author_name":"Henry","channel_id":"2730825451","channel_name":"Grace ðŸ§¤","kind":"post","ref_id":null,"lang":null,"urls":[],"hashtags":[],"mentions":[],"text":"It's 2020...","source":"tests/data/formats/telegram_desktop/langchain_legacy_numeric_from_id_mojibake.result.json","line":0,"record":1}
{"platform":"telegram","format":"telegram","id":"1980500","ts":"2019-12-31T23:00:04Z","author_id":"4325636679","author_name":"Henry","channel_id":"2730825451","channel_name":"Grace ðŸ§¤","kind":"post","ref_id":null,"lang":null,"urls":[],"hashtags":[],"mentions":[],"text":"Fireworks!","source":"tests/data/formats/telegram_desktop/langchain_legacy_numeric_from_id_mojibake.result.json","line":0,"record":2}
{"platform":"telegram","format":"telegram","id":"1980501","ts":"2019-12-31T23:00:05Z","author_id":"4720225552","author_name":"Grace ðŸ§¤ ðŸ’","channel_id":"2730825451","channel_name":"Grace ðŸ§¤","kind":"post","ref_id":null,"lang":null,"urls":[],"hashtags":[],"mentions":[],"text":"You're a minute late!","source":"tests/data/formats/telegram_desktop/langchain_legacy_numeric_from_id_mojibake.result.json","line":0,"record":3}
--- stderr
tocsin: read: 1 file, 3 records, 3 posts, 0 skipped
