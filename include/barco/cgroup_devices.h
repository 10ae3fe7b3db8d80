/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CGROUP_DEVICES_H
#define BARCO_CGROUP_DEVICES_H

/*
 * linux.resources.devices, L2: which device nodes the container may open (read, write) and
 * create (mknod), enforced by the devices controller on cgroup v1 and by an eBPF program of
 * type BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's cgroup on cgroup v2.
 *
 * The rule list (cgroup_devices_rules) is the config's linux.resources.devices in document
 * order, then the default allow list every container gets, as runc's specconv builds it
 * (its AllowedDevices, appended after the config's rules):
 *     c *:* m, b *:* m            mknod of any node (opening it is another matter)
 *     c 1:3 rwm  /dev/null        c 1:8 rwm  /dev/random    c 1:7 rwm  /dev/full
 *     c 5:0 rwm  /dev/tty         c 1:5 rwm  /dev/zero      c 1:9 rwm  /dev/urandom
 *     c 136:* rwm  /dev/pts/N     c 5:2 rwm  /dev/ptmx
 * A default whose path (the six above that have one) is also a linux.devices entry is left
 * out, as runc does: the config then decides about that node.  runc adds no rule for the
 * other linux.devices entries (they are created, c *:* m allows that, but opening them
 * needs a linux.resources.devices rule), and neither does barco.  runc's older lists also
 * had c 5:1 (/dev/console) and c 10:200 (/dev/net/tun); crun still has both; barco follows
 * runc 1.2+, which dropped them (a terminal's /dev/console is a pts, 136:*).
 *
 * Semantics: an access (one of r, w, m) to a device is decided by the LAST rule of the list
 * that matches the device (type, major, minor; 'a' and an absent number match anything)
 * and holds that access; no rule: denied.  So a config's leading {allow:false, access:rwm}
 * resets everything before it, and the defaults, coming last, always win (runc's comment
 * calls that questionable; it is what containers get from runc and crun alike).  An open
 * for reading and writing needs both.
 *
 * cgroup v2: the program checks m, r and w in turn, each by walking the rules that hold it
 * from the last to the first; the first match returns deny or moves on to the next access.
 * cgroup v1: the kernel keeps a default (allow or deny all) and a list of exceptions, and a
 * write to devices.deny only subtracts from an exception of exactly the same type:major:minor.
 * The rule list is reduced to that form (cgroup_devices_v1_files): "a" to devices.deny (or
 * devices.allow when the last full reset allows), then one line per exception.  A rule the
 * model cannot express, a deny punching a hole in an earlier, wider allow (allow c 1:* rwm,
 * then deny c 1:9 rwm), is refused on v1 with a message naming it; runc refuses it on both.
 */

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barco/error.h"
#include "barco/spec.h"

#define CGROUP_DEV_ANY (-1) /* major or minor: every number */
/* Access bits, the kernel's BPF_DEVCG_ACC_* values. */
#define CGROUP_DEV_MKNOD 1u
#define CGROUP_DEV_READ	 2u
#define CGROUP_DEV_WRITE 4u
#define CGROUP_DEV_RWM	 7u
/* More rules than this are refused (the program's jumps are 16-bit). */
#define CGROUP_DEV_MAX_RULES 2048

typedef struct cgroup_dev_rule {
	bool allow;
	char type;	      /* 'a', 'c' or 'b' */
	int64_t major, minor; /* 0..2^32-1, or CGROUP_DEV_ANY */
	unsigned int access;  /* CGROUP_DEV_* bits, never 0 */
	int src;	      /* index in linux.resources.devices, -1 for a default */
} cgroup_dev_rule_t;

/* ---- pure ---- */

/* The rule list for SPEC (NULL linux or resources: the defaults alone).  Errors name the
 * rule: linux.resources.devices[2].access: "rwx" has a letter other than r, w and m */
int cgroup_devices_rules(const bc_spec_t *spec, cgroup_dev_rule_t **out, size_t *n,
			 bc_error_t **err);
/* One rule from the config model; i is its index, for messages. */
int cgroup_devices_rule_from_spec(const bc_device_cgroup_t *d, size_t i, cgroup_dev_rule_t *out,
				  bc_error_t **err);
/* Access bits from "rwm" letters; -1 when empty or another letter is there. */
int cgroup_devices_parse_access(const char *s);
/* "c 1:3 rwm", "a *:* m": the devices.allow/devices.deny form; malloc'd. */
char *cgroup_devices_rule_string(const cgroup_dev_rule_t *r);

/* The decision the semantics above give for ACCESS (bits) on device TYPE ('c' or 'b'). */
bool cgroup_devices_allows(const cgroup_dev_rule_t *rules, size_t n, char type, uint32_t major,
			   uint32_t minor, unsigned int access);

/* The BPF_PROG_TYPE_CGROUP_DEVICE program for the list (malloc'd array of *count). */
int cgroup_devices_bpf_program(const cgroup_dev_rule_t *rules, size_t n, struct bpf_insn **out,
			       size_t *count, bc_error_t **err);

/* The cgroup v1 writes for the list, in order: keys "devices.allow" / "devices.deny", values
 * as cgroup_devices_rule_string.  Free with cgroup_v2_kv_free. */
int cgroup_devices_v1_files(const cgroup_dev_rule_t *rules, size_t n, bc_kv_t **out, size_t *count,
			    bc_error_t **err);

/* ---- applying ---- */

/* Load PROG and attach it to the cgroup2 directory DIRFD (BPF_CGROUP_DEVICE, with
 * BPF_F_ALLOW_MULTI so programs of the ancestors keep applying).  The program stays while the
 * cgroup lives.  SHOWN names the cgroup in messages:
 *   cgroup: load the device eBPF program for /sys/fs/cgroup/x: Permission denied (verifier: ...) */
int cgroup_devices_attach_bpf(int dirfd, const struct bpf_insn *prog, size_t count,
			      const char *shown, bc_error_t **err);

/* Build SPEC's rule list and enforce it on the container's cgroup DIRFD: the devices
 * hierarchy's directory (v2 false) or the cgroup2 one (v2 true). */
int cgroup_devices_apply(int dirfd, bool v2, const bc_spec_t *spec, const char *shown,
			 bc_error_t **err);

#endif
