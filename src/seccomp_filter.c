/* SPDX-License-Identifier: MIT */
#include <seccomp.h>
#include <stdio.h>

#include "barco/seccomp_filter.h"

const char *seccomp_filter_lib_version(void)
{
	static char buf[32];
	const struct scmp_version *v = seccomp_version();

	snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
	return buf;
}
