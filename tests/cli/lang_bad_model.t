# tocsin lang: a model file that cannot be read names the file (exit 11, language setup failed)
cmd: tocsin lang --model tests/data/lang/no-such-model.txt hello
status: 11
--- stdout
--- stderr
tocsin: tests/data/lang/no-such-model.txt: field 'model': cannot open: No such file or directory
