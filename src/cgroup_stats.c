/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barco/cgroup_stats.h"
#include "barco/log.h"
#include "barco/util.h"

/* ---- small text helpers ---- */

/* A whole decimal number, surrounding blanks and a final newline allowed. */
static bool parse_num(const char *s, size_t len, uint64_t *out)
{
	cleanup_free char *t = NULL;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || !isdigit((unsigned char)*s))
		return false;
	t = bc_xstrndup(s, len);
	return bc_parse_uint64(t, out) == 0;
}

static int bad_line(bc_error_t **err, const char *name, size_t lineno, const char *line, size_t len)
{
	return bc_error_set(err, 0, "cgroup stats: %s: line %zu: malformed \"%.*s\"", name, lineno,
			    (int)(len > 80 ? 80 : len), line);
}

int cgroup_stats_flat_get(const char *name, const char *text, const char *key, uint64_t *out,
			  bc_error_t **err)
{
	size_t klen = strlen(key), lineno = 0;

	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		const char *line = p;

		p += len + (p[len] == '\n');
		lineno++;
		if (len <= klen || strncmp(line, key, klen) != 0 || line[klen] != ' ')
			continue;
		if (!parse_num(line + klen + 1, len - klen - 1, out))
			return bad_line(err, name, lineno, line, len);
		return 1;
	}
	return 0;
}

/* A one-value file; "max" is 2^64-1 where allowed. */
static int single_value(const char *name, const char *text, bool allow_max, uint64_t *out,
			bc_error_t **err)
{
	size_t len = strcspn(text, "\n");

	if (allow_max && len == 3 && strncmp(text, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	if (!parse_num(text, len, out))
		return bad_line(err, name, 1, text, len);
	return 0;
}

/* ---- the collector ---- */

struct collect {
	const cgroup_stats_source_t *src;
	cgroup_stats_t *s;
	bc_error_t **err;
};

/* 1 with *text, 0 when the file is not there, -1 on a read error. */
static int get_text(struct collect *c, const char *ctl, const char *file, char **text)
{
	*text = c->src->read(c->src->ctx, ctl, file);
	if (*text != NULL)
		return 1;
	if (errno == ENOENT)
		return 0;
	return bc_error_errno(c->err, "cgroup stats: read %s", file);
}

/* FILE's single value into *out (left alone when the file is absent). */
static int get_single(struct collect *c, const char *ctl, const char *file, bool allow_max,
		      uint64_t *out)
{
	cleanup_free char *text = NULL;
	int r = get_text(c, ctl, file, &text);

	if (r <= 0)
		return r;
	return single_value(file, text, allow_max, out, c->err) < 0 ? -1 : 1;
}

/* KEY of a flat-keyed FILE into *out (left alone when either is absent). */
static int get_key(struct collect *c, const char *ctl, const char *file, const char *key,
		   uint64_t *out)
{
	cleanup_free char *text = NULL;
	int r = get_text(c, ctl, file, &text);

	if (r <= 0)
		return r;
	return cgroup_stats_flat_get(file, text, key, out, c->err);
}

static int cpu_v2(struct collect *c)
{
	static const char *const keys[] = {"usage_usec", "user_usec",	 "system_usec",
					   "nr_periods", "nr_throttled", "throttled_usec"};
	uint64_t *dst[] = {&c->s->cpu.total,
			   &c->s->cpu.user,
			   &c->s->cpu.kernel,
			   &c->s->cpu.periods,
			   &c->s->cpu.throttled_periods,
			   &c->s->cpu.throttled_time};
	const uint64_t scale[] = {1000, 1000, 1000, 1, 1, 1000};
	cleanup_free char *text = NULL;
	int r = get_text(c, "cpu", "cpu.stat", &text);

	if (r <= 0)
		return r;
	for (size_t i = 0; i < BC_ARRAY_SIZE(keys); i++) {
		uint64_t v = 0;

		if (cgroup_stats_flat_get("cpu.stat", text, keys[i], &v, c->err) < 0)
			return -1;
		*dst[i] = v * scale[i];
	}
	return 0;
}

static int percpu_v1(struct collect *c)
{
	cleanup_free char *text = NULL;
	int r = get_text(c, "cpuacct", "cpuacct.usage_percpu", &text);
	char *save = NULL;

	if (r <= 0)
		return r;
	for (char *t = strtok_r(text, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		uint64_t v;

		if (bc_parse_uint64(t, &v) < 0)
			return bc_error_set(
			    c->err, 0, "cgroup stats: cpuacct.usage_percpu: malformed \"%s\"", t);
		c->s->cpu.percpu =
		    bc_xrealloc(c->s->cpu.percpu, (c->s->cpu.n_percpu + 1) * sizeof(uint64_t));
		c->s->cpu.percpu[c->s->cpu.n_percpu++] = v;
	}
	return 0;
}

static int cpu_v1(struct collect *c, long clk_tck)
{
	cleanup_free char *text = NULL;
	uint64_t user = 0, sys = 0;
	int r;

	if (c->src->kind(c->src->ctx, "cpuacct") == CGROUP_STATS_V1) {
		if (get_single(c, "cpuacct", "cpuacct.usage", false, &c->s->cpu.total) < 0 ||
		    percpu_v1(c) < 0)
			return -1;
		r = get_text(c, "cpuacct", "cpuacct.stat", &text);
		if (r < 0)
			return -1;
		if (r > 0 &&
		    (cgroup_stats_flat_get("cpuacct.stat", text, "user", &user, c->err) < 0 ||
		     cgroup_stats_flat_get("cpuacct.stat", text, "system", &sys, c->err) < 0))
			return -1;
		if (clk_tck <= 0)
			clk_tck = 100;
		c->s->cpu.user = user * (1000000000ULL / (uint64_t)clk_tck);
		c->s->cpu.kernel = sys * (1000000000ULL / (uint64_t)clk_tck);
	}
	if (c->src->kind(c->src->ctx, "cpu") == CGROUP_STATS_V1) {
		free(text);
		text = NULL;
		r = get_text(c, "cpu", "cpu.stat", &text);
		if (r < 0)
			return -1;
		if (r > 0 && (cgroup_stats_flat_get("cpu.stat", text, "nr_periods",
						    &c->s->cpu.periods, c->err) < 0 ||
			      cgroup_stats_flat_get("cpu.stat", text, "nr_throttled",
						    &c->s->cpu.throttled_periods, c->err) < 0 ||
			      cgroup_stats_flat_get("cpu.stat", text, "throttled_time",
						    &c->s->cpu.throttled_time, c->err) < 0))
			return -1;
	}
	return 0;
}

/* memory.stat: every line, in file order. */
static int memory_raw(struct collect *c, const char *cache_key)
{
	cleanup_free char *text = NULL;
	int r = get_text(c, "memory", "memory.stat", &text);
	size_t lineno = 0;

	if (r <= 0)
		return r;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n"), klen;
		const char *line = p;
		uint64_t v;

		p += len + (p[len] == '\n');
		lineno++;
		if (len == 0)
			continue;
		klen = strcspn(line, " \n");
		if (klen == 0 || klen >= len || !parse_num(line + klen + 1, len - klen - 1, &v))
			return bad_line(c->err, "memory.stat", lineno, line, len);
		c->s->memory.raw = bc_xrealloc(c->s->memory.raw,
					       (c->s->memory.n_raw + 1) * sizeof(cgroup_stat_kv_t));
		c->s->memory.raw[c->s->memory.n_raw++] =
		    (cgroup_stat_kv_t){.key = bc_xstrndup(line, klen), .value = v};
		if (strlen(cache_key) == klen && strncmp(line, cache_key, klen) == 0)
			c->s->memory.cache = v;
	}
	return 0;
}

static int memory_v2(struct collect *c)
{
	cgroup_mem_entry_t *u = &c->s->memory.usage, *sw = &c->s->memory.swap;
	uint64_t swap_cur = 0, swap_max = UINT64_MAX;
	int have_swap;

	if (get_single(c, "memory", "memory.current", false, &u->usage) < 0 ||
	    get_single(c, "memory", "memory.max", true, &u->limit) < 0 ||
	    get_single(c, "memory", "memory.peak", false, &u->max) < 0 ||
	    get_key(c, "memory", "memory.events", "max", &u->failcnt) < 0 ||
	    get_key(c, "memory", "memory.events", "oom_kill", &c->s->oom_kills) < 0)
		return -1;
	have_swap = get_single(c, "memory", "memory.swap.current", false, &swap_cur);
	if (have_swap < 0 || get_single(c, "memory", "memory.swap.max", true, &swap_max) < 0 ||
	    get_key(c, "memory", "memory.swap.events", "max", &sw->failcnt) < 0)
		return -1;
	/* As runc: v1's memsw figures are memory+swap, so v2's are reported that way. */
	if (have_swap > 0) {
		sw->usage = swap_cur + u->usage;
		sw->limit = swap_max == UINT64_MAX || u->limit == UINT64_MAX ||
				    swap_max > UINT64_MAX - u->limit
				? UINT64_MAX
				: swap_max + u->limit;
	}
	return memory_raw(c, "file");
}

static int mem_entry_v1(struct collect *c, const char *prefix, cgroup_mem_entry_t *e)
{
	static const char *const files[] = {"usage_in_bytes", "max_usage_in_bytes",
					    "limit_in_bytes", "failcnt"};
	uint64_t *dst[] = {&e->usage, &e->max, &e->limit, &e->failcnt};

	for (size_t i = 0; i < BC_ARRAY_SIZE(files); i++) {
		cleanup_free char *name = bc_xasprintf("%s.%s", prefix, files[i]);

		if (get_single(c, "memory", name, false, dst[i]) < 0)
			return -1;
	}
	return 0;
}

static int memory_v1(struct collect *c)
{
	if (mem_entry_v1(c, "memory", &c->s->memory.usage) < 0 ||
	    mem_entry_v1(c, "memory.memsw", &c->s->memory.swap) < 0 ||
	    mem_entry_v1(c, "memory.kmem", &c->s->memory.kernel) < 0 ||
	    mem_entry_v1(c, "memory.kmem.tcp", &c->s->memory.kernel_tcp) < 0 ||
	    get_key(c, "memory", "memory.oom_control", "oom_kill", &c->s->oom_kills) < 0)
		return -1;
	return memory_raw(c, "cache");
}

static int pids_stats(struct collect *c)
{
	uint64_t limit = 0;

	if (get_single(c, "pids", "pids.current", false, &c->s->pids.current) < 0 ||
	    get_single(c, "pids", "pids.max", true, &limit) < 0)
		return -1;
	c->s->pids.limit = limit == UINT64_MAX ? 0 : limit;
	return 0;
}

static void blkio_add(cgroup_blkio_entry_t **v, size_t *n, uint64_t major, uint64_t minor,
		      const char *op, size_t oplen, uint64_t value)
{
	*v = bc_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (cgroup_blkio_entry_t){
	    .major = major, .minor = minor, .op = bc_xstrndup(op, oplen), .value = value};
}

static bool parse_dev(const char *s, size_t len, uint64_t *major, uint64_t *minor)
{
	const char *colon = memchr(s, ':', len);

	return colon != NULL && parse_num(s, (size_t)(colon - s), major) &&
	       parse_num(colon + 1, len - (size_t)(colon - s) - 1, minor);
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
static int blkio_v2(struct collect *c)
{
	static const struct {
		const char *key, *op;
		bool ios;
	} map[] = {{"rbytes", "Read", false},	 {"wbytes", "Write", false},
		   {"dbytes", "Discard", false}, {"rios", "Read", true},
		   {"wios", "Write", true},	 {"dios", "Discard", true}};
	cleanup_free char *text = NULL;
	int r = get_text(c, "io", "io.stat", &text);
	size_t lineno = 0;

	if (r <= 0)
		return r;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n"), dlen;
		const char *line = p;
		uint64_t major, minor;

		p += len + (p[len] == '\n');
		lineno++;
		if (len == 0)
			continue;
		dlen = strcspn(line, " \n");
		if (!parse_dev(line, dlen, &major, &minor))
			return bad_line(c->err, "io.stat", lineno, line, len);
		for (size_t off = dlen; off < len;) {
			const char *item = line + off + strspn(line + off, " ");
			size_t ilen = strcspn(item, " \n");
			const char *eq = memchr(item, '=', ilen);
			uint64_t v;

			off = (size_t)(item - line) + ilen;
			if (ilen == 0 || eq == NULL)
				continue;
			for (size_t i = 0; i < BC_ARRAY_SIZE(map); i++) {
				if (strlen(map[i].key) != (size_t)(eq - item) ||
				    strncmp(item, map[i].key, (size_t)(eq - item)) != 0)
					continue;
				if (!parse_num(eq + 1, ilen - (size_t)(eq - item) - 1, &v))
					return bad_line(c->err, "io.stat", lineno, line, len);
				if (map[i].ios)
					blkio_add(&c->s->blkio.serviced, &c->s->blkio.n_serviced,
						  major, minor, map[i].op, strlen(map[i].op), v);
				else
					blkio_add(&c->s->blkio.service_bytes,
						  &c->s->blkio.n_service_bytes, major, minor,
						  map[i].op, strlen(map[i].op), v);
			}
		}
	}
	return 0;
}

/* blkio.throttle.*: "MAJ:MIN Op N" lines and a final "Total N". */
static int blkio_v1_file(struct collect *c, const char *base, cgroup_blkio_entry_t **v, size_t *n)
{
	cleanup_free char *rec = bc_xasprintf("%s_recursive", base);
	cleanup_free char *text = NULL;
	const char *name = rec;
	size_t lineno = 0;
	int r = get_text(c, "blkio", rec, &text);

	if (r == 0) {
		name = base;
		r = get_text(c, "blkio", base, &text);
	}
	if (r <= 0)
		return r;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n"), f1, f2;
		const char *line = p, *op, *num;
		uint64_t major, minor, value;

		p += len + (p[len] == '\n');
		lineno++;
		if (len == 0 || (len > 6 && strncmp(line, "Total ", 6) == 0))
			continue;
		f1 = strcspn(line, " \n");
		op = line + f1 + (f1 < len);
		f2 = strcspn(op, " \n");
		num = op + f2 + 1;
		if (f1 >= len || f2 == 0 || (size_t)(num - line) > len ||
		    !parse_dev(line, f1, &major, &minor) ||
		    !parse_num(num, len - (size_t)(num - line), &value))
			return bad_line(c->err, name, lineno, line, len);
		blkio_add(v, n, major, minor, op, f2, value);
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Page sizes from the names "hugetlb.SIZE.SUFFIX" (not the .rsvd ones), sorted. */
static char **page_sizes(char **names, const char *suffix)
{
	size_t n = 0, slen = strlen(suffix);
	char **v = bc_xcalloc(bc_strv_len(names) + 1, sizeof(char *));

	for (size_t i = 0; names && names[i]; i++) {
		const char *nm = names[i], *size = nm + strlen("hugetlb.");
		size_t len = strlen(nm);

		if (!bc_str_has_prefix(nm, "hugetlb.") || len <= strlen("hugetlb.") + slen ||
		    strcmp(nm + len - slen, suffix) != 0)
			continue;
		len = (size_t)(nm + len - slen - size);
		if (memchr(size, '.', len) != NULL || len == 0)
			continue; /* hugetlb.2MB.rsvd.current and the like */
		v[n++] = bc_xstrndup(size, len);
	}
	qsort(v, n, sizeof(char *), str_cmp);
	return v;
}

static int hugetlb_stats(struct collect *c, bool v2)
{
	cleanup_strv char **names = c->src->list(c->src->ctx, "hugetlb");
	cleanup_strv char **sizes = page_sizes(names, v2 ? ".current" : ".usage_in_bytes");
	size_t n = bc_strv_len(sizes);

	if (n == 0)
		return 0;
	c->s->hugetlb = bc_xcalloc(n, sizeof(*c->s->hugetlb));
	for (size_t i = 0; i < n; i++) {
		cgroup_hugetlb_stats_t *h = &c->s->hugetlb[c->s->n_hugetlb++];
		cleanup_free char *usage = NULL, *max = NULL, *fail = NULL;
		int r;

		h->page_size = bc_xstrdup(sizes[i]);
		if (v2) {
			usage = bc_xasprintf("hugetlb.%s.current", sizes[i]);
			fail = bc_xasprintf("hugetlb.%s.events", sizes[i]);
			r = get_single(c, "hugetlb", usage, false, &h->usage);
			if (r >= 0)
				r = get_key(c, "hugetlb", fail, "max", &h->failcnt);
		} else {
			usage = bc_xasprintf("hugetlb.%s.usage_in_bytes", sizes[i]);
			max = bc_xasprintf("hugetlb.%s.max_usage_in_bytes", sizes[i]);
			fail = bc_xasprintf("hugetlb.%s.failcnt", sizes[i]);
			r = get_single(c, "hugetlb", usage, false, &h->usage);
			if (r >= 0)
				r = get_single(c, "hugetlb", max, false, &h->max);
			if (r >= 0)
				r = get_single(c, "hugetlb", fail, false, &h->failcnt);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

int cgroup_stats_collect(const cgroup_stats_source_t *src, long clk_tck, cgroup_stats_t *out,
			 bc_error_t **err)
{
	struct collect c = {.src = src, .s = out, .err = err};
	cgroup_stats_kind_t k;

	memset(out, 0, sizeof(*out));
	if (src->kind(src->ctx, "cpu") == CGROUP_STATS_V2) {
		if (cpu_v2(&c) < 0)
			return -1;
	} else if (cpu_v1(&c, clk_tck) < 0) {
		return -1;
	}
	k = src->kind(src->ctx, "memory");
	if ((k == CGROUP_STATS_V2 && memory_v2(&c) < 0) ||
	    (k == CGROUP_STATS_V1 && memory_v1(&c) < 0))
		return -1;
	if (src->kind(src->ctx, "pids") != CGROUP_STATS_NONE && pids_stats(&c) < 0)
		return -1;
	if (src->kind(src->ctx, "blkio") == CGROUP_STATS_V1) {
		if (blkio_v1_file(&c, "blkio.throttle.io_service_bytes", &out->blkio.service_bytes,
				  &out->blkio.n_service_bytes) < 0 ||
		    blkio_v1_file(&c, "blkio.throttle.io_serviced", &out->blkio.serviced,
				  &out->blkio.n_serviced) < 0)
			return -1;
	} else if (src->kind(src->ctx, "io") == CGROUP_STATS_V2 && blkio_v2(&c) < 0) {
		return -1;
	}
	k = src->kind(src->ctx, "hugetlb");
	if (k != CGROUP_STATS_NONE && hugetlb_stats(&c, k == CGROUP_STATS_V2) < 0)
		return -1;
	return 0;
}

void cgroup_stats_clear(cgroup_stats_t *s)
{
	free(s->cpu.percpu);
	for (size_t i = 0; i < s->memory.n_raw; i++)
		free(s->memory.raw[i].key);
	free(s->memory.raw);
	for (size_t i = 0; i < s->blkio.n_service_bytes; i++)
		free(s->blkio.service_bytes[i].op);
	free(s->blkio.service_bytes);
	for (size_t i = 0; i < s->blkio.n_serviced; i++)
		free(s->blkio.serviced[i].op);
	free(s->blkio.serviced);
	for (size_t i = 0; i < s->n_hugetlb; i++)
		free(s->hugetlb[i].page_size);
	free(s->hugetlb);
	memset(s, 0, sizeof(*s));
}

/* ---- JSON, in the order and with the omissions of runc's types/events.go ---- */

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf_t *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->p = bc_xrealloc(b->p, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void sb_str(sbuf_t *b, const char *s)
{
	cleanup_free char *e = bc_log_json_escape(s);

	sb_add(b, "\"%s\"", e);
}

/* `"key":N` unless omitempty and 0; *sep tells whether a comma comes first. */
static void sb_num(sbuf_t *b, bool *sep, const char *key, uint64_t v, bool omitempty)
{
	if (omitempty && v == 0)
		return;
	sb_add(b, "%s\"%s\":%" PRIu64, *sep ? "," : "", key, v);
	*sep = true;
}

static void json_cpu(sbuf_t *b, const cgroup_stats_t *s)
{
	bool sep = false;

	sb_add(b, "\"cpu\":{\"usage\":{");
	sb_num(b, &sep, "total", s->cpu.total, true);
	if (s->cpu.n_percpu > 0) {
		sb_add(b, "%s\"percpu\":[", sep ? "," : "");
		for (size_t i = 0; i < s->cpu.n_percpu; i++)
			sb_add(b, "%s%" PRIu64, i ? "," : "", s->cpu.percpu[i]);
		sb_add(b, "]");
		sep = true;
	}
	sb_num(b, &sep, "kernel", s->cpu.kernel, false);
	sb_num(b, &sep, "user", s->cpu.user, false);
	sb_add(b, "},\"throttling\":{");
	sep = false;
	sb_num(b, &sep, "periods", s->cpu.periods, true);
	sb_num(b, &sep, "throttledPeriods", s->cpu.throttled_periods, true);
	sb_num(b, &sep, "throttledTime", s->cpu.throttled_time, true);
	sb_add(b, "}}");
}

static void json_mem_entry(sbuf_t *b, bool *outer, const char *key, const cgroup_mem_entry_t *e)
{
	bool sep = false;

	sb_add(b, "%s\"%s\":{", *outer ? "," : "", key);
	sb_num(b, &sep, "limit", e->limit, false);
	sb_num(b, &sep, "usage", e->usage, true);
	sb_num(b, &sep, "max", e->max, true);
	sb_num(b, &sep, "failcnt", e->failcnt, false);
	sb_add(b, "}");
	*outer = true;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp((*(const cgroup_stat_kv_t *const *)a)->key,
		      (*(const cgroup_stat_kv_t *const *)b)->key);
}

static void json_memory(sbuf_t *b, const cgroup_stats_t *s)
{
	bool sep = false;

	sb_add(b, ",\"memory\":{");
	sb_num(b, &sep, "cache", s->memory.cache, true);
	json_mem_entry(b, &sep, "usage", &s->memory.usage);
	json_mem_entry(b, &sep, "swap", &s->memory.swap);
	json_mem_entry(b, &sep, "kernel", &s->memory.kernel);
	json_mem_entry(b, &sep, "kernelTCP", &s->memory.kernel_tcp);
	if (s->memory.n_raw > 0) {
		/* Go prints a map with its keys sorted. */
		cleanup_free const cgroup_stat_kv_t **v = bc_xcalloc(s->memory.n_raw, sizeof(*v));

		for (size_t i = 0; i < s->memory.n_raw; i++)
			v[i] = &s->memory.raw[i];
		qsort(v, s->memory.n_raw, sizeof(*v), kv_cmp);
		sb_add(b, ",\"raw\":{");
		for (size_t i = 0; i < s->memory.n_raw; i++) {
			sb_add(b, "%s", i ? "," : "");
			sb_str(b, v[i]->key);
			sb_add(b, ":%" PRIu64, v[i]->value);
		}
		sb_add(b, "}");
	}
	sb_add(b, "}");
}

static void json_blkio_list(sbuf_t *b, bool *sep, const char *key, const cgroup_blkio_entry_t *v,
			    size_t n)
{
	if (n == 0)
		return;
	sb_add(b, "%s\"%s\":[", *sep ? "," : "", key);
	for (size_t i = 0; i < n; i++) {
		bool esep = false;

		sb_add(b, "%s{", i ? "," : "");
		sb_num(b, &esep, "major", v[i].major, true);
		sb_num(b, &esep, "minor", v[i].minor, true);
		if (v[i].op && *v[i].op) {
			sb_add(b, "%s\"op\":", esep ? "," : "");
			sb_str(b, v[i].op);
			esep = true;
		}
		sb_num(b, &esep, "value", v[i].value, true);
		sb_add(b, "}");
	}
	sb_add(b, "]");
	*sep = true;
}

char *cgroup_stats_to_json(const cgroup_stats_t *s)
{
	sbuf_t b = {0};
	bool sep = false;

	sb_add(&b, "{");
	json_cpu(&b, s);
	json_memory(&b, s);
	sb_add(&b, ",\"pids\":{");
	sb_num(&b, &sep, "current", s->pids.current, true);
	sb_num(&b, &sep, "limit", s->pids.limit, true);
	sb_add(&b, "},\"blkio\":{");
	sep = false;
	json_blkio_list(&b, &sep, "ioServiceBytesRecursive", s->blkio.service_bytes,
			s->blkio.n_service_bytes);
	json_blkio_list(&b, &sep, "ioServicedRecursive", s->blkio.serviced, s->blkio.n_serviced);
	sb_add(&b, "},\"hugetlb\":{");
	for (size_t i = 0; i < s->n_hugetlb; i++) {
		const cgroup_hugetlb_stats_t *h = &s->hugetlb[i];

		sep = false;
		sb_add(&b, "%s", i ? "," : "");
		sb_str(&b, h->page_size);
		sb_add(&b, ":{");
		sb_num(&b, &sep, "usage", h->usage, true);
		sb_num(&b, &sep, "max", h->max, true);
		sb_num(&b, &sep, "failcnt", h->failcnt, false);
		sb_add(&b, "}");
	}
	sb_add(&b, "}}");
	return b.p;
}

char *cgroup_event_json(const char *type, const char *id, const cgroup_stats_t *s)
{
	sbuf_t b = {0};

	sb_add(&b, "{\"type\":");
	sb_str(&b, type);
	sb_add(&b, ",\"id\":");
	sb_str(&b, id);
	if (s != NULL) {
		cleanup_free char *data = cgroup_stats_to_json(s);

		sb_add(&b, ",\"data\":%s", data);
	}
	sb_add(&b, "}");
	return b.p;
}

/* ---- command-line values ---- */

/* DIGITS[.DIGITS] at *p (at least one digit): the integer part, and the fraction as
 * frac / 10^fdigits (digits past 18 dropped: they cannot change a whole result). */
static bool parse_decimal(const char **p, unsigned __int128 *ip, uint64_t *frac, int *fdigits)
{
	const char *s = *p;
	bool any = false;

	*ip = 0;
	*frac = 0;
	*fdigits = 0;
	for (; isdigit((unsigned char)*s); s++, any = true) {
		*ip = *ip * 10 + (unsigned)(*s - '0');
		if (*ip > (unsigned __int128)UINT64_MAX)
			return false;
	}
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, any = true) {
			if (*fdigits < 18) {
				*frac = *frac * 10 + (unsigned)(*s - '0');
				(*fdigits)++;
			}
		}
	}
	*p = s;
	return any;
}

static uint64_t pow10u(int n)
{
	uint64_t v = 1;

	while (n-- > 0)
		v *= 10;
	return v;
}

int cgroup_parse_memory_size(const char *s, int64_t *out)
{
	static const char units[] = "kmgtp";
	unsigned __int128 ip, v, mult = 1;
	uint64_t frac;
	int fdigits;
	const char *u;

	if (strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (!parse_decimal(&s, &ip, &frac, &fdigits))
		return errno = EINVAL, -1;
	if (*s == ' ')
		s++;
	if (*s != '\0' && (u = strchr(units, tolower((unsigned char)*s))) != NULL) {
		for (long i = 0; i <= u - units; i++)
			mult *= 1024;
		s++;
		if (tolower((unsigned char)*s) == 'i' && tolower((unsigned char)s[1]) == 'b')
			s += 2;
		else if (tolower((unsigned char)*s) == 'b')
			s++;
	} else if (tolower((unsigned char)*s) == 'b') {
		s++;
	}
	if (*s != '\0')
		return errno = EINVAL, -1;
	v = ip * mult + (unsigned __int128)frac * mult / pow10u(fdigits);
	if (v > (unsigned __int128)INT64_MAX)
		return errno = ERANGE, -1;
	*out = (int64_t)v;
	return 0;
}

int cgroup_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {{"ns", 1},
		     {"us", 1000},
		     {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
		     {"\xce\xbcs", 1000}, /* U+03BC Greek mu */
		     {"ms", 1000000},
		     {"s", 1000000000ULL},
		     {"m", 60000000000ULL},
		     {"h", 3600000000000ULL}};
	unsigned __int128 total = 0;

	if (*s == '+')
		s++;
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (*s == '\0')
		return errno = EINVAL, -1;
	while (*s) {
		unsigned __int128 ip;
		uint64_t frac;
		int fdigits;
		size_t ulen = 0, best = 0, k;

		if (!parse_decimal(&s, &ip, &frac, &fdigits))
			return errno = EINVAL, -1;
		for (k = 0; k < BC_ARRAY_SIZE(units); k++) {
			size_t l = strlen(units[k].name);

			/* "ms" before "m": the longest unit that matches, ended by a digit or '.'.
			 */
			if (strncmp(s, units[k].name, l) == 0 && l > ulen &&
			    (s[l] == '\0' || isdigit((unsigned char)s[l]) || s[l] == '.')) {
				ulen = l;
				best = k;
			}
		}
		if (ulen == 0)
			return errno = EINVAL, -1;
		total += ip * units[best].ns +
			 (unsigned __int128)frac * units[best].ns / pow10u(fdigits);
		if (total > (unsigned __int128)INT64_MAX)
			return errno = ERANGE, -1;
		s += ulen;
	}
	*ns = (uint64_t)total;
	return 0;
}

/* ---- update: what to write, and what to record ---- */

#define SWAP_LIST(a, b, f, nf)                                                                     \
	do {                                                                                       \
		if ((b)->nf > 0) {                                                                 \
			__typeof__((a)->f) t_ = (a)->f;                                            \
			size_t tn_ = (a)->nf;                                                      \
			(a)->f = (b)->f;                                                           \
			(a)->nf = (b)->nf;                                                         \
			(b)->f = t_;                                                               \
			(b)->nf = tn_;                                                             \
		}                                                                                  \
	} while (0)

#define TAKE(dst, src, has, f)                                                                     \
	do {                                                                                       \
		if ((src)->has) {                                                                  \
			(dst)->has = true;                                                         \
			(dst)->f = (src)->f;                                                       \
		}                                                                                  \
	} while (0)

/* Values that only make sense together: take the missing half from what is in force. */
static void complete_write(bc_resources_t *w, const bc_resources_t *old)
{
	bc_memory_t *m = w->memory;
	bc_cpu_t *c = w->cpu;
	const bc_memory_t *om = old ? old->memory : NULL;
	const bc_cpu_t *oc = old ? old->cpu : NULL;

	if (m != NULL) {
		/* runc: "-1" for memory alone means memory and swap unlimited. */
		if (m->has_limit && m->limit == -1 && !m->has_swap) {
			m->has_swap = true;
			m->swap = -1;
		}
		/* v2 writes swap - limit, and v1 orders the two writes by them. */
		if (om != NULL && m->has_limit && !m->has_swap)
			TAKE(m, om, has_swap, swap);
		if (om != NULL && m->has_swap && !m->has_limit)
			TAKE(m, om, has_limit, limit);
		if (om != NULL && !m->has_check_before_update)
			TAKE(m, om, has_check_before_update, check_before_update);
	}
	/* cpu.max holds both; without the other, the kernel default would replace it. */
	if (c != NULL && oc != NULL && c->has_quota != c->has_period) {
		if (!c->has_quota)
			TAKE(c, oc, has_quota, quota);
		if (!c->has_period)
			TAKE(c, oc, has_period, period);
	}
}

static void merge_memory(bc_memory_t *d, const bc_memory_t *s)
{
	TAKE(d, s, has_limit, limit);
	TAKE(d, s, has_reservation, reservation);
	TAKE(d, s, has_swap, swap);
	TAKE(d, s, has_kernel, kernel);
	TAKE(d, s, has_kernel_tcp, kernel_tcp);
	TAKE(d, s, has_swappiness, swappiness);
	TAKE(d, s, has_disable_oom_killer, disable_oom_killer);
	TAKE(d, s, has_use_hierarchy, use_hierarchy);
	TAKE(d, s, has_check_before_update, check_before_update);
}

static void merge_cpu(bc_cpu_t *d, bc_cpu_t *s)
{
	TAKE(d, s, has_shares, shares);
	TAKE(d, s, has_quota, quota);
	TAKE(d, s, has_burst, burst);
	TAKE(d, s, has_period, period);
	TAKE(d, s, has_realtime_runtime, realtime_runtime);
	TAKE(d, s, has_realtime_period, realtime_period);
	TAKE(d, s, has_idle, idle);
	if (s->cpus != NULL) {
		free(d->cpus);
		d->cpus = steal_ptr(s->cpus);
	}
	if (s->mems != NULL) {
		free(d->mems);
		d->mems = steal_ptr(s->mems);
	}
}

static void merge_block_io(bc_block_io_t *d, bc_block_io_t *s)
{
	TAKE(d, s, has_weight, weight);
	TAKE(d, s, has_leaf_weight, leaf_weight);
	SWAP_LIST(d, s, weight_device, n_weight_device);
	SWAP_LIST(d, s, throttle_read_bps, n_throttle_read_bps);
	SWAP_LIST(d, s, throttle_write_bps, n_throttle_write_bps);
	SWAP_LIST(d, s, throttle_read_iops, n_throttle_read_iops);
	SWAP_LIST(d, s, throttle_write_iops, n_throttle_write_iops);
}

/* Move what w sets into m (w is consumed: what m had goes to w, to be freed with it). */
static void merge_into(bc_resources_t *m, bc_resources_t *w)
{
	if (w->memory != NULL && m->memory == NULL)
		m->memory = steal_ptr(w->memory);
	else if (w->memory != NULL)
		merge_memory(m->memory, w->memory);
	if (w->cpu != NULL && m->cpu == NULL)
		m->cpu = steal_ptr(w->cpu);
	else if (w->cpu != NULL)
		merge_cpu(m->cpu, w->cpu);
	if (w->block_io != NULL && m->block_io == NULL)
		m->block_io = steal_ptr(w->block_io);
	else if (w->block_io != NULL)
		merge_block_io(m->block_io, w->block_io);
	TAKE(m, w, has_pids_limit, pids_limit);
	TAKE(m, w, has_net_class_id, net_class_id);
	SWAP_LIST(m, w, net_priorities, n_net_priorities);
	SWAP_LIST(m, w, hugepage_limits, n_hugepage_limits);
	SWAP_LIST(m, w, rdma, n_rdma);
	SWAP_LIST(m, w, unified, n_unified);
}

int cgroup_update_plan(const bc_resources_t *old, const bc_resources_t *req, bc_resources_t **write,
		       bc_resources_t **merged, bc_error_t **err)
{
	bc_resources_t *w = NULL, *m = NULL, *tmp = NULL;

	*write = *merged = NULL;
	w = bc_resources_dup(req, err);
	if (w == NULL)
		return -1;
	if (w->n_devices > 0)
		bc_debug("update: linux.resources.devices is not changed by update (as runc)");
	/* Dropping the rules keeps them out of both the writes and the merge; they are freed
	 * through a resources record of their own. */
	if (w->n_devices > 0) {
		bc_resources_t *drop = bc_xcalloc(1, sizeof(*drop));

		drop->devices = steal_ptr(w->devices);
		drop->n_devices = w->n_devices;
		w->n_devices = 0;
		bc_resources_free(drop);
	}
	complete_write(w, old);
	m = bc_resources_dup(old, err);
	tmp = m ? bc_resources_dup(w, err) : NULL;
	if (tmp == NULL) {
		bc_resources_free(w);
		bc_resources_free(m);
		return -1;
	}
	merge_into(m, tmp);
	bc_resources_free(tmp);
	*write = w;
	*merged = m;
	return 0;
}
