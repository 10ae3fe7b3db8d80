/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/cgroup_devices.h"
#include "barco/cgroup_v2.h"
#include "barco/spec.h"
#include "barco/util.h"

#define ANY CGROUP_DEV_ANY
#define R   CGROUP_DEV_READ
#define W   CGROUP_DEV_WRITE
#define M   CGROUP_DEV_MKNOD

/* The default list as devices.allow lines, in order. */
static const char *const default_lines[] = {
    "c *:* m",	 "b *:* m",   "c 1:3 rwm", "c 1:8 rwm",	  "c 1:7 rwm",
    "c 5:0 rwm", "c 1:5 rwm", "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm",
};

/* Parse a config.json whose linux part is LINUX (single quotes stand for double). */
static bc_spec_t *parse_linux(const char *linux_)
{
	cleanup_free char *doc =
	    bc_xasprintf("{'ociVersion':'1.2.0','root':{'path':'r'},'linux':%s}", linux_);
	bc_error_t *err = NULL;
	bc_spec_t *spec;

	for (char *p = doc; *p; p++)
		if (*p == '\'')
			*p = '"';
	spec = bc_spec_parse("config.json", doc, strlen(doc), &err);
	if (spec == NULL)
		ck_abort_msg("parse: %s", err->msg);
	return spec;
}

/* The rule list as "allow c 1:3 rwm [src]\n" lines, or "ERR:message". */
static char *rules_text(const bc_spec_t *spec)
{
	cgroup_dev_rule_t *rules = NULL;
	bc_error_t *err = NULL;
	size_t n = 99;
	char *out = bc_xstrdup("");

	if (cgroup_devices_rules(spec, &rules, &n, &err) < 0) {
		ck_assert_ptr_null(rules);
		ck_assert_uint_eq(n, 0);
		free(out);
		out = bc_xasprintf("ERR:%s", err->msg);
		bc_error_free(err);
		return out;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *s = cgroup_devices_rule_string(&rules[i]);
		char *next = bc_xasprintf("%s%s %s %d\n", out, rules[i].allow ? "allow" : "deny", s,
					  rules[i].src);
		free(out);
		out = next;
	}
	free(rules);
	return out;
}

static char *defaults_text(size_t skip_from, size_t skip_to)
{
	char *out = bc_xstrdup("");

	for (size_t i = 0; i < BC_ARRAY_SIZE(default_lines); i++) {
		char *next;

		if (i >= skip_from && i < skip_to)
			continue;
		next = bc_xasprintf("%sallow %s -1\n", out, default_lines[i]);
		free(out);
		out = next;
	}
	return out;
}

START_TEST(test_defaults_alone)
{
	cleanup_free char *want = defaults_text(0, 0);
	cleanup_free char *got = rules_text(NULL);
	cleanup_spec bc_spec_t *spec = parse_linux("{}");
	cleanup_free char *got2 = rules_text(spec);

	ck_assert_str_eq(got, want);
	ck_assert_str_eq(got2, want);
}
END_TEST

START_TEST(test_config_rules_first_defaults_last)
{
	cleanup_spec bc_spec_t *spec =
	    parse_linux("{'resources':{'devices':[{'allow':false,'access':'rwm'},"
			"{'allow':true,'type':'c','major':10,'minor':229,'access':'mwr'},"
			"{'allow':false,'type':'b','major':-1,'minor':7,'access':'w'}]}}");
	cleanup_free char *defaults = defaults_text(0, 0);
	cleanup_free char *want = bc_xasprintf("deny a *:* rwm 0\n"
					       "allow c 10:229 rwm 1\n"
					       "deny b *:7 w 2\n"
					       "%s",
					       defaults);
	cleanup_free char *got = rules_text(spec);

	ck_assert_str_eq(got, want);
}
END_TEST

/* A linux.devices node with a default's path takes the default's rule out (runc's
 * createDevices); other nodes add no rule. */
START_TEST(test_linux_devices_replace_defaults)
{
	cleanup_spec bc_spec_t *spec =
	    parse_linux("{'devices':[{'path':'/dev/urandom','type':'c','major':1,'minor':9},"
			"{'path':'/dev/fuse','type':'c','major':10,'minor':229},"
			"{'path':'/dev/null','type':'c','major':1,'minor':3}],"
			"'resources':{'devices':[{'allow':false,'access':'rwm'}]}}");
	cleanup_free char *got = rules_text(spec);

	ck_assert_str_eq(got, "deny a *:* rwm 0\n"
			      "allow c *:* m -1\n"
			      "allow b *:* m -1\n"
			      "allow c 1:8 rwm -1\n"
			      "allow c 1:7 rwm -1\n"
			      "allow c 5:0 rwm -1\n"
			      "allow c 1:5 rwm -1\n"
			      "allow c 136:* rwm -1\n"
			      "allow c 5:2 rwm -1\n");
}
END_TEST

static char *bad_rule(bc_device_cgroup_t d)
{
	cgroup_dev_rule_t r;
	bc_error_t *err = NULL;
	char *msg;

	if (cgroup_devices_rule_from_spec(&d, 4, &r, &err) == 0)
		return bc_xstrdup("accepted");
	msg = bc_xstrdup(err->msg);
	bc_error_free(err);
	return msg;
}

#define assert_bad(d, want)                                                                        \
	do {                                                                                       \
		cleanup_free char *got_ = bad_rule(d);                                             \
		ck_assert_str_eq(got_, want);                                                      \
	} while (0)

START_TEST(test_bad_rules_refused)
{
	assert_bad(((bc_device_cgroup_t){.type = 'u', .access = "rw"}),
		   "linux.resources.devices[4].type: \"u\" is not a, b or c");
	assert_bad(((bc_device_cgroup_t){.type = 'c', .access = "rwx"}),
		   "linux.resources.devices[4].access: \"rwx\" has a letter other than r, w and m");
	assert_bad(((bc_device_cgroup_t){.type = 'c', .access = "R"}),
		   "linux.resources.devices[4].access: \"R\" has a letter other than r, w and m");
	assert_bad(((bc_device_cgroup_t){.type = 'c'}),
		   "linux.resources.devices[4].access: missing (a combination of r, w and m)");
	assert_bad(((bc_device_cgroup_t){.type = 'c', .access = ""}),
		   "linux.resources.devices[4].access: missing (a combination of r, w and m)");
	assert_bad(
	    ((bc_device_cgroup_t){.type = 'b', .has_major = true, .major = -2, .access = "r"}),
	    "linux.resources.devices[4].major: -2 is not a device number (0 to 4294967295, "
	    "or -1 for all)");
	assert_bad(((bc_device_cgroup_t){
		       .type = 'b', .has_minor = true, .minor = 4294967296, .access = "r"}),
		   "linux.resources.devices[4].minor: 4294967296 is not a device number (0 to "
		   "4294967295, or -1 for all)");
	assert_bad(((bc_device_cgroup_t){.has_major = true, .major = 4294967295, .access = "mmm"}),
		   "accepted");
}
END_TEST

START_TEST(test_bad_rule_in_config)
{
	bc_device_cgroup_t d[2] = {{.allow = false, .type = 'a', .access = "rwm"},
				   {.allow = true, .type = 'c', .access = "rwq"}};
	bc_resources_t res = {.devices = d, .n_devices = 2};
	bc_linux_t lx = {.resources = &res};
	bc_spec_t spec = {.linux_ = &lx};
	cleanup_free char *got = rules_text(&spec);

	ck_assert_str_eq(got, "ERR:linux.resources.devices[1].access: \"rwq\" has a letter other "
			      "than r, w and m");
}
END_TEST

START_TEST(test_parse_access_and_string)
{
	cgroup_dev_rule_t r = {.type = 'b', .major = 8, .minor = ANY, .access = M | W};
	cleanup_free char *s = NULL;

	ck_assert_int_eq(cgroup_devices_parse_access("r"), (int)R);
	ck_assert_int_eq(cgroup_devices_parse_access("mw"), (int)(M | W));
	ck_assert_int_eq(cgroup_devices_parse_access("wrmrw"), (int)CGROUP_DEV_RWM);
	ck_assert_int_eq(cgroup_devices_parse_access(""), -1);
	ck_assert_int_eq(cgroup_devices_parse_access(NULL), -1);
	ck_assert_int_eq(cgroup_devices_parse_access("rw "), -1);
	s = cgroup_devices_rule_string(&r);
	ck_assert_str_eq(s, "b 8:* wm");
}
END_TEST

static cgroup_dev_rule_t rule(bool allow, char type, int64_t major, int64_t minor,
			      unsigned int access)
{
	return (cgroup_dev_rule_t){allow, type, major, minor, access, 0};
}

/* The last matching rule holding the access decides; each access on its own. */
START_TEST(test_last_match_wins)
{
	cgroup_dev_rule_t l[] = {
	    rule(false, 'a', ANY, ANY, R | W | M),
	    rule(true, 'c', 1, ANY, R | W),
	    rule(false, 'c', 1, 9, W),
	    rule(true, 'c', 1, 9, R),
	    rule(false, 'c', 1, 3, R),
	};
	size_t n = BC_ARRAY_SIZE(l);

	ck_assert(cgroup_devices_allows(l, n, 'c', 1, 5, R | W));
	ck_assert(!cgroup_devices_allows(l, n, 'c', 1, 5, M));
	ck_assert(!cgroup_devices_allows(l, n, 'b', 1, 5, R));
	ck_assert(cgroup_devices_allows(l, n, 'c', 1, 9, R));
	ck_assert(!cgroup_devices_allows(l, n, 'c', 1, 9, W));
	ck_assert(!cgroup_devices_allows(l, n, 'c', 1, 9, R | W));
	ck_assert(!cgroup_devices_allows(l, n, 'c', 1, 3, R));
	ck_assert(cgroup_devices_allows(l, n, 'c', 1, 3, W));
	ck_assert(!cgroup_devices_allows(l, n, 'c', 2, 3, R));
	/* No rule at all: denied. */
	ck_assert(!cgroup_devices_allows(l, 0, 'c', 1, 3, R));
	/* A later full reset forgets everything before it. */
	l[4] = rule(true, 'a', ANY, ANY, R | W | M);
	ck_assert(cgroup_devices_allows(l, n, 'b', 7, 7, R | W | M));
}
END_TEST

/* The defaults come last: a config cannot take /dev/null away, unless linux.devices
 * defines /dev/null itself. */
START_TEST(test_defaults_win)
{
	cleanup_spec bc_spec_t *spec =
	    parse_linux("{'resources':{'devices':[{'allow':false,'access':'rwm'},"
			"{'allow':false,'type':'c','major':1,'minor':3,'access':'rwm'},"
			"{'allow':true,'type':'c','major':1,'minor':11,'access':'r'}]}}");
	cleanup_spec bc_spec_t *spec2 =
	    parse_linux("{'devices':[{'path':'/dev/null','type':'c','major':1,'minor':3}],"
			"'resources':{'devices':[{'allow':false,'access':'rwm'}]}}");
	cgroup_dev_rule_t *l = NULL;
	bc_error_t *err = NULL;
	size_t n;

	ck_assert_int_eq(cgroup_devices_rules(spec, &l, &n, &err), 0);
	ck_assert(cgroup_devices_allows(l, n, 'c', 1, 3, R | W));
	ck_assert(cgroup_devices_allows(l, n, 'c', 1, 11, R));
	ck_assert(!cgroup_devices_allows(l, n, 'c', 1, 11, W));
	ck_assert(cgroup_devices_allows(l, n, 'c', 1, 11, M)); /* c *:* m */
	ck_assert(cgroup_devices_allows(l, n, 'b', 8, 0, M));
	ck_assert(!cgroup_devices_allows(l, n, 'b', 8, 0, R));
	ck_assert(cgroup_devices_allows(l, n, 'c', 136, 4, R | W));
	ck_assert(!cgroup_devices_allows(l, n, 'c', 5, 1, R)); /* no /dev/console */
	ck_assert(!cgroup_devices_allows(l, n, 'c', 10, 200, R));
	free(l);
	ck_assert_int_eq(cgroup_devices_rules(spec2, &l, &n, &err), 0);
	ck_assert(!cgroup_devices_allows(l, n, 'c', 1, 3, R));
	ck_assert(cgroup_devices_allows(l, n, 'c', 1, 3, M));
	ck_assert(cgroup_devices_allows(l, n, 'c', 1, 5, R));
	free(l);
}
END_TEST

/* ---- cgroup v1 ---- */

static char *v1_text(const cgroup_dev_rule_t *l, size_t n)
{
	bc_kv_t *kv = NULL;
	bc_error_t *err = NULL;
	size_t count = 99;
	char *out = bc_xstrdup("");

	if (cgroup_devices_v1_files(l, n, &kv, &count, &err) < 0) {
		ck_assert_ptr_null(kv);
		ck_assert_uint_eq(count, 0);
		free(out);
		out = bc_xasprintf("ERR:%s", err->msg);
		bc_error_free(err);
		return out;
	}
	for (size_t i = 0; i < count; i++) {
		char *next = bc_xasprintf("%s%s=%s\n", out, kv[i].key, kv[i].value);
		free(out);
		out = next;
	}
	cgroup_v2_kv_free(kv, count);
	return out;
}

#define assert_v1(l, want)                                                                         \
	do {                                                                                       \
		cleanup_free char *got_ = v1_text(l, BC_ARRAY_SIZE(l));                            \
		ck_assert_str_eq(got_, want);                                                      \
	} while (0)

START_TEST(test_v1_default_config)
{
	cleanup_spec bc_spec_t *spec =
	    parse_linux("{'resources':{'devices':[{'allow':false,'access':'rwm'}]}}");
	cgroup_dev_rule_t *l = NULL;
	bc_error_t *err = NULL;
	cleanup_free char *want = bc_xstrdup("devices.deny=a\n");
	size_t n;

	for (size_t i = 0; i < BC_ARRAY_SIZE(default_lines); i++) {
		char *next = bc_xasprintf("%sdevices.allow=%s\n", want, default_lines[i]);
		free(want);
		want = next;
	}
	ck_assert_int_eq(cgroup_devices_rules(spec, &l, &n, &err), 0);
	{
		cleanup_free char *got = v1_text(l, n);
		ck_assert_str_eq(got, want);
	}
	free(l);
}
END_TEST

START_TEST(test_v1_sequences)
{
	/* No reset at all: a white-list (runc's emulator starts as one). */
	cgroup_dev_rule_t a[] = {rule(true, 'c', 1, 3, R)};
	/* Allow-all: a black-list; a deny adds an exception, a later allow takes from it. */
	cgroup_dev_rule_t b[] = {rule(true, 'a', ANY, ANY, R | W | M),
				 rule(false, 'c', 10, 229, R | W | M), rule(true, 'c', 10, 229, M),
				 rule(true, 'c', 1, 3, R | W | M)};
	/* Everything before the last full reset is forgotten. */
	cgroup_dev_rule_t c[] = {rule(true, 'c', 1, 3, R), rule(false, 'b', 8, 0, R),
				 rule(false, 'a', ANY, ANY, R | W | M), rule(true, 'c', 1, 5, R)};
	/* Same-key allows merge; a deny covering a narrower allow removes from it. */
	cgroup_dev_rule_t d[] = {rule(false, 'a', ANY, ANY, R | W | M),
				 rule(true, 'c', 4, 1, R),
				 rule(true, 'c', 4, 1, W),
				 rule(true, 'c', 4, 2, R | W),
				 rule(false, 'c', 4, ANY, W),
				 rule(true, 'c', 4, 7, M)};
	/* A type 'a' rule that is not a full reset is one rule per type. */
	cgroup_dev_rule_t e[] = {rule(false, 'a', ANY, ANY, R | W | M), rule(true, 'a', 7, ANY, R),
				 rule(false, 'a', ANY, ANY, R)};
	cgroup_dev_rule_t f[] = {rule(false, 'a', ANY, ANY, R | W | M), rule(true, 'a', 7, ANY, R),
				 rule(true, 'a', ANY, ANY, M)};

	assert_v1(a, "devices.deny=a\ndevices.allow=c 1:3 r\n");
	assert_v1(b, "devices.allow=a\ndevices.deny=c 10:229 rw\n");
	assert_v1(c, "devices.deny=a\ndevices.allow=c 1:5 r\n");
	assert_v1(d, "devices.deny=a\ndevices.allow=c 4:1 r\ndevices.allow=c 4:2 r\n"
		     "devices.allow=c 4:7 m\n");
	assert_v1(e, "devices.deny=a\n");
	assert_v1(f, "devices.deny=a\ndevices.allow=c 7:* r\ndevices.allow=b 7:* r\n"
		     "devices.allow=c *:* m\ndevices.allow=b *:* m\n");
}
END_TEST

START_TEST(test_v1_hole_refused)
{
	cgroup_dev_rule_t a[] = {rule(false, 'a', ANY, ANY, R | W | M),
				 rule(true, 'c', 1, ANY, R | W | M), rule(false, 'c', 1, 9, W)};
	cgroup_dev_rule_t b[] = {rule(true, 'a', ANY, ANY, R | W | M), rule(false, 'c', ANY, 9, R),
				 rule(true, 'c', 1, ANY, R)};
	/* Overlapping but on other accesses: fine. */
	cgroup_dev_rule_t c[] = {rule(false, 'a', ANY, ANY, R | W | M), rule(true, 'c', 1, ANY, R),
				 rule(false, 'c', 1, 9, W)};

	a[2].src = 2;
	b[2].src = 7;
	assert_v1(a, "ERR:cgroup: linux.resources.devices[2] (deny c 1:9 w) cannot be enforced on "
		     "cgroup v1: it would punch a hole in the earlier allow c 1:* rwm (the v1 "
		     "devices controller keeps whole entries only)");
	assert_v1(b, "ERR:cgroup: linux.resources.devices[7] (allow c 1:* r) cannot be enforced on "
		     "cgroup v1: it would punch a hole in the earlier deny c *:9 r (the v1 devices "
		     "controller keeps whole entries only)");
	assert_v1(c, "devices.deny=a\ndevices.allow=c 1:* r\n");
}
END_TEST

/* ---- a reference for checking: the v1 kernel's decision, and a BPF interpreter ---- */

struct v1_state {
	bool default_allow;
	cgroup_dev_rule_t ex[64];
	size_t n;
};

static void parse_v1_line(const char *s, cgroup_dev_rule_t *r)
{
	char type, maj[16], min[16], acc[8];

	ck_assert_int_eq(sscanf(s, "%c %15[^:]:%15s %7s", &type, maj, min, acc), 4);
	r->type = type;
	r->major = strcmp(maj, "*") == 0 ? ANY : atoll(maj);
	r->minor = strcmp(min, "*") == 0 ? ANY : atoll(min);
	r->access = (unsigned int)cgroup_devices_parse_access(acc);
}

/* Replay the writes as the kernel does (exceptions of the exact same key only). */
static void v1_replay(const bc_kv_t *kv, size_t n, struct v1_state *st)
{
	for (size_t i = 0; i < n; i++) {
		bool allow_file = strcmp(kv[i].key, "devices.allow") == 0;
		cgroup_dev_rule_t r;

		if (strcmp(kv[i].value, "a") == 0) {
			st->default_allow = allow_file;
			st->n = 0;
			continue;
		}
		parse_v1_line(kv[i].value, &r);
		/* Kernel: allow adds to a white-list, deny to a black-list; otherwise remove. */
		if (allow_file != st->default_allow) {
			ck_assert_uint_lt(st->n, BC_ARRAY_SIZE(st->ex));
			st->ex[st->n++] = r;
		} else {
			for (size_t j = 0; j < st->n; j++)
				if (st->ex[j].type == r.type && st->ex[j].major == r.major &&
				    st->ex[j].minor == r.minor)
					st->ex[j].access &= ~r.access;
		}
	}
}

static bool v1_allows(const struct v1_state *st, char type, uint32_t major, uint32_t minor,
		      unsigned int bit)
{
	for (size_t j = 0; j < st->n; j++) {
		const cgroup_dev_rule_t *e = &st->ex[j];

		if (e->type == type && (e->major == ANY || (uint32_t)e->major == major) &&
		    (e->minor == ANY || (uint32_t)e->minor == minor) && (e->access & bit))
			return !st->default_allow;
	}
	return st->default_allow;
}

/* Passing ck_asserts cost a message to the parent each: too slow for the hot loops. */
#define need(c)                                                                                    \
	do {                                                                                       \
		if (!(c))                                                                          \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c);                         \
	} while (0)

/* Run PROG on one request; aborts the test on an instruction we never generate. */
static int bpf_run(const struct bpf_insn *prog, size_t count, uint32_t access_type, uint32_t major,
		   uint32_t minor)
{
	uint32_t ctx[3] = {access_type, major, minor};
	uint64_t reg[11] = {0};
	bool set[11] = {[1] = true};

	for (size_t pc = 0, steps = 0; pc < count; pc++, steps++) {
		const struct bpf_insn *i = &prog[pc];

		need(steps <= count); /* forward only: no loops */
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			need(i->src_reg == 1);
			need(i->off == 0 || i->off == 4 || i->off == 8);
			reg[i->dst_reg] = ctx[i->off / 4];
			set[i->dst_reg] = true;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			need(set[i->dst_reg]);
			reg[i->dst_reg] = (uint32_t)reg[i->dst_reg] & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			need(set[i->dst_reg]);
			reg[i->dst_reg] = (uint32_t)reg[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			reg[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			set[i->dst_reg] = true;
			break;
		case BPF_JMP32 | BPF_JNE | BPF_K:
			need(set[i->dst_reg]);
			need(i->off >= 0);
			if ((uint32_t)reg[i->dst_reg] != (uint32_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP32 | BPF_JSET | BPF_K:
			need(set[i->dst_reg]);
			need(i->off >= 0);
			if ((uint32_t)reg[i->dst_reg] & (uint32_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_JA:
			need(i->off >= 0);
			pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			need(set[0]);
			need(reg[0] == 0 || reg[0] == 1);
			return (int)reg[0];
		default:
			ck_abort_msg("instruction %zu: unexpected code 0x%x", pc, i->code);
		}
	}
	ck_abort_msg("ran past the end of the program");
	return -1;
}

/* Every instruction is reachable (the verifier refuses the program otherwise) and every
 * jump lands inside the program. */
static void assert_well_formed(const struct bpf_insn *prog, size_t count)
{
	cleanup_free bool *seen = bc_xcalloc(count, sizeof(bool));

	seen[0] = true;
	for (size_t pc = 0; pc < count; pc++) {
		uint8_t cls = BPF_CLASS(prog[pc].code);
		bool jump = cls == BPF_JMP || cls == BPF_JMP32;
		bool exit_ = prog[pc].code == (BPF_JMP | BPF_EXIT);
		bool ja = prog[pc].code == (BPF_JMP | BPF_JA);

		if (!seen[pc])
			ck_abort_msg("instruction %zu is unreachable", pc);
		if (jump && !exit_) {
			need(pc + 1 + (size_t)prog[pc].off < count);
			seen[pc + 1 + (size_t)prog[pc].off] = true;
		}
		if (!exit_ && !ja) {
			need(pc + 1 < count);
			seen[pc + 1] = true;
		}
	}
	ck_assert_int_eq(prog[count - 1].code, BPF_JMP | BPF_EXIT);
}

static uint32_t access_type(char type, unsigned int access)
{
	return (access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
}

static const uint32_t grid_majors[] = {0, 1, 2, 5, 7, 136};
static const uint32_t grid_minors[] = {0, 1, 3, 9, 4};

/* The program and (when it can express the list) the v1 writes decide as the reference
 * does, on every request of the grid. */
static void assert_same_decisions(const cgroup_dev_rule_t *l, size_t n, bool *v1_ok)
{
	cleanup_free struct bpf_insn *prog = NULL;
	bc_kv_t *kv = NULL;
	bc_error_t *err = NULL;
	struct v1_state st = {0};
	size_t count = 0, nkv = 0;

	ck_assert_int_eq(cgroup_devices_bpf_program(l, n, &prog, &count, &err), 0);
	assert_well_formed(prog, count);
	*v1_ok = cgroup_devices_v1_files(l, n, &kv, &nkv, &err) == 0;
	if (*v1_ok)
		v1_replay(kv, nkv, &st);
	else
		bc_error_free(err);
	cgroup_v2_kv_free(kv, nkv);
	for (int t = 0; t < 2; t++)
		for (size_t a = 0; a < BC_ARRAY_SIZE(grid_majors); a++)
			for (size_t b = 0; b < BC_ARRAY_SIZE(grid_minors); b++)
				for (unsigned int acc = 1; acc <= 7; acc++) {
					char type = t ? 'b' : 'c';
					uint32_t ma = grid_majors[a], mi = grid_minors[b];
					bool want = cgroup_devices_allows(l, n, type, ma, mi, acc);
					int got =
					    bpf_run(prog, count, access_type(type, acc), ma, mi);

					if (got != want)
						ck_abort_msg(
						    "bpf: %c %u:%u access %u: %d, expected %d",
						    type, ma, mi, acc, got, want);
					if (*v1_ok && (acc & (acc - 1)) == 0 &&
					    v1_allows(&st, type, ma, mi, acc) != want)
						ck_abort_msg("v1: %c %u:%u access %u", type, ma, mi,
							     acc);
				}
}

START_TEST(test_bpf_shape)
{
	cgroup_dev_rule_t l[] = {rule(false, 'a', ANY, ANY, R | W | M), rule(true, 'c', 1, 3, R)};
	cleanup_free struct bpf_insn *prog = NULL;
	bc_error_t *err = NULL;
	size_t count = 0;

	ck_assert_int_eq(cgroup_devices_bpf_program(l, 2, &prog, &count, &err), 0);
	/* Prologue 6; m: JSET, JA, reset (deny) 2 = 4; r: JSET, JA, c 1:3 (3 checks + JA),
	 * reset 2 = 8; w: 4; final 2. */
	ck_assert_uint_eq(count, 6 + 4 + 8 + 4 + 2);
	ck_assert_int_eq(prog[0].code, BPF_LDX | BPF_W | BPF_MEM);
	ck_assert_int_eq(prog[1].code, BPF_ALU | BPF_AND | BPF_K);
	ck_assert_int_eq(prog[1].imm, 0xffff);
	ck_assert_int_eq(prog[3].code, BPF_ALU | BPF_RSH | BPF_K);
	ck_assert_int_eq(prog[3].imm, 16);
	ck_assert_int_eq(prog[4].off, 4);
	ck_assert_int_eq(prog[5].off, 8);
	/* The read section: skip unless r, then c 1:3 -> allow, else the reset denies. */
	ck_assert_int_eq(prog[10].code, BPF_JMP32 | BPF_JSET | BPF_K);
	ck_assert_int_eq(prog[10].imm, BPF_DEVCG_ACC_READ);
	ck_assert_int_eq(prog[12].code, BPF_JMP32 | BPF_JNE | BPF_K);
	ck_assert_int_eq(prog[12].imm, BPF_DEVCG_DEV_CHAR);
	ck_assert_int_eq(prog[12].off, 3);
	ck_assert_int_eq(prog[13].imm, 1);
	ck_assert_int_eq(prog[14].imm, 3);
	ck_assert_int_eq(prog[15].code, BPF_JMP | BPF_JA);
	ck_assert_int_eq(prog[15].off, 2); /* past the deny: the write section */
	ck_assert_int_eq(prog[count - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
	ck_assert_int_eq(prog[count - 2].imm, 1);
	assert_well_formed(prog, count);
}
END_TEST

START_TEST(test_bpf_empty_and_large_numbers)
{
	cgroup_dev_rule_t big[] = {rule(true, 'b', 4294967295, 2147483648, R)};
	cleanup_free struct bpf_insn *prog = NULL;
	bc_error_t *err = NULL;
	size_t count = 0;
	bool v1_ok;

	/* No rules: three sections that deny, 6 + 3 * 4 + 2. */
	ck_assert_int_eq(cgroup_devices_bpf_program(NULL, 0, &prog, &count, &err), 0);
	ck_assert_uint_eq(count, 20);
	assert_well_formed(prog, count);
	ck_assert_int_eq(bpf_run(prog, count, access_type('c', R), 1, 3), 0);
	/* 32-bit compares: no sign extension of numbers at or above 2^31. */
	assert_same_decisions(big, 1, &v1_ok);
	ck_assert(v1_ok);
	free(prog);
	prog = NULL;
	ck_assert_int_eq(cgroup_devices_bpf_program(big, 1, &prog, &count, &err), 0);
	ck_assert_int_eq(bpf_run(prog, count, access_type('b', R), 4294967295u, 2147483648u), 1);
	ck_assert_int_eq(bpf_run(prog, count, access_type('b', R), 4294967295u, 2147483647u), 0);
	ck_assert_int_eq(bpf_run(prog, count, access_type('b', R | W), 4294967295u, 2147483648u),
			 0);
}
END_TEST

START_TEST(test_bpf_too_many_rules)
{
	cleanup_free cgroup_dev_rule_t *l = bc_xcalloc(CGROUP_DEV_MAX_RULES + 1, sizeof(*l));
	struct bpf_insn *prog = NULL;
	bc_error_t *err = NULL;
	size_t count = 0;

	ck_assert_int_eq(
	    cgroup_devices_bpf_program(l, CGROUP_DEV_MAX_RULES + 1, &prog, &count, &err), -1);
	ck_assert_str_eq(err->msg, "linux.resources.devices: 2049 rules, more than the 2048 "
				   "supported");
	bc_error_free(err);
}
END_TEST

START_TEST(test_defaults_decide_alike)
{
	cleanup_spec bc_spec_t *spec =
	    parse_linux("{'resources':{'devices':[{'allow':false,'access':'rwm'},"
			"{'allow':true,'type':'c','major':7,'access':'r'},"
			"{'allow':false,'type':'c','major':7,'minor':4,'access':'r'},"
			"{'allow':true,'type':'b','major':7,'minor':1,'access':'rw'}]}}");
	cgroup_dev_rule_t *l = NULL;
	bc_error_t *err = NULL;
	size_t n;
	bool v1_ok;

	ck_assert_int_eq(cgroup_devices_rules(spec, &l, &n, &err), 0);
	assert_same_decisions(l, n, &v1_ok);
	ck_assert(!v1_ok); /* the deny punches a hole in c 7:* r */
	free(l);
	assert_same_decisions(NULL, 0, &v1_ok);
	ck_assert(v1_ok);
}
END_TEST

/* Random lists over a few numbers, so that rules overlap a lot. */
START_TEST(test_random_lists_decide_alike)
{
	static const int64_t majors[] = {ANY, 1, 5, 7};
	static const int64_t minors[] = {ANY, 1, 3, 9};
	static const char types[] = {'a', 'c', 'b'};
	unsigned int seed = 12345;
	size_t v1_checked = 0;

	for (int round = 0; round < 400; round++) {
		cgroup_dev_rule_t l[12];
		size_t n = (size_t)(rand_r(&seed) % 12);
		bool v1_ok;

		for (size_t i = 0; i < n; i++)
			l[i] = rule(rand_r(&seed) % 2, types[rand_r(&seed) % 3],
				    majors[rand_r(&seed) % 4], minors[rand_r(&seed) % 4],
				    (unsigned int)(1 + rand_r(&seed) % 7));
		assert_same_decisions(l, n, &v1_ok);
		v1_checked += v1_ok;
	}
	/* Enough of them are expressible on v1 for the comparison to mean something. */
	ck_assert_uint_gt(v1_checked, 100);
}
END_TEST

/* ---- the kernel (root, with a cgroup2 mount) ---- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The cgroup2 mount: /sys/fs/cgroup (v2) or /sys/fs/cgroup/unified (hybrid); NULL if none. */
static const char *cgroup2_mount(void)
{
	struct statfs sfs;

	if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == 0x63677270)
		return "/sys/fs/cgroup";
	if (statfs("/sys/fs/cgroup/unified", &sfs) == 0 && sfs.f_type == 0x63677270)
		return "/sys/fs/cgroup/unified";
	return NULL;
}

/* The verifier takes the programs for the default list and for a long random one. */
START_TEST(test_kernel_verifier_accepts)
{
	cgroup_dev_rule_t *l = NULL;
	cleanup_free cgroup_dev_rule_t *big = bc_xcalloc(2000, sizeof(*big));
	bc_error_t *err = NULL;
	unsigned int seed = 7;
	size_t n;

	ck_assert_int_eq(cgroup_devices_rules(NULL, &l, &n, &err), 0);
	for (size_t i = 0; i < 2000; i++)
		big[i] = rule(rand_r(&seed) % 2, "acb"[rand_r(&seed) % 3],
			      rand_r(&seed) % 3 ? rand_r(&seed) % 300 : ANY,
			      rand_r(&seed) % 3 ? rand_r(&seed) % 300 : ANY,
			      (unsigned int)(1 + rand_r(&seed) % 7));
	for (int k = 0; k < 2; k++) {
		cleanup_free struct bpf_insn *prog = NULL;
		size_t count = 0;
		union bpf_attr attr;
		long fd;

		ck_assert_int_eq(
		    cgroup_devices_bpf_program(k ? big : l, k ? 2000 : n, &prog, &count, &err), 0);
		memset(&attr, 0, sizeof(attr));
		attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
		attr.insns = (uint64_t)(uintptr_t)prog;
		attr.insn_cnt = (uint32_t)count;
		attr.license = (uint64_t)(uintptr_t) "MIT";
		fd = sys_bpf(BPF_PROG_LOAD, &attr);
		ck_assert_msg(fd >= 0, "BPF_PROG_LOAD (%zu instructions): %s", count,
			      strerror(errno));
		close((int)fd);
	}
	free(l);
}
END_TEST

/* In the child, moved into DIR: what each access does.  Exit status: bit k set when check
 * k gave an unexpected result. */
static int child_checks(const char *dir)
{
	cleanup_free char *procs = bc_xasprintf("%s/cgroup.procs", dir);
	cleanup_free char *node = bc_xasprintf("%s.node", dir);
	char tmpl[] = "/tmp/barco-devtest-XXXXXX";
	int fails = 0, fd;

	if (bc_write_file_str(procs, "0", NULL) < 0)
		return 0x80;
	/* /dev/null: rw allowed. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	fails |= fd < 0 ? 1 : 0;
	if (fd >= 0)
		close(fd);
	/* /dev/zero: r only. */
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	fails |= fd < 0 ? 2 : 0;
	if (fd >= 0)
		close(fd);
	fd = open("/dev/zero", O_WRONLY | O_CLOEXEC);
	fails |= fd >= 0 || errno != EPERM ? 4 : 0;
	if (fd >= 0)
		close(fd);
	/* /dev/full: nothing. */
	fd = open("/dev/full", O_RDONLY | O_CLOEXEC);
	fails |= fd >= 0 || errno != EPERM ? 8 : 0;
	if (fd >= 0)
		close(fd);
	/* mknod: c 1:5 yes (m), c 1:7 no. */
	if (mkdtemp(tmpl) == NULL)
		return 0x40;
	{
		cleanup_free char *a = bc_xasprintf("%s/zero", tmpl);
		cleanup_free char *b = bc_xasprintf("%s/full", tmpl);

		fails |= mknod(a, S_IFCHR | 0600, makedev(1, 5)) < 0 ? 16 : 0;
		fails |= mknod(b, S_IFCHR | 0600, makedev(1, 7)) == 0 || errno != EPERM ? 32 : 0;
		unlink(a);
		unlink(b);
		rmdir(tmpl);
	}
	return fails;
}

/* Attach a program to a fresh cgroup2 directory below ours and try devices from inside. */
START_TEST(test_kernel_enforces)
{
	cgroup_dev_rule_t l[] = {rule(false, 'a', ANY, ANY, R | W | M),
				 rule(true, 'c', 1, ANY, M),
				 rule(false, 'c', 1, 7, M),
				 rule(true, 'c', 1, 3, R | W),
				 rule(true, 'c', 1, 5, R),
				 rule(true, 'c', 1, 5, M)};
	const char *mnt = cgroup2_mount();
	cleanup_free char *self = NULL, *dir = NULL;
	cleanup_free struct bpf_insn *prog = NULL;
	cleanup_close int dirfd = -1;
	bc_error_t *err = NULL;
	size_t count = 0;
	char *own;
	pid_t pid;
	int status;

	ck_assert_ptr_nonnull(mnt);
	ck_assert_int_eq(bc_read_file("/proc/self/cgroup", 1 << 16, &self, NULL, &err), 0);
	own = strstr(self, "0::");
	ck_assert_ptr_nonnull(own);
	own += 3;
	own[strcspn(own, "\n")] = '\0';
	dir = bc_xasprintf("%s%s/barco-test-devices-%d", mnt, strcmp(own, "/") ? own : "",
			   (int)getpid());
	ck_assert_msg(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd, 0);
	ck_assert_int_eq(cgroup_devices_bpf_program(l, BC_ARRAY_SIZE(l), &prog, &count, &err), 0);
	if (cgroup_devices_attach_bpf(dirfd, prog, count, dir, &err) < 0) {
		rmdir(dir);
		ck_abort_msg("%s", err->msg);
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_checks(dir));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == 0, "unexpected results: 0x%x", WEXITSTATUS(status));
}
END_TEST

/* A program the verifier refuses: the error says why. */
START_TEST(test_kernel_verifier_message)
{
	struct bpf_insn bad[] = {{.code = BPF_JMP | BPF_EXIT}}; /* R0 never set */
	const char *mnt = cgroup2_mount();
	cleanup_close int fd = -1;
	bc_error_t *err = NULL;

	ck_assert_ptr_nonnull(mnt);
	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(cgroup_devices_attach_bpf(fd, bad, 1, "/sys/fs/cgroup/x", &err), -1);
	ck_assert_int_eq(err->errnum, EACCES);
	ck_assert_msg(bc_str_has_prefix(err->msg,
					"cgroup: load the device eBPF program for "
					"/sys/fs/cgroup/x: Permission denied (verifier: "),
		      "%s", err->msg);
	ck_assert_msg(strstr(err->msg, "R0") != NULL, "%s", err->msg);
	bc_error_free(err);
}
END_TEST

static Suite *devices_suite(void)
{
	Suite *s = suite_create("cgroup_devices");
	TCase *rules = tcase_create("rules");
	TCase *v1 = tcase_create("v1");
	TCase *bpf = tcase_create("bpf");

	tcase_add_test(rules, test_defaults_alone);
	tcase_add_test(rules, test_config_rules_first_defaults_last);
	tcase_add_test(rules, test_linux_devices_replace_defaults);
	tcase_add_test(rules, test_bad_rules_refused);
	tcase_add_test(rules, test_bad_rule_in_config);
	tcase_add_test(rules, test_parse_access_and_string);
	tcase_add_test(rules, test_last_match_wins);
	tcase_add_test(rules, test_defaults_win);
	suite_add_tcase(s, rules);
	tcase_add_test(v1, test_v1_default_config);
	tcase_add_test(v1, test_v1_sequences);
	tcase_add_test(v1, test_v1_hole_refused);
	suite_add_tcase(s, v1);
	tcase_add_test(bpf, test_bpf_shape);
	tcase_add_test(bpf, test_bpf_empty_and_large_numbers);
	tcase_add_test(bpf, test_bpf_too_many_rules);
	tcase_add_test(bpf, test_defaults_decide_alike);
	tcase_add_test(bpf, test_random_lists_decide_alike);
	tcase_set_timeout(bpf, 60);
	suite_add_tcase(s, bpf);
	/* Not registered (so neither passed nor failed) where the kernel cannot be asked. */
	if (geteuid() == 0 && cgroup2_mount() != NULL) {
		TCase *kernel = tcase_create("kernel");

		tcase_add_test(kernel, test_kernel_verifier_accepts);
		tcase_add_test(kernel, test_kernel_enforces);
		tcase_add_test(kernel, test_kernel_verifier_message);
		suite_add_tcase(s, kernel);
	} else {
		fprintf(stderr, "test_cgroup_devices: kernel tests skipped (need root and a "
				"cgroup2 mount)\n");
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(devices_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
