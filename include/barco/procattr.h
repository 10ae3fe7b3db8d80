/* SPDX-License-Identifier: MIT */
#ifndef BARCO_PROCATTR_H
#define BARCO_PROCATTR_H

#include "barco/error.h"
#include "barco/spec.h"

#endif
