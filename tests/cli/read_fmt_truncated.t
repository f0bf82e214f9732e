# A filtered-stream capture whose last line was cut: the 7 complete tweets are printed, the cut
# line is skipped with a warning naming its line, and the summary counts it; exit 0.
cmd: tocsin read --output table tests/data/formats/twitter_v2/twarc2_streaming_output_with_error.jsonl | cut -c1-58
status: 0
--- stdout
ts                    kind     id                    autho
2021-04-01T15:52:31Z  quote    1377650090978992134   black
2021-04-01T15:52:32Z  reply    1377650093109743620   sheel
2021-04-01T15:53:16Z  post     1377650277642338305   dreas
2021-04-01T15:53:42Z  post     1377650387579248643   OpenM
2021-04-01T15:53:59Z  reply    1377650459033280516   court
2021-04-01T15:54:09Z  reply    1377650500687044618   RealP
2021-04-01T15:54:16Z  post     1377650529766154240   Arbor
