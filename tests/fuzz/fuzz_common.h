/* SPDX-License-Identifier: MIT */
/* What the fuzz targets share: the abort with a reason, and the check that an error message is
 * one line of printable text (it ends up on stderr and in logs).  FUZZ_NAME names the target. */
#ifndef BARCO_FUZZ_COMMON_H
#define BARCO_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "barco/error.h"

#ifndef FUZZ_NAME
#error "define FUZZ_NAME before including fuzz_common.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
	fprintf(stderr, FUZZ_NAME ": %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void check_message(const bc_error_t *err)
{
	if (err == NULL || err->msg == NULL || err->msg[0] == '\0')
		die("an error without a message", NULL);
	for (const char *c = err->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			die("a control character in an error message", err->msg);
}

#endif
