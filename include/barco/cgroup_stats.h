/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CGROUP_STATS_H
#define BARCO_CGROUP_STATS_H
/* placeholder: being written */
#endif
