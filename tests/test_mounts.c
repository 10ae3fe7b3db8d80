/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "barco/idmap.h"
#include "barco/rootfs.h"
#include "barco/util.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* ---- option table ---- */

static const struct {
	const char *word;
	unsigned long flags, clear;
} flag_words[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"suid", 0, MS_NOSUID},
    {"nosuid", MS_NOSUID, 0},
    {"dev", 0, MS_NODEV},
    {"nodev", MS_NODEV, 0},
    {"exec", 0, MS_NOEXEC},
    {"noexec", MS_NOEXEC, 0},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"remount", MS_REMOUNT, 0},
    {"mand", MS_MANDLOCK, 0},
    {"nomand", 0, MS_MANDLOCK},
    {"atime", 0, MS_NOATIME},
    {"noatime", MS_NOATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"nostrictatime", 0, MS_STRICTATIME},
    {"lazytime", MS_LAZYTIME, 0},
    {"nolazytime", 0, MS_LAZYTIME},
    {"silent", MS_SILENT, 0},
    {"loud", 0, MS_SILENT},
    {"iversion", MS_I_VERSION, 0},
    {"noiversion", 0, MS_I_VERSION},
    {"acl", MS_POSIXACL, 0},
    {"noacl", 0, MS_POSIXACL},
    {"nosymfollow", MS_NOSYMFOLLOW, 0},
    {"symfollow", 0, MS_NOSYMFOLLOW},
    {"defaults", 0, 0},
};

static void parse1(const char *word, bc_mount_opts_t *o)
{
	char *opts[] = {(char *)word, NULL};
	bc_error_t *err = NULL;

	ck_assert_int_eq(mounts_parse_options(opts, o, &err), 0);
	ck_assert_ptr_null(err);
}

START_TEST(test_flag_words)
{
	bc_mount_opts_t o;

	parse1(flag_words[_i].word, &o);
	ck_assert_msg(o.flags == flag_words[_i].flags, "%s: flags %#lx, want %#lx",
		      flag_words[_i].word, o.flags, flag_words[_i].flags);
	ck_assert_msg(o.clear == flag_words[_i].clear, "%s: clear %#lx, want %#lx",
		      flag_words[_i].word, o.clear, flag_words[_i].clear);
	ck_assert_uint_eq(o.propagation, 0);
	ck_assert(!o.bind && !o.rbind && !o.idmap);
	ck_assert_uint_eq(o.rec_attr_set | o.rec_attr_clr, 0);
	ck_assert_ptr_null(o.data);
	mounts_opts_free(&o);
}
END_TEST

static const struct {
	const char *word;
	unsigned long prop;
} prop_words[] = {
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

START_TEST(test_propagation_words)
{
	bc_mount_opts_t o;
	unsigned long flags = 0;
	bc_error_t *err = NULL;

	parse1(prop_words[_i].word, &o);
	ck_assert_uint_eq(o.propagation, prop_words[_i].prop);
	ck_assert_uint_eq(o.flags | o.clear, 0);
	ck_assert_ptr_null(o.data);
	mounts_opts_free(&o);
	ck_assert_int_eq(mounts_parse_propagation(prop_words[_i].word, &flags, &err), 0);
	ck_assert_uint_eq(flags, prop_words[_i].prop);
}
END_TEST

static const struct {
	const char *word;
	unsigned long set, clr;
} rec_words[] = {
    {"rro", MOUNT_ATTR_RDONLY, 0},
    {"rrw", 0, MOUNT_ATTR_RDONLY},
    {"rnosuid", MOUNT_ATTR_NOSUID, 0},
    {"rsuid", 0, MOUNT_ATTR_NOSUID},
    {"rnodev", MOUNT_ATTR_NODEV, 0},
    {"rdev", 0, MOUNT_ATTR_NODEV},
    {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
    {"rexec", 0, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
    {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
    {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
    /* atime is one field: mount_setattr wants all of __ATIME cleared to change it */
    {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
    {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
};

START_TEST(test_recursive_words)
{
	bc_mount_opts_t o;

	parse1(rec_words[_i].word, &o);
	ck_assert_msg(o.rec_attr_set == rec_words[_i].set, "%s: set %#lx", rec_words[_i].word,
		      o.rec_attr_set);
	ck_assert_msg(o.rec_attr_clr == rec_words[_i].clr, "%s: clr %#lx", rec_words[_i].word,
		      o.rec_attr_clr);
	ck_assert_uint_eq(o.flags | o.clear | o.propagation, 0);
	ck_assert_ptr_null(o.data);
	mounts_opts_free(&o);
}
END_TEST

START_TEST(test_bind_words)
{
	bc_mount_opts_t o;

	parse1("bind", &o);
	ck_assert(o.bind && !o.rbind);
	ck_assert_uint_eq(o.flags, MS_BIND);
	mounts_opts_free(&o);
	parse1("rbind", &o);
	ck_assert(o.bind && o.rbind);
	ck_assert_uint_eq(o.flags, MS_BIND | MS_REC);
	mounts_opts_free(&o);
}
END_TEST

START_TEST(test_idmap_words)
{
	bc_mount_opts_t o;

	parse1("idmap", &o);
	ck_assert(o.idmap && !o.ridmap);
	ck_assert_ptr_null(o.data);
	mounts_opts_free(&o);
	parse1("ridmap", &o);
	ck_assert(o.idmap && o.ridmap);
	mounts_opts_free(&o);
	parse1("tmpcopyup", &o);
	ck_assert(o.tmpcopyup);
	ck_assert_ptr_null(o.data);
	mounts_opts_free(&o);
}
END_TEST

/* idmap mixes with every other kind of option and never reaches mount(2)'s data. */
START_TEST(test_idmap_with_other_words)
{
	char *opts[] = {"rbind", "ridmap", "ro", "nosuid", "rro", "shared", "mode=755", NULL};
	bc_mount_opts_t o;

	ck_assert_int_eq(mounts_parse_options(opts, &o, NULL), 0);
	ck_assert(o.idmap && o.ridmap && o.bind && o.rbind);
	ck_assert_uint_eq(o.flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID);
	ck_assert_uint_eq(o.rec_attr_set, MOUNT_ATTR_RDONLY);
	ck_assert_uint_eq(o.propagation, MS_SHARED);
	ck_assert_str_eq(o.data, "mode=755");
	mounts_opts_free(&o);
}
END_TEST

/* The per-mount options of an idmapped bind, as mount_setattr attributes. */
static const struct {
	const char *words[4];
	uint64_t set, clr;
} idmap_attr_cases[] = {
    {{"ro"}, MOUNT_ATTR_RDONLY, 0},
    {{"rw"}, 0, MOUNT_ATTR_RDONLY},
    {{"nosuid", "nodev", "noexec"}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0},
    {{"suid", "dev", "exec"}, 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC},
    {{"ro", "rw"}, 0, MOUNT_ATTR_RDONLY},
    {{"noatime"}, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
    {{"strictatime"}, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
    {{"noatime", "strictatime"}, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
    {{"relatime"}, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {{"atime"}, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {{"nodiratime"}, MOUNT_ATTR_NODIRATIME, 0},
    {{"diratime"}, 0, MOUNT_ATTR_NODIRATIME},
    {{"nosymfollow"}, MOUNT_ATTR_NOSYMFOLLOW, 0},
    /* Recursive words, propagation and superblock flags are not per-mount attributes. */
    {{"bind", "idmap", "rro", "shared"}, 0, 0},
    {{"sync", "lazytime"}, 0, 0},
};

START_TEST(test_idmap_attrs)
{
	bc_mount_opts_t o;
	uint64_t set = 1, clr = 1;

	ck_assert_int_eq(mounts_parse_options((char **)idmap_attr_cases[_i].words, &o, NULL), 0);
	idmap_mount_attrs(&o, &set, &clr);
	ck_assert_msg(set == idmap_attr_cases[_i].set, "case %d: set %#llx, want %#llx", _i,
		      (unsigned long long)set, (unsigned long long)idmap_attr_cases[_i].set);
	ck_assert_msg(clr == idmap_attr_cases[_i].clr, "case %d: clr %#llx, want %#llx", _i,
		      (unsigned long long)clr, (unsigned long long)idmap_attr_cases[_i].clr);
	mounts_opts_free(&o);
}
END_TEST

START_TEST(test_idmap_wanted)
{
	char *idmap[] = {"bind", "idmap", NULL};
	char *ridmap[] = {"rbind", "ridmap", NULL};
	char *plain[] = {"bind", "ro", NULL};
	bc_id_mapping_t one = {.container_id = 0, .host_id = 1000, .size = 1};
	bc_mount_t mounts[] = {
	    {.destination = "/a", .source = "/s", .options = idmap},
	    {.destination = "/b", .source = "/s", .options = ridmap},
	    {.destination = "/c", .source = "/s", .options = plain},
	    /* Mappings without idmap or ridmap: an idmapped mount all the same (runc 1.2). */
	    {.destination = "/d",
	     .source = "/s",
	     .options = plain,
	     .uid_mappings = &one,
	     .gid_mappings = &one,
	     .n_uid_mappings = 1,
	     .n_gid_mappings = 1},
	};
	bc_spec_t spec = {.mounts = mounts, .n_mounts = 4};

	ck_assert(idmap_mount_wanted(&mounts[0]));
	ck_assert(idmap_mount_wanted(&mounts[1]));
	ck_assert(!idmap_mount_wanted(&mounts[2]));
	ck_assert(idmap_mount_wanted(&mounts[3]));
	ck_assert_uint_eq(idmap_count(&spec), 3);
	spec.n_mounts = 0;
	ck_assert_uint_eq(idmap_count(&spec), 0);
}
END_TEST

START_TEST(test_idmap_validate)
{
	char *idmap[] = {"bind", "idmap", NULL};
	char *tmpfs_idmap[] = {"idmap", NULL};
	char *bind[] = {"bind", NULL};
	bc_id_mapping_t one = {.container_id = 0, .host_id = 1000, .size = 1};
	bc_namespace_t userns = {.type = BC_NS_USER};
	bc_linux_t lin = {.namespaces = &userns, .n_namespaces = 1};
	bc_mount_t m = {.destination = "/data", .source = "/host", .options = idmap};
	bc_spec_t spec = {.mounts = &m, .n_mounts = 1};
	bc_error_t *err = NULL;

	/* No mappings of its own and no user namespace to borrow them from. */
	ck_assert_int_eq(idmap_validate(&spec, &err), -1);
	ck_assert_str_eq(err->msg, "mount /host on /data (bind): idmap without uidMappings and "
				   "gidMappings for the mount needs a user namespace in "
				   "linux.namespaces");
	bc_error_freep(&err);
	spec.linux_ = &lin;
	ck_assert_int_eq(idmap_validate(&spec, &err), 0);
	ck_assert_ptr_null(err);
	/* Mappings of its own need no user namespace, but both of them. */
	spec.linux_ = NULL;
	m.uid_mappings = &one;
	m.n_uid_mappings = 1;
	ck_assert_int_eq(idmap_validate(&spec, &err), -1);
	ck_assert_str_eq(err->msg, "mount /host on /data (bind): uidMappings and gidMappings must "
				   "be given together");
	bc_error_freep(&err);
	m.gid_mappings = &one;
	m.n_gid_mappings = 1;
	ck_assert_int_eq(idmap_validate(&spec, &err), 0);
	m.n_uid_mappings = 0;
	ck_assert_int_eq(idmap_validate(&spec, &err), -1);
	ck_assert_str_eq(err->msg, "mount /host on /data (bind): uidMappings and gidMappings must "
				   "be given together");
	bc_error_freep(&err);
	/* Only bind mounts; mappings alone make a mount idmapped, and a plain bind is fine. */
	m = (bc_mount_t){
	    .destination = "/t", .source = "tmpfs", .type = "tmpfs", .options = tmpfs_idmap};
	ck_assert_int_eq(idmap_validate(&spec, &err), -1);
	ck_assert_str_eq(err->msg, "mount tmpfs on /t: idmapped mounts (idmap, ridmap, "
				   "uidMappings) are only supported for bind mounts");
	bc_error_freep(&err);
	m = (bc_mount_t){.destination = "/p",
			 .source = "proc",
			 .type = "proc",
			 .uid_mappings = &one,
			 .gid_mappings = &one,
			 .n_uid_mappings = 1,
			 .n_gid_mappings = 1};
	ck_assert_int_eq(idmap_validate(&spec, &err), -1);
	ck_assert_str_eq(err->msg, "mount proc on /p: idmapped mounts (idmap, ridmap, "
				   "uidMappings) are only supported for bind mounts");
	bc_error_freep(&err);
	m = (bc_mount_t){.destination = "/b", .source = "/host", .options = bind};
	ck_assert_int_eq(idmap_validate(&spec, &err), 0);
	m = (bc_mount_t){.destination = "/b",
			 .type = "bind",
			 .options = tmpfs_idmap,
			 .uid_mappings = &one,
			 .gid_mappings = &one,
			 .n_uid_mappings = 1,
			 .n_gid_mappings = 1};
	ck_assert_int_eq(idmap_validate(&spec, &err), -1);
	ck_assert_str_eq(err->msg, "mount none on /b (bind): an idmapped mount needs a source");
	bc_error_freep(&err);
}
END_TEST

START_TEST(test_data_in_order)
{
	char *opts[] = {"mode=755", "nosuid",	     "size=65536k", "",	 "newinstance",
			"rbind",    "ptmxmode=0666", "rslave",	    NULL};
	bc_mount_opts_t o;

	ck_assert_int_eq(mounts_parse_options(opts, &o, NULL), 0);
	ck_assert_str_eq(o.data, "mode=755,size=65536k,newinstance,ptmxmode=0666");
	ck_assert_uint_eq(o.flags, MS_NOSUID | MS_BIND | MS_REC);
	ck_assert_uint_eq(o.propagation, MS_SLAVE | MS_REC);
	ck_assert(o.rbind);
	mounts_opts_free(&o);
	ck_assert_ptr_null(o.data);
}
END_TEST

START_TEST(test_later_word_wins)
{
	char *a[] = {"ro", "nosuid", "rw", NULL};
	char *b[] = {"rw", "ro", NULL};
	char *c[] = {"private", "rshared", NULL};
	char *d[] = {"rro", "rrw", NULL};
	bc_mount_opts_t o;

	mounts_parse_options(a, &o, NULL);
	ck_assert_uint_eq(o.flags, MS_NOSUID);
	ck_assert_uint_eq(o.clear, MS_RDONLY);
	mounts_parse_options(b, &o, NULL);
	ck_assert_uint_eq(o.flags, MS_RDONLY);
	ck_assert_uint_eq(o.clear, 0);
	mounts_parse_options(c, &o, NULL);
	ck_assert_uint_eq(o.propagation, MS_SHARED | MS_REC);
	mounts_parse_options(d, &o, NULL);
	ck_assert_uint_eq(o.rec_attr_set, 0);
	ck_assert_uint_eq(o.rec_attr_clr, MOUNT_ATTR_RDONLY);
}
END_TEST

START_TEST(test_no_options)
{
	bc_mount_opts_t o;

	memset(&o, 0xff, sizeof(o));
	ck_assert_int_eq(mounts_parse_options(NULL, &o, NULL), 0);
	ck_assert_uint_eq(o.flags | o.clear | o.propagation | o.rec_attr_set | o.rec_attr_clr, 0);
	ck_assert(!o.bind && !o.rbind && !o.idmap && !o.ridmap && !o.tmpcopyup);
	ck_assert_ptr_null(o.data);
}
END_TEST

START_TEST(test_propagation_errors)
{
	unsigned long flags = 1;
	bc_error_t *err = NULL;

	ck_assert_int_eq(mounts_parse_propagation(NULL, &flags, &err), 0);
	ck_assert_uint_eq(flags, MS_PRIVATE | MS_REC);
	ck_assert_int_eq(mounts_parse_propagation("rbind", &flags, &err), -1);
	ck_assert_str_eq(err->msg, "unknown mount propagation \"rbind\" (expected shared, slave, "
				   "private, unbindable or their r* forms)");
	bc_error_freep(&err);
	ck_assert_int_eq(mounts_parse_propagation("", &flags, &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "\"\""));
	bc_error_freep(&err);
	ck_assert_int_eq(mounts_parse_propagation("Private", &flags, &err), -1);
	bc_error_freep(&err);
}
END_TEST

START_TEST(test_ro_delayed)
{
	char *ro[] = {"ro", NULL}, *rw[] = {"nosuid", NULL}, *bro[] = {"rbind", "ro", NULL};
	bc_mount_t tmp_ro = {.destination = "/run", .type = "tmpfs", .options = ro};
	bc_mount_t tmp_rw = {.destination = "/run", .type = "tmpfs", .options = rw};
	bc_mount_t dev_ro = {.destination = "/dev/", .type = "devtmpfs", .options = ro};
	bc_mount_t sys_ro = {.destination = "/sys", .type = "sysfs", .options = ro};
	bc_mount_t bind_ro = {.destination = "/dev", .source = "/dev", .options = bro};
	bc_mount_opts_t o;

	mounts_parse_options(ro, &o, NULL);
	ck_assert(mounts_ro_delayed(&tmp_ro, &o));
	ck_assert(mounts_ro_delayed(&dev_ro, &o));
	ck_assert(!mounts_ro_delayed(&sys_ro, &o));
	mounts_parse_options(rw, &o, NULL);
	ck_assert(!mounts_ro_delayed(&tmp_rw, &o));
	mounts_parse_options(bro, &o, NULL);
	ck_assert(!mounts_ro_delayed(&bind_ro, &o));
}
END_TEST

START_TEST(test_find_parent)
{
	cleanup_free char *mp = NULL;
	bc_error_t *err = NULL;
	bool shared;

	ck_assert_int_eq(mounts_find_parent("/", &mp, &shared, &err), 0);
	ck_assert_str_eq(mp, "/");
	free(mp);
	mp = NULL;
	/* /proc is a mount point; /proc/self/x lies in it, /procfoo does not */
	ck_assert_int_eq(mounts_find_parent("/proc/self/x", &mp, &shared, &err), 0);
	ck_assert_str_eq(mp, "/proc");
	free(mp);
	mp = NULL;
	ck_assert_int_eq(mounts_find_parent("/procfoo", &mp, &shared, &err), 0);
	ck_assert_str_ne(mp, "/proc");
	ck_assert_ptr_null(err);
}
END_TEST

/* ---- lexical paths ---- */

static const struct {
	const char *in, *out;
} clean_cases[] = {
    {"/", "/"},
    {"", "/"},
    {"/dev", "/dev"},
    {"/dev/", "/dev"},
    {"dev//pts/", "/dev/pts"},
    {"/a/./b/../c", "/a/c"},
    {"/a/..", "/"},
    {"/..", NULL},
    {"/etc/../../x", NULL},
    {"a/b/../../..", NULL},
    {"/...", "/..."},
    {"/a/.b", "/a/.b"},
};

START_TEST(test_clean_path)
{
	char *out = (char *)1;
	int r = rootfs_clean_path(clean_cases[_i].in, &out);

	if (clean_cases[_i].out == NULL) {
		ck_assert_int_eq(r, -1);
		ck_assert_int_eq(errno, EXDEV);
		ck_assert_ptr_null(out);
	} else {
		ck_assert_int_eq(r, 0);
		ck_assert_str_eq(out, clean_cases[_i].out);
		free(out);
	}
}
END_TEST

/* ---- resolution inside a root (no privileges: a temporary directory) ---- */

static char tmpdir[64], rootdir[128];
static int rootfd = -1;

static void mk(const char *rel, const char *link_target)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	if (link_target)
		ck_assert_int_eq(symlink(link_target, p), 0);
	else if (rel[strlen(rel) - 1] == '/')
		ck_assert_int_eq(mkdir(p, 0755), 0);
	else
		ck_assert_int_eq(close(open(p, O_CREAT | O_WRONLY, 0644)) == 0 ? 0 : -1, 0);
}

/* Each test builds its tree below basedir; the parent removes basedir at the end, so a
 * failing test (whose checked teardown does not run) leaves nothing behind. */
static char basedir[32];

static void make_base(void)
{
	strcpy(basedir, "/tmp/test_mounts.XXXXXX");
	if (mkdtemp(basedir) == NULL)
		abort();
}

static void remove_base(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", basedir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", basedir);
}

static void setup_tree(void)
{
	char link[PATH_MAX * 2];

	snprintf(tmpdir, sizeof(tmpdir), "%s/t.XXXXXX", basedir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(rootdir, sizeof(rootdir), "%s/root", tmpdir);
	mk("root/", NULL);
	mk("outside/", NULL);
	mk("outside/secret", NULL);
	mk("root/etc/", NULL);
	mk("root/etc/hosts", NULL);
	mk("root/d1/", NULL);
	mk("root/d2/", NULL);
	mk("root/d2/f", NULL);
	mk("root/x", NULL);
	mk("root/abs", "/etc/hosts");	       /* absolute: means the rootfs' /etc/hosts */
	mk("root/up", "../../../../../../.."); /* climbs: stops at the rootfs */
	mk("root/d1/l", "../d2");
	mk("root/d1/abs", "/x"); /* absolute, from a subdirectory: back to the rootfs' top */
	mk("root/loop1", "loop2");
	mk("root/loop2", "loop1");
	mk("root/esc", "../outside/secret"); /* relative escape attempt */
	snprintf(link, sizeof(link), "%s/outside", tmpdir);
	mk("root/evil", link); /* the host path of a real directory */
	mk("root/dangling_up", "../../newdir");
	rootfd = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(rootfd, 0);
}

static void teardown_tree(void)
{
	char cmd[PATH_MAX + 16];

	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Resolve and return the host path the fd ended on ("" when resolution failed). */
static const char *resolve(const char *path, unsigned int flags, int *err_no)
{
	static char out[PATH_MAX];
	char link[64];
	bc_error_t *err = NULL;
	int fd = rootfs_open_in_root(rootfd, path, flags, &err);
	ssize_t n;

	*err_no = 0;
	out[0] = '\0';
	if (fd < 0) {
		*err_no = errno;
		ck_assert_ptr_nonnull(err);
		ck_assert_int_eq(err->errnum, *err_no);
		bc_error_free(err);
		return out;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, sizeof(out) - 1);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	close(fd);
	return out;
}

static void expect(const char *path, unsigned int flags, const char *rel_in_root)
{
	char want[PATH_MAX * 2];
	int e;
	const char *got = resolve(path, flags, &e);

	snprintf(want, sizeof(want), "%s%s", rootdir, rel_in_root);
	ck_assert_msg(e == 0, "%s: %s", path, strerror(e));
	ck_assert_msg(strcmp(got, want) == 0, "%s resolved to %s, want %s", path, got, want);
}

static void expect_errno(const char *path, unsigned int flags, int want)
{
	int e;

	resolve(path, flags, &e);
	ck_assert_msg(e == want, "%s: errno %d (%s), want %d", path, e, strerror(e), want);
}

/* _i: 0 = openat2, 1 = the manual walk */
START_TEST(test_resolve_plain)
{
	unsigned int m = _i ? ROOTFS_RESOLVE_MANUAL : 0;

	expect("/etc/hosts", m, "/etc/hosts");
	expect("etc/hosts", m, "/etc/hosts");
	expect("//etc///hosts", m, "/etc/hosts");
	expect("/", m, "");
	expect("/../../etc/./hosts", m, "/etc/hosts");
	expect_errno("/nope", m, ENOENT);
	expect_errno("/x/y", m, ENOTDIR);
}
END_TEST

START_TEST(test_resolve_symlinks_stay_inside)
{
	unsigned int m = _i ? ROOTFS_RESOLVE_MANUAL : 0;

	expect("/abs", m, "/etc/hosts");
	expect("/up", m, "");
	expect("/up/x", m, "/x");
	expect("/d1/l/f", m, "/d2/f");
	expect("/d1/l/../x", m, "/x");
	expect("/d1/abs", m, "/x");
	expect("/d1/l/../d1/abs", m, "/x");
	/* ../outside from the root is the root's /outside, which does not exist */
	expect_errno("/esc", m, ENOENT);
	/* the host path of tmpdir/outside means <root><tmpdir>/outside */
	expect_errno("/evil", m, ENOENT);
	expect_errno("/evil/secret", m, ENOENT);
	expect_errno("/loop1", m, ELOOP);
}
END_TEST

START_TEST(test_resolve_nofollow)
{
	unsigned int m = (_i ? ROOTFS_RESOLVE_MANUAL : 0) | ROOTFS_RESOLVE_NOFOLLOW;
	bc_error_t *err = NULL;
	struct stat st;
	int fd;

	expect("/abs", m, "/abs");
	expect("/d1/l/f", m, "/d2/f"); /* only the last component is left unfollowed */
	fd = rootfs_open_in_root(rootfd, "/evil", m, &err);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	close(fd);
}
END_TEST

START_TEST(test_resolve_magic_link)
{
	cleanup_close int host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	bc_error_t *err = NULL;
	int fd;

	/* /proc/self/root and friends jump without a path: openat2 refuses them (a /proc
	 * mounted in the rootfs would otherwise lead straight back to the host). */
	ck_assert_int_ge(host_root, 0);
	fd = rootfs_open_in_root(host_root, "/proc/self/root/etc", 0, &err);
	if (fd >= 0 || errno == ENOSYS)
		ck_abort_msg("magic link followed (openat2 missing?)");
	ck_assert_int_eq(err->errnum, ELOOP);
	bc_error_free(err);
	/* the manual walk reads the link as text, inside the root: "/" is the root itself */
	fd = rootfs_open_in_root(rootfd, "/up/../../etc/hosts", ROOTFS_RESOLVE_MANUAL, NULL);
	ck_assert_int_ge(fd, 0);
	close(fd);
}
END_TEST

START_TEST(test_error_message)
{
	bc_error_t *err = NULL;

	ck_assert_int_eq(
	    rootfs_open_in_root(rootfd, "/nope/x", _i ? ROOTFS_RESOLVE_MANUAL : 0, &err), -1);
	ck_assert_str_eq(err->msg, "open /nope/x in the rootfs: No such file or directory");
	bc_error_free(err);
}
END_TEST

static void host_absent(const char *rel)
{
	char p[PATH_MAX * 2];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	ck_assert_msg(lstat(p, &st) < 0 && errno == ENOENT, "%s was created outside the root", p);
}

START_TEST(test_mkpath_follows_inside)
{
	unsigned int m = _i ? ROOTFS_RESOLVE_MANUAL : 0;
	char want[PATH_MAX], got[PATH_MAX], link[64];
	bc_error_t *err = NULL;
	struct stat st;
	int fd;
	ssize_t n;

	/* the dangling absolute link is followed inside: <root><tmpdir>/outside/sub */
	fd = rootfs_mkpath_in_root(rootfd, "/evil/sub", m, &err);
	ck_assert_msg(fd >= 0, "%s", err ? err->msg : "");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, got, sizeof(got) - 1);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	snprintf(want, sizeof(want), "%s%s/outside/sub", rootdir, tmpdir);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	close(fd);
	host_absent("outside/sub");
	/* a relative link climbing out lands at the root */
	fd = rootfs_mkpath_in_root(rootfd, "/dangling_up/a", m, &err);
	ck_assert_int_ge(fd, 0);
	close(fd);
	expect("/newdir/a", 0, "/newdir/a");
	host_absent("newdir");
	host_absent("../newdir");
}
END_TEST

START_TEST(test_mkpath_file)
{
	unsigned int m = (_i ? ROOTFS_RESOLVE_MANUAL : 0) | ROOTFS_RESOLVE_MKFILE;
	bc_error_t *err = NULL;
	struct stat st;
	int fd;

	fd = rootfs_mkpath_in_root(rootfd, "/new/dir/file", m, &err);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 0);
	close(fd);
	expect("/new/dir", 0, "/new/dir");
	/* existing: returned as is, not truncated or replaced */
	fd = rootfs_mkpath_in_root(rootfd, "/etc", m, &err);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	close(fd);
	/* a file in the way of a directory */
	ck_assert_int_eq(rootfs_mkpath_in_root(rootfd, "/x/sub", m & ~ROOTFS_RESOLVE_MKFILE, &err),
			 -1);
	ck_assert_int_eq(err->errnum, ENOTDIR);
	bc_error_free(err);
}
END_TEST

/* ---- errors caught before anything is mounted ---- */

/* If a bug let these reach mount(2) while running as root, it must not touch the host's
 * mount table (best effort: where unshare is refused, nothing can be mounted either). */
static void private_mount_ns(void)
{
	if (geteuid() == 0 && unshare(CLONE_NEWNS) < 0)
		fprintf(stderr, "unshare(CLONE_NEWNS): %s\n", strerror(errno));
}

START_TEST(test_apply_refusals)
{
	char *idmap[] = {"rbind", "idmap", NULL};
	bc_mount_t esc = {.destination = "/etc/../../x", .source = "tmpfs", .type = "tmpfs"};
	bc_mount_t idm = {.destination = "/data", .source = "/host/dir", .options = idmap};
	bc_mount_t notype = {.destination = "/data", .source = "x"};
	bc_error_t *err = NULL;

	private_mount_ns();
	ck_assert_int_eq(mounts_apply(rootfd, &esc, false, &err), -1);
	ck_assert_str_eq(err->msg, "mount destination /etc/../../x escapes the rootfs");
	bc_error_freep(&err);
	ck_assert_int_eq(mounts_apply(rootfd, &idm, false, &err), -1);
	ck_assert_str_eq(
	    err->msg,
	    "mount /host/dir on /data (bind): idmapped mount not prepared by the runtime");
	bc_error_freep(&err);
	ck_assert_int_eq(mounts_apply(rootfd, &notype, false, &err), -1);
	ck_assert_str_eq(err->msg, "mount x on /data: mount type missing (and no bind option)");
	bc_error_freep(&err);
}
END_TEST

START_TEST(test_setup_refusals)
{
	char *idmap[] = {"idmap", NULL};
	bc_mount_t mounts[] = {
	    {.destination = "/proc", .source = "proc", .type = "proc"},
	    {.destination = "/data", .source = "/host", .type = "bind", .options = idmap},
	};
	bc_linux_t lin = {.rootfs_propagation = "sideways"};
	bc_spec_t spec = {.mounts = mounts, .n_mounts = 2};
	bc_error_t *err = NULL;

	private_mount_ns();
	ck_assert_int_eq(rootfs_setup(&spec, "relative/rootfs", false, &err), -1);
	ck_assert_str_eq(err->msg, "rootfs relative/rootfs: not an absolute path");
	bc_error_freep(&err);
	ck_assert_int_eq(rootfs_setup(&spec, rootdir, false, &err), -1);
	ck_assert_str_eq(err->msg,
			 "mount /host on /data: idmapped mount not prepared by the runtime");
	bc_error_freep(&err);
	spec.linux_ = &lin;
	ck_assert_int_eq(rootfs_setup(&spec, rootdir, false, &err), -1);
	ck_assert_str_eq(err->msg, "linux.rootfsPropagation: unknown mount propagation "
				   "\"sideways\" (expected shared, slave, private, unbindable or "
				   "their r* forms)");
	bc_error_freep(&err);
	mounts[1].destination = "../../x";
	lin.rootfs_propagation = NULL;
	ck_assert_int_eq(rootfs_setup(&spec, rootdir, false, &err), -1);
	ck_assert_str_eq(err->msg, "mount destination ../../x escapes the rootfs");
	bc_error_freep(&err);
}
END_TEST

/* linux.mountLabel: context= goes on filesystems that take it, never on proc/sysfs/mqueue. */
START_TEST(test_mount_label_data)
{
	char *d;

	mounts_set_label("system_u:object_r:container_file_t:s0:c1,c2");
	d = mounts_label_data("tmpfs", "size=1k");
	ck_assert_str_eq(d, "size=1k,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
	free(d);
	d = mounts_label_data("devpts", NULL);
	ck_assert_str_eq(d, "context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
	free(d);
	d = mounts_label_data("proc", NULL);
	ck_assert_ptr_null(d);
	d = mounts_label_data("mqueue", "x");
	ck_assert_str_eq(d, "x");
	free(d);
	mounts_set_label(NULL);
	d = mounts_label_data("tmpfs", "size=1k");
	ck_assert_str_eq(d, "size=1k");
	free(d);
	mounts_set_label("");
	ck_assert_ptr_null(mounts_label_data("tmpfs", NULL));
}
END_TEST

static Suite *mounts_suite(void)
{
	Suite *s = suite_create("mounts");
	TCase *t = tcase_create("options");
	TCase *p = tcase_create("paths");

	tcase_add_loop_test(t, test_flag_words, 0, BC_ARRAY_SIZE(flag_words));
	tcase_add_loop_test(t, test_propagation_words, 0, BC_ARRAY_SIZE(prop_words));
	tcase_add_loop_test(t, test_recursive_words, 0, BC_ARRAY_SIZE(rec_words));
	tcase_add_test(t, test_bind_words);
	tcase_add_test(t, test_idmap_words);
	tcase_add_test(t, test_idmap_with_other_words);
	tcase_add_loop_test(t, test_idmap_attrs, 0, BC_ARRAY_SIZE(idmap_attr_cases));
	tcase_add_test(t, test_idmap_wanted);
	tcase_add_test(t, test_idmap_validate);
	tcase_add_test(t, test_data_in_order);
	tcase_add_test(t, test_later_word_wins);
	tcase_add_test(t, test_no_options);
	tcase_add_test(t, test_propagation_errors);
	tcase_add_test(t, test_ro_delayed);
	tcase_add_test(t, test_find_parent);
	tcase_add_loop_test(t, test_clean_path, 0, BC_ARRAY_SIZE(clean_cases));
	suite_add_tcase(s, t);

	tcase_add_unchecked_fixture(p, make_base, remove_base);
	tcase_add_checked_fixture(p, setup_tree, teardown_tree);
	tcase_add_loop_test(p, test_resolve_plain, 0, 2);
	tcase_add_loop_test(p, test_resolve_symlinks_stay_inside, 0, 2);
	tcase_add_loop_test(p, test_resolve_nofollow, 0, 2);
	tcase_add_test(p, test_resolve_magic_link);
	tcase_add_loop_test(p, test_error_message, 0, 2);
	tcase_add_loop_test(p, test_mkpath_follows_inside, 0, 2);
	tcase_add_loop_test(p, test_mkpath_file, 0, 2);
	tcase_add_test(p, test_apply_refusals);
	tcase_add_test(p, test_setup_refusals);
	tcase_add_test(p, test_mount_label_data);
	suite_add_tcase(s, p);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mounts_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
