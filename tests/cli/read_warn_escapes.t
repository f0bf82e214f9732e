# input bytes quoted in warnings and errors (here a time that does not parse, holding an OSC
# title sequence and a clear-screen) are printed with control characters as \xHH, never raw
cmd: printf '{"text":"a","created_at":"\\u001b]0;pwned\\u0007\\u001b[2J"}\n' | tocsin read -
status: 0
--- stdout
--- stderr
tocsin: warning: -:1: skipped: cannot parse the time "\x1b]0;pwned\x07\x1b[2J" in created_at (bad-time)
tocsin: read: 1 file, 1 records, 0 posts, 1 skipped (bad-time: 1)
