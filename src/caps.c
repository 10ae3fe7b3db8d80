/* SPDX-License-Identifier: MIT */
/*
 * process.capabilities: names checked at create, sets applied by the init around the uid
 * change.  The only file that includes <sys/capability.h>.
 *
 * The sets are handled as 64-bit masks (bit N for capability N): the kernel's capability
 * interface is 64 bits wide, and masks make the subset rules the kernel enforces at capset
 * time easy to check first, so that a refusal names the capability instead of EPERM.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "barco/caps.h"
#include "barco/log.h"
#include "barco/util.h"

#define CAPS_BIT(v) (UINT64_C(1) << (v))
#define CAPS_BITS   64

enum caps_set_id {
	CAPS_BOUNDING,
	CAPS_EFFECTIVE,
	CAPS_INHERITABLE,
	CAPS_PERMITTED,
	CAPS_AMBIENT,
	CAPS_SET_COUNT
};

static const char *const caps_set_names[CAPS_SET_COUNT] = {
    "bounding", "effective", "inheritable", "permitted", "ambient",
};

struct caps_masks {
	uint64_t set[CAPS_SET_COUNT];
};

static char **caps_list(const bc_capabilities_t *c, enum caps_set_id id)
{
	switch (id) {
	case CAPS_BOUNDING:
		return c->bounding;
	case CAPS_EFFECTIVE:
		return c->effective;
	case CAPS_INHERITABLE:
		return c->inheritable;
	case CAPS_PERMITTED:
		return c->permitted;
	case CAPS_AMBIENT:
		return c->ambient;
	case CAPS_SET_COUNT:
		break;
	}
	return NULL;
}

/* "CAP_CHOWN" for 0; libcap gives lower case names, and a number for one it does not know. */
static void caps_name(int v, char *buf, size_t size)
{
	char *n = cap_to_name((cap_value_t)v);

	if (n == NULL) {
		snprintf(buf, size, "capability %d", v);
		return;
	}
	snprintf(buf, size, "%s", n);
	cap_free(n);
	for (char *p = buf; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
}

/* libcap also takes "cap_chown", "Cap_Chown" and "12"; the spec and runc take only the
 * exact upper-case name, so a config that works here works with runc too. */
static bool caps_name_is_exact(const char *name)
{
	if (!bc_str_has_prefix(name, "CAP_") || name[4] == '\0')
		return false;
	for (const char *p = name + 4; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static int caps_lookup(const char *name, int *out)
{
	cap_value_t v;

	if (!caps_name_is_exact(name) || cap_from_name(name, &v) < 0 || v < 0 || v >= CAPS_BITS)
		return -1;
	*out = v;
	return 0;
}

bool caps_known_name(int v, char *buf, size_t size)
{
	int back;

	if (v < 0 || v >= CAPS_BITS)
		return false;
	caps_name(v, buf, size);
	return caps_lookup(buf, &back) == 0 && back == v;
}

/* The exact name meant by "cap_chown" or "CHOWN", or NULL. */
static char *caps_guess(const char *name)
{
	size_t n = strlen(name);
	cleanup_free char *up = NULL;
	int v;

	if (n == 0 || n > 32)
		return NULL;
	up = bc_xasprintf("%s%s",
			  bc_str_has_prefix(name, "CAP_") || bc_str_has_prefix(name, "cap_") ||
				  bc_str_has_prefix(name, "Cap_")
			      ? ""
			      : "CAP_",
			  name);
	for (char *p = up; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return caps_lookup(up, &v) == 0 ? steal_ptr(up) : NULL;
}

static int caps_unknown(const char *set_name, size_t i, const char *name, bc_error_t **err)
{
	cleanup_free char *guess = caps_guess(name);
	cleanup_free char *hint = guess ? bc_xasprintf(" (did you mean \"%s\"?)", guess) : NULL;

	return bc_error_set(
	    err, 0, "config.json: process.capabilities.%s[%zu]: unknown capability \"%s\"%s",
	    set_name, i, name, hint ? hint : "");
}

int caps_mask_of(char *const *names, const char *set_name, uint64_t *mask, bc_error_t **err)
{
	*mask = 0;
	for (size_t i = 0; names && names[i]; i++) {
		int v;

		if (caps_lookup(names[i], &v) < 0)
			return caps_unknown(set_name, i, names[i], err);
		*mask |= CAPS_BIT(v);
	}
	return 0;
}

static int caps_masks_of(const bc_capabilities_t *caps, struct caps_masks *m, bc_error_t **err)
{
	for (int id = 0; id < CAPS_SET_COUNT; id++)
		if (caps_mask_of(caps_list(caps, id), caps_set_names[id], &m->set[id], err) < 0)
			return -1;
	return 0;
}

int caps_validate(const bc_capabilities_t *caps, bc_error_t **err)
{
	struct caps_masks m;

	return caps ? caps_masks_of(caps, &m, err) : 0;
}

/*
 * Leave out of set `id` what is outside `have`, saying why at debug level: a container
 * cannot be given what the runtime does not hold, and a config written for every host
 * (Docker's --privileged lists every capability) should still run where some are missing.
 */
static void caps_skip(struct caps_masks *m, enum caps_set_id id, uint64_t have, const char *why)
{
	uint64_t missing = m->set[id] & ~have;
	char name[48];

	for (int v = 0; v < CAPS_BITS; v++) {
		if (!(missing & CAPS_BIT(v)))
			continue;
		caps_name(v, name, sizeof(name));
		bc_debug("capabilities: %s in process.capabilities.%s left out: %s", name,
			 caps_set_names[id], why);
	}
	m->set[id] &= have;
}

/* What the running kernel knows: libcap probes it once, without needing /proc. */
static uint64_t caps_kernel_mask(void)
{
	int n = cap_max_bits();

	if (n <= 0)
		return 0;
	return n >= CAPS_BITS ? ~UINT64_C(0) : CAPS_BIT(n) - 1;
}

static int caps_masks_for_kernel(const bc_capabilities_t *caps, struct caps_masks *m,
				 bc_error_t **err)
{
	if (caps_masks_of(caps, m, err) < 0)
		return -1;
	for (int id = 0; id < CAPS_SET_COUNT; id++)
		caps_skip(m, id, caps_kernel_mask(), "the running kernel does not support it");
	return 0;
}

static int caps_read_bounding(uint64_t *out, bc_error_t **err)
{
	uint64_t kernel = caps_kernel_mask();
	char name[48];

	*out = 0;
	for (int v = 0; v < CAPS_BITS; v++) {
		int r;

		if (!(kernel & CAPS_BIT(v)))
			continue;
		r = prctl(PR_CAPBSET_READ, (unsigned long)v, 0, 0, 0);
		if (r < 0) {
			caps_name(v, name, sizeof(name));
			return bc_error_errno(err, "read %s in the bounding set", name);
		}
		if (r == 1)
			*out |= CAPS_BIT(v);
	}
	return 0;
}

int caps_before_user(const bc_capabilities_t *caps, bc_error_t **err)
{
	struct caps_masks m;
	uint64_t bounding;
	char name[48];

	if (caps == NULL)
		return 0;
	if (caps_masks_for_kernel(caps, &m, err) < 0 || caps_read_bounding(&bounding, err) < 0)
		return -1;
	caps_skip(&m, CAPS_BOUNDING, bounding, "not in the runtime's bounding set");
	for (int v = 0; v < CAPS_BITS; v++) {
		if (!(bounding & CAPS_BIT(v)) || (m.set[CAPS_BOUNDING] & CAPS_BIT(v)))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)v, 0, 0, 0) < 0) {
			caps_name(v, name, sizeof(name));
			return bc_error_errno(err, "drop %s from the bounding set%s", name,
					      errno == EPERM ? " (the runtime lacks CAP_SETPCAP)"
							     : "");
		}
	}
	/* Without it, setuid to a non-zero uid would empty the permitted set. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return bc_error_errno(err,
				      "keep capabilities across the uid change (PR_SET_KEEPCAPS)");
	return 0;
}

static uint64_t caps_mask_in(cap_t c, cap_flag_t flag)
{
	uint64_t mask = 0;

	for (int v = 0; v < CAPS_BITS; v++) {
		cap_flag_value_t on = CAP_CLEAR;

		if (cap_get_flag(c, (cap_value_t)v, flag, &on) == 0 && on == CAP_SET)
			mask |= CAPS_BIT(v);
	}
	return mask;
}

static int caps_add(cap_t c, cap_flag_t flag, uint64_t mask)
{
	for (int v = 0; v < CAPS_BITS; v++) {
		cap_value_t one = (cap_value_t)v;

		if ((mask & CAPS_BIT(v)) && cap_set_flag(c, flag, 1, &one, CAP_SET) < 0)
			return -1;
	}
	return 0;
}

/* Set the three sets; errno from libcap or capset on failure. */
static int caps_set(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
	cap_t c = cap_init();
	int r = -1;

	if (c == NULL)
		return -1;
	if (caps_add(c, CAP_EFFECTIVE, effective) == 0 &&
	    caps_add(c, CAP_PERMITTED, permitted) == 0 &&
	    caps_add(c, CAP_INHERITABLE, inheritable) == 0)
		r = cap_set_proc(c);
	int saved = errno;
	cap_free(c);
	errno = saved;
	return r;
}

struct caps_now {
	uint64_t permitted, inheritable, bounding;
};

static int caps_read_now(struct caps_now *now, bc_error_t **err)
{
	cap_t c = cap_get_proc();

	if (c == NULL)
		return bc_error_errno(err, "read the capabilities of the init");
	now->permitted = caps_mask_in(c, CAP_PERMITTED);
	now->inheritable = caps_mask_in(c, CAP_INHERITABLE);
	cap_free(c);
	return caps_read_bounding(&now->bounding, err);
}

/* The first capability of `extra` (nonzero), as a name. */
static const char *caps_first(uint64_t extra, char *buf, size_t size)
{
	int v = 0;

	while (!(extra & CAPS_BIT(v)))
		v++;
	caps_name(v, buf, size);
	return buf;
}

/* What capset and PR_CAP_AMBIENT_RAISE would refuse, named before they refuse it. */
static int caps_check_sets(const struct caps_masks *m, const struct caps_now *now, bc_error_t **err)
{
	uint64_t eff = m->set[CAPS_EFFECTIVE], perm = m->set[CAPS_PERMITTED];
	uint64_t inh = m->set[CAPS_INHERITABLE], amb = m->set[CAPS_AMBIENT];
	char name[48];

	if (eff & ~perm)
		return bc_error_set(err, 0,
				    "set capabilities: effective capability %s is not in the "
				    "permitted set",
				    caps_first(eff & ~perm, name, sizeof(name)));
	if (inh & ~(now->inheritable | now->bounding))
		return bc_error_set(
		    err, 0,
		    "set capabilities: inheritable capability %s is not in the "
		    "bounding set",
		    caps_first(inh & ~(now->inheritable | now->bounding), name, sizeof(name)));
	if (amb & ~perm)
		return bc_error_set(err, 0,
				    "raise ambient capability %s: it is not in the permitted set",
				    caps_first(amb & ~perm, name, sizeof(name)));
	if (amb & ~inh)
		return bc_error_set(err, 0,
				    "raise ambient capability %s: it is not in the inheritable set",
				    caps_first(amb & ~inh, name, sizeof(name)));
	return 0;
}

static int caps_raise_ambient(uint64_t ambient, bc_error_t **err)
{
	char name[48];

	/* The runtime's own ambient set would otherwise leak into the container. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    !(errno == EINVAL && ambient == 0))
		return bc_error_errno(err, "clear the ambient capability set");
	for (int v = 0; v < CAPS_BITS; v++) {
		if (!(ambient & CAPS_BIT(v)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)v, 0, 0) < 0) {
			caps_name(v, name, sizeof(name));
			return bc_error_errno(err, "raise ambient capability %s", name);
		}
	}
	return 0;
}

int caps_after_user(const bc_capabilities_t *caps, bc_error_t **err)
{
	struct caps_masks m;
	struct caps_now now;

	if (caps == NULL)
		return 0;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return bc_error_errno(err, "clear PR_SET_KEEPCAPS");
	if (caps_masks_for_kernel(caps, &m, err) < 0 || caps_read_now(&now, err) < 0)
		return -1;
	for (int id = CAPS_EFFECTIVE; id < CAPS_SET_COUNT; id++)
		caps_skip(&m, id, now.permitted, "the runtime does not hold it");
	/* After the skip every set is within the permitted one, so capset needs no
	 * CAP_SETPCAP, which a uid change has just cleared from the effective set. */
	if (caps_check_sets(&m, &now, err) < 0)
		return -1;
	if (caps_set(m.set[CAPS_EFFECTIVE], m.set[CAPS_PERMITTED], m.set[CAPS_INHERITABLE]) < 0)
		return bc_error_errno(err,
				      "set capabilities (effective %#llx, permitted %#llx, "
				      "inheritable %#llx)",
				      (unsigned long long)m.set[CAPS_EFFECTIVE],
				      (unsigned long long)m.set[CAPS_PERMITTED],
				      (unsigned long long)m.set[CAPS_INHERITABLE]);
	return caps_raise_ambient(m.set[CAPS_AMBIENT], err);
}
