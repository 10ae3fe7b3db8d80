/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CGROUP_DEVICES_H
#define BARCO_CGROUP_DEVICES_H
/* placeholder: being written */
#endif
