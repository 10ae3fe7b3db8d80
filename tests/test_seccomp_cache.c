/* SPDX-License-Identifier: MIT */
/*
 * seccomp_cache: what the key covers, that a hit gives the very program a compile gives, and
 * that every file the cache should not trust (foreign, writable by others, a symlink,
 * damaged, holding another key) is a miss that the next compile replaces.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "barco/seccomp_cache.h"
#include "barco/seccomp_filter.h"
#include "barco/util.h"

static char *n_mkdir[] = {"mkdir", "mkdirat", NULL};
static char *n_umask[] = {"umask", NULL};

/* A profile to vary: ERRNO for mkdir, an argument condition on umask. */
struct prof {
	bc_seccomp_arg_t arg;
	bc_seccomp_syscall_t rules[2];
	bc_seccomp_t s;
};

static void prof_init(struct prof *p)
{
	memset(p, 0, sizeof(*p));
	p->arg = (bc_seccomp_arg_t){.index = 0, .value = 077, .op = "SCMP_CMP_EQ"};
	p->rules[0] = (bc_seccomp_syscall_t){
	    .names = n_mkdir, .action = "SCMP_ACT_ERRNO", .has_errno_ret = true, .errno_ret = 13};
	p->rules[1] = (bc_seccomp_syscall_t){
	    .names = n_umask, .action = "SCMP_ACT_ERRNO", .args = &p->arg, .n_args = 1};
	p->s = (bc_seccomp_t){
	    .default_action = "SCMP_ACT_ALLOW", .syscalls = p->rules, .n_syscalls = 2};
}

static char *key_of(const bc_seccomp_t *s, size_t *len)
{
	char *k = seccomp_cache_key(s, len);

	ck_assert_msg(k != NULL, "no key: does this test binary have a build-id?");
	return k;
}

static bool same_key(const bc_seccomp_t *a, const bc_seccomp_t *b)
{
	size_t la, lb;
	char *ka = key_of(a, &la), *kb = key_of(b, &lb);
	bool same = la == lb && memcmp(ka, kb, la) == 0;

	free(ka);
	free(kb);
	return same;
}

START_TEST(test_key_covers_the_profile)
{
	struct prof a, b;
	char *arches[] = {"SCMP_ARCH_X86_64", NULL};
	char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", NULL};
	char *other_names[] = {"mkdirat", "mkdir", NULL};

	prof_init(&a);
	prof_init(&b);
	ck_assert(same_key(&a.s, &b.s));
	b.rules[0].errno_ret = 1;
	ck_assert(!same_key(&a.s, &b.s));
	prof_init(&b);
	b.arg.value = 022;
	ck_assert(!same_key(&a.s, &b.s));
	prof_init(&b);
	b.arg.op = "SCMP_CMP_NE";
	ck_assert(!same_key(&a.s, &b.s));
	prof_init(&b);
	b.rules[0].names = other_names;
	ck_assert(!same_key(&a.s, &b.s));
	prof_init(&b);
	b.s.architectures = arches;
	ck_assert(!same_key(&a.s, &b.s));
	prof_init(&b);
	b.s.flags = flags;
	ck_assert(!same_key(&a.s, &b.s));
	prof_init(&b);
	b.s.default_action = "SCMP_ACT_LOG";
	ck_assert(!same_key(&a.s, &b.s));
	prof_init(&b);
	b.s.n_syscalls = 1;
	ck_assert(!same_key(&a.s, &b.s));
	/* Where the listener is does not change the program; whether there is one does. */
	prof_init(&b);
	b.s.listener_path = "/run/one.sock";
	ck_assert(!same_key(&a.s, &b.s));
	a.s.listener_path = "/run/another.sock";
	ck_assert(same_key(&a.s, &b.s));
}
END_TEST

/* A temporary state root; its fd, and its path in buf. */
static int temp_root(char *buf, size_t size)
{
	int fd;

	snprintf(buf, size, "/tmp/barco-test-sccache-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(buf));
	fd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static void remove_root(const char *root)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

static bool same_program(const bc_seccomp_prog_t *a, const bc_seccomp_prog_t *b)
{
	size_t n = seccomp_filter_instructions(a);

	return n == seccomp_filter_instructions(b) &&
	       seccomp_filter_flags(a) == seccomp_filter_flags(b) &&
	       seccomp_filter_uses_notify(a) == seccomp_filter_uses_notify(b) &&
	       memcmp(seccomp_filter_insns(a), seccomp_filter_insns(b), n * 8) == 0;
}

static bc_seccomp_prog_t *through_cache(const bc_seccomp_t *s, int rootfd)
{
	bc_seccomp_prog_t *p = NULL;
	bc_error_t *err = NULL;

	if (seccomp_cache_compile(s, rootfd, &p, &err) < 0)
		ck_abort_msg("compile failed: %s", err->msg);
	return p;
}

/* The one file in the cache directory: its path in buf. */
static void cache_file(const char *root, char *buf, size_t size)
{
	char cmd[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls -d '%s/" SECCOMP_CACHE_DIR "'/*", root);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, (int)size, f));
	buf[strcspn(buf, "\n")] = '\0';
	ck_assert_ptr_null(fgets(cmd, sizeof(cmd), f)); /* exactly one */
	pclose(f);
}

START_TEST(test_hit_is_the_compiled_program)
{
	char root[64], file[256];
	struct prof a;
	int rootfd = temp_root(root, sizeof(root));
	bc_seccomp_prog_t *direct = NULL, *first, *hit;
	bc_error_t *err = NULL;
	struct stat st;

	prof_init(&a);
	ck_assert_int_eq(seccomp_filter_compile(&a.s, &direct, &err), 0);
	ck_assert_ptr_null(seccomp_cache_lookup(&a.s, rootfd));
	first = through_cache(&a.s, rootfd);
	ck_assert(same_program(first, direct));
	cache_file(root, file, sizeof(file));
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	hit = seccomp_cache_lookup(&a.s, rootfd);
	ck_assert_ptr_nonnull(hit);
	ck_assert(same_program(hit, direct));
	seccomp_filter_free(hit);
	/* Another profile is a miss, and gets a file of its own. */
	a.rules[0].errno_ret = 1;
	ck_assert_ptr_null(seccomp_cache_lookup(&a.s, rootfd));
	seccomp_filter_free(first);
	seccomp_filter_free(direct);
	/* No root: no cache, still a program. */
	direct = through_cache(&a.s, -1);
	ck_assert_ptr_nonnull(direct);
	seccomp_filter_free(direct);
	close(rootfd);
	remove_root(root);
}
END_TEST

/* Write the cache, spoil it with how, check it is a miss, then that a compile repairs it. */
typedef void (*spoil_fn)(const char *root, const char *file);

static void check_spoiled(spoil_fn how)
{
	char root[64], file[256];
	struct prof a;
	int rootfd = temp_root(root, sizeof(root));
	bc_seccomp_prog_t *p;

	prof_init(&a);
	seccomp_filter_free(through_cache(&a.s, rootfd));
	cache_file(root, file, sizeof(file));
	how(root, file);
	ck_assert_ptr_null(seccomp_cache_lookup(&a.s, rootfd));
	/* The compile still succeeds; where it can, it writes a good file again. */
	seccomp_filter_free(through_cache(&a.s, rootfd));
	p = seccomp_cache_lookup(&a.s, rootfd);
	if (p == NULL) {
		struct stat st;
		char dir[128];

		snprintf(dir, sizeof(dir), "%s/" SECCOMP_CACHE_DIR, root);
		/* Only a directory the cache refuses stays unused. */
		ck_assert_int_eq(stat(dir, &st), 0);
		ck_assert(st.st_mode & (S_IWGRP | S_IWOTH));
	}
	seccomp_filter_free(p);
	close(rootfd);
	remove_root(root);
}

static void flip_last_byte(const char *root, const char *file)
{
	int fd = open(file, O_RDWR);
	off_t end = lseek(fd, 0, SEEK_END);
	unsigned char c;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, end - 1), 1);
	c ^= 0x40;
	ck_assert_int_eq(pwrite(fd, &c, 1, end - 1), 1);
	close(fd);
}

static void truncate_it(const char *root, const char *file)
{
	ck_assert_int_eq(truncate(file, 40), 0);
}

static void empty_it(const char *root, const char *file)
{
	ck_assert_int_eq(truncate(file, 0), 0);
}

static void world_writable(const char *root, const char *file)
{
	ck_assert_int_eq(chmod(file, 0666), 0);
}

static void foreign_owner(const char *root, const char *file)
{
	ck_assert_int_eq(chown(file, 65534, 65534), 0);
}

static void symlink_it(const char *root, const char *file)
{
	char target[300];

	snprintf(target, sizeof(target), "%s.real", file);
	ck_assert_int_eq(rename(file, target), 0);
	ck_assert_int_eq(symlink(target, file), 0);
}

static void dir_writable(const char *root, const char *file)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/" SECCOMP_CACHE_DIR, root);
	ck_assert_int_eq(chmod(dir, 0777), 0);
}

/* Another profile's file under this profile's name: a collision, or a planted file. */
static void other_key(const char *root, const char *file)
{
	char other_root[64], other_file[256];
	struct prof b;
	int fd = temp_root(other_root, sizeof(other_root));

	prof_init(&b);
	b.rules[0].errno_ret = 1;
	seccomp_filter_free(through_cache(&b.s, fd));
	cache_file(other_root, other_file, sizeof(other_file));
	ck_assert_int_eq(rename(other_file, file), 0);
	close(fd);
	remove_root(other_root);
}

START_TEST(test_spoiled_files_are_misses)
{
	spoil_fn hows[] = {flip_last_byte, truncate_it, empty_it,     world_writable,
			   foreign_owner,  symlink_it,	dir_writable, other_key};

	if (geteuid() != 0)
		hows[4] = world_writable; /* chown needs root */
	for (size_t i = 0; i < BC_ARRAY_SIZE(hows); i++)
		check_spoiled(hows[i]);
}
END_TEST

static Suite *cache_suite(void)
{
	Suite *s = suite_create("seccomp_cache");
	TCase *tc = tcase_create("cache");

	tcase_add_test(tc, test_key_covers_the_profile);
	tcase_add_test(tc, test_hit_is_the_compiled_program);
	tcase_add_test(tc, test_spoiled_files_are_misses);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
