/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/state_json.h"
#include "barco/state_store.h"
#include "barco/util.h"

/* ---- container IDs ---- */

static const char *const valid_ids[] = {
    "a", "Z", "0", "abc", "a-b_c.d+e", "a..", "a-", "9lives", "UPPER.lower", "x+",
};

START_TEST(test_id_valid)
{
	bc_error_t *err = NULL;

	ck_assert_msg(state_store_check_id(valid_ids[_i], &err) == 0, "%s: %s", valid_ids[_i],
		      err ? err->msg : "");
	ck_assert_ptr_null(err);
}
END_TEST

#define INVALID(id)                                                                                \
	"invalid container ID \"" id "\": IDs may contain only letters, digits, '_', '.', '+' "    \
	"and '-', and must start with a letter or digit"

static const struct {
	const char *id;
	const char *msg;
} invalid_ids[] = {
    {"", "container ID is empty"},
    {".", INVALID(".")},
    {"..", INVALID("..")},
    {"-a", INVALID("-a")},
    {"_a", INVALID("_a")},
    {".a", INVALID(".a")},
    {"+a", INVALID("+a")},
    {"a/b", INVALID("a/b")},
    {"../x", INVALID("../x")},
    {"a b", INVALID("a b")},
    {"a\tb", INVALID("a\tb")},
    {"a\nb", INVALID("a\nb")},
    {"a:b", INVALID("a:b")},
    {"a*", INVALID("a*")},
    {"a\\b", INVALID("a\\b")},
    {"\xc3\xa9t\xc3\xa9", INVALID("\xc3\xa9t\xc3\xa9")},
    {"caf\xc3\xa9", INVALID("caf\xc3\xa9")},
};

START_TEST(test_id_invalid)
{
	bc_error_t *err = NULL;

	ck_assert_int_eq(state_store_check_id(invalid_ids[_i].id, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err->msg, invalid_ids[_i].msg);
	bc_error_free(err);
}
END_TEST

START_TEST(test_id_length)
{
	cleanup_free char *id = bc_xmalloc(BC_ID_MAX + 2);
	bc_error_t *err = NULL;

	memset(id, 'a', BC_ID_MAX + 1);
	id[BC_ID_MAX] = '\0';
	ck_assert_int_eq(state_store_check_id(id, &err), 0);
	id[BC_ID_MAX] = 'a';
	id[BC_ID_MAX + 1] = '\0';
	ck_assert_int_eq(state_store_check_id(id, &err), -1);
	ck_assert_str_eq(err->msg, "container ID is longer than 1024 bytes");
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(state_store_check_id(NULL, &err), -1);
	ck_assert_str_eq(err->msg, "container ID is empty");
	bc_error_free(err);
	ck_assert_int_eq(state_store_check_id("a/b", NULL), -1);
}
END_TEST

/* ---- state JSON ---- */

static bc_kv_t test_annotations[] = {
    {"org.example.key", "value"},
    {"quote\"back\\slash", "line\nbreak \xc3\xa9 \t"},
};

static bc_state_t full_state(void)
{
	return (bc_state_t){
	    .oci_version = BC_OCI_VERSION,
	    .id = "c1",
	    .status = "running",
	    .pid = 4242,
	    .bundle = "/srv/bundle",
	    .annotations = test_annotations,
	    .n_annotations = BC_ARRAY_SIZE(test_annotations),
	    .rootfs = "/srv/bundle/rootfs",
	    .created = "2026-11-29T03:33:31.123456789Z",
	    .owner = 4000000000u,
	    .start_time = 123456789012ull,
	    .cgroup_path = "/sys/fs/cgroup/barco/c1",
	    .config_needs = BC_CONFIG_NEEDED_AT_DELETE,
	};
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

static void assert_state_eq(const bc_state_t *a, const bc_state_t *b)
{
	ck_assert_str_eq(a->oci_version, b->oci_version);
	ck_assert_str_eq(a->id, b->id);
	ck_assert_str_eq(a->status, b->status);
	ck_assert_int_eq(a->pid, b->pid);
	ck_assert_str_eq(a->bundle, b->bundle);
	assert_str_eq_or_null(a->rootfs, b->rootfs);
	assert_str_eq_or_null(a->created, b->created);
	ck_assert_uint_eq(a->owner, b->owner);
	ck_assert_uint_eq(a->start_time, b->start_time);
	ck_assert_uint_eq(a->config_needs, b->config_needs);
	assert_str_eq_or_null(a->cgroup_path, b->cgroup_path);
	ck_assert_uint_eq(a->n_annotations, b->n_annotations);
	for (size_t i = 0; i < a->n_annotations; i++) {
		ck_assert_str_eq(a->annotations[i].key, b->annotations[i].key);
		ck_assert_str_eq(a->annotations[i].value, b->annotations[i].value);
	}
}

static void round_trip(const bc_state_t *in)
{
	bc_error_t *err = NULL;
	cleanup_free char *json = bc_state_to_json(in, BC_STATE_JSON_STORED, &err);
	cleanup_state bc_state_t *out = NULL;

	ck_assert_ptr_nonnull(json);
	out = bc_state_parse("state.json", json, strlen(json), &err);
	ck_assert_msg(out != NULL, "%s", err ? err->msg : "");
	assert_state_eq(in, out);
}

START_TEST(test_round_trip_full)
{
	bc_state_t st = full_state();

	round_trip(&st);
}
END_TEST

START_TEST(test_round_trip_minimal)
{
	bc_state_t st = {
	    .oci_version = "1.0.2",
	    .id = "x",
	    .status = "stopped",
	    .bundle = "/b",
	};

	round_trip(&st);
}
END_TEST

/* A record of an older barco, without configNeeds: start and delete read the config. */
START_TEST(test_config_needs_defaults_to_all)
{
	const char *json = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"created\","
			   "\"pid\":1,\"bundle\":\"/b\"}";
	bc_error_t *err = NULL;
	cleanup_state bc_state_t *st = bc_state_parse("state.json", json, strlen(json), &err);

	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(st->config_needs, BC_CONFIG_NEEDED_ALL);
	bc_state_free(st);
	st = NULL;
	json = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"created\",\"pid\":1,"
	       "\"bundle\":\"/b\",\"configNeeds\":4}";
	ck_assert_ptr_null(bc_state_parse("state.json", json, strlen(json), &err));
	ck_assert_ptr_nonnull(strstr(err->msg, "configNeeds"));
	bc_error_free(err);
}
END_TEST

START_TEST(test_stored_shape)
{
	bc_state_t st = full_state();
	cleanup_free char *json = NULL;

	st.n_annotations = 1;
	json = bc_state_to_json(&st, BC_STATE_JSON_STORED, NULL);
	ck_assert_str_eq(json,
			 "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"running\","
			 "\"pid\":4242,\"bundle\":\"/srv/bundle\","
			 "\"rootfs\":\"/srv/bundle/rootfs\","
			 "\"created\":\"2026-11-29T03:33:31.123456789Z\",\"owner\":4000000000,"
			 "\"startTime\":123456789012,"
			 "\"cgroupPath\":\"/sys/fs/cgroup/barco/c1\",\"configNeeds\":2,"
			 "\"annotations\":{\"org.example.key\":\"value\"}}");
}
END_TEST

/* Hooks read exactly the runtime-spec state: nothing of barco's own leaks into it. */
START_TEST(test_oci_shape)
{
	bc_state_t st = full_state();
	cleanup_free char *json = NULL;
	cleanup_free char *bare = NULL;

	st.n_annotations = 1;
	json = bc_state_to_json(&st, BC_STATE_JSON_OCI, NULL);
	ck_assert_str_eq(json, "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"running\","
			       "\"pid\":4242,\"bundle\":\"/srv/bundle\","
			       "\"annotations\":{\"org.example.key\":\"value\"}}");
	/* No process, no pid; no annotations, no member. */
	st.pid = 0;
	st.status = "stopped";
	st.n_annotations = 0;
	bare = bc_state_to_json(&st, BC_STATE_JSON_OCI, NULL);
	ck_assert_str_eq(bare, "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"stopped\","
			       "\"bundle\":\"/srv/bundle\"}");
}
END_TEST

START_TEST(test_cli_shape)
{
	bc_state_t st = full_state();
	cleanup_free char *json = NULL;
	cleanup_free char *unknown = NULL;

	st.owner = 0;
	st.n_annotations = 1;
	json = bc_state_to_json(&st, BC_STATE_JSON_CLI, NULL);
	ck_assert_str_eq(json, "{\n"
			       "  \"ociVersion\": \"1.3.0\",\n"
			       "  \"id\": \"c1\",\n"
			       "  \"pid\": 4242,\n"
			       "  \"status\": \"running\",\n"
			       "  \"bundle\": \"/srv/bundle\",\n"
			       "  \"rootfs\": \"/srv/bundle/rootfs\",\n"
			       "  \"created\": \"2026-11-29T03:33:31.123456789Z\",\n"
			       "  \"owner\": \"root\",\n"
			       "  \"annotations\": {\n"
			       "    \"org.example.key\": \"value\"\n"
			       "  }\n"
			       "}\n");
	/* A uid without a passwd entry shows as its number; pid 0 is still shown, as runc. */
	st.owner = 4242421;
	st.pid = 0;
	st.n_annotations = 0;
	st.rootfs = NULL;
	unknown = bc_state_to_json(&st, BC_STATE_JSON_CLI, NULL);
	ck_assert_ptr_nonnull(strstr(unknown, "\"owner\": \"4242421\""));
	ck_assert_ptr_nonnull(strstr(unknown, "\"pid\": 0,"));
	ck_assert_ptr_nonnull(strstr(unknown, "\"rootfs\": \"\","));
	ck_assert_ptr_null(strstr(unknown, "annotations"));
}
END_TEST

START_TEST(test_invalid_utf8_not_written)
{
	bc_state_t st = full_state();
	bc_error_t *err = NULL;

	st.bundle = "/bad\xff";
	ck_assert_ptr_null(bc_state_to_json(&st, BC_STATE_JSON_STORED, &err));
	ck_assert_str_eq(err->msg, "generating state JSON of container `c1`: a string is not "
				   "valid UTF-8");
	bc_error_free(err);
}
END_TEST

#define MIN_DOC "\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"created\",\"bundle\":\"/b\""

static const struct {
	const char *json;
	const char *msg; /* after "f/state.json: " */
} bad_docs[] = {
    {"", "syntax error at line 1, column 1: premature EOF"},
    {"{\"id\": ", "syntax error at line 1, column 8: premature EOF"},
    {"{\n  \"id\": x}", "syntax error at line 2, column 9: invalid char in json text"},
    {"{\"id\" 1}", "syntax error at line 1, column 7: object key and value must be separated "
		   "by a colon (':')"},
    {"{" MIN_DOC ",\"pid\":1} x", "syntax error at line 1, column 75: trailing garbage"},
    {"{\"id\":\"\xff\"}", "syntax error at line 1, column 8: invalid bytes in UTF8 string"},
    {"[1]", "expected a JSON object, got an array"},
    {"\"x\"", "expected a JSON object, got a string"},
    {"{}", "ociVersion: missing required property"},
    {"{\"ociVersion\":\"1.3.0\"}", "id: missing required property"},
    {"{\"ociVersion\":\"1.3.0\",\"id\":7}", "id: expected a string, got a number"},
    {"{" MIN_DOC "}", "pid: missing required property"},
    {"{" MIN_DOC ",\"pid\":\"1\"}", "pid: expected an integer, got a string"},
    {"{" MIN_DOC ",\"pid\":-1}", "pid: -1 is out of range (0 to 2147483647)"},
    {"{" MIN_DOC ",\"pid\":2147483648}", "pid: 2147483648 is out of range (0 to 2147483647)"},
    {"{" MIN_DOC ",\"pid\":1.5}", "pid: expected an integer, got a fraction or an out-of-range "
				  "number"},
    {"{" MIN_DOC ",\"pid\":1,\"owner\":4294967296}",
     "owner: 4294967296 is out of range (0 to 4294967295)"},
    {"{" MIN_DOC ",\"pid\":1,\"rootfs\":null}", "rootfs: expected a string, got null"},
    {"{" MIN_DOC ",\"pid\":1,\"created\":true}", "created: expected a string, got a boolean"},
    {"{" MIN_DOC ",\"pid\":1,\"annotations\":[]}", "annotations: expected an object, got an array"},
    {"{" MIN_DOC ",\"pid\":1,\"annotations\":{\"a\":\"b\",\"k\":{}}}",
     "annotations.k: expected a string, got an object"},
    {"{\"ociVersion\":\"1\",\"id\":\"\",\"status\":\"created\",\"bundle\":\"/b\",\"pid\":1}",
     "id: must not be empty"},
    {"{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"bogus\",\"bundle\":\"/b\",\"pid\":1}",
     "status: invalid value \"bogus\" (expected creating, created, running, stopped or "
     "paused)"},
};

START_TEST(test_parse_errors)
{
	char want[512];
	bc_error_t *err = NULL;
	const char *doc = bad_docs[_i].json;

	snprintf(want, sizeof(want), "f/state.json: %s", bad_docs[_i].msg);
	ck_assert_ptr_null(bc_state_parse("f/state.json", doc, strlen(doc), &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err->msg, want);
	bc_error_free(err);
}
END_TEST

START_TEST(test_parse_embedded_nul)
{
	static const char doc[] = "{" MIN_DOC ",\"pid\":1}\0garbage";
	bc_error_t *err = NULL;

	ck_assert_ptr_null(bc_state_parse("s", doc, sizeof(doc) - 1, &err));
	ck_assert_str_eq(err->msg, "s: syntax error at line 1, column 74: trailing garbage");
	bc_error_free(err);
}
END_TEST

/* Builds {MIN_DOC,"pid":1,"x":[[...]]} with the given total depth (the object counts). */
static char *nested_doc(int depth)
{
	size_t cap = 256 + 2 * (size_t)depth;
	char *s = bc_xmalloc(cap);
	size_t n = (size_t)snprintf(s, cap, "{" MIN_DOC ",\"pid\":1,\"note\":\"[[[[{{{{\",\"x\":");

	for (int i = 1; i < depth; i++)
		s[n++] = '[';
	for (int i = 1; i < depth; i++)
		s[n++] = ']';
	s[n++] = '}';
	s[n] = '\0';
	return s;
}

START_TEST(test_parse_depth)
{
	cleanup_free char *ok = nested_doc(BC_STATE_MAX_DEPTH);
	cleanup_free char *deep = nested_doc(BC_STATE_MAX_DEPTH + 1);
	cleanup_state bc_state_t *st = NULL;
	bc_error_t *err = NULL;

	st = bc_state_parse("s", ok, strlen(ok), &err);
	ck_assert_msg(st != NULL, "%s", err ? err->msg : "");
	ck_assert_ptr_null(bc_state_parse("s", deep, strlen(deep), &err));
	ck_assert_str_eq(err->msg, "s: nesting deeper than 16 levels at line 1, column 111");
	bc_error_free(err);
}
END_TEST

START_TEST(test_parse_too_large)
{
	size_t n = BC_STATE_MAX_BYTES + 1;
	cleanup_free char *doc = bc_xmalloc(n + 1);
	bc_error_t *err = NULL;

	memset(doc, ' ', n);
	doc[n] = '\0';
	ck_assert_ptr_null(bc_state_parse("s", doc, n, &err));
	ck_assert_str_eq(err->msg, "s: file is too large (1048577 bytes, limit 1048576)");
	bc_error_free(err);
}
END_TEST

/* Unknown members are tolerated so an older barco can read a newer record. */
START_TEST(test_parse_unknown_members)
{
	static const char doc[] = "{" MIN_DOC ",\"pid\":0,\"future\":{\"a\":[1,2]}}";
	cleanup_state bc_state_t *st = bc_state_parse("s", doc, strlen(doc), NULL);

	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(st->status, "created");
	ck_assert_ptr_null(st->rootfs);
	ck_assert_ptr_null(st->cgroup_path);
	ck_assert_uint_eq(st->n_annotations, 0);
}
END_TEST

/* ---- the store ---- */

static char tmpdir[] = "/tmp/barco-test-state-XXXXXX";
static int rootfd = -1;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void store_setup(void)
{
	bc_error_t *err = NULL;
	cleanup_free char *root = NULL;

	strcpy(tmpdir, "/tmp/barco-test-state-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	root = bc_xasprintf("%s/run/barco", tmpdir);
	rootfd = state_store_open_root(root, &err);
	ck_assert_msg(rootfd >= 0, "%s", err ? err->msg : "");
}

static void store_teardown(void)
{
	if (rootfd >= 0)
		close(rootfd);
	rootfd = -1;
	ck_assert_int_eq(nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static mode_t mode_at(int dirfd, const char *name)
{
	struct stat st;

	ck_assert_int_eq(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_mode & 07777;
}

START_TEST(test_open_root)
{
	cleanup_free char *run = bc_xasprintf("%s/run", tmpdir);
	cleanup_free char *link = bc_xasprintf("%s/link", tmpdir);
	cleanup_free char *slash = bc_xasprintf("%s/link//", tmpdir);
	cleanup_free char *file = bc_xasprintf("%s/file", tmpdir);
	cleanup_free char *want = NULL;
	bc_error_t *err = NULL;
	int fd;

	ck_assert_uint_eq(mode_at(rootfd, "."), 0700);
	ck_assert_uint_eq(mode_at(AT_FDCWD, run), 0711);

	/* The root is never reached through a symlink, with or without a trailing slash. */
	ck_assert_int_eq(symlink("run/barco", link), 0);
	want = bc_xasprintf("opening state root `%s`: is a symbolic link", link);
	ck_assert_int_eq(state_store_open_root(link, &err), -1);
	ck_assert_str_eq(err->msg, want);
	ck_assert_int_eq(err->errnum, ELOOP);
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(state_store_open_root(slash, &err), -1);
	ck_assert_str_eq(err->msg, want);
	bc_error_free(err);
	err = NULL;

	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	free(want);
	want = bc_xasprintf("opening state root `%s`: Not a directory", file);
	ck_assert_int_eq(state_store_open_root(file, &err), -1);
	ck_assert_str_eq(err->msg, want);
	bc_error_free(err);
	err = NULL;

	/* Opening an existing root works and keeps its mode. */
	fd = state_store_open_root(run, &err);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(mode_at(fd, "."), 0711);
	close(fd);
}
END_TEST

START_TEST(test_reserve_and_open)
{
	bc_error_t *err = NULL;
	int fd, fd2;

	fd = state_store_reserve(rootfd, "c1", &err);
	ck_assert_msg(fd >= 0, "%s", err ? err->msg : "");
	ck_assert_uint_eq(mode_at(rootfd, "c1"), 0700);

	ck_assert_int_eq(state_store_reserve(rootfd, "c1", &err), -1);
	ck_assert_str_eq(err->msg, "container already exists: c1");
	ck_assert_int_eq(err->errnum, EEXIST);
	bc_error_free(err);
	err = NULL;

	ck_assert_int_eq(state_store_reserve(rootfd, "../c1", &err), -1);
	ck_assert_str_eq(err->msg, INVALID("../c1"));
	bc_error_free(err);
	err = NULL;

	fd2 = state_store_open(rootfd, "c1", &err);
	ck_assert_int_ge(fd2, 0);
	close(fd2);
	close(fd);

	ck_assert_int_eq(state_store_open(rootfd, "nope", &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "container does not exist"));
	ck_assert_str_eq(err->msg, "container does not exist: nope");
	ck_assert_int_eq(err->errnum, ENOENT);
	bc_error_free(err);
	err = NULL;

	/* A symlink planted in the root is not followed. */
	ck_assert_int_eq(symlinkat("c1", rootfd, "evil"), 0);
	ck_assert_int_eq(state_store_open(rootfd, "evil", &err), -1);
	ck_assert_str_eq(err->msg, "state entry of container `evil` is not a directory");
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(state_store_remove(rootfd, "evil", &err), -1);
	ck_assert_str_eq(err->msg, "state entry of container `evil` is not a directory");
	bc_error_free(err);
}
END_TEST

START_TEST(test_write_read)
{
	bc_state_t st = full_state();
	cleanup_state bc_state_t *back = NULL;
	cleanup_free char *want = NULL;
	bc_error_t *err = NULL;
	cleanup_close int fd = state_store_reserve(rootfd, "c1", &err);
	cleanup_close int bad = -1;

	ck_assert_int_ge(fd, 0);
	/* Before the first write, the read fails with ENOENT and names the file. */
	ck_assert_ptr_null(state_store_read(fd, &err));
	want =
	    bc_xasprintf("reading container state `%s/run/barco/c1/state.json`: open state.json: "
			 "No such file or directory",
			 tmpdir);
	ck_assert_str_eq(err->msg, want);
	ck_assert_int_eq(err->errnum, ENOENT);
	bc_error_free(err);
	err = NULL;

	ck_assert_int_eq(state_store_write(fd, &st, &err), 0);
	ck_assert_uint_eq(mode_at(fd, "state.json"), 0600);
	back = state_store_read(fd, &err);
	ck_assert_msg(back != NULL, "%s", err ? err->msg : "");
	assert_state_eq(&st, back);

	/* Rewriting replaces the record. */
	st.status = "stopped";
	ck_assert_int_eq(state_store_write(fd, &st, &err), 0);
	bc_state_free(back);
	back = state_store_read(fd, &err);
	ck_assert_str_eq(back->status, "stopped");

	bad = openat(fd, "state.json", O_WRONLY | O_TRUNC | O_CLOEXEC);
	ck_assert_int_ge(bad, 0);
	ck_assert_int_eq(write(bad, "{\"id\":", 6), 6);
	free(want);
	want = bc_xasprintf("%s/run/barco/c1/state.json: syntax error at line 1, column 7: "
			    "premature EOF",
			    tmpdir);
	ck_assert_ptr_null(state_store_read(fd, &err));
	ck_assert_str_eq(err->msg, want);
	bc_error_free(err);
}
END_TEST

START_TEST(test_list)
{
	static const char *const ids[] = {"c9", "b", "c10", "a"};
	cleanup_strv char **list = NULL;
	bc_error_t *err = NULL;
	size_t n = 99;
	int fd;

	ck_assert_int_eq(state_store_list(rootfd, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(list[0]);
	bc_strv_free(list);
	list = NULL;

	for (size_t i = 0; i < BC_ARRAY_SIZE(ids); i++) {
		fd = state_store_reserve(rootfd, ids[i], &err);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	/* Not containers: a file, a hidden temp entry, a symlink to a directory. */
	fd = openat(rootfd, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(mkdirat(rootfd, ".hidden", 0700), 0);
	ck_assert_int_eq(symlinkat("a", rootfd, "link"), 0);

	/* Twice: the listing must not depend on the root fd's offset. */
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(state_store_list(rootfd, &list, &n, &err), 0);
		ck_assert_uint_eq(n, 4);
		ck_assert_str_eq(list[0], "a");
		ck_assert_str_eq(list[1], "b");
		ck_assert_str_eq(list[2], "c10");
		ck_assert_str_eq(list[3], "c9");
		ck_assert_ptr_null(list[4]);
		bc_strv_free(list);
		list = NULL;
	}
}
END_TEST

START_TEST(test_remove)
{
	bc_error_t *err = NULL;
	bc_state_t st = full_state();
	int fd = state_store_reserve(rootfd, "c1", &err);
	int lock;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(state_store_write(fd, &st, &err), 0);
	lock = state_store_lock(fd, "c1", true, &err);
	ck_assert_int_ge(lock, 0);
	ck_assert_int_eq(mkfifoat(fd, "exec.fifo", 0600), 0);
	ck_assert_int_eq(mkdirat(fd, "empty", 0700), 0);
	ck_assert_int_eq(symlinkat("/etc", fd, "link"), 0);

	ck_assert_int_eq(state_store_remove(rootfd, "c1", &err), 0);
	ck_assert_int_eq(faccessat(rootfd, "c1", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* The symlink went, not its target. */
	ck_assert_int_eq(access("/etc/passwd", F_OK), 0);
	close(lock);

	/* The directory is gone: a late lock through the old fd says so. */
	ck_assert_int_eq(state_store_lock(fd, "c1", true, &err), -1);
	ck_assert_str_eq(err->msg, "container does not exist: c1");
	ck_assert_int_eq(err->errnum, ENOENT);
	bc_error_free(err);
	err = NULL;
	close(fd);

	/* Removing what is not there is success: delete must be idempotent. */
	ck_assert_int_eq(state_store_remove(rootfd, "c1", &err), 0);
	ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_remove_nested_refused)
{
	bc_error_t *err = NULL;
	int fd = state_store_reserve(rootfd, "c1", &err);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mkdirat(fd, "sub", 0700), 0);
	ck_assert_int_eq(mkdirat(fd, "sub/deeper", 0700), 0);
	ck_assert_int_eq(state_store_remove(rootfd, "c1", &err), -1);
	ck_assert_str_eq(err->msg,
			 "removing `sub` from the state of container `c1`: Directory not empty");
	bc_error_free(err);
	close(fd);
}
END_TEST

/* Exit code of a child that tries to take the lock file without waiting. */
static int try_lock_in_child(int dirfd, int how)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int fd = openat(dirfd, "lock", O_RDWR | O_CLOEXEC);

		if (fd < 0)
			_exit(3);
		/* A fresh open file description: flock conflicts even within one process tree. */
		if (flock(fd, how | LOCK_NB) == 0)
			_exit(0);
		_exit(errno == EWOULDBLOCK ? 1 : 2);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_lock)
{
	bc_error_t *err = NULL;
	cleanup_close int fd = state_store_reserve(rootfd, "c1", &err);
	int lock;

	ck_assert_int_ge(fd, 0);
	lock = state_store_lock(fd, "c1", true, &err);
	ck_assert_msg(lock >= 0, "%s", err ? err->msg : "");
	ck_assert_uint_eq(mode_at(fd, "lock"), 0600);
	ck_assert_int_eq(try_lock_in_child(fd, LOCK_EX), 1);
	ck_assert_int_eq(try_lock_in_child(fd, LOCK_SH), 1);
	close(lock);
	ck_assert_int_eq(try_lock_in_child(fd, LOCK_EX), 0);

	/* Shared locks admit readers and keep writers out. */
	lock = state_store_lock(fd, "c1", false, &err);
	ck_assert_int_ge(lock, 0);
	ck_assert_int_eq(try_lock_in_child(fd, LOCK_SH), 0);
	ck_assert_int_eq(try_lock_in_child(fd, LOCK_EX), 1);
	close(lock);
}
END_TEST

/* A waiter that gets the lock after the holder deleted the container is told so. */
START_TEST(test_lock_waiter_sees_delete)
{
	bc_error_t *err = NULL;
	cleanup_close int fd = state_store_reserve(rootfd, "c1", &err);
	int lock, status;
	bool ok;
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	lock = state_store_lock(fd, "c1", true, &err);
	ck_assert_int_ge(lock, 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		bc_error_t *e = NULL;

		/* The inherited descriptor shares the parent's lock; drop it to wait for real. */
		close(lock);
		if (state_store_lock(fd, "c1", true, &e) >= 0)
			_exit(1);
		ok = strcmp(e->msg, "container does not exist: c1") == 0 && e->errnum == ENOENT;
		_exit(ok ? 0 : 2);
	}
	usleep(200000);
	ck_assert_int_eq(state_store_remove(rootfd, "c1", &err), 0);
	close(lock);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *ids = tcase_create("ids");
	TCase *json = tcase_create("json");
	TCase *store = tcase_create("store");

	tcase_add_loop_test(ids, test_id_valid, 0, (int)BC_ARRAY_SIZE(valid_ids));
	tcase_add_loop_test(ids, test_id_invalid, 0, (int)BC_ARRAY_SIZE(invalid_ids));
	tcase_add_test(ids, test_id_length);
	suite_add_tcase(s, ids);

	tcase_add_test(json, test_round_trip_full);
	tcase_add_test(json, test_round_trip_minimal);
	tcase_add_test(json, test_stored_shape);
	tcase_add_test(json, test_config_needs_defaults_to_all);
	tcase_add_test(json, test_oci_shape);
	tcase_add_test(json, test_cli_shape);
	tcase_add_test(json, test_invalid_utf8_not_written);
	tcase_add_loop_test(json, test_parse_errors, 0, (int)BC_ARRAY_SIZE(bad_docs));
	tcase_add_test(json, test_parse_embedded_nul);
	tcase_add_test(json, test_parse_depth);
	tcase_add_test(json, test_parse_too_large);
	tcase_add_test(json, test_parse_unknown_members);
	suite_add_tcase(s, json);

	tcase_add_checked_fixture(store, store_setup, store_teardown);
	tcase_add_test(store, test_open_root);
	tcase_add_test(store, test_reserve_and_open);
	tcase_add_test(store, test_write_read);
	tcase_add_test(store, test_list);
	tcase_add_test(store, test_remove);
	tcase_add_test(store, test_remove_nested_refused);
	tcase_add_test(store, test_lock);
	tcase_add_test(store, test_lock_waiter_sees_delete);
	suite_add_tcase(s, store);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
