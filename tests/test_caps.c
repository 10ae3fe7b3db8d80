/* SPDX-License-Identifier: MIT */
/*
 * caps: name checks and masks everywhere; the apply steps only as root, each in the forked
 * child Check runs a test in, so the runner keeps its own capabilities.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "barco/caps.h"
#include "barco/util.h"

#define BIT(n) (UINT64_C(1) << (n))

/* Docker's default set, as `barco spec` writes it. */
static char *docker_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

/* Every capability up to Linux 5.9, in number order. */
static const char *const all_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

/* Validate a capabilities object with `names` in set `set` and Docker's list elsewhere;
 * return the error message (static copy) or NULL. */
static const char *validate_one(const char *set, char **names)
{
	static char msg[512];
	bc_capabilities_t c = {docker_caps, docker_caps, docker_caps, docker_caps, docker_caps};
	bc_error_t *err = NULL;

	if (strcmp(set, "bounding") == 0)
		c.bounding = names;
	else if (strcmp(set, "effective") == 0)
		c.effective = names;
	else if (strcmp(set, "inheritable") == 0)
		c.inheritable = names;
	else if (strcmp(set, "permitted") == 0)
		c.permitted = names;
	else
		c.ambient = names;
	if (caps_validate(&c, &err) == 0) {
		ck_assert_ptr_null(err);
		return NULL;
	}
	ck_assert_ptr_nonnull(err);
	snprintf(msg, sizeof(msg), "%s", err->msg);
	bc_error_free(err);
	return msg;
}

START_TEST(validate_null_and_empty)
{
	bc_error_t *err = NULL;
	char *empty[] = {NULL};
	bc_capabilities_t none = {0};
	bc_capabilities_t all_empty = {empty, empty, empty, empty, empty};

	ck_assert_int_eq(caps_validate(NULL, &err), 0);
	ck_assert_int_eq(caps_validate(&none, &err), 0);
	ck_assert_int_eq(caps_validate(&all_empty, &err), 0);
	ck_assert_ptr_null(err);
}
END_TEST

START_TEST(validate_docker_set)
{
	ck_assert_ptr_null(validate_one("bounding", docker_caps));
}
END_TEST

START_TEST(validate_names_the_set_and_index)
{
	static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
					   "ambient"};
	char *names[] = {"CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_FOO", NULL};

	for (size_t i = 0; i < BC_ARRAY_SIZE(sets); i++) {
		char want[128];

		snprintf(want, sizeof(want),
			 "config.json: process.capabilities.%s[3]: unknown capability \"CAP_FOO\"",
			 sets[i]);
		ck_assert_str_eq(validate_one(sets[i], names), want);
	}
}
END_TEST

START_TEST(validate_index_zero)
{
	char *names[] = {"CAP_NOPE", "CAP_CHOWN", NULL};

	ck_assert_str_eq(validate_one("ambient", names),
			 "config.json: process.capabilities.ambient[0]: unknown capability "
			 "\"CAP_NOPE\"");
}
END_TEST

START_TEST(validate_first_error_wins)
{
	char *bad_eff[] = {"CAP_CHOWN", "CAP_X1", "CAP_X2", NULL};
	char *bad_amb[] = {"CAP_X3", NULL};
	bc_capabilities_t c = {docker_caps, bad_eff, docker_caps, docker_caps, bad_amb};
	bc_error_t *err = NULL;

	ck_assert_int_eq(caps_validate(&c, &err), -1);
	ck_assert_str_eq(err->msg, "config.json: process.capabilities.effective[1]: unknown "
				   "capability \"CAP_X1\"");
	ck_assert_int_eq(err->errnum, 0);
	bc_error_free(err);
}
END_TEST

START_TEST(validate_lower_case_rejected_with_hint)
{
	char *lower[] = {"cap_chown", NULL};
	char *mixed[] = {"CAP_net_raw", NULL};
	char *bare[] = {"SYS_ADMIN", NULL};
	char *bare_lower[] = {"kill", NULL};

	ck_assert_str_eq(validate_one("bounding", lower),
			 "config.json: process.capabilities.bounding[0]: unknown capability "
			 "\"cap_chown\" (did you mean \"CAP_CHOWN\"?)");
	ck_assert_str_eq(validate_one("permitted", mixed),
			 "config.json: process.capabilities.permitted[0]: unknown capability "
			 "\"CAP_net_raw\" (did you mean \"CAP_NET_RAW\"?)");
	ck_assert_str_eq(validate_one("effective", bare),
			 "config.json: process.capabilities.effective[0]: unknown capability "
			 "\"SYS_ADMIN\" (did you mean \"CAP_SYS_ADMIN\"?)");
	ck_assert_str_eq(validate_one("inheritable", bare_lower),
			 "config.json: process.capabilities.inheritable[0]: unknown capability "
			 "\"kill\" (did you mean \"CAP_KILL\"?)");
}
END_TEST

START_TEST(validate_rejects_odd_forms)
{
	/* libcap's cap_from_name takes numbers; the spec does not. */
	static const char *const odd[] = {"",		"CAP_",	       "0",
					  "12",		"CAP_12",      " CAP_CHOWN",
					  "CAP_CHOWN ", "CAP_CHOWN\n", "CAP_CHOWN,CAP_KILL",
					  "CAP_ALL",	"ALL"};

	for (size_t i = 0; i < BC_ARRAY_SIZE(odd); i++) {
		char *names[] = {(char *)odd[i], NULL};
		char want[160];

		snprintf(want, sizeof(want),
			 "config.json: process.capabilities.bounding[0]: unknown capability \"%s\"",
			 odd[i]);
		ck_assert_str_eq(validate_one("bounding", names), want);
	}
}
END_TEST

START_TEST(mask_of_every_name)
{
	for (size_t i = 0; i < BC_ARRAY_SIZE(all_names); i++) {
		char *names[] = {(char *)all_names[i], NULL};
		bc_error_t *err = NULL;
		uint64_t mask = 0;

		ck_assert_msg(caps_mask_of(names, "bounding", &mask, &err) == 0, "%s: %s",
			      all_names[i], err ? err->msg : "");
		ck_assert_msg(mask == BIT(i), "%s: mask %#llx, want bit %zu", all_names[i],
			      (unsigned long long)mask, i);
	}
}
END_TEST

START_TEST(mask_of_docker_set)
{
	char *dup[] = {"CAP_KILL", "CAP_KILL", "CAP_CHOWN", NULL};
	char *empty[] = {NULL};
	bc_error_t *err = NULL;
	uint64_t mask = 1;

	ck_assert_int_eq(caps_mask_of(docker_caps, "bounding", &mask, &err), 0);
	ck_assert_uint_eq(mask, UINT64_C(0xa80425fb));
	ck_assert_int_eq(caps_mask_of(dup, "bounding", &mask, &err), 0);
	ck_assert_uint_eq(mask, BIT(5) | BIT(0));
	ck_assert_int_eq(caps_mask_of(empty, "bounding", &mask, &err), 0);
	ck_assert_uint_eq(mask, 0);
	mask = 1;
	ck_assert_int_eq(caps_mask_of(NULL, "bounding", &mask, &err), 0);
	ck_assert_uint_eq(mask, 0);
	ck_assert_ptr_null(err);
}
END_TEST

/* ---- apply, as root ---- */

struct status_caps {
	uint64_t inh, prm, eff, bnd, amb;
};

static struct status_caps read_status(void)
{
	struct status_caps s = {0};
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int found = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "CapInh: %llx", &v) == 1)
			s.inh = v, found++;
		else if (sscanf(line, "CapPrm: %llx", &v) == 1)
			s.prm = v, found++;
		else if (sscanf(line, "CapEff: %llx", &v) == 1)
			s.eff = v, found++;
		else if (sscanf(line, "CapBnd: %llx", &v) == 1)
			s.bnd = v, found++;
		else if (sscanf(line, "CapAmb: %llx", &v) == 1)
			s.amb = v, found++;
	}
	fclose(f);
	ck_assert_int_eq(found, 5);
	return s;
}

/* The apply tests need what the init has: CAP_SETPCAP and CAP_SETUID/SETGID effective. */
static bool can_apply(void)
{
	struct status_caps s = read_status();
	uint64_t need = BIT(8) | BIT(7) | BIT(6);

	if ((s.eff & need) == need)
		return true;
	fprintf(stderr, "test_caps: not root with CAP_SETPCAP: an apply test passes untested\n");
	return false;
}

static uint64_t mask(char **names)
{
	bc_error_t *err = NULL;
	uint64_t m = 0;

	ck_assert_int_eq(caps_mask_of(names, "test", &m, &err), 0);
	return m;
}

static void apply_ok(const bc_capabilities_t *c, uid_t uid)
{
	bc_error_t *err = NULL;

	ck_assert_msg(caps_before_user(c, &err) == 0, "before: %s", err ? err->msg : "");
	if (uid != 0) {
		ck_assert_int_eq(setresgid(uid, uid, uid), 0);
		ck_assert_int_eq(setresuid(uid, uid, uid), 0);
	}
	ck_assert_msg(caps_after_user(c, &err) == 0, "after: %s", err ? err->msg : "");
}

static const char *apply_fails(const bc_capabilities_t *c)
{
	static char msg[512];
	bc_error_t *err = NULL;

	ck_assert_int_eq(caps_before_user(c, &err), 0);
	ck_assert_int_eq(caps_after_user(c, &err), -1);
	ck_assert_ptr_nonnull(err);
	snprintf(msg, sizeof(msg), "%s", err->msg);
	bc_error_free(err);
	return msg;
}

START_TEST(apply_null_changes_nothing)
{
	bc_error_t *err = NULL;

	if (!can_apply())
		return;
	struct status_caps before = read_status();

	ck_assert_int_eq(caps_before_user(NULL, &err), 0);
	ck_assert_int_eq(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
	ck_assert_int_eq(caps_after_user(NULL, &err), 0);
	struct status_caps after = read_status();

	ck_assert_uint_eq(after.bnd, before.bnd);
	ck_assert_uint_eq(after.eff, before.eff);
	ck_assert_uint_eq(after.prm, before.prm);
}
END_TEST

START_TEST(apply_before_user_drops_bounding_keeps_caps)
{
	char *bnd[] = {"CAP_CHOWN", "CAP_KILL", "CAP_SETUID", NULL};
	bc_capabilities_t c = {.bounding = bnd};
	bc_error_t *err = NULL;

	if (!can_apply())
		return;
	struct status_caps before = read_status();

	ck_assert_int_eq(caps_before_user(&c, &err), 0);
	struct status_caps s = read_status();

	ck_assert_uint_eq(s.bnd, before.bnd & mask(bnd));
	/* Only the bounding set changes here. */
	ck_assert_uint_eq(s.prm, before.prm);
	ck_assert_uint_eq(s.eff, before.eff);
	ck_assert_int_eq(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
}
END_TEST

START_TEST(apply_root_exact_sets)
{
	char *bnd[] = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_BPF", NULL};
	char *prm[] = {"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN", "CAP_BPF", NULL};
	char *eff[] = {"CAP_KILL", "CAP_BPF", NULL};
	char *inh[] = {"CAP_CHOWN", "CAP_KILL", NULL};
	char *amb[] = {"CAP_KILL", NULL};
	bc_capabilities_t c = {bnd, eff, inh, prm, amb};

	if (!can_apply())
		return;
	apply_ok(&c, 0);
	struct status_caps s = read_status();

	ck_assert_uint_eq(s.bnd, mask(bnd));
	ck_assert_uint_eq(s.prm, mask(prm));
	ck_assert_uint_eq(s.eff, mask(eff));
	ck_assert_uint_eq(s.inh, mask(inh));
	ck_assert_uint_eq(s.amb, mask(amb));
	ck_assert_int_eq(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
}
END_TEST

START_TEST(apply_non_root_exact_sets)
{
	char *bnd[] = {"CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_KILL", "CAP_SETFCAP", NULL};
	char *prm[] = {"CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_KILL", NULL};
	char *eff[] = {"CAP_CHOWN", NULL};
	char *inh[] = {"CAP_NET_BIND_SERVICE", "CAP_KILL", NULL};
	char *amb[] = {"CAP_NET_BIND_SERVICE", NULL};
	bc_capabilities_t c = {bnd, eff, inh, prm, amb};

	if (!can_apply())
		return;
	apply_ok(&c, 1000);
	ck_assert_int_eq(getuid(), 1000);
	struct status_caps s = read_status();

	ck_assert_uint_eq(s.bnd, mask(bnd));
	ck_assert_uint_eq(s.prm, mask(prm));
	ck_assert_uint_eq(s.eff, mask(eff));
	ck_assert_uint_eq(s.inh, mask(inh));
	ck_assert_uint_eq(s.amb, mask(amb));
}
END_TEST

START_TEST(apply_empty_sets_drop_everything)
{
	char *none[] = {NULL};
	bc_capabilities_t c = {none, none, none, none, none};

	if (!can_apply())
		return;
	apply_ok(&c, 0);
	struct status_caps s = read_status();

	ck_assert_uint_eq(s.bnd | s.prm | s.eff | s.inh | s.amb, 0);
}
END_TEST

START_TEST(apply_effective_not_permitted)
{
	char *prm[] = {"CAP_CHOWN", NULL};
	char *eff[] = {"CAP_CHOWN", "CAP_NET_ADMIN", NULL};
	bc_capabilities_t c = {docker_caps, eff, NULL, prm, NULL};

	if (!can_apply())
		return;
	ck_assert_str_eq(apply_fails(&c), "set capabilities: effective capability CAP_NET_ADMIN "
					  "is not in the permitted set");
}
END_TEST

START_TEST(apply_ambient_needs_permitted_and_inheritable)
{
	char *prm[] = {"CAP_CHOWN", "CAP_KILL", NULL};
	char *inh[] = {"CAP_CHOWN", NULL};
	char *amb_not_inh[] = {"CAP_CHOWN", "CAP_KILL", NULL};
	char *amb_not_prm[] = {"CAP_SETUID", NULL};
	bc_capabilities_t c1 = {docker_caps, NULL, inh, prm, amb_not_inh};
	bc_capabilities_t c2 = {docker_caps, NULL, inh, prm, amb_not_prm};

	if (!can_apply())
		return;
	ck_assert_str_eq(apply_fails(&c1),
			 "raise ambient capability CAP_KILL: it is not in the inheritable set");
	ck_assert_str_eq(apply_fails(&c2),
			 "raise ambient capability CAP_SETUID: it is not in the permitted set");
}
END_TEST

START_TEST(apply_inheritable_not_bounding)
{
	char *bnd[] = {"CAP_CHOWN", NULL};
	char *inh[] = {"CAP_CHOWN", "CAP_SYS_CHROOT", NULL};
	bc_capabilities_t c = {bnd, NULL, inh, NULL, NULL};

	if (!can_apply())
		return;
	ck_assert_str_eq(apply_fails(&c), "set capabilities: inheritable capability "
					  "CAP_SYS_CHROOT is not in the bounding set");
}
END_TEST

/* As on a host whose bounding set lacks a capability: asked for everywhere, it is left out. */
START_TEST(apply_skips_what_the_runtime_lacks)
{
	char *all[] = {"CAP_CHOWN", "CAP_SYS_PTRACE", "CAP_KILL", NULL};
	bc_capabilities_t c = {all, all, all, all, all};
	bc_capabilities_t lack = {.bounding = (char *[]){"CAP_CHOWN", "CAP_KILL", "CAP_SETPCAP",
							 "CAP_SETUID", "CAP_SETGID", NULL}};
	char *prm[] = {"CAP_CHOWN", "CAP_KILL", "CAP_SETPCAP", NULL};
	bc_capabilities_t lack2 = {.bounding = lack.bounding, .effective = prm, .permitted = prm};
	bc_error_t *err = NULL;

	if (!can_apply())
		return;
	/* Become a runtime without CAP_SYS_PTRACE anywhere. */
	ck_assert_int_eq(caps_before_user(&lack, &err), 0);
	ck_assert_int_eq(caps_after_user(&lack2, &err), 0);
	apply_ok(&c, 0);
	struct status_caps s = read_status();
	uint64_t want = BIT(0) | BIT(5);

	ck_assert_uint_eq(s.bnd, want);
	ck_assert_uint_eq(s.prm, want);
	ck_assert_uint_eq(s.eff, want);
	ck_assert_uint_eq(s.inh, want);
	ck_assert_uint_eq(s.amb, want);
}
END_TEST

static Suite *caps_suite(void)
{
	Suite *s = suite_create("caps");
	TCase *names = tcase_create("names");
	TCase *apply = tcase_create("apply");

	tcase_add_test(names, validate_null_and_empty);
	tcase_add_test(names, validate_docker_set);
	tcase_add_test(names, validate_names_the_set_and_index);
	tcase_add_test(names, validate_index_zero);
	tcase_add_test(names, validate_first_error_wins);
	tcase_add_test(names, validate_lower_case_rejected_with_hint);
	tcase_add_test(names, validate_rejects_odd_forms);
	tcase_add_test(names, mask_of_every_name);
	tcase_add_test(names, mask_of_docker_set);
	suite_add_tcase(s, names);

	tcase_add_test(apply, apply_null_changes_nothing);
	tcase_add_test(apply, apply_before_user_drops_bounding_keeps_caps);
	tcase_add_test(apply, apply_root_exact_sets);
	tcase_add_test(apply, apply_non_root_exact_sets);
	tcase_add_test(apply, apply_empty_sets_drop_everything);
	tcase_add_test(apply, apply_effective_not_permitted);
	tcase_add_test(apply, apply_ambient_needs_permitted_and_inheritable);
	tcase_add_test(apply, apply_inheritable_not_bounding);
	tcase_add_test(apply, apply_skips_what_the_runtime_lacks);
	suite_add_tcase(s, apply);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(caps_suite());
	int failed;

	/* The apply tests change the process's capabilities: each must run in its own child,
	 * whatever CK_FORK says. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
