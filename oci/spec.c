/* SPDX-License-Identifier: MIT */
/*
 * config.json <-> bc_spec_t.
 *
 * The model is described once, by the field tables near the end of this file; parsing,
 * freeing, serialising and comparing all walk the same tables, so a member added to a table
 * is parsed, freed, written back and compared without further code.
 *
 * Parsing is three passes over the text: a byte scan that enforces the size, depth and
 * value-count limits and rejects \u0000 (yajl_tree stores strings NUL-terminated, so an
 * embedded NUL would silently truncate a path); a yajl stream parse without callbacks that
 * only checks syntax and yields the byte offset of an error (yajl_tree_parse hides it); and
 * yajl_tree_parse, whose tree the tables are applied to.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "barco/spec.h"
#include "barco/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* ---------------------------------------------------------------- name tables */

static const char *const ns_names[] = {"pid",  "network", "mount", "ipc", "uts",
				       "user", "cgroup",  "time",  NULL};
static const char *const ns_proc_names[] = {"pid", "net",  "mnt",    "ipc",
					    "uts", "user", "cgroup", "time"};
static const int ns_clone_flags[] = {CLONE_NEWPID, CLONE_NEWNET,  CLONE_NEWNS,	   CLONE_NEWIPC,
				     CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME};
static const char *const hook_names[] = {"prestart",	   "createRuntime", "createContainer",
					 "startContainer", "poststart",	    "poststop"};

static const struct {
	const char *name;
	int resource;
} rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

const char *bc_ns_type_name(enum bc_ns_type t)
{
	return (unsigned)t < BC_NS_TYPE_COUNT ? ns_names[t] : NULL;
}

int bc_ns_type_from_name(const char *name)
{
	for (int i = 0; name && i < BC_NS_TYPE_COUNT; i++)
		if (strcmp(ns_names[i], name) == 0)
			return i;
	return -1;
}

int bc_ns_clone_flag(enum bc_ns_type t)
{
	return (unsigned)t < BC_NS_TYPE_COUNT ? ns_clone_flags[t] : 0;
}

const char *bc_ns_proc_name(enum bc_ns_type t)
{
	return (unsigned)t < BC_NS_TYPE_COUNT ? ns_proc_names[t] : NULL;
}

const char *bc_hook_kind_name(enum bc_hook_kind k)
{
	return (unsigned)k < BC_HOOK_KIND_COUNT ? hook_names[k] : NULL;
}

int bc_rlimit_from_name(const char *name)
{
	for (size_t i = 0; name && i < BC_ARRAY_SIZE(rlimit_table); i++)
		if (strcmp(rlimit_table[i].name, name) == 0)
			return rlimit_table[i].resource;
	return -1;
}

const bc_namespace_t *bc_spec_namespace(const bc_spec_t *spec, enum bc_ns_type t)
{
	if (spec == NULL || spec->linux_ == NULL)
		return NULL;
	for (size_t i = 0; i < spec->linux_->n_namespaces; i++)
		if (spec->linux_->namespaces[i].type == t)
			return &spec->linux_->namespaces[i];
	return NULL;
}

/* ---------------------------------------------------------------- parser state, messages */

typedef struct parser {
	const char *name; /* message prefix */
	bc_error_t **err;
	char *path; /* JSON path of the value being parsed: "linux.namespaces[2].type" */
	size_t len, cap;
} parser_t;

/* Longest piece of document text quoted in a message; the rest becomes "...". */
#define SHOW_MAX 64

/* Quote document text for a one-line message: escaped, truncated, never mid UTF-8. */
static char *show(const char *s)
{
	size_t n = strlen(s), cut = n > SHOW_MAX ? SHOW_MAX : n;
	char *out = bc_xmalloc(cut * 4 + 8), *o = out;

	while (cut < n && cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	*o++ = '"';
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			o += sprintf(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = (char)c;
	}
	strcpy(o, cut < n ? "...\"" : "\"");
	return out;
}

static void path_append(parser_t *p, const char *s)
{
	size_t n = strlen(s);

	if (p->len + n + 1 > p->cap) {
		p->cap = (p->len + n + 1) * 2;
		p->path = bc_xrealloc(p->path, p->cap);
	}
	memcpy(p->path + p->len, s, n + 1);
	p->len += n;
}

static size_t path_key(parser_t *p, const char *key)
{
	size_t mark = p->len;

	if (p->len > 0)
		path_append(p, ".");
	path_append(p, key);
	return mark;
}

static size_t path_index(parser_t *p, size_t i)
{
	size_t mark = p->len;
	char buf[32];

	snprintf(buf, sizeof(buf), "[%zu]", i);
	path_append(p, buf);
	return mark;
}

/* Map keys come from the document: quoted, so dots and brackets inside stay unambiguous. */
static size_t path_map_key(parser_t *p, const char *key)
{
	cleanup_free char *q = show(key);
	size_t mark = p->len;

	path_append(p, "[");
	path_append(p, q);
	path_append(p, "]");
	return mark;
}

static void path_pop(parser_t *p, size_t mark)
{
	p->len = mark;
	if (p->path)
		p->path[mark] = '\0';
}

static int vfail(parser_t *p, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static int vfail(parser_t *p, const char *fmt, va_list ap)
{
	cleanup_free char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	if (p->len > 0)
		return bc_error_set(p->err, 0, "%s: %s: %s", p->name, p->path, msg);
	return bc_error_set(p->err, 0, "%s: %s", p->name, msg);
}

/* Fail with a message about the value at the current path. */
static int fail(parser_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parser_t *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, fmt, ap);
	va_end(ap);
	return -1;
}

/* Fail with a message about member `key` of the object at the current path. */
static int fail_at(parser_t *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(parser_t *p, const char *key, const char *fmt, ...)
{
	size_t mark = path_key(p, key);
	va_list ap;

	va_start(ap, fmt);
	vfail(p, fmt, ap);
	va_end(ap);
	path_pop(p, mark);
	return -1;
}

static const char *json_type(yajl_val v)
{
	if (YAJL_IS_STRING(v))
		return "string";
	if (YAJL_IS_NUMBER(v))
		return "number";
	if (YAJL_IS_OBJECT(v))
		return "object";
	if (YAJL_IS_ARRAY(v))
		return "array";
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		return "boolean";
	return "null";
}

static int type_error(parser_t *p, const char *want, yajl_val v)
{
	return fail(p, "expected %s, got %s", want, json_type(v));
}

/* ---------------------------------------------------------------- limits and syntax */

static void line_col(const char *data, size_t off, size_t *line, size_t *col)
{
	size_t start = 0;

	*line = 1;
	for (size_t i = 0; i < off; i++) {
		if (data[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = off - start + 1;
}

/*
 * Enforce depth and value-count limits before yajl allocates anything: the tree costs
 * about 100 bytes per value, so the count bounds memory, not just the size.  The count is
 * containers + commas + 1, which is an upper bound on the number of values.
 */
static int prescan(parser_t *p, const char *data, size_t len)
{
	size_t depth = 0, values = 1, line, col;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = data[i];

		if (in_str) {
			if (c == '"') {
				in_str = false;
			} else if (c == '\\' && i + 1 < len) {
				if (len - i >= 6 && memcmp(data + i + 1, "u0000", 5) == 0) {
					line_col(data, i, &line, &col);
					return fail(
					    p,
					    "line %zu, column %zu: NUL character (\\u0000) in "
					    "a string",
					    line, col);
				}
				i++;
			}
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > BC_SPEC_MAX_DEPTH)
				return fail(p, "document nested deeper than %d levels",
					    BC_SPEC_MAX_DEPTH);
			values++;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		} else if (c == ',') {
			values++;
		}
		if (values > BC_SPEC_MAX_VALUES)
			return fail(p, "document has more than %d values", BC_SPEC_MAX_VALUES);
	}
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_space(const char *data, size_t len)
{
	size_t i = 0;

	while (i < len && is_space(data[i]))
		i++;
	return i;
}

/* Bytes of a number or a literal (true, false, null). */
static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/*
 * yajl's offset for a grammar error lands somewhere in, or just before, the offending token
 * (it differs between parser states); report the token's first byte instead.
 */
static size_t token_start(const char *data, size_t len, size_t off)
{
	size_t tok = 0;
	bool in_str = false;

	for (size_t i = 0; i < off; i++) {
		char c = data[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		if (!is_word(c) || i == 0 || !is_word(data[i - 1]))
			tok = i;
	}
	if (in_str || (is_word(data[off]) && off > 0 && is_word(data[off - 1])))
		return tok;
	while (off + 1 < len && is_space(data[off]))
		off++;
	return off;
}

static size_t error_offset(const char *data, size_t len, size_t off, const char *msg)
{
	if (bc_str_has_prefix(msg, "parse error"))
		return token_start(data, len, off);
	/* A control byte in a string: the lexer stopped just before it. */
	if (off + 1 < len && (unsigned char)data[off + 1] < 0x20 && !is_space(data[off + 1]))
		return off + 1;
	return off;
}

/* yajl's own message without its "parse error: " prefix and trailing newline. */
static char *short_reason(const char *msg)
{
	const char *colon = strstr(msg, "error: ");
	char *r = bc_xstrdup(colon ? colon + 7 : msg);
	size_t n = strlen(r);

	while (n > 0 && (r[n - 1] == '\n' || r[n - 1] == '.' || r[n - 1] == ' '))
		r[--n] = '\0';
	return r;
}

static int check_syntax(parser_t *p, const char *data, size_t len)
{
	const unsigned char *u = (const unsigned char *)data;
	yajl_handle h = yajl_alloc(NULL, NULL, NULL);
	yajl_status st;
	size_t off, line, col;
	bool at_end = false;

	if (h == NULL)
		return fail(p, "cannot allocate a JSON parser");
	st = yajl_parse(h, u, len);
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		at_end = true;
		/* The document ended early: point just past its last token. */
		off = len;
		while (off > 0 && is_space(data[off - 1]))
			off--;
	} else {
		/* yajl reports the offset just after the byte or token it stopped at. */
		off = yajl_get_bytes_consumed(h);
		off = off > 0 ? off - 1 : 0;
	}
	if (st != yajl_status_ok) {
		unsigned char *msg = yajl_get_error(h, 0, u, len);
		cleanup_free char *reason = short_reason((const char *)msg);

		if (!at_end && off < len)
			off = error_offset(data, len, off, (const char *)msg);
		yajl_free_error(h, msg);
		yajl_free(h);
		line_col(data, off, &line, &col);
		return fail(p, "syntax error at line %zu, column %zu: %s", line, col, reason);
	}
	yajl_free(h);
	return 0;
}

/* ---------------------------------------------------------------- the field tables' shape */

enum kind {
	K_STR,	/* char * */
	K_BOOL, /* bool */
	K_U16,
	K_U32,
	K_I32, /* int32_t or int */
	K_I64,
	K_U64,
	K_CHAR, /* one-letter string stored as char; letters from ->set */
	K_ENUM, /* string stored as its int index in ->set */
	K_STRV, /* NULL-terminated char ** */
	K_U32V, /* uint32_t * with a count */
	K_OBJ,	/* object whose members live at base + off (off 0: flattened into the parent) */
	K_PTR,	/* object allocated on demand, pointer at off */
	K_ARR,	/* array of objects, pointer at off, count at cnt */
	K_KV,	/* map of strings: bc_kv_t * at off, count at cnt */
	K_MAP,	/* map of objects: the key goes to sub->key_off of each element */
};

enum {
	F_REQ = 1,    /* REQUIRED by the spec */
	F_ABS = 2,    /* string must be an absolute path */
	F_ALWAYS = 4, /* serialise even when zero */
};

struct strset {
	const char *what; /* "namespace type" -> unknown namespace type "x" */
	const char *const *names;
};

struct type;

struct field {
	const char *key;
	unsigned char kind, flags;
	size_t off;
	size_t has; /* offset + 1 of the presence flag, 0 when none */
	size_t cnt; /* offset of the count (K_U32V, K_ARR, K_KV, K_MAP) */
	const struct type *sub;
	const struct strset *set;
	/* Extra check of the stored value, run with the path at the member. */
	int (*check)(parser_t *p, const void *value);
};

struct type {
	size_t size;	/* element size for K_PTR, K_ARR, K_MAP */
	size_t key_off; /* K_MAP: where the map key is stored */
	const struct field *fields;
	size_t n_fields;
	/* Cross-member checks, run with the path at the object after its members parsed. */
	int (*validate)(parser_t *p, yajl_val obj, void *out);
};

#define PTR_AT(base, off)  ((void *)((char *)(base) + (off)))
#define CPTR_AT(base, off) ((const void *)((const char *)(base) + (off)))

/* ---------------------------------------------------------------- scalar extraction */

static const struct {
	const char *want;
	bool is_signed;
	int64_t min;
	uint64_t max;
} int_kinds[] = {
    [K_U16] = {"an unsigned 16-bit integer", false, 0, UINT16_MAX},
    [K_U32] = {"an unsigned 32-bit integer", false, 0, UINT32_MAX},
    [K_I32] = {"a signed 32-bit integer", true, INT32_MIN, INT32_MAX},
    [K_I64] = {"a signed 64-bit integer", true, INT64_MIN, INT64_MAX},
    [K_U64] = {"an unsigned 64-bit integer", false, 0, UINT64_MAX},
};

static void int_store(enum kind k, void *at, uint64_t bits)
{
	switch (k) {
	case K_U16:
		*(uint16_t *)at = (uint16_t)bits;
		break;
	case K_U32:
		*(uint32_t *)at = (uint32_t)bits;
		break;
	case K_I32:
		*(int32_t *)at = (int32_t)(int64_t)bits;
		break;
	default:
		memcpy(at, &bits, sizeof(bits));
		break;
	}
}

/* Zero-extended bits of a scalar member: enough to test for zero and compare. */
static uint64_t scalar_bits(enum kind k, const void *at)
{
	switch (k) {
	case K_BOOL:
		return *(const bool *)at;
	case K_CHAR:
		return (unsigned char)*(const char *)at;
	case K_ENUM:
		return (unsigned)*(const int *)at;
	case K_U16:
		return *(const uint16_t *)at;
	case K_U32:
	case K_I32:
		return *(const uint32_t *)at;
	default:
		return *(const uint64_t *)at;
	}
}

/* JSON numbers are integers only when written without fraction or exponent. */
static int get_int(parser_t *p, enum kind k, yajl_val v, void *at)
{
	const char *want = int_kinds[k].want, *raw;
	char *end = NULL;
	uint64_t bits;

	if (!YAJL_IS_NUMBER(v))
		return type_error(p, want, v);
	raw = YAJL_GET_NUMBER(v);
	errno = 0;
	if (strpbrk(raw, ".eE") != NULL)
		goto bad;
	if (int_kinds[k].is_signed || raw[0] == '-') {
		long long x = strtoll(raw, &end, 10);

		if (errno || *end || x < int_kinds[k].min ||
		    (x > 0 && (uint64_t)x > int_kinds[k].max))
			goto bad;
		bits = (uint64_t)x;
	} else {
		unsigned long long x = strtoull(raw, &end, 10);

		if (errno || *end || x > int_kinds[k].max)
			goto bad;
		bits = x;
	}
	int_store(k, at, bits);
	return 0;
bad:
	/* Numbers are shown as written; a 1 MB literal is cut like any text. */
	if (strlen(raw) > 32)
		return fail(p, "expected %s, got %.32s...", want, raw);
	return fail(p, "expected %s, got %s", want, raw);
}

static int check_in_set(parser_t *p, const struct strset *set, const char *s, int *index)
{
	cleanup_free char *q = NULL;

	for (int i = 0; set->names[i]; i++) {
		if (strcmp(set->names[i], s) == 0) {
			if (index)
				*index = i;
			return 0;
		}
	}
	q = show(s);
	return fail(p, "unknown %s %s", set->what, q);
}

static int check_string(parser_t *p, const struct field *f, const char *s)
{
	if (f->set && check_in_set(p, f->set, s, NULL) < 0)
		return -1;
	if ((f->flags & F_ABS) && s[0] != '/') {
		cleanup_free char *q = show(s);

		return fail(p, "expected an absolute path, got %s", q);
	}
	return 0;
}

static int parse_str(parser_t *p, const struct field *f, yajl_val v, void *at)
{
	if (!YAJL_IS_STRING(v))
		return type_error(p, "a string", v);
	*(char **)at = bc_xstrdup(YAJL_GET_STRING(v));
	return check_string(p, f, *(char **)at);
}

static int parse_bool(parser_t *p, yajl_val v, void *at)
{
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return type_error(p, "a boolean", v);
	*(bool *)at = YAJL_IS_TRUE(v);
	return 0;
}

static int parse_enum(parser_t *p, const struct field *f, yajl_val v, void *at)
{
	int index = 0;

	if (!YAJL_IS_STRING(v))
		return type_error(p, "a string", v);
	if (check_in_set(p, f->set, YAJL_GET_STRING(v), &index) < 0)
		return -1;
	if (f->kind == K_CHAR)
		*(char *)at = f->set->names[index][0];
	else
		*(int *)at = index;
	return 0;
}

static int parse_strv(parser_t *p, const struct field *f, yajl_val v, void *at)
{
	char ***out = at;
	size_t n;

	if (!YAJL_IS_ARRAY(v))
		return type_error(p, "an array of strings", v);
	n = v->u.array.len;
	*out = bc_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		yajl_val e = v->u.array.values[i];
		size_t mark = path_index(p, i);

		if (!YAJL_IS_STRING(e))
			return type_error(p, "a string", e);
		(*out)[i] = bc_xstrdup(YAJL_GET_STRING(e));
		if (check_string(p, f, (*out)[i]) < 0)
			return -1;
		path_pop(p, mark);
	}
	return 0;
}

static int parse_u32v(parser_t *p, const struct field *f, yajl_val v, void *base)
{
	uint32_t **out = PTR_AT(base, f->off);
	size_t n;

	if (!YAJL_IS_ARRAY(v))
		return type_error(p, "an array of unsigned 32-bit integers", v);
	n = v->u.array.len;
	*out = n ? bc_xcalloc(n, sizeof(uint32_t)) : NULL;
	*(size_t *)PTR_AT(base, f->cnt) = n;
	for (size_t i = 0; i < n; i++) {
		size_t mark = path_index(p, i);

		if (get_int(p, K_U32, v->u.array.values[i], &(*out)[i]) < 0)
			return -1;
		path_pop(p, mark);
	}
	return 0;
}

/* ---------------------------------------------------------------- objects, arrays, maps */

static int parse_object(parser_t *p, const struct type *t, yajl_val obj, void *base);

/* The last occurrence of a duplicated member wins, as with encoding/json in runc. */
static yajl_val obj_get(yajl_val obj, const char *key)
{
	for (size_t i = obj->u.object.len; i > 0; i--)
		if (strcmp(obj->u.object.keys[i - 1], key) == 0)
			return obj->u.object.values[i - 1];
	return NULL;
}

static int parse_array(parser_t *p, const struct field *f, yajl_val v, void *base)
{
	const struct type *t = f->sub;
	size_t n;
	char *arr;

	if (!YAJL_IS_ARRAY(v))
		return type_error(p, "an array of objects", v);
	n = v->u.array.len;
	/* Stored (zeroed) before the elements are parsed, so a failure frees them all. */
	arr = n ? bc_xcalloc(n, t->size) : NULL;
	*(void **)PTR_AT(base, f->off) = arr;
	*(size_t *)PTR_AT(base, f->cnt) = n;
	for (size_t i = 0; i < n; i++) {
		size_t mark = path_index(p, i);

		if (parse_object(p, t, v->u.array.values[i], arr + i * t->size) < 0)
			return -1;
		path_pop(p, mark);
	}
	return 0;
}

static int parse_kv(parser_t *p, const struct field *f, yajl_val v, void *base)
{
	size_t n;
	bc_kv_t *kv;

	if (!YAJL_IS_OBJECT(v))
		return type_error(p, "an object of strings", v);
	n = v->u.object.len;
	kv = n ? bc_xcalloc(n, sizeof(*kv)) : NULL;
	*(bc_kv_t **)PTR_AT(base, f->off) = kv;
	*(size_t *)PTR_AT(base, f->cnt) = n;
	for (size_t i = 0; i < n; i++) {
		yajl_val e = v->u.object.values[i];
		size_t mark;

		if (v->u.object.keys[i][0] == '\0')
			return fail(p, "keys must not be empty");
		kv[i].key = bc_xstrdup(v->u.object.keys[i]);
		mark = path_map_key(p, kv[i].key);
		if (!YAJL_IS_STRING(e))
			return type_error(p, "a string", e);
		kv[i].value = bc_xstrdup(YAJL_GET_STRING(e));
		path_pop(p, mark);
	}
	return 0;
}

static int parse_map(parser_t *p, const struct field *f, yajl_val v, void *base)
{
	const struct type *t = f->sub;
	size_t n;
	char *arr;

	if (!YAJL_IS_OBJECT(v))
		return type_error(p, "an object", v);
	n = v->u.object.len;
	arr = n ? bc_xcalloc(n, t->size) : NULL;
	*(void **)PTR_AT(base, f->off) = arr;
	*(size_t *)PTR_AT(base, f->cnt) = n;
	for (size_t i = 0; i < n; i++) {
		char *elem = arr + i * t->size;
		size_t mark;

		if (v->u.object.keys[i][0] == '\0')
			return fail(p, "keys must not be empty");
		*(char **)(elem + t->key_off) = bc_xstrdup(v->u.object.keys[i]);
		mark = path_map_key(p, v->u.object.keys[i]);
		if (parse_object(p, t, v->u.object.values[i], elem) < 0)
			return -1;
		path_pop(p, mark);
	}
	return 0;
}

static int parse_value(parser_t *p, const struct field *f, yajl_val v, void *base)
{
	void *at = PTR_AT(base, f->off);
	int r;

	if (f->has)
		*(bool *)PTR_AT(base, f->has - 1) = true;
	switch (f->kind) {
	case K_STR:
		r = parse_str(p, f, v, at);
		break;
	case K_BOOL:
		r = parse_bool(p, v, at);
		break;
	case K_CHAR:
	case K_ENUM:
		r = parse_enum(p, f, v, at);
		break;
	case K_STRV:
		r = parse_strv(p, f, v, at);
		break;
	case K_U32V:
		r = parse_u32v(p, f, v, base);
		break;
	case K_OBJ:
		r = parse_object(p, f->sub, v, at);
		break;
	case K_PTR:
		*(void **)at = bc_xcalloc(1, f->sub->size);
		r = parse_object(p, f->sub, v, *(void **)at);
		break;
	case K_ARR:
		r = parse_array(p, f, v, base);
		break;
	case K_KV:
		r = parse_kv(p, f, v, base);
		break;
	case K_MAP:
		r = parse_map(p, f, v, base);
		break;
	default:
		r = get_int(p, f->kind, v, at);
		break;
	}
	if (r == 0 && f->check)
		r = f->check(p, at);
	return r;
}

static int parse_object(parser_t *p, const struct type *t, yajl_val obj, void *base)
{
	if (!YAJL_IS_OBJECT(obj))
		return type_error(p, "an object", obj);
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct field *f = &t->fields[i];
		yajl_val v = obj_get(obj, f->key);
		size_t mark = path_key(p, f->key);
		int r = 0;

		/* null reads as absent for optional members, as it does for Go runtimes. */
		if (v == NULL || (YAJL_IS_NULL(v) && !(f->flags & F_REQ))) {
			if (f->flags & F_REQ)
				r = fail(p, "missing required property");
			else if (f->kind == K_CHAR)
				*(char *)PTR_AT(base, f->off) = f->set->names[0][0];
		} else {
			r = parse_value(p, f, v, base);
		}
		if (r < 0)
			return -1;
		path_pop(p, mark);
	}
	return t->validate ? t->validate(p, obj, base) : 0;
}

/* ---------------------------------------------------------------- freeing */

static void free_object(const struct type *t, void *base);

static void free_field(const struct field *f, void *base)
{
	void *at = PTR_AT(base, f->off);
	const struct type *t = f->sub;
	size_t n = 0;
	char *arr;

	if (f->kind == K_KV || f->kind == K_ARR || f->kind == K_MAP)
		n = *(size_t *)PTR_AT(base, f->cnt);
	switch (f->kind) {
	case K_STR:
	case K_U32V:
		free(*(void **)at);
		break;
	case K_STRV:
		bc_strv_free(*(char ***)at);
		break;
	case K_OBJ:
		free_object(t, at);
		break;
	case K_PTR:
		if (*(void **)at)
			free_object(t, *(void **)at);
		free(*(void **)at);
		break;
	case K_KV:
		for (size_t i = 0; i < n; i++) {
			free((*(bc_kv_t **)at)[i].key);
			free((*(bc_kv_t **)at)[i].value);
		}
		free(*(void **)at);
		break;
	case K_ARR:
	case K_MAP:
		arr = *(char **)at;
		for (size_t i = 0; i < n; i++) {
			if (f->kind == K_MAP)
				free(*(char **)(arr + i * t->size + t->key_off));
			free_object(t, arr + i * t->size);
		}
		free(arr);
		break;
	default:
		break;
	}
}

static void free_object(const struct type *t, void *base)
{
	for (size_t i = 0; i < t->n_fields; i++)
		free_field(&t->fields[i], base);
}

/* ---------------------------------------------------------------- serialising */

struct gen {
	yajl_gen g;
	bool failed;
};

static void gen_check(struct gen *g, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok)
		g->failed = true;
}

static void gen_str(struct gen *g, const char *s)
{
	gen_check(g, yajl_gen_string(g->g, (const unsigned char *)s, strlen(s)));
}

static bool object_present(const struct type *t, const void *base);

/* Whether a member is written: absent and zero values are left out, so that writing and
 * reading back gives the same model. */
static bool field_present(const struct field *f, const void *base)
{
	const void *at = CPTR_AT(base, f->off);

	if (f->has)
		return *(const bool *)CPTR_AT(base, f->has - 1);
	switch (f->kind) {
	case K_STR:
	case K_STRV:
	case K_PTR:
		return *(void *const *)at != NULL;
	case K_U32V:
	case K_ARR:
	case K_KV:
	case K_MAP:
		return *(const size_t *)CPTR_AT(base, f->cnt) > 0;
	case K_OBJ:
		return (f->flags & F_REQ) || object_present(f->sub, at);
	case K_CHAR:
		if (f->flags & F_REQ)
			return true;
		return *(const char *)at != 0 && *(const char *)at != f->set->names[0][0];
	default:
		return (f->flags & (F_REQ | F_ALWAYS)) || scalar_bits(f->kind, at) != 0;
	}
}

static bool object_present(const struct type *t, const void *base)
{
	for (size_t i = 0; i < t->n_fields; i++)
		if (field_present(&t->fields[i], base))
			return true;
	return false;
}

static void gen_object(struct gen *g, const struct type *t, const void *base);

static void gen_int(struct gen *g, enum kind k, const void *at)
{
	uint64_t bits = scalar_bits(k, at);
	char buf[32];

	if (k == K_I32)
		snprintf(buf, sizeof(buf), "%" PRId32, (int32_t)(uint32_t)bits);
	else if (k == K_I64)
		snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)bits);
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, bits);
	gen_check(g, yajl_gen_number(g->g, buf, strlen(buf)));
}

static void gen_array(struct gen *g, const struct field *f, const void *base)
{
	const void *at = CPTR_AT(base, f->off);
	size_t n = *(const size_t *)CPTR_AT(base, f->cnt);
	const char *arr = *(const char *const *)at;

	gen_check(g, yajl_gen_array_open(g->g));
	for (size_t i = 0; i < n; i++) {
		if (f->kind == K_U32V)
			gen_int(g, K_U32, arr + i * sizeof(uint32_t));
		else
			gen_object(g, f->sub, arr + i * f->sub->size);
	}
	gen_check(g, yajl_gen_array_close(g->g));
}

static void gen_map(struct gen *g, const struct field *f, const void *base)
{
	size_t n = *(const size_t *)CPTR_AT(base, f->cnt);
	const char *arr = *(const char *const *)CPTR_AT(base, f->off);
	const struct type *t = f->sub;

	gen_check(g, yajl_gen_map_open(g->g));
	for (size_t i = 0; i < n; i++) {
		if (f->kind == K_KV) {
			gen_str(g, ((const bc_kv_t *)arr)[i].key);
			gen_str(g, ((const bc_kv_t *)arr)[i].value);
		} else {
			gen_str(g, *(const char *const *)(arr + i * t->size + t->key_off));
			gen_object(g, t, arr + i * t->size);
		}
	}
	gen_check(g, yajl_gen_map_close(g->g));
}

static void gen_value(struct gen *g, const struct field *f, const void *base)
{
	const void *at = CPTR_AT(base, f->off);
	char letter[2] = {0, 0};

	switch (f->kind) {
	case K_STR:
		gen_str(g, *(const char *const *)at);
		break;
	case K_BOOL:
		gen_check(g, yajl_gen_bool(g->g, *(const bool *)at));
		break;
	case K_CHAR:
		letter[0] = *(const char *)at;
		gen_str(g, letter);
		break;
	case K_ENUM:
		gen_str(g, f->set->names[*(const int *)at]);
		break;
	case K_STRV:
		gen_check(g, yajl_gen_array_open(g->g));
		for (char *const *s = *(char *const *const *)at; *s; s++)
			gen_str(g, *s);
		gen_check(g, yajl_gen_array_close(g->g));
		break;
	case K_OBJ:
		gen_object(g, f->sub, at);
		break;
	case K_PTR:
		gen_object(g, f->sub, *(const void *const *)at);
		break;
	case K_U32V:
	case K_ARR:
		gen_array(g, f, base);
		break;
	case K_KV:
	case K_MAP:
		gen_map(g, f, base);
		break;
	default:
		gen_int(g, f->kind, at);
		break;
	}
}

static void gen_object(struct gen *g, const struct type *t, const void *base)
{
	gen_check(g, yajl_gen_map_open(g->g));
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct field *f = &t->fields[i];

		if (!field_present(f, base))
			continue;
		gen_str(g, f->key);
		gen_value(g, f, base);
	}
	gen_check(g, yajl_gen_map_close(g->g));
}

/* ---------------------------------------------------------------- comparing */

static bool object_equal(const struct type *t, const void *a, const void *b);

static bool str_equal(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool strv_equal(char *const *a, char *const *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return *a == NULL && *b == NULL;
}

static bool elems_equal(const struct field *f, const void *a, const void *b, size_t n)
{
	const struct type *t = f->sub;
	const char *x = *(const char *const *)CPTR_AT(a, f->off);
	const char *y = *(const char *const *)CPTR_AT(b, f->off);

	for (size_t i = 0; i < n; i++) {
		if (f->kind == K_U32V) {
			if (((const uint32_t *)x)[i] != ((const uint32_t *)y)[i])
				return false;
		} else if (f->kind == K_KV) {
			const bc_kv_t *kx = (const bc_kv_t *)x + i, *ky = (const bc_kv_t *)y + i;

			if (!str_equal(kx->key, ky->key) || !str_equal(kx->value, ky->value))
				return false;
		} else {
			const char *ex = x + i * t->size, *ey = y + i * t->size;

			if (f->kind == K_MAP && !str_equal(*(const char *const *)(ex + t->key_off),
							   *(const char *const *)(ey + t->key_off)))
				return false;
			if (!object_equal(t, ex, ey))
				return false;
		}
	}
	return true;
}

static bool field_equal(const struct field *f, const void *a, const void *b)
{
	const void *x = CPTR_AT(a, f->off), *y = CPTR_AT(b, f->off);
	const void *px, *py;
	size_t n;

	switch (f->kind) {
	case K_STR:
		return str_equal(*(const char *const *)x, *(const char *const *)y);
	case K_STRV:
		return strv_equal(*(char *const *const *)x, *(char *const *const *)y);
	case K_OBJ:
		return object_equal(f->sub, x, y);
	case K_PTR:
		px = *(const void *const *)x;
		py = *(const void *const *)y;
		return px == NULL || py == NULL ? px == py : object_equal(f->sub, px, py);
	case K_U32V:
	case K_ARR:
	case K_KV:
	case K_MAP:
		n = *(const size_t *)CPTR_AT(a, f->cnt);
		return n == *(const size_t *)CPTR_AT(b, f->cnt) && elems_equal(f, a, b, n);
	default:
		return scalar_bits(f->kind, x) == scalar_bits(f->kind, y);
	}
}

static bool object_equal(const struct type *t, const void *a, const void *b)
{
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct field *f = &t->fields[i];

		if (f->has) {
			bool ha = *(const bool *)CPTR_AT(a, f->has - 1);

			if (ha != *(const bool *)CPTR_AT(b, f->has - 1))
				return false;
			if (!ha)
				continue;
		}
		if (!field_equal(f, a, b))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- member checks */

static int check_version(parser_t *p, const void *value)
{
	const char *v = *(char *const *)value, *s = v;
	cleanup_free char *q = show(v);
	unsigned long part[3];

	for (int i = 0; i < 3; i++) {
		char *end;

		if (*s < '0' || *s > '9')
			return fail(p, "invalid version %s (expected MAJOR.MINOR.PATCH)", q);
		errno = 0;
		part[i] = strtoul(s, &end, 10);
		if (errno || (i < 2 && *end != '.'))
			return fail(p, "invalid version %s (expected MAJOR.MINOR.PATCH)", q);
		s = i < 2 ? end + 1 : end;
	}
	if (*s != '\0' && !((*s == '-' || *s == '+') && s[1] != '\0'))
		return fail(p, "invalid version %s (expected MAJOR.MINOR.PATCH)", q);
	if (part[0] != 1 || part[1] > 3)
		return fail(p, "unsupported version %s (barco supports 1.0.0 to 1.3.x)", q);
	return 0;
}

static int check_timeout(parser_t *p, const void *value)
{
	int t = *(const int *)value;

	return t > 0 ? 0 : fail(p, "must be greater than zero, got %d", t);
}

static int check_ioprio(parser_t *p, const void *value)
{
	int prio = *(const int *)value;

	return prio >= 0 && prio <= 7 ? 0 : fail(p, "must be between 0 and 7, got %d", prio);
}

static int check_access(parser_t *p, const void *value)
{
	const char *a = *(char *const *)value;
	cleanup_free char *q = NULL;

	if (a[0] != '\0' && strspn(a, "rwm") == strlen(a))
		return 0;
	q = show(a);
	return fail(p, "invalid access %s (expected a combination of r, w and m)", q);
}

static int check_page_size(parser_t *p, const void *value)
{
	const char *s = *(char *const *)value;
	size_t digits = strspn(s, "0123456789");
	cleanup_free char *q = NULL;

	if (digits > 0 && s[0] != '0' && strchr("KMG", s[digits]) && s[digits] != '\0' &&
	    strcmp(s + digits + 1, "B") == 0)
		return 0;
	q = show(s);
	return fail(p, "invalid page size %s (expected a size like 2MB, 64KB or 1GB)", q);
}

static int check_cpu_list(parser_t *p, const void *value)
{
	const char *s = *(char *const *)value;
	cleanup_free char *q = NULL;

	if (strspn(s, "0123456789, -") == strlen(s))
		return 0;
	q = show(s);
	return fail(p, "invalid CPU list %s", q);
}

static int check_mem_bw(parser_t *p, const void *value)
{
	const char *s = *(char *const *)value;

	if (bc_str_has_prefix(s, "MB:") && strchr(s, '\n') == NULL)
		return 0;
	return fail(p, "must start with \"MB:\" and be a single line");
}

/* ---------------------------------------------------------------- object checks */

static int rlimit_validate(parser_t *p, yajl_val obj, void *out)
{
	bc_rlimit_t *r = out;
	cleanup_free char *q = NULL;

	r->resource = bc_rlimit_from_name(r->type);
	if (r->resource < 0) {
		q = show(r->type);
		return fail_at(p, "type", "unknown resource limit %s", q);
	}
	if (r->soft > r->hard)
		return fail(p, "soft limit %" PRIu64 " is greater than hard limit %" PRIu64,
			    r->soft, r->hard);
	return 0;
}

static int process_validate(parser_t *p, yajl_val obj, void *out)
{
	bc_process_t *proc = out;
	bool seen[RLIM_NLIMITS] = {false};

	if (proc->args[0] == NULL)
		return fail_at(p, "args", "must contain at least one element");
	for (size_t i = 0; i < proc->n_rlimits; i++) {
		int res = proc->rlimits[i].resource;
		size_t mark;

		if (res < 0 || res >= RLIM_NLIMITS || !seen[res]) {
			if (res >= 0 && res < RLIM_NLIMITS)
				seen[res] = true;
			continue;
		}
		mark = path_key(p, "rlimits");
		path_index(p, i);
		fail_at(p, "type", "duplicate resource limit \"%s\"", proc->rlimits[i].type);
		path_pop(p, mark);
		return -1;
	}
	return 0;
}

static int linux_validate(parser_t *p, yajl_val obj, void *out)
{
	bc_linux_t *lx = out;
	bool seen[BC_NS_TYPE_COUNT] = {false};

	for (size_t i = 0; i < lx->n_namespaces; i++) {
		enum bc_ns_type t = lx->namespaces[i].type;
		size_t mark;

		if (!seen[t]) {
			seen[t] = true;
			continue;
		}
		mark = path_key(p, "namespaces");
		path_index(p, i);
		fail_at(p, "type", "duplicate namespace type \"%s\"", ns_names[t]);
		path_pop(p, mark);
		return -1;
	}
	return 0;
}

static int device_validate(parser_t *p, yajl_val obj, void *out)
{
	const bc_device_t *d = out;

	if (d->type == 'p')
		return 0;
	if (obj_get(obj, "major") == NULL)
		return fail_at(p, "major", "missing required property (device type '%c')", d->type);
	if (obj_get(obj, "minor") == NULL)
		return fail_at(p, "minor", "missing required property (device type '%c')", d->type);
	return 0;
}

static int weight_device_validate(parser_t *p, yajl_val obj, void *out)
{
	const bc_weight_device_t *w = out;

	if (w->has_weight || w->has_leaf_weight)
		return 0;
	return fail(p, "at least one of weight and leafWeight is required");
}

static int rdma_validate(parser_t *p, yajl_val obj, void *out)
{
	const bc_rdma_limit_t *r = out;

	if (r->has_hca_handles || r->has_hca_objects)
		return 0;
	return fail(p, "at least one of hcaHandles and hcaObjects is required");
}

static bool action_takes_errno(const char *action)
{
	return strcmp(action, "SCMP_ACT_ERRNO") == 0 || strcmp(action, "SCMP_ACT_TRACE") == 0;
}

static int syscall_validate(parser_t *p, yajl_val obj, void *out)
{
	const bc_seccomp_syscall_t *s = out;

	if (s->names[0] == NULL)
		return fail_at(p, "names", "must contain at least one element");
	if (s->has_errno_ret && !action_takes_errno(s->action))
		return fail_at(p, "errnoRet", "not allowed with action %s", s->action);
	return 0;
}

static int seccomp_validate(parser_t *p, yajl_val obj, void *out)
{
	const bc_seccomp_t *s = out;

	if (s->has_default_errno_ret && !action_takes_errno(s->default_action))
		return fail_at(p, "defaultErrnoRet", "not allowed with defaultAction %s",
			       s->default_action);
	if (s->listener_metadata && !s->listener_path)
		return fail_at(p, "listenerMetadata", "not allowed without listenerPath");
	return 0;
}

/* ---------------------------------------------------------------- enumerations */

#define SET(var, what_, ...)                                                                       \
	static const struct strset var = {what_, (const char *const[]){__VA_ARGS__, NULL}}

static const struct strset ns_set = {"namespace type", ns_names};
SET(device_set, "device type", "c", "b", "u", "p");
SET(devcg_set, "device type", "a", "c", "b");
SET(propagation_set, "rootfs propagation", "shared", "slave", "private", "unbindable", "rshared",
    "rslave", "rprivate", "runbindable");
SET(sched_policy_set, "scheduler policy", "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
    "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE");
SET(sched_flag_set, "scheduler flag", "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
    "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS",
    "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX");
SET(ioprio_set, "I/O priority class", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE");
SET(action_set, "seccomp action", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY");
SET(op_set, "seccomp operator", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
SET(arch_set, "seccomp architecture", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64");
SET(seccomp_flag_set, "seccomp flag", "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
SET(domain_set, "personality domain", "LINUX", "LINUX32");
SET(mpol_mode_set, "memory policy mode", "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE",
    "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL");
SET(mpol_flag_set, "memory policy flag", "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
    "MPOL_F_STATIC_NODES");

/* ---------------------------------------------------------------- the model */

#define FLD(T, key_, kind_, member, ...)                                                           \
	{                                                                                          \
		.key = key_, .kind = kind_, .off = offsetof(T, member), __VA_ARGS__                \
	}
/* A member whose object is flattened into the parent struct (root, consoleSize, ...). */
#define FLAT(key_, sub_, ...)                                                                      \
	{                                                                                          \
		.key = key_, .kind = K_OBJ, .off = 0, .sub = &sub_, __VA_ARGS__                    \
	}
#define HAS(T, member) .has = offsetof(T, member) + 1
#define CNT(T, member) .cnt = offsetof(T, member)
#define TYPE(var, T, key_member, fields_, validate_)                                               \
	static const struct type var = {sizeof(T), key_member, fields_, BC_ARRAY_SIZE(fields_),    \
					validate_}
#define FLAT_TYPE(var, fields_)                                                                    \
	static const struct type var = {0, 0, fields_, BC_ARRAY_SIZE(fields_), NULL}

static const struct field idmap_fields[] = {
    FLD(bc_id_mapping_t, "containerID", K_U32, container_id, .flags = F_REQ),
    FLD(bc_id_mapping_t, "hostID", K_U32, host_id, .flags = F_REQ),
    FLD(bc_id_mapping_t, "size", K_U32, size, .flags = F_REQ),
};
TYPE(idmap_type, bc_id_mapping_t, 0, idmap_fields, NULL);

/* ---- process */

static const struct field user_fields[] = {
    FLD(bc_user_t, "uid", K_U32, uid, .flags = F_REQ),
    FLD(bc_user_t, "gid", K_U32, gid, .flags = F_REQ),
    FLD(bc_user_t, "umask", K_U32, umask, HAS(bc_user_t, has_umask)),
    FLD(bc_user_t, "additionalGids", K_U32V, additional_gids, CNT(bc_user_t, n_additional_gids)),
    FLD(bc_user_t, "username", K_STR, username),
};
TYPE(user_type, bc_user_t, 0, user_fields, NULL);

static const struct field caps_fields[] = {
    FLD(bc_capabilities_t, "bounding", K_STRV, bounding),
    FLD(bc_capabilities_t, "effective", K_STRV, effective),
    FLD(bc_capabilities_t, "inheritable", K_STRV, inheritable),
    FLD(bc_capabilities_t, "permitted", K_STRV, permitted),
    FLD(bc_capabilities_t, "ambient", K_STRV, ambient),
};
TYPE(caps_type, bc_capabilities_t, 0, caps_fields, NULL);

static const struct field rlimit_fields[] = {
    FLD(bc_rlimit_t, "type", K_STR, type, .flags = F_REQ),
    FLD(bc_rlimit_t, "hard", K_U64, hard, .flags = F_REQ),
    FLD(bc_rlimit_t, "soft", K_U64, soft, .flags = F_REQ),
};
TYPE(rlimit_type, bc_rlimit_t, 0, rlimit_fields, rlimit_validate);

static const struct field sched_fields[] = {
    FLD(bc_scheduler_t, "policy", K_STR, policy, .flags = F_REQ, .set = &sched_policy_set),
    FLD(bc_scheduler_t, "nice", K_I32, nice),
    FLD(bc_scheduler_t, "priority", K_I32, priority),
    FLD(bc_scheduler_t, "flags", K_STRV, flags, .set = &sched_flag_set),
    FLD(bc_scheduler_t, "runtime", K_U64, runtime),
    FLD(bc_scheduler_t, "deadline", K_U64, deadline),
    FLD(bc_scheduler_t, "period", K_U64, period),
};
TYPE(sched_type, bc_scheduler_t, 0, sched_fields, NULL);

static const struct field ioprio_fields[] = {
    FLD(bc_io_priority_t, "class", K_STR, class_, .flags = F_REQ, .set = &ioprio_set),
    FLD(bc_io_priority_t, "priority", K_I32, priority, .flags = F_REQ, .check = check_ioprio),
};
TYPE(ioprio_type, bc_io_priority_t, 0, ioprio_fields, NULL);

static const struct field console_fields[] = {
    FLD(bc_process_t, "height", K_U32, console_height, .flags = F_REQ),
    FLD(bc_process_t, "width", K_U32, console_width, .flags = F_REQ),
};
FLAT_TYPE(console_type, console_fields);

static const struct field affinity_fields[] = {
    FLD(bc_process_t, "initial", K_STR, exec_cpu_affinity_initial, .check = check_cpu_list),
    FLD(bc_process_t, "final", K_STR, exec_cpu_affinity_final, .check = check_cpu_list),
};
FLAT_TYPE(affinity_type, affinity_fields);

static const struct field process_fields[] = {
    FLD(bc_process_t, "terminal", K_BOOL, terminal),
    FLAT("consoleSize", console_type, HAS(bc_process_t, has_console_size)),
    FLD(bc_process_t, "user", K_OBJ, user, .sub = &user_type),
    FLD(bc_process_t, "args", K_STRV, args, .flags = F_REQ),
    FLD(bc_process_t, "commandLine", K_STR, command_line),
    FLD(bc_process_t, "env", K_STRV, env),
    FLD(bc_process_t, "cwd", K_STR, cwd, .flags = F_REQ | F_ABS),
    FLD(bc_process_t, "capabilities", K_PTR, capabilities, .sub = &caps_type),
    FLD(bc_process_t, "rlimits", K_ARR, rlimits, CNT(bc_process_t, n_rlimits), .sub = &rlimit_type),
    FLD(bc_process_t, "noNewPrivileges", K_BOOL, no_new_privileges),
    FLD(bc_process_t, "apparmorProfile", K_STR, apparmor_profile),
    FLD(bc_process_t, "oomScoreAdj", K_I32, oom_score_adj, HAS(bc_process_t, has_oom_score_adj)),
    FLD(bc_process_t, "scheduler", K_PTR, scheduler, .sub = &sched_type),
    FLD(bc_process_t, "selinuxLabel", K_STR, selinux_label),
    FLD(bc_process_t, "ioPriority", K_PTR, io_priority, .sub = &ioprio_type),
    FLAT("execCPUAffinity", affinity_type),
};
TYPE(process_type, bc_process_t, 0, process_fields, process_validate);

/* ---- root, mounts, hooks */

static const struct field root_fields[] = {
    FLD(bc_spec_t, "path", K_STR, root_path, .flags = F_REQ),
    FLD(bc_spec_t, "readonly", K_BOOL, root_readonly),
};
FLAT_TYPE(root_type, root_fields);

static const struct field mount_fields[] = {
    FLD(bc_mount_t, "destination", K_STR, destination, .flags = F_REQ | F_ABS),
    FLD(bc_mount_t, "type", K_STR, type),
    FLD(bc_mount_t, "source", K_STR, source),
    FLD(bc_mount_t, "options", K_STRV, options),
    FLD(bc_mount_t, "uidMappings", K_ARR, uid_mappings, CNT(bc_mount_t, n_uid_mappings),
	.sub = &idmap_type),
    FLD(bc_mount_t, "gidMappings", K_ARR, gid_mappings, CNT(bc_mount_t, n_gid_mappings),
	.sub = &idmap_type),
};
TYPE(mount_type, bc_mount_t, 0, mount_fields, NULL);

static const struct field hook_fields[] = {
    FLD(bc_hook_t, "path", K_STR, path, .flags = F_REQ | F_ABS),
    FLD(bc_hook_t, "args", K_STRV, args),
    FLD(bc_hook_t, "env", K_STRV, env),
    FLD(bc_hook_t, "timeout", K_I32, timeout, HAS(bc_hook_t, has_timeout), .check = check_timeout),
};
TYPE(hook_type, bc_hook_t, 0, hook_fields, NULL);

#define HOOK_FLD(key_, k)                                                                          \
	FLD(bc_hooks_t, key_, K_ARR, list[k], CNT(bc_hooks_t, count[k]), .sub = &hook_type)
static const struct field hooks_fields[] = {
    HOOK_FLD("prestart", BC_HOOK_PRESTART),
    HOOK_FLD("createRuntime", BC_HOOK_CREATE_RUNTIME),
    HOOK_FLD("createContainer", BC_HOOK_CREATE_CONTAINER),
    HOOK_FLD("startContainer", BC_HOOK_START_CONTAINER),
    HOOK_FLD("poststart", BC_HOOK_POSTSTART),
    HOOK_FLD("poststop", BC_HOOK_POSTSTOP),
};
TYPE(hooks_type, bc_hooks_t, 0, hooks_fields, NULL);

/* ---- linux: namespaces, devices, time */

static const struct field ns_fields[] = {
    FLD(bc_namespace_t, "type", K_ENUM, type, .flags = F_REQ, .set = &ns_set),
    FLD(bc_namespace_t, "path", K_STR, path, .flags = F_ABS),
};
TYPE(ns_type, bc_namespace_t, 0, ns_fields, NULL);

static const struct field time_offset_fields[] = {
    FLD(bc_time_offset_t, "secs", K_I64, secs, HAS(bc_time_offset_t, has_secs)),
    FLD(bc_time_offset_t, "nanosecs", K_U32, nanosecs, HAS(bc_time_offset_t, has_nanosecs)),
};
TYPE(time_offset_type, bc_time_offset_t, 0, time_offset_fields, NULL);

static const struct field time_offsets_fields[] = {
    FLD(bc_linux_t, "monotonic", K_OBJ, time_monotonic, .sub = &time_offset_type),
    FLD(bc_linux_t, "boottime", K_OBJ, time_boottime, .sub = &time_offset_type),
};
FLAT_TYPE(time_offsets_type, time_offsets_fields);

static const struct field device_fields[] = {
    FLD(bc_device_t, "type", K_CHAR, type, .flags = F_REQ, .set = &device_set),
    FLD(bc_device_t, "path", K_STR, path, .flags = F_REQ | F_ABS),
    FLD(bc_device_t, "major", K_I64, major, .flags = F_ALWAYS),
    FLD(bc_device_t, "minor", K_I64, minor, .flags = F_ALWAYS),
    FLD(bc_device_t, "fileMode", K_U32, file_mode, HAS(bc_device_t, has_file_mode)),
    FLD(bc_device_t, "uid", K_U32, uid, HAS(bc_device_t, has_uid)),
    FLD(bc_device_t, "gid", K_U32, gid, HAS(bc_device_t, has_gid)),
};
TYPE(device_type, bc_device_t, 0, device_fields, device_validate);

static const struct field net_device_fields[] = {
    FLD(bc_net_device_t, "name", K_STR, name),
};
TYPE(net_device_type, bc_net_device_t, offsetof(bc_net_device_t, host_name), net_device_fields,
     NULL);

/* ---- linux.resources */

static const struct field devcg_fields[] = {
    FLD(bc_device_cgroup_t, "allow", K_BOOL, allow, .flags = F_REQ),
    FLD(bc_device_cgroup_t, "type", K_CHAR, type, .set = &devcg_set),
    FLD(bc_device_cgroup_t, "major", K_I64, major, HAS(bc_device_cgroup_t, has_major)),
    FLD(bc_device_cgroup_t, "minor", K_I64, minor, HAS(bc_device_cgroup_t, has_minor)),
    FLD(bc_device_cgroup_t, "access", K_STR, access, .check = check_access),
};
TYPE(devcg_type, bc_device_cgroup_t, 0, devcg_fields, NULL);

static const struct field memory_fields[] = {
    FLD(bc_memory_t, "limit", K_I64, limit, HAS(bc_memory_t, has_limit)),
    FLD(bc_memory_t, "reservation", K_I64, reservation, HAS(bc_memory_t, has_reservation)),
    FLD(bc_memory_t, "swap", K_I64, swap, HAS(bc_memory_t, has_swap)),
    FLD(bc_memory_t, "kernel", K_I64, kernel, HAS(bc_memory_t, has_kernel)),
    FLD(bc_memory_t, "kernelTCP", K_I64, kernel_tcp, HAS(bc_memory_t, has_kernel_tcp)),
    FLD(bc_memory_t, "swappiness", K_U64, swappiness, HAS(bc_memory_t, has_swappiness)),
    FLD(bc_memory_t, "disableOOMKiller", K_BOOL, disable_oom_killer,
	HAS(bc_memory_t, has_disable_oom_killer)),
    FLD(bc_memory_t, "useHierarchy", K_BOOL, use_hierarchy, HAS(bc_memory_t, has_use_hierarchy)),
    FLD(bc_memory_t, "checkBeforeUpdate", K_BOOL, check_before_update,
	HAS(bc_memory_t, has_check_before_update)),
};
TYPE(memory_type, bc_memory_t, 0, memory_fields, NULL);

static const struct field cpu_fields[] = {
    FLD(bc_cpu_t, "shares", K_U64, shares, HAS(bc_cpu_t, has_shares)),
    FLD(bc_cpu_t, "quota", K_I64, quota, HAS(bc_cpu_t, has_quota)),
    FLD(bc_cpu_t, "burst", K_U64, burst, HAS(bc_cpu_t, has_burst)),
    FLD(bc_cpu_t, "period", K_U64, period, HAS(bc_cpu_t, has_period)),
    FLD(bc_cpu_t, "realtimeRuntime", K_I64, realtime_runtime, HAS(bc_cpu_t, has_realtime_runtime)),
    FLD(bc_cpu_t, "realtimePeriod", K_U64, realtime_period, HAS(bc_cpu_t, has_realtime_period)),
    FLD(bc_cpu_t, "cpus", K_STR, cpus),
    FLD(bc_cpu_t, "mems", K_STR, mems),
    FLD(bc_cpu_t, "idle", K_I64, idle, HAS(bc_cpu_t, has_idle)),
};
TYPE(cpu_type, bc_cpu_t, 0, cpu_fields, NULL);

static const struct field weight_device_fields[] = {
    FLD(bc_weight_device_t, "major", K_I64, major, .flags = F_REQ),
    FLD(bc_weight_device_t, "minor", K_I64, minor, .flags = F_REQ),
    FLD(bc_weight_device_t, "weight", K_U16, weight, HAS(bc_weight_device_t, has_weight)),
    FLD(bc_weight_device_t, "leafWeight", K_U16, leaf_weight,
	HAS(bc_weight_device_t, has_leaf_weight)),
};
TYPE(weight_device_type, bc_weight_device_t, 0, weight_device_fields, weight_device_validate);

static const struct field throttle_fields[] = {
    FLD(bc_throttle_device_t, "major", K_I64, major, .flags = F_REQ),
    FLD(bc_throttle_device_t, "minor", K_I64, minor, .flags = F_REQ),
    FLD(bc_throttle_device_t, "rate", K_U64, rate, .flags = F_REQ),
};
TYPE(throttle_type, bc_throttle_device_t, 0, throttle_fields, NULL);

#define THROTTLE_FLD(key_, member)                                                                 \
	FLD(bc_block_io_t, key_, K_ARR, member, CNT(bc_block_io_t, n_##member),                    \
	    .sub = &throttle_type)
static const struct field block_io_fields[] = {
    FLD(bc_block_io_t, "weight", K_U16, weight, HAS(bc_block_io_t, has_weight)),
    FLD(bc_block_io_t, "leafWeight", K_U16, leaf_weight, HAS(bc_block_io_t, has_leaf_weight)),
    FLD(bc_block_io_t, "weightDevice", K_ARR, weight_device, CNT(bc_block_io_t, n_weight_device),
	.sub = &weight_device_type),
    THROTTLE_FLD("throttleReadBpsDevice", throttle_read_bps),
    THROTTLE_FLD("throttleWriteBpsDevice", throttle_write_bps),
    THROTTLE_FLD("throttleReadIOPSDevice", throttle_read_iops),
    THROTTLE_FLD("throttleWriteIOPSDevice", throttle_write_iops),
};
TYPE(block_io_type, bc_block_io_t, 0, block_io_fields, NULL);

static const struct field hugepage_fields[] = {
    FLD(bc_hugepage_limit_t, "pageSize", K_STR, page_size, .flags = F_REQ,
	.check = check_page_size),
    FLD(bc_hugepage_limit_t, "limit", K_U64, limit, .flags = F_REQ),
};
TYPE(hugepage_type, bc_hugepage_limit_t, 0, hugepage_fields, NULL);

static const struct field net_priority_fields[] = {
    FLD(bc_net_priority_t, "name", K_STR, name, .flags = F_REQ),
    FLD(bc_net_priority_t, "priority", K_U32, priority, .flags = F_REQ),
};
TYPE(net_priority_type, bc_net_priority_t, 0, net_priority_fields, NULL);

static const struct field network_fields[] = {
    FLD(bc_resources_t, "classID", K_U32, net_class_id, HAS(bc_resources_t, has_net_class_id)),
    FLD(bc_resources_t, "priorities", K_ARR, net_priorities, CNT(bc_resources_t, n_net_priorities),
	.sub = &net_priority_type),
};
FLAT_TYPE(network_type, network_fields);

static const struct field pids_fields[] = {
    FLD(bc_resources_t, "limit", K_I64, pids_limit, HAS(bc_resources_t, has_pids_limit)),
};
FLAT_TYPE(pids_type, pids_fields);

static const struct field rdma_fields[] = {
    FLD(bc_rdma_limit_t, "hcaHandles", K_U32, hca_handles, HAS(bc_rdma_limit_t, has_hca_handles)),
    FLD(bc_rdma_limit_t, "hcaObjects", K_U32, hca_objects, HAS(bc_rdma_limit_t, has_hca_objects)),
};
TYPE(rdma_type, bc_rdma_limit_t, offsetof(bc_rdma_limit_t, device), rdma_fields, rdma_validate);

static const struct field resources_fields[] = {
    FLD(bc_resources_t, "devices", K_ARR, devices, CNT(bc_resources_t, n_devices),
	.sub = &devcg_type),
    FLD(bc_resources_t, "memory", K_PTR, memory, .sub = &memory_type),
    FLD(bc_resources_t, "cpu", K_PTR, cpu, .sub = &cpu_type),
    FLD(bc_resources_t, "blockIO", K_PTR, block_io, .sub = &block_io_type),
    FLD(bc_resources_t, "hugepageLimits", K_ARR, hugepage_limits,
	CNT(bc_resources_t, n_hugepage_limits), .sub = &hugepage_type),
    FLAT("network", network_type),
    FLAT("pids", pids_type),
    FLD(bc_resources_t, "rdma", K_MAP, rdma, CNT(bc_resources_t, n_rdma), .sub = &rdma_type),
    FLD(bc_resources_t, "unified", K_KV, unified, CNT(bc_resources_t, n_unified)),
};
TYPE(resources_type, bc_resources_t, 0, resources_fields, NULL);

/* ---- linux: security */

static const struct field seccomp_arg_fields[] = {
    FLD(bc_seccomp_arg_t, "index", K_U32, index, .flags = F_REQ),
    FLD(bc_seccomp_arg_t, "value", K_U64, value, .flags = F_REQ),
    FLD(bc_seccomp_arg_t, "valueTwo", K_U64, value_two),
    FLD(bc_seccomp_arg_t, "op", K_STR, op, .flags = F_REQ, .set = &op_set),
};
TYPE(seccomp_arg_type, bc_seccomp_arg_t, 0, seccomp_arg_fields, NULL);

static const struct field syscall_fields[] = {
    FLD(bc_seccomp_syscall_t, "names", K_STRV, names, .flags = F_REQ),
    FLD(bc_seccomp_syscall_t, "action", K_STR, action, .flags = F_REQ, .set = &action_set),
    FLD(bc_seccomp_syscall_t, "errnoRet", K_U32, errno_ret,
	HAS(bc_seccomp_syscall_t, has_errno_ret)),
    FLD(bc_seccomp_syscall_t, "args", K_ARR, args, CNT(bc_seccomp_syscall_t, n_args),
	.sub = &seccomp_arg_type),
};
TYPE(syscall_type, bc_seccomp_syscall_t, 0, syscall_fields, syscall_validate);

static const struct field seccomp_fields[] = {
    FLD(bc_seccomp_t, "defaultAction", K_STR, default_action, .flags = F_REQ, .set = &action_set),
    FLD(bc_seccomp_t, "defaultErrnoRet", K_U32, default_errno_ret,
	HAS(bc_seccomp_t, has_default_errno_ret)),
    FLD(bc_seccomp_t, "architectures", K_STRV, architectures, .set = &arch_set),
    FLD(bc_seccomp_t, "flags", K_STRV, flags, .set = &seccomp_flag_set),
    FLD(bc_seccomp_t, "listenerPath", K_STR, listener_path),
    FLD(bc_seccomp_t, "listenerMetadata", K_STR, listener_metadata),
    FLD(bc_seccomp_t, "syscalls", K_ARR, syscalls, CNT(bc_seccomp_t, n_syscalls),
	.sub = &syscall_type),
};
TYPE(seccomp_type, bc_seccomp_t, 0, seccomp_fields, seccomp_validate);

static const struct field personality_fields[] = {
    FLD(bc_personality_t, "domain", K_STR, domain, .flags = F_REQ, .set = &domain_set),
    FLD(bc_personality_t, "flags", K_STRV, flags),
};
TYPE(personality_type, bc_personality_t, 0, personality_fields, NULL);

static const struct field intel_rdt_fields[] = {
    FLD(bc_intel_rdt_t, "closID", K_STR, clos_id),
    FLD(bc_intel_rdt_t, "l3CacheSchema", K_STR, l3_cache_schema),
    FLD(bc_intel_rdt_t, "memBwSchema", K_STR, mem_bw_schema, .check = check_mem_bw),
    FLD(bc_intel_rdt_t, "schemata", K_STRV, schemata),
    FLD(bc_intel_rdt_t, "enableMonitoring", K_BOOL, enable_monitoring),
};
TYPE(intel_rdt_type, bc_intel_rdt_t, 0, intel_rdt_fields, NULL);

static const struct field memory_policy_fields[] = {
    FLD(bc_memory_policy_t, "mode", K_STR, mode, .flags = F_REQ, .set = &mpol_mode_set),
    FLD(bc_memory_policy_t, "nodes", K_STR, nodes),
    FLD(bc_memory_policy_t, "flags", K_STRV, flags, .set = &mpol_flag_set),
};
TYPE(memory_policy_type, bc_memory_policy_t, 0, memory_policy_fields, NULL);

static const struct field linux_fields[] = {
    FLD(bc_linux_t, "uidMappings", K_ARR, uid_mappings, CNT(bc_linux_t, n_uid_mappings),
	.sub = &idmap_type),
    FLD(bc_linux_t, "gidMappings", K_ARR, gid_mappings, CNT(bc_linux_t, n_gid_mappings),
	.sub = &idmap_type),
    FLAT("timeOffsets", time_offsets_type, HAS(bc_linux_t, has_time_offsets)),
    FLD(bc_linux_t, "sysctl", K_KV, sysctl, CNT(bc_linux_t, n_sysctl)),
    FLD(bc_linux_t, "resources", K_PTR, resources, .sub = &resources_type),
    FLD(bc_linux_t, "cgroupsPath", K_STR, cgroups_path),
    FLD(bc_linux_t, "namespaces", K_ARR, namespaces, CNT(bc_linux_t, n_namespaces),
	.sub = &ns_type),
    FLD(bc_linux_t, "devices", K_ARR, devices, CNT(bc_linux_t, n_devices), .sub = &device_type),
    FLD(bc_linux_t, "netDevices", K_MAP, net_devices, CNT(bc_linux_t, n_net_devices),
	.sub = &net_device_type),
    FLD(bc_linux_t, "rootfsPropagation", K_STR, rootfs_propagation, .set = &propagation_set),
    FLD(bc_linux_t, "seccomp", K_PTR, seccomp, .sub = &seccomp_type),
    FLD(bc_linux_t, "maskedPaths", K_STRV, masked_paths),
    FLD(bc_linux_t, "readonlyPaths", K_STRV, readonly_paths),
    FLD(bc_linux_t, "mountLabel", K_STR, mount_label),
    FLD(bc_linux_t, "personality", K_PTR, personality, .sub = &personality_type),
    FLD(bc_linux_t, "intelRdt", K_PTR, intel_rdt, .sub = &intel_rdt_type),
    FLD(bc_linux_t, "memoryPolicy", K_PTR, memory_policy, .sub = &memory_policy_type),
};
TYPE(linux_type, bc_linux_t, 0, linux_fields, linux_validate);

/* Member order is the order `barco spec` writes, which follows `runc spec`. */
static const struct field spec_fields[] = {
    FLD(bc_spec_t, "ociVersion", K_STR, oci_version, .flags = F_REQ, .check = check_version),
    FLD(bc_spec_t, "process", K_PTR, process, .sub = &process_type),
    FLAT("root", root_type, .flags = F_REQ),
    FLD(bc_spec_t, "hostname", K_STR, hostname),
    FLD(bc_spec_t, "domainname", K_STR, domainname),
    FLD(bc_spec_t, "mounts", K_ARR, mounts, CNT(bc_spec_t, n_mounts), .sub = &mount_type),
    FLD(bc_spec_t, "hooks", K_OBJ, hooks, .sub = &hooks_type),
    FLD(bc_spec_t, "annotations", K_KV, annotations, CNT(bc_spec_t, n_annotations)),
    FLD(bc_spec_t, "linux", K_PTR, linux_, .sub = &linux_type),
};
TYPE(spec_type, bc_spec_t, 0, spec_fields, NULL);

/* ---------------------------------------------------------------- public API */

static int parse_document(parser_t *p, const char *data, size_t len, bc_spec_t *spec)
{
	cleanup_free char *text = NULL;
	char errbuf[256] = "";
	yajl_val tree;
	int r;

	if (len > BC_SPEC_MAX_SIZE)
		return fail(p, "document larger than %d MiB", BC_SPEC_MAX_SIZE / (1024 * 1024));
	if (skip_space(data, len) == len)
		return fail(p, "empty document");
	if (prescan(p, data, len) < 0 || check_syntax(p, data, len) < 0)
		return -1;
	/* The syntax pass rejected NUL bytes, so the copy is one C string. */
	text = bc_xstrndup(data, len);
	tree = yajl_tree_parse(text, errbuf, sizeof(errbuf));
	if (tree == NULL)
		return fail(p, "cannot build the document tree: %.*s", (int)strcspn(errbuf, "\n"),
			    errbuf);
	if (!YAJL_IS_OBJECT(tree))
		r = fail(p, "expected a JSON object at the top level, got %s", json_type(tree));
	else
		r = parse_object(p, &spec_type, tree, spec);
	yajl_tree_free(tree);
	return r;
}

bc_spec_t *bc_spec_parse(const char *name, const char *data, size_t len, bc_error_t **err)
{
	parser_t p = {.name = name ? name : "config.json", .err = err};
	bc_spec_t *spec = bc_xcalloc(1, sizeof(*spec));
	int r;

	r = parse_document(&p, data ? data : "", data ? len : 0, spec);
	free(p.path);
	if (r < 0) {
		bc_spec_free(spec);
		return NULL;
	}
	return spec;
}

bc_spec_t *bc_spec_load(const char *path, bc_error_t **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *data = NULL;
	size_t len = 0;

	if (fd < 0) {
		bc_error_errno(err, "open config.json at %s", path);
		return NULL;
	}
	/* Read at most the limit: a bigger file fails here, before it is all in memory. */
	if (bc_read_all(fd, BC_SPEC_MAX_SIZE, &data, &len) < 0) {
		if (errno == EFBIG)
			bc_error_set(err, 0, "config.json: document larger than %d MiB",
				     BC_SPEC_MAX_SIZE / (1024 * 1024));
		else
			bc_error_errno(err, "read config.json at %s", path);
		return NULL;
	}
	return bc_spec_parse("config.json", data, len, err);
}

void bc_spec_free(bc_spec_t *spec)
{
	if (spec == NULL)
		return;
	free_object(&spec_type, spec);
	free(spec);
}

void bc_spec_freep(bc_spec_t **spec)
{
	bc_spec_free(*spec);
	*spec = NULL;
}

char *bc_spec_to_json(const bc_spec_t *spec, bc_error_t **err)
{
	struct gen g = {.g = yajl_gen_alloc(NULL)};
	const unsigned char *buf;
	size_t len;
	char *out;

	if (g.g == NULL) {
		bc_error_set(err, ENOMEM, "serialising config.json");
		return NULL;
	}
	yajl_gen_config(g.g, yajl_gen_beautify, 1);
	yajl_gen_config(g.g, yajl_gen_indent_string, "  ");
	gen_object(&g, &spec_type, spec);
	if (g.failed || yajl_gen_get_buf(g.g, &buf, &len) != yajl_gen_status_ok) {
		yajl_gen_free(g.g);
		bc_error_set(err, 0, "serialising config.json: JSON generator failed");
		return NULL;
	}
	out = bc_xstrndup((const char *)buf, len);
	yajl_gen_free(g.g);
	return out;
}

bool bc_spec_equal(const bc_spec_t *a, const bc_spec_t *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return object_equal(&spec_type, a, b);
}
