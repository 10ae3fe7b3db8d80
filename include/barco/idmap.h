/* SPDX-License-Identifier: MIT */
#ifndef BARCO_IDMAP_H
#define BARCO_IDMAP_H

#include "barco/error.h"
#include "barco/spec.h"

#endif
