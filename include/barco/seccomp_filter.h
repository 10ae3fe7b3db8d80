/* SPDX-License-Identifier: MIT */
#ifndef BARCO_SECCOMP_FILTER_H
#define BARCO_SECCOMP_FILTER_H

/* The only module that includes <seccomp.h>. */

/* "2.5.4": the libseccomp version barco runs with. */
const char *seccomp_filter_lib_version(void);

#endif
