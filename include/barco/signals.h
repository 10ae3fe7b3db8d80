/* SPDX-License-Identifier: MIT */
#ifndef BARCO_SIGNALS_H
#define BARCO_SIGNALS_H

#include "barco/error.h"

/* Parse "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3", "SIGRTMAX-1".  Returns the signal
 * number or -1 with `unknown signal "X"` / `invalid signal number N`. */
int signals_parse(const char *s, bc_error_t **err);
/* "SIGTERM" etc., or NULL for numbers without a name. */
const char *signals_name(int sig);

#endif
