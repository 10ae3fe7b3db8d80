/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: config.json text -> bc_spec_parse (oci/spec.c, spec_json.c,
 * spec_json_walk.c).  Besides crashes, leaks and undefined behaviour (the sanitizers), it
 * aborts when the parser breaks its own contract:
 *  - NULL comes with an error, a model without one;
 *  - an error message is one line of printable text (it ends up on stderr and in logs);
 *  - a parsed model writes back (bc_spec_to_json), and that text parses to an equal model.
 * Build: ./configure --enable-fuzz CC=clang && make; run: make fuzz (tests/fuzz/run.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barco/error.h"
#include "barco/spec.h"

#define FUZZ_NAME "fuzz_config"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bc_error_t *err = NULL;
	bc_spec_t *spec = bc_spec_parse("config.json", (const char *)data, size, &err);
	bc_spec_t *again;
	char *text;

	if (spec == NULL) {
		check_message(err);
		bc_error_free(err);
		return 0;
	}
	if (err != NULL)
		die("a model and an error", err->msg);
	text = bc_spec_to_json(spec, &err);
	if (text == NULL)
		die("a parsed model does not serialise", err ? err->msg : NULL);
	again = bc_spec_parse("config.json", text, strlen(text), &err);
	if (again == NULL)
		die("the serialised model does not parse", err ? err->msg : NULL);
	if (!bc_spec_equal(spec, again))
		die("the round trip changed the model", text);
	bc_spec_free(again);
	bc_spec_free(spec);
	free(text);
	return 0;
}
