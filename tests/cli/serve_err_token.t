# a given token must be long enough, even on loopback
cmd: tocsin serve --db /nonexistent/none.db --listen 127.0.0.1:0 --token abc
status: 3
--- stdout
--- stderr
tocsin: field 'token': a token has 16 to 128 characters
