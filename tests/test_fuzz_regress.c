/* SPDX-License-Identifier: MIT */
/*
 * Regression inputs for the config.json parser and the state.json reader: every file of
 * tests/fuzz/regress/ (crashers the fuzz targets of tests/fuzz/ found, and hand-made nasty
 * documents), plus a few built here (too big to keep as files, or a family of cuts), go
 * through both bc_spec_parse and bc_state_parse.  Each must return an error with a one-line
 * message, or a model that writes back and reads back equal; never crash (under
 * --enable-asan or --enable-fuzz, never touch memory it does not own, leak or hit UB).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barco/spec.h"
#include "barco/state_json.h"
#include "barco/util.h"

/* One line of printable text. */
static void assert_message(const char *what, const bc_error_t *err)
{
	ck_assert_msg(err != NULL && err->msg != NULL && err->msg[0] != '\0',
		      "%s: an error without a message", what);
	for (const char *c = err->msg; *c; c++)
		ck_assert_msg((unsigned char)*c >= 0x20 && *c != 0x7f,
			      "%s: a control character in the message: %s", what, err->msg);
}

/* Returns whether the document parsed. */
static bool check_spec(const char *what, const char *data, size_t len)
{
	bc_error_t *err = NULL;
	bc_spec_t *spec = bc_spec_parse("config.json", data, len, &err), *again;
	char *text;

	if (spec == NULL) {
		assert_message(what, err);
		bc_error_free(err);
		return false;
	}
	ck_assert_msg(err == NULL, "%s: a model and an error: %s", what, err->msg);
	text = bc_spec_to_json(spec, &err);
	ck_assert_msg(text != NULL, "%s: the model does not serialise: %s", what,
		      err ? err->msg : "?");
	again = bc_spec_parse("config.json", text, strlen(text), &err);
	ck_assert_msg(again != NULL, "%s: the serialised model does not parse: %s", what,
		      err ? err->msg : "?");
	ck_assert_msg(bc_spec_equal(spec, again), "%s: the round trip changed the model", what);
	bc_spec_free(again);
	bc_spec_free(spec);
	free(text);
	return true;
}

static bool check_state(const char *what, const char *data, size_t len)
{
	bc_error_t *err = NULL;
	bc_state_t *st = bc_state_parse("state.json", data, len, &err), *again;
	char *text;

	if (st == NULL) {
		assert_message(what, err);
		bc_error_free(err);
		return false;
	}
	ck_assert_msg(err == NULL, "%s: a record and an error: %s", what, err->msg);
	text = bc_state_to_json(st, BC_STATE_JSON_STORED, &err);
	ck_assert_msg(text != NULL, "%s: the record does not serialise: %s", what,
		      err ? err->msg : "?");
	again = bc_state_parse("state.json", text, strlen(text), &err);
	ck_assert_msg(again != NULL, "%s: the stored text does not read back: %s", what,
		      err ? err->msg : "?");
	ck_assert_str_eq(st->id, again->id);
	ck_assert_str_eq(st->status, again->status);
	ck_assert_str_eq(st->bundle, again->bundle);
	ck_assert_int_eq(st->pid, again->pid);
	ck_assert_uint_eq(st->start_time, again->start_time);
	ck_assert_uint_eq(st->n_annotations, again->n_annotations);
	bc_state_free(again);
	bc_state_free(st);
	free(text);
	return true;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file names of tests/fuzz/regress/, sorted (NULL-terminated). */
static char **regress_files(size_t *n)
{
	DIR *d = opendir(FUZZ_REGRESS_DIR);
	struct dirent *e;
	char **names = NULL;

	ck_assert_msg(d != NULL, "opendir %s: %m", FUZZ_REGRESS_DIR);
	*n = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = bc_xrealloc(names, (*n + 2) * sizeof(*names));
		names[(*n)++] = bc_xstrdup(e->d_name);
		names[*n] = NULL;
	}
	closedir(d);
	if (names)
		qsort(names, *n, sizeof(*names), name_cmp);
	return names;
}

START_TEST(test_regress_files)
{
	size_t n = 0, parsed = 0;
	char **names = regress_files(&n);

	/* A directory emptied by mistake must not pass as "nothing crashed". */
	ck_assert_msg(n >= 10, "%s holds %zu files, expected the regression set", FUZZ_REGRESS_DIR,
		      n);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = bc_xasprintf("%s/%s", FUZZ_REGRESS_DIR, names[i]);
		cleanup_free char *data = NULL;
		bc_error_t *err = NULL;
		size_t len = 0;

		if (bc_read_file(path, 64 << 20, &data, &len, &err) < 0)
			ck_abort_msg("%s", err->msg);
		parsed += check_spec(names[i], data, len);
		parsed += check_state(names[i], data, len);
	}
	/* Some of the set are valid documents: the round trip must have run. */
	ck_assert_msg(parsed > 0, "no file of %s parsed", FUZZ_REGRESS_DIR);
	bc_strv_free(names);
}
END_TEST

static const char config_head[] = "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"rootfs\"}";
static const char state_head[] = "{\"ociVersion\": \"1.3.0\", \"id\": \"x\", \"status\": "
				 "\"created\", \"pid\": 1, \"bundle\": \"/b\"";

/* HEAD, "key": [[[...]]] nested `levels` deep (open only when !close), "}". */
static char *nested(const char *head, size_t levels, const char *open, const char *close)
{
	size_t ho = strlen(head), lo = strlen(open), lc = strlen(close);
	char *s = bc_xmalloc(ho + 16 + levels * (lo + lc) + 8), *o = s;

	o += sprintf(o, "%s, \"deep\": ", head);
	for (size_t i = 0; i < levels; i++, o += lo)
		memcpy(o, open, lo);
	*o++ = '1';
	for (size_t i = 0; i < levels; i++, o += lc)
		memcpy(o, close, lc);
	strcpy(o, "}");
	return s;
}

START_TEST(test_deep_nesting)
{
	static const size_t levels[] = {10, 15, 16, 17, 63, 64, 65, 1000, 10000, 100000};

	for (size_t i = 0; i < BC_ARRAY_SIZE(levels); i++) {
		cleanup_free char *arr = nested(config_head, levels[i], "[", "]");
		cleanup_free char *obj = nested(config_head, levels[i], "{\"a\":", "}");
		cleanup_free char *sarr = nested(state_head, levels[i], "[", "]");
		cleanup_free char *sobj = nested(state_head, levels[i], "{\"a\":", "}");
		/* The document is one level more than its "deep" member. */
		bool fits_spec = levels[i] + 1 <= BC_SPEC_MAX_DEPTH;
		bool fits_state = levels[i] + 1 <= BC_STATE_MAX_DEPTH;

		ck_assert_int_eq(check_spec("deep array", arr, strlen(arr)), fits_spec);
		ck_assert_int_eq(check_spec("deep object", obj, strlen(obj)), fits_spec);
		ck_assert_int_eq(check_state("deep array", sarr, strlen(sarr)), fits_state);
		ck_assert_int_eq(check_state("deep object", sobj, strlen(sobj)), fits_state);
		/* And each through the other entry point: an error, not a crash. */
		ck_assert(!check_state("deep config", arr, strlen(arr)));
		ck_assert(!check_spec("deep state", sobj, strlen(sobj)));
	}
}
END_TEST

/* HEAD, "key": "xxx...x" (n bytes of x), "}". */
static char *long_string(const char *head, const char *key, size_t n)
{
	size_t ho = strlen(head), ko = strlen(key);
	char *s = bc_xmalloc(ho + ko + n + 16), *o = s;

	o += sprintf(o, "%s, \"%s\": \"", head, key);
	memset(o, 'x', n);
	o += n;
	strcpy(o, "\"}");
	return s;
}

START_TEST(test_long_strings)
{
	cleanup_free char *host = long_string(config_head, "hostname", 1 << 20);
	cleanup_free char *ver = long_string("{\"root\": {\"path\": \"r\"}", "ociVersion", 1 << 20);
	cleanup_free char *created = long_string(state_head, "created", 1 << 20);
	cleanup_free char *fits = long_string(state_head, "created", BC_STATE_MAX_BYTES - 200);
	cleanup_free char *huge = long_string(config_head, "hostname", BC_SPEC_MAX_SIZE);

	ck_assert(check_spec("1 MiB hostname", host, strlen(host)));
	ck_assert(!check_spec("1 MiB ociVersion", ver, strlen(ver)));
	ck_assert(!check_state("1 MiB created", created, strlen(created)));
	ck_assert(check_state("created just below the limit", fits, strlen(fits)));
	ck_assert(!check_spec("a document over the limit", huge, strlen(huge)));
	ck_assert(!check_state("a document over the limit", huge, strlen(huge)));
}
END_TEST

/* HEAD, "many": [0,0,...] with n zeros, "}". */
static char *many_values(const char *head, size_t n)
{
	char *s = bc_xmalloc(strlen(head) + 2 * n + 16), *o = s;

	o += sprintf(o, "%s, \"many\": [", head);
	for (size_t i = 0; i < n; i++) {
		*o++ = '0';
		*o++ = i + 1 < n ? ',' : ']';
	}
	strcpy(o, "}");
	return s;
}

START_TEST(test_many_values)
{
	/* yajl_tree grows an array one element at a time: fast with glibc's realloc, quadratic
	 * under ASan's, so the documents that reach it stay at a few thousand values. */
	cleanup_free char *under = many_values(config_head, 5000);
	cleanup_free char *over = many_values(config_head, BC_SPEC_MAX_VALUES + 10);
	cleanup_free char *state = many_values(state_head, 5000);

	ck_assert(check_spec("many values", under, strlen(under)));
	ck_assert(!check_spec("too many values", over, strlen(over)));
	/* Unknown members are ignored by the state reader too. */
	ck_assert(check_state("many values", state, strlen(state)));
}
END_TEST

/* Every cut of a valid document is an error (a cut inside trailing space aside). */
START_TEST(test_truncated_documents)
{
	cleanup_free char *config = bc_spec_default_json(false);
	cleanup_free char *state = NULL;
	bc_state_t st = {.oci_version = "1.3.0",
			 .id = "ctr",
			 .status = "running",
			 .pid = 42,
			 .bundle = "/bundle",
			 .rootfs = "/bundle/rootfs",
			 .created = "2024-01-01T00:00:00Z",
			 .cgroup_path = "/barco/ctr",
			 .start_time = 12345,
			 .config_needs = 1,
			 .annotations = (bc_kv_t[]){{"k", "v"}},
			 .n_annotations = 1};
	bc_error_t *err = NULL;
	size_t clen = strlen(config), slen;

	state = bc_state_to_json(&st, BC_STATE_JSON_STORED, &err);
	ck_assert_ptr_nonnull(state);
	slen = strlen(state);
	ck_assert(check_spec("whole config", config, clen));
	ck_assert(check_state("whole state", state, slen));
	while (clen > 0 && (config[clen - 1] == '\n' || config[clen - 1] == ' '))
		clen--;
	for (size_t n = 0; n < clen; n++)
		ck_assert_msg(!check_spec("cut config", config, n), "config cut at %zu parsed", n);
	for (size_t n = 0; n < slen; n++)
		ck_assert_msg(!check_state("cut state", state, n), "state cut at %zu parsed", n);
}
END_TEST

static Suite *fuzz_regress_suite(void)
{
	Suite *s = suite_create("fuzz_regress");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_regress_files);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_long_strings);
	tcase_add_test(tc, test_many_values);
	tcase_add_test(tc, test_truncated_documents);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fuzz_regress_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
