/* model_blob.c: embeds models/lang-ngram.txt (the trained n-gram model, see its header for
 * provenance and licence) into libtocsin as lang_builtin_model .. lang_builtin_model_end, so
 * the library needs no data file at run time. The Makefile makes this object depend on the
 * model file. */
#include "lang/lang_internal.h"

__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl lang_builtin_model\n"
        ".type lang_builtin_model, @object\n"
        "lang_builtin_model:\n"
        ".incbin \"models/lang-ngram.txt\"\n"
        ".globl lang_builtin_model_end\n"
        ".type lang_builtin_model_end, @object\n"
        "lang_builtin_model_end:\n"
        ".byte 0\n"
        ".previous\n");
