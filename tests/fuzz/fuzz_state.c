/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: state.json text -> bc_state_parse (oci/state_json.c).  Besides crashes,
 * leaks and undefined behaviour (the sanitizers), it aborts when the reader breaks its own
 * contract:
 *  - NULL comes with an error, a record without one;
 *  - an error message is one line of printable text;
 *  - a record read back writes (bc_state_to_json, as stored and as the OCI state) and the
 *    stored text reads back to the same record.
 * Build: ./configure --enable-fuzz CC=clang && make; run: make fuzz (tests/fuzz/run.sh).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barco/error.h"
#include "barco/state_json.h"

#define FUZZ_NAME "fuzz_state"
#include "fuzz_common.h"

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool state_same(const bc_state_t *a, const bc_state_t *b)
{
	if (!str_same(a->oci_version, b->oci_version) || !str_same(a->id, b->id) ||
	    !str_same(a->status, b->status) || a->pid != b->pid ||
	    !str_same(a->bundle, b->bundle) || !str_same(a->rootfs, b->rootfs) ||
	    !str_same(a->created, b->created) || a->owner != b->owner ||
	    a->start_time != b->start_time || !str_same(a->cgroup_path, b->cgroup_path) ||
	    a->config_needs != b->config_needs || a->n_annotations != b->n_annotations)
		return false;
	for (size_t i = 0; i < a->n_annotations; i++)
		if (!str_same(a->annotations[i].key, b->annotations[i].key) ||
		    !str_same(a->annotations[i].value, b->annotations[i].value))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bc_error_t *err = NULL;
	bc_state_t *st = bc_state_parse("state.json", (const char *)data, size, &err);
	bc_state_t *again;
	char *stored, *oci;

	if (st == NULL) {
		check_message(err);
		bc_error_free(err);
		return 0;
	}
	if (err != NULL)
		die("a record and an error", err->msg);
	stored = bc_state_to_json(st, BC_STATE_JSON_STORED, &err);
	if (stored == NULL)
		die("a record read back does not serialise", err ? err->msg : NULL);
	oci = bc_state_to_json(st, BC_STATE_JSON_OCI, &err);
	if (oci == NULL)
		die("a record read back does not serialise as the OCI state",
		    err ? err->msg : NULL);
	again = bc_state_parse("state.json", stored, strlen(stored), &err);
	if (again == NULL)
		die("the stored text does not read back", err ? err->msg : NULL);
	if (!state_same(st, again))
		die("the round trip changed the record", stored);
	bc_state_free(again);
	bc_state_free(st);
	free(stored);
	free(oci);
	return 0;
}
