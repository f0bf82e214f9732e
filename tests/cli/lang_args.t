# tocsin lang: texts as arguments, one tsv line each (script rule, own model, CLD2 for Sorani)
cmd: tocsin lang "Toute personne a droit à la vie, à la liberté et à la sûreté de sa personne." "هر کس حق زندگی، آزادی و امنیت شخصی دارد" "هر څوک د ژوند، ازادۍ او شخصي امنيت حق لري" "모든 사람은 생명과 신체의 자유와 안전에 대한 권리를 가진다" "سڵاو لە هەموو لایەک، ئەمڕۆ ڕۆژێکی زۆر خۆشە بۆ هەمووان" "ok 👍 123"
status: 0
--- stdout
fr	1.000
fa	1.000
ps	1.000
ko	1.000
ckb	0.980
und	0.000
