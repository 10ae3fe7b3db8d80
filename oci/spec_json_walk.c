/* SPDX-License-Identifier: MIT */
/*
 * Walks over a parsed model with the field tables of spec_json.h: freeing, serialising and
 * comparing.  Serialising leaves out absent and zero members, so that writing a model and
 * reading it back gives an equal model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "barco/spec.h"
#include "barco/util.h"
#include "spec_json.h"

/* ---------------------------------------------------------------- scalars */

/* Zero-extended bits of a scalar member: enough to test for zero and compare. */
static uint64_t scalar_bits(enum spec_json_kind k, const void *at)
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

/* ---------------------------------------------------------------- freeing */

static void free_field(const struct spec_json_field *f, void *base)
{
	void *at = PTR_AT(base, f->off);
	const struct spec_json_type *t = f->sub;
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
		spec_json_free(t, at);
		break;
	case K_PTR:
		if (*(void **)at)
			spec_json_free(t, *(void **)at);
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
			spec_json_free(t, arr + i * t->size);
		}
		free(arr);
		break;
	default:
		break;
	}
}

void spec_json_free(const struct spec_json_type *t, void *base)
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

static bool object_present(const struct spec_json_type *t, const void *base);

/* Whether a member is written: absent and zero values are left out, so that writing and
 * reading back gives the same model. */
static bool field_present(const struct spec_json_field *f, const void *base)
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

static bool object_present(const struct spec_json_type *t, const void *base)
{
	for (size_t i = 0; i < t->n_fields; i++)
		if (field_present(&t->fields[i], base))
			return true;
	return false;
}

static void gen_object(struct gen *g, const struct spec_json_type *t, const void *base);

static void gen_int(struct gen *g, enum spec_json_kind k, const void *at)
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

static void gen_array(struct gen *g, const struct spec_json_field *f, const void *base)
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

static void gen_map(struct gen *g, const struct spec_json_field *f, const void *base)
{
	size_t n = *(const size_t *)CPTR_AT(base, f->cnt);
	const char *arr = *(const char *const *)CPTR_AT(base, f->off);
	const struct spec_json_type *t = f->sub;

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

static void gen_value(struct gen *g, const struct spec_json_field *f, const void *base)
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

static void gen_object(struct gen *g, const struct spec_json_type *t, const void *base)
{
	gen_check(g, yajl_gen_map_open(g->g));
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct spec_json_field *f = &t->fields[i];

		if (!field_present(f, base))
			continue;
		gen_str(g, f->key);
		gen_value(g, f, base);
	}
	gen_check(g, yajl_gen_map_close(g->g));
}

char *spec_json_generate(const char *name, const struct spec_json_type *t, const void *base,
			 bc_error_t **err)
{
	struct gen g = {.g = yajl_gen_alloc(NULL)};
	const unsigned char *buf;
	size_t len;
	char *out;

	if (g.g == NULL) {
		bc_error_set(err, ENOMEM, "serialising %s", name);
		return NULL;
	}
	yajl_gen_config(g.g, yajl_gen_beautify, 1);
	yajl_gen_config(g.g, yajl_gen_indent_string, "  ");
	gen_object(&g, t, base);
	if (g.failed || yajl_gen_get_buf(g.g, &buf, &len) != yajl_gen_status_ok) {
		yajl_gen_free(g.g);
		bc_error_set(err, 0, "serialising %s: JSON generator failed", name);
		return NULL;
	}
	out = bc_xstrndup((const char *)buf, len);
	yajl_gen_free(g.g);
	return out;
}

/* ---------------------------------------------------------------- comparing */

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

static bool elems_equal(const struct spec_json_field *f, const void *a, const void *b, size_t n)
{
	const struct spec_json_type *t = f->sub;
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
			if (!spec_json_equal(t, ex, ey))
				return false;
		}
	}
	return true;
}

static bool field_equal(const struct spec_json_field *f, const void *a, const void *b)
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
		return spec_json_equal(f->sub, x, y);
	case K_PTR:
		px = *(const void *const *)x;
		py = *(const void *const *)y;
		return px == NULL || py == NULL ? px == py : spec_json_equal(f->sub, px, py);
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

bool spec_json_equal(const struct spec_json_type *t, const void *a, const void *b)
{
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct spec_json_field *f = &t->fields[i];

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
