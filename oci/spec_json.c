/* SPDX-License-Identifier: MIT */
/*
 * Parsing with the field tables of spec_json.h: JSON text -> model, with messages that name
 * the JSON path of the offending value.
 *
 * Parsing is two passes over the text: a byte scan that enforces the size, depth and
 * value-count limits and rejects \u0000 (yajl_tree stores strings NUL-terminated, so an
 * embedded NUL would silently truncate a path), and yajl_tree_parse, whose tree the tables
 * are applied to.  A third pass, a yajl stream parse without callbacks, runs only when the
 * tree parse fails (it yields the byte offset of the error, which yajl_tree_parse hides) or
 * when the scan saw a '/' outside strings (yajl_tree_parse accepts comments, JSON does not).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "barco/spec.h"
#include "barco/util.h"
#include "spec_json.h"

/* ---------------------------------------------------------------- parser state, messages */

struct spec_json_parser {
	const char *name; /* message prefix */
	bc_error_t **err;
	char *path; /* JSON path of the value being parsed: "linux.namespaces[2].type" */
	size_t len, cap;
};

/* Longest piece of document text quoted in a message; the rest becomes "...". */
#define SHOW_MAX 64

/* Quote document text for a one-line message: escaped, truncated, never mid UTF-8. */
char *spec_json_show(const char *s)
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

static void path_append(spec_json_parser_t *p, const char *s)
{
	size_t n = strlen(s);

	if (p->len + n + 1 > p->cap) {
		p->cap = (p->len + n + 1) * 2;
		p->path = bc_xrealloc(p->path, p->cap);
	}
	memcpy(p->path + p->len, s, n + 1);
	p->len += n;
}

size_t spec_json_path_key(spec_json_parser_t *p, const char *key)
{
	size_t mark = p->len;

	if (p->len > 0)
		path_append(p, ".");
	path_append(p, key);
	return mark;
}

size_t spec_json_path_index(spec_json_parser_t *p, size_t i)
{
	size_t mark = p->len;
	char buf[32], *o = buf + sizeof(buf);

	/* By hand: this runs for every array element, snprintf was a tenth of a parse. */
	*--o = '\0';
	*--o = ']';
	do
		*--o = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	*--o = '[';
	path_append(p, o);
	return mark;
}

/* Map keys come from the document: quoted, so dots and brackets inside stay unambiguous. */
static size_t path_map_key(spec_json_parser_t *p, const char *key)
{
	cleanup_free char *q = spec_json_show(key);
	size_t mark = p->len;

	path_append(p, "[");
	path_append(p, q);
	path_append(p, "]");
	return mark;
}

void spec_json_path_pop(spec_json_parser_t *p, size_t mark)
{
	p->len = mark;
	if (p->path)
		p->path[mark] = '\0';
}

static int vfail(spec_json_parser_t *p, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int vfail(spec_json_parser_t *p, const char *fmt, va_list ap)
{
	cleanup_free char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	if (p->len > 0)
		return bc_error_set(p->err, 0, "%s: %s: %s", p->name, p->path, msg);
	return bc_error_set(p->err, 0, "%s: %s", p->name, msg);
}

int spec_json_fail(spec_json_parser_t *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, fmt, ap);
	va_end(ap);
	return -1;
}

int spec_json_fail_at(spec_json_parser_t *p, const char *key, const char *fmt, ...)
{
	size_t mark = spec_json_path_key(p, key);
	va_list ap;

	va_start(ap, fmt);
	vfail(p, fmt, ap);
	va_end(ap);
	spec_json_path_pop(p, mark);
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

static int type_error(spec_json_parser_t *p, const char *want, yajl_val v)
{
	return spec_json_fail(p, "expected %s, got %s", want, json_type(v));
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
static int prescan(spec_json_parser_t *p, const char *data, size_t len, bool *slash)
{
	size_t depth = 0, values = 1, line, col;
	bool in_str = false;

	*slash = false;
	for (size_t i = 0; i < len; i++) {
		char c = data[i];

		if (in_str) {
			if (c == '"') {
				in_str = false;
			} else if (c == '\\' && i + 1 < len) {
				if (len - i >= 6 && memcmp(data + i + 1, "u0000", 5) == 0) {
					line_col(data, i, &line, &col);
					return spec_json_fail(
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
				return spec_json_fail(p, "document nested deeper than %d levels",
						      BC_SPEC_MAX_DEPTH);
			values++;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		} else if (c == ',') {
			values++;
		} else if (c == '/') {
			*slash = true;
		}
		if (values > BC_SPEC_MAX_VALUES)
			return spec_json_fail(p, "document has more than %d values",
					      BC_SPEC_MAX_VALUES);
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

static int check_syntax(spec_json_parser_t *p, const char *data, size_t len)
{
	const unsigned char *u = (const unsigned char *)data;
	yajl_handle h = yajl_alloc(NULL, NULL, NULL);
	yajl_status st;
	size_t off, line, col;
	bool at_end = false;

	if (h == NULL)
		return spec_json_fail(p, "cannot allocate a JSON parser");
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
		return spec_json_fail(p, "syntax error at line %zu, column %zu: %s", line, col,
				      reason);
	}
	yajl_free(h);
	return 0;
}

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

static void int_store(enum spec_json_kind k, void *at, uint64_t bits)
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

/* JSON numbers are integers only when written without fraction or exponent. */
static int get_int(spec_json_parser_t *p, enum spec_json_kind k, yajl_val v, void *at)
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
		return spec_json_fail(p, "expected %s, got %.32s...", want, raw);
	return spec_json_fail(p, "expected %s, got %s", want, raw);
}

static int check_in_set(spec_json_parser_t *p, const struct spec_json_strset *set, const char *s,
			int *index)
{
	cleanup_free char *q = NULL;

	for (int i = 0; set->names[i]; i++) {
		if (strcmp(set->names[i], s) == 0) {
			if (index)
				*index = i;
			return 0;
		}
	}
	q = spec_json_show(s);
	return spec_json_fail(p, "unknown %s %s", set->what, q);
}

static int check_string(spec_json_parser_t *p, const struct spec_json_field *f, const char *s)
{
	if (f->set && check_in_set(p, f->set, s, NULL) < 0)
		return -1;
	if ((f->flags & F_ABS) && s[0] != '/') {
		cleanup_free char *q = spec_json_show(s);

		return spec_json_fail(p, "expected an absolute path, got %s", q);
	}
	return 0;
}

static int parse_str(spec_json_parser_t *p, const struct spec_json_field *f, yajl_val v, void *at)
{
	if (!YAJL_IS_STRING(v))
		return type_error(p, "a string", v);
	*(char **)at = bc_xstrdup(YAJL_GET_STRING(v));
	return check_string(p, f, *(char **)at);
}

static int parse_bool(spec_json_parser_t *p, yajl_val v, void *at)
{
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return type_error(p, "a boolean", v);
	*(bool *)at = YAJL_IS_TRUE(v);
	return 0;
}

static int parse_enum(spec_json_parser_t *p, const struct spec_json_field *f, yajl_val v, void *at)
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

static int parse_strv(spec_json_parser_t *p, const struct spec_json_field *f, yajl_val v, void *at)
{
	char ***out = at;
	size_t n;

	if (!YAJL_IS_ARRAY(v))
		return type_error(p, "an array of strings", v);
	n = v->u.array.len;
	*out = bc_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		yajl_val e = v->u.array.values[i];
		size_t mark = spec_json_path_index(p, i);

		if (!YAJL_IS_STRING(e))
			return type_error(p, "a string", e);
		(*out)[i] = bc_xstrdup(YAJL_GET_STRING(e));
		if (check_string(p, f, (*out)[i]) < 0)
			return -1;
		spec_json_path_pop(p, mark);
	}
	return 0;
}

static int parse_u32v(spec_json_parser_t *p, const struct spec_json_field *f, yajl_val v,
		      void *base)
{
	uint32_t **out = PTR_AT(base, f->off);
	size_t n;

	if (!YAJL_IS_ARRAY(v))
		return type_error(p, "an array of unsigned 32-bit integers", v);
	n = v->u.array.len;
	*out = n ? bc_xcalloc(n, sizeof(uint32_t)) : NULL;
	*(size_t *)PTR_AT(base, f->cnt) = n;
	for (size_t i = 0; i < n; i++) {
		size_t mark = spec_json_path_index(p, i);

		if (get_int(p, K_U32, v->u.array.values[i], &(*out)[i]) < 0)
			return -1;
		spec_json_path_pop(p, mark);
	}
	return 0;
}

/* ---------------------------------------------------------------- objects, arrays, maps */

static int parse_object(spec_json_parser_t *p, const struct spec_json_type *t, yajl_val obj,
			void *base);

/* The last occurrence of a duplicated member wins, as with encoding/json in runc. */
yajl_val spec_json_obj_get(yajl_val obj, const char *key)
{
	for (size_t i = obj->u.object.len; i > 0; i--)
		if (strcmp(obj->u.object.keys[i - 1], key) == 0)
			return obj->u.object.values[i - 1];
	return NULL;
}

static int parse_array(spec_json_parser_t *p, const struct spec_json_field *f, yajl_val v,
		       void *base)
{
	const struct spec_json_type *t = f->sub;
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
		size_t mark = spec_json_path_index(p, i);

		if (parse_object(p, t, v->u.array.values[i], arr + i * t->size) < 0)
			return -1;
		spec_json_path_pop(p, mark);
	}
	return 0;
}

static int parse_kv(spec_json_parser_t *p, const struct spec_json_field *f, yajl_val v, void *base)
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
			return spec_json_fail(p, "keys must not be empty");
		kv[i].key = bc_xstrdup(v->u.object.keys[i]);
		mark = path_map_key(p, kv[i].key);
		if (!YAJL_IS_STRING(e))
			return type_error(p, "a string", e);
		kv[i].value = bc_xstrdup(YAJL_GET_STRING(e));
		spec_json_path_pop(p, mark);
	}
	return 0;
}

static int parse_map(spec_json_parser_t *p, const struct spec_json_field *f, yajl_val v, void *base)
{
	const struct spec_json_type *t = f->sub;
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
			return spec_json_fail(p, "keys must not be empty");
		*(char **)(elem + t->key_off) = bc_xstrdup(v->u.object.keys[i]);
		mark = path_map_key(p, v->u.object.keys[i]);
		if (parse_object(p, t, v->u.object.values[i], elem) < 0)
			return -1;
		spec_json_path_pop(p, mark);
	}
	return 0;
}

static int parse_value(spec_json_parser_t *p, const struct spec_json_field *f, yajl_val v,
		       void *base)
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

static int parse_object(spec_json_parser_t *p, const struct spec_json_type *t, yajl_val obj,
			void *base)
{
	if (!YAJL_IS_OBJECT(obj))
		return type_error(p, "an object", obj);
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct spec_json_field *f = &t->fields[i];
		yajl_val v = spec_json_obj_get(obj, f->key);
		size_t mark = spec_json_path_key(p, f->key);
		int r = 0;

		/* null reads as absent for optional members, as it does for Go runtimes. */
		if (v == NULL || (YAJL_IS_NULL(v) && !(f->flags & F_REQ))) {
			if (f->flags & F_REQ)
				r = spec_json_fail(p, "missing required property");
			else if (f->kind == K_CHAR)
				*(char *)PTR_AT(base, f->off) = f->set->names[0][0];
		} else {
			r = parse_value(p, f, v, base);
		}
		if (r < 0)
			return -1;
		spec_json_path_pop(p, mark);
	}
	return t->validate ? t->validate(p, obj, base) : 0;
}

/* ---------------------------------------------------------------- whole documents */

static int parse_document(spec_json_parser_t *p, const struct spec_json_type *t, const char *data,
			  size_t len, void *out)
{
	cleanup_free char *text = NULL;
	char errbuf[256] = "";
	bool slash;
	yajl_val tree;
	int r;

	if (len > BC_SPEC_MAX_SIZE)
		return spec_json_fail(p, "document larger than %d MiB",
				      BC_SPEC_MAX_SIZE / (1024 * 1024));
	if (skip_space(data, len) == len)
		return spec_json_fail(p, "empty document");
	if (prescan(p, data, len, &slash) < 0 || (slash && check_syntax(p, data, len) < 0))
		return -1;
	/* A raw NUL byte ends the copy early: the tree parse then fails (or finds the document
	 * cut short), and the syntax pass names the byte. */
	text = bc_xstrndup(data, len);
	tree = yajl_tree_parse(text, errbuf, sizeof(errbuf));
	if (tree == NULL || strlen(text) != len) {
		yajl_tree_free(tree);
		if (check_syntax(p, data, len) < 0)
			return -1;
		return spec_json_fail(p, "cannot build the document tree: %.*s",
				      (int)strcspn(errbuf, "\n"), errbuf);
	}
	if (!YAJL_IS_OBJECT(tree))
		r = spec_json_fail(p, "expected a JSON object at the top level, got %s",
				   json_type(tree));
	else
		r = parse_object(p, t, tree, out);
	yajl_tree_free(tree);
	return r;
}

int spec_json_parse(const char *name, const struct spec_json_type *t, const char *data, size_t len,
		    void *out, bc_error_t **err)
{
	spec_json_parser_t p = {.name = name, .err = err};
	int r;

	r = parse_document(&p, t, data, len, out);
	free(p.path);
	return r;
}
