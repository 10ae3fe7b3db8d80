/* SPDX-License-Identifier: MIT */
#ifndef BARCO_LSM_H
#define BARCO_LSM_H

#include "barco/error.h"
#include "barco/spec.h"

#endif
