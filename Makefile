# Makefile for tocsin: libtocsin (static + shared), the tocsin CLI, tests and benchmarks.
# Everything is found with pkg-config; `make deps` installs missing Debian packages.
#   make            build build/libtocsin.a, build/libtocsin.so, build/tocsin
#   make test       install deps, build, run all tests, then again under ASan+UBSan
#   make demo       install deps, build, scan the bundled sample with the example watchlist
#   make bench      benchmarks, results written to BENCHMARKS.md

BUILD    ?= build
SAN      ?=
CC       ?= cc
CXX      ?= c++
PKGS     := libhs libutf8proc yaml-0.1 libzstd zlib sqlite3 libsodium libcrypto gsl libmicrohttpd libxml-2.0 simdjson

ifeq ($(SAN),1)
OPT      := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
OPT      := -O2 -g
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN     := -Wall -Wextra -Werror
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE
CFLAGS   += -std=c11 $(OPT) $(WARN) -fPIC -pthread $(PKG_CFLAGS)
CXXFLAGS += -std=c++17 $(OPT) $(WARN) -fPIC -pthread $(PKG_CFLAGS)
# CLD2 ships no .pc file; the full tables go before the base library (issue 4).
# --no-as-needed: nothing references libcld2_full directly, so an as-needed link would drop it
# and CLD2 would silently run on its small tables (no Pashto, Uyghur, Somali, Hausa...).
LDLIBS   += $(PKG_LIBS) -Wl,--no-as-needed -lcld2_full -lcld2 -Wl,--as-needed -lstdc++ -lm -pthread
SANFLAGS := -fsanitize=address,undefined
LDFLAGS  += $(if $(SAN),$(SANFLAGS))

LIB_C    := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
LIB_CXX  := $(sort $(wildcard src/*/*.cpp))
CLI_C    := $(sort $(wildcard src/cli/*.c))
LIB_OBJ  := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CXX:%.cpp=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_C:%.c=$(BUILD)/%.o)
# The dashboard's assets (tocsin serve, issue 7): web/ and uPlot (npm, installed into the build
# directory) embedded as bytes in a generated C file; nothing generated is committed.
WEB_FILES := $(sort $(wildcard web/*.html web/*.js web/*.css))
UPLOT_DIR := $(BUILD)/npm/node_modules/uplot/dist
LIB_OBJ  += $(BUILD)/gen/serve_assets.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c) $(wildcard bench/*.c))
TOOL_BIN := $(TOOL_SRC:%.c=$(BUILD)/%)

.PHONY: all lib cli tests tools deps check-deps test test-fast test-san demo bench clean tidy eval-lang eval-nab

all: check-deps lib cli

lib: $(BUILD)/libtocsin.a $(BUILD)/libtocsin.so
cli: $(BUILD)/tocsin
tests: $(UNIT_BIN) $(TOOL_BIN)
tools: $(TOOL_BIN)

check-deps:
	@pkg-config --exists $(PKGS) || { echo "missing libraries: run 'make deps' (or 'make test' / 'make demo', which do it)" >&2; \
	  pkg-config --print-errors --exists $(PKGS); exit 1; }

deps:
	@scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libtocsin.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libtocsin.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tocsin: $(CLI_OBJ) $(BUILD)/libtocsin.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libtocsin.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h $(BUILD)/libtocsin.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libtocsin.a $(LDLIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libtocsin.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libtocsin.a $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libtocsin.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libtocsin.a $(LDLIBS)

# The test command of the README: dependencies, a normal build and a sanitizer build, every test
# in both, one summary line at the end.
test: deps
	@$(MAKE) --no-print-directory all tests
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 all tests
	@tests/run.sh build build/san

test-fast: all tests
	@tests/run.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all tools
	@bench/run.sh $(BUILD)

eval-lang: deps
	@$(MAKE) --no-print-directory all tools
	@bench/eval-lang.sh $(BUILD)

# The streaming detector on the Numenta Anomaly Benchmark (../shared/nab), scored by tocsin's own
# NAB scorer, after checking that scorer against NAB's published results.
eval-nab: deps
	@$(MAKE) --no-print-directory all tools
	@$(BUILD)/bench/nab_score --nab $${NAB_DIR:-../shared/nab} --random
	@$(BUILD)/bench/nab_score --nab $${NAB_DIR:-../shared/nab} --check-published > $(BUILD)/nab-check.log 2>&1 \
	  || { grep FAIL $(BUILD)/nab-check.log | head -n 40; tail -n 1 $(BUILD)/nab-check.log; exit 1; }
	@tail -n 1 $(BUILD)/nab-check.log
	@bench/nab.sh $(BUILD)

tidy:
	clang-tidy --quiet $(LIB_C) $(CLI_C) -- $(CPPFLAGS) -std=c11 $(PKG_CFLAGS)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

# The built-in language model is embedded with .incbin (src/lang/model_blob.c): rebuild it when
# the model changes.
$(BUILD)/src/lang/model_blob.o: models/lang-ngram.txt

$(UPLOT_DIR)/uPlot.iife.min.js: web/package.json web/npm-install.sh
	@web/npm-install.sh $(BUILD)/npm

$(BUILD)/gen/serve_assets.c: $(WEB_FILES) web/embed.sh $(UPLOT_DIR)/uPlot.iife.min.js
	@mkdir -p $(dir $@)
	web/embed.sh $@ $(foreach f,$(WEB_FILES),/$(if $(filter web/index.html,$(f)),index.html,static/$(notdir $(f)))=$(f)) \
	  /static/uPlot.min.js=$(UPLOT_DIR)/uPlot.iife.min.js /static/uPlot.min.css=$(UPLOT_DIR)/uPlot.min.css

$(BUILD)/gen/serve_assets.o: $(BUILD)/gen/serve_assets.c src/serve/serve_int.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
