/* SPDX-License-Identifier: MIT */
/*
 * state.json: the runtime-spec state (hooks' stdin), the `barco state` output (runc's shape)
 * and barco's own record on disk.  This and oci/spec.c are the only users of yajl.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "barco/state_json.h"
#include "barco/util.h"
#include "spec_json.h"

/* ---- generation ---- */

static void gen_freep(yajl_gen *g)
{
	if (*g)
		yajl_gen_free(*g);
}
#define cleanup_gen __attribute__((cleanup(gen_freep)))

/* Collects the first generator failure so the emitters stay free of per-call checks. */
struct gen {
	yajl_gen g;
	yajl_gen_status status;
};

static void gen_check(struct gen *w, yajl_gen_status s)
{
	if (w->status == yajl_gen_status_ok)
		w->status = s;
}

static void gen_str(struct gen *w, const char *s)
{
	gen_check(w, yajl_gen_string(w->g, (const unsigned char *)s, strlen(s)));
}

static void gen_key_str(struct gen *w, const char *key, const char *value)
{
	gen_str(w, key);
	gen_str(w, value ? value : "");
}

static void gen_key_int(struct gen *w, const char *key, long long value)
{
	gen_str(w, key);
	gen_check(w, yajl_gen_integer(w->g, value));
}

static void gen_annotations(struct gen *w, const bc_state_t *st)
{
	if (st->n_annotations == 0)
		return;
	gen_str(w, "annotations");
	gen_check(w, yajl_gen_map_open(w->g));
	for (size_t i = 0; i < st->n_annotations; i++)
		gen_key_str(w, st->annotations[i].key, st->annotations[i].value);
	gen_check(w, yajl_gen_map_close(w->g));
}

static void gen_oci(struct gen *w, const bc_state_t *st)
{
	gen_key_str(w, "ociVersion", st->oci_version ? st->oci_version : BC_OCI_VERSION);
	gen_key_str(w, "id", st->id);
	gen_key_str(w, "status", st->status);
	/* runtime.md: pid is REQUIRED while created or running, meaningless otherwise. */
	if (st->pid > 0)
		gen_key_int(w, "pid", st->pid);
	gen_key_str(w, "bundle", st->bundle);
	gen_annotations(w, st);
}

static void gen_cli(struct gen *w, const bc_state_t *st)
{
	cleanup_free char *owner = bc_user_name((uid_t)st->owner);

	gen_key_str(w, "ociVersion", st->oci_version ? st->oci_version : BC_OCI_VERSION);
	gen_key_str(w, "id", st->id);
	gen_key_int(w, "pid", st->pid);
	gen_key_str(w, "status", st->status);
	gen_key_str(w, "bundle", st->bundle);
	gen_key_str(w, "rootfs", st->rootfs);
	gen_key_str(w, "created", st->created);
	gen_key_str(w, "owner", owner);
	gen_annotations(w, st);
}

static void gen_stored(struct gen *w, const bc_state_t *st)
{
	gen_key_str(w, "ociVersion", st->oci_version ? st->oci_version : BC_OCI_VERSION);
	gen_key_str(w, "id", st->id);
	gen_key_str(w, "status", st->status);
	gen_key_int(w, "pid", st->pid);
	gen_key_str(w, "bundle", st->bundle);
	if (st->rootfs)
		gen_key_str(w, "rootfs", st->rootfs);
	if (st->created)
		gen_key_str(w, "created", st->created);
	gen_key_int(w, "owner", st->owner);
	/* yajl integers are signed 64-bit; clock ticks since boot never get near that. */
	gen_key_int(w, "startTime", (long long)st->start_time);
	if (st->cgroup_path)
		gen_key_str(w, "cgroupPath", st->cgroup_path);
	gen_key_int(w, "configNeeds", st->config_needs);
	gen_annotations(w, st);
}

static const char *gen_status_text(yajl_gen_status s)
{
	switch (s) {
	case yajl_gen_invalid_string:
		return "a string is not valid UTF-8";
	case yajl_gen_keys_must_be_strings:
	case yajl_gen_in_error_state:
	case yajl_gen_generation_complete:
		return "internal generator misuse";
	default:
		return "generator failure";
	}
}

char *bc_state_to_json(const bc_state_t *st, enum bc_state_json_kind kind, bc_error_t **err)
{
	cleanup_gen yajl_gen g = yajl_gen_alloc(NULL);
	struct gen w = {.g = g, .status = yajl_gen_status_ok};
	const unsigned char *buf;
	size_t len;

	if (g == NULL) {
		bc_error_set(err, ENOMEM, "generating state JSON");
		return NULL;
	}
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	if (kind == BC_STATE_JSON_CLI) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "  ");
	}
	gen_check(&w, yajl_gen_map_open(g));
	if (kind == BC_STATE_JSON_OCI)
		gen_oci(&w, st);
	else if (kind == BC_STATE_JSON_CLI)
		gen_cli(&w, st);
	else
		gen_stored(&w, st);
	gen_check(&w, yajl_gen_map_close(g));
	if (w.status != yajl_gen_status_ok) {
		bc_error_set(err, 0, "generating state JSON of container `%s`: %s",
			     st->id ? st->id : "", gen_status_text(w.status));
		return NULL;
	}
	yajl_gen_get_buf(g, &buf, &len);
	return bc_xstrndup((const char *)buf, len);
}

char *bc_container_process_state_json(const bc_state_t *st, const char *metadata, bc_error_t **err)
{
	cleanup_gen yajl_gen g = yajl_gen_alloc(NULL);
	struct gen w = {.g = g, .status = yajl_gen_status_ok};
	const unsigned char *buf;
	size_t len;

	if (g == NULL) {
		bc_error_set(err, ENOMEM, "generating container process state JSON");
		return NULL;
	}
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	gen_check(&w, yajl_gen_map_open(g));
	gen_key_str(&w, "ociVersion", st->oci_version ? st->oci_version : BC_OCI_VERSION);
	/* The index of a name is the index of its fd in the SCM_RIGHTS array. */
	gen_str(&w, "fds");
	gen_check(&w, yajl_gen_array_open(g));
	gen_str(&w, "seccompFd");
	gen_check(&w, yajl_gen_array_close(g));
	gen_key_int(&w, "pid", st->pid);
	if (metadata)
		gen_key_str(&w, "metadata", metadata);
	gen_str(&w, "state");
	gen_check(&w, yajl_gen_map_open(g));
	gen_oci(&w, st);
	gen_check(&w, yajl_gen_map_close(g));
	gen_check(&w, yajl_gen_map_close(g));
	if (w.status != yajl_gen_status_ok) {
		bc_error_set(err, 0,
			     "generating container process state JSON of container `%s`: %s",
			     st->id ? st->id : "", gen_status_text(w.status));
		return NULL;
	}
	yajl_gen_get_buf(g, &buf, &len);
	return bc_xstrndup((const char *)buf, len);
}

/* ---- parsing ---- */

static void position_of(const char *data, size_t pos, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < pos; i++) {
		if (data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Bounds the depth before yajl sees the text: its parser and tree set no limit of their own
 * and yajl_tree_free recurses, so a hostile file could exhaust the stack. */
static int check_depth(const char *name, const char *data, size_t len, bc_error_t **err)
{
	bool in_string = false, escaped = false;
	unsigned depth = 0, line, col;

	for (size_t i = 0; i < len; i++) {
		char c = data[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > BC_STATE_MAX_DEPTH) {
				position_of(data, i, &line, &col);
				return bc_error_set(err, 0,
						    "%s: nesting deeper than %d levels at line %u, "
						    "column %u",
						    name, BC_STATE_MAX_DEPTH, line, col);
			}
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

static void handle_freep(yajl_handle *h)
{
	if (*h)
		yajl_free(*h);
}
#define cleanup_handle __attribute__((cleanup(handle_freep)))

/* "lexical error: invalid char in json text.\n" -> "invalid char in json text" */
static char *short_reason(const unsigned char *text)
{
	const char *s = (const char *)text;
	const char *colon = strstr(s, "error: ");
	size_t n;

	if (colon)
		s = colon + strlen("error: ");
	n = strcspn(s, "\n");
	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
		n--;
	return bc_xstrndup(s, n);
}

/* yajl_tree_parse reports no position, so a streaming pass finds where the text breaks:
 * the error is at the last byte consumed, or at the end for a truncated document. */
static int check_syntax(const char *name, const char *data, size_t len, bc_error_t **err)
{
	cleanup_handle yajl_handle h = yajl_alloc(NULL, NULL, NULL);
	const unsigned char *u = (const unsigned char *)data;
	cleanup_free char *reason = NULL;
	yajl_status s;
	size_t pos;
	unsigned line, col;
	unsigned char *text;

	if (h == NULL)
		return bc_error_set(err, ENOMEM, "%s: parsing", name);
	s = yajl_parse(h, u, len);
	if (s == yajl_status_ok) {
		s = yajl_complete_parse(h);
		pos = len;
	} else {
		pos = yajl_get_bytes_consumed(h);
		pos = pos > 0 ? pos - 1 : 0;
	}
	if (s == yajl_status_ok)
		return 0;
	text = yajl_get_error(h, 0, u, len);
	reason = short_reason(text);
	yajl_free_error(h, text);
	position_of(data, pos, &line, &col);
	return bc_error_set(err, 0, "%s: syntax error at line %u, column %u: %s", name, line, col,
			    reason);
}

static void tree_freep(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}
#define cleanup_tree __attribute__((cleanup(tree_freep)))

static const char *type_name(yajl_val v)
{
	switch (v->type) {
	case yajl_t_string:
		return "a string";
	case yajl_t_number:
		return "a number";
	case yajl_t_object:
		return "an object";
	case yajl_t_array:
		return "an array";
	case yajl_t_true:
	case yajl_t_false:
		return "a boolean";
	case yajl_t_null:
		return "null";
	default:
		return "an unknown value";
	}
}

static yajl_val obj_get(yajl_val obj, const char *key)
{
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

/* A string member; *out stays NULL when absent and not required. */
static int get_str(const char *name, yajl_val obj, const char *key, bool required, char **out,
		   bc_error_t **err)
{
	yajl_val v = obj_get(obj, key);

	if (v == NULL) {
		if (required)
			return bc_error_set(err, 0, "%s: %s: missing required property", name, key);
		return 0;
	}
	if (!YAJL_IS_STRING(v))
		return bc_error_set(err, 0, "%s: %s: expected a string, got %s", name, key,
				    type_name(v));
	*out = bc_xstrdup(v->u.string);
	return 0;
}

static int get_int(const char *name, yajl_val obj, const char *key, bool required, long long max,
		   long long *out, bc_error_t **err)
{
	yajl_val v = obj_get(obj, key);

	if (v == NULL) {
		if (required)
			return bc_error_set(err, 0, "%s: %s: missing required property", name, key);
		return 0;
	}
	if (!YAJL_IS_INTEGER(v))
		return bc_error_set(err, 0, "%s: %s: expected an integer, got %s", name, key,
				    YAJL_IS_NUMBER(v) ? "a fraction or an out-of-range number"
						      : type_name(v));
	if (YAJL_GET_INTEGER(v) < 0 || YAJL_GET_INTEGER(v) > max)
		return bc_error_set(err, 0, "%s: %s: %lld is out of range (0 to %lld)", name, key,
				    YAJL_GET_INTEGER(v), max);
	*out = YAJL_GET_INTEGER(v);
	return 0;
}

static int get_annotations(const char *name, yajl_val obj, bc_state_t *st, bc_error_t **err)
{
	yajl_val v = obj_get(obj, "annotations");

	if (v == NULL || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return bc_error_set(err, 0, "%s: annotations: expected an object, got %s", name,
				    type_name(v));
	st->annotations = bc_xcalloc(v->u.object.len + 1, sizeof(*st->annotations));
	for (size_t i = 0; i < v->u.object.len; i++) {
		yajl_val item = v->u.object.values[i];
		const char *key = v->u.object.keys[i];

		if (!YAJL_IS_STRING(item)) {
			/* The key is document text: escaped, so the message stays one line. */
			cleanup_free char *q = spec_json_show(key);

			return bc_error_set(err, 0,
					    "%s: annotations.%.*s: expected a string, got %s", name,
					    (int)strlen(q) - 2, q + 1, type_name(item));
		}
		st->annotations[i].key = bc_xstrdup(key);
		st->annotations[i].value = bc_xstrdup(item->u.string);
		st->n_annotations++;
	}
	return 0;
}

static int check_status(const char *name, const char *status, bc_error_t **err)
{
	static const char *const known[] = {"creating", "created", "running", "stopped", "paused"};
	cleanup_free char *q = NULL;

	for (size_t i = 0; i < BC_ARRAY_SIZE(known); i++)
		if (strcmp(status, known[i]) == 0)
			return 0;
	q = spec_json_show(status);
	return bc_error_set(err, 0,
			    "%s: status: invalid value %s (expected creating, created, "
			    "running, stopped or paused)",
			    name, q);
}

static int fill_state(const char *name, yajl_val root, bc_state_t *st, bc_error_t **err)
{
	long long pid = 0, owner = 0, start = 0, needs = BC_CONFIG_NEEDED_ALL;

	if (get_str(name, root, "ociVersion", true, &st->oci_version, err) < 0 ||
	    get_str(name, root, "id", true, &st->id, err) < 0 ||
	    get_str(name, root, "status", true, &st->status, err) < 0 ||
	    get_int(name, root, "pid", true, INT_MAX, &pid, err) < 0 ||
	    get_str(name, root, "bundle", true, &st->bundle, err) < 0 ||
	    get_str(name, root, "rootfs", false, &st->rootfs, err) < 0 ||
	    get_str(name, root, "created", false, &st->created, err) < 0 ||
	    get_int(name, root, "owner", false, UINT32_MAX, &owner, err) < 0 ||
	    get_int(name, root, "startTime", false, LLONG_MAX, &start, err) < 0 ||
	    get_str(name, root, "cgroupPath", false, &st->cgroup_path, err) < 0 ||
	    get_int(name, root, "configNeeds", false, BC_CONFIG_NEEDED_ALL, &needs, err) < 0 ||
	    get_annotations(name, root, st, err) < 0)
		return -1;
	if (st->id[0] == '\0')
		return bc_error_set(err, 0, "%s: id: must not be empty", name);
	if (check_status(name, st->status, err) < 0)
		return -1;
	st->pid = (pid_t)pid;
	st->owner = (uint32_t)owner;
	st->start_time = (uint64_t)start;
	st->config_needs = (uint32_t)needs;
	return 0;
}

bc_state_t *bc_state_parse(const char *name, const char *data, size_t len, bc_error_t **err)
{
	cleanup_state bc_state_t *st = NULL;
	cleanup_tree yajl_val root = NULL;
	cleanup_free char *copy = NULL;
	char ebuf[256];

	if (len > BC_STATE_MAX_BYTES) {
		bc_error_set(err, 0, "%s: file is too large (%zu bytes, limit %d)", name, len,
			     BC_STATE_MAX_BYTES);
		return NULL;
	}
	if (check_depth(name, data, len, err) < 0 || check_syntax(name, data, len, err) < 0)
		return NULL;
	/* check_syntax rejected embedded NULs, so the NUL-terminated copy is the whole text. */
	copy = bc_xstrndup(data, len);
	root = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
	if (root == NULL) {
		bc_error_set(err, 0, "%s: parse error: %s", name, ebuf);
		return NULL;
	}
	if (!YAJL_IS_OBJECT(root)) {
		bc_error_set(err, 0, "%s: expected a JSON object, got %s", name, type_name(root));
		return NULL;
	}
	st = bc_xcalloc(1, sizeof(*st));
	if (fill_state(name, root, st, err) < 0)
		return NULL;
	return steal_ptr(st);
}

void bc_state_free(bc_state_t *st)
{
	if (st == NULL)
		return;
	free(st->oci_version);
	free(st->id);
	free(st->status);
	free(st->bundle);
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup_path);
	free(st);
}

void bc_state_freep(bc_state_t **st)
{
	bc_state_free(*st);
	*st = NULL;
}
