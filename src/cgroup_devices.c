/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "barco/cgroup_devices.h"
#include "barco/cgroup_v2.h"
#include "barco/log.h"
#include "barco/util.h"

#define RES "linux.resources.devices"

/* ---- the rule list ---- */

struct default_rule {
	const char *path; /* the node it is for, NULL when none */
	char type;
	int64_t major, minor;
	unsigned int access;
};

/* runc's AllowedDevices (libcontainer/specconv), in its order. */
static const struct default_rule default_rules[] = {
    {NULL, 'c', CGROUP_DEV_ANY, CGROUP_DEV_ANY, CGROUP_DEV_MKNOD},
    {NULL, 'b', CGROUP_DEV_ANY, CGROUP_DEV_ANY, CGROUP_DEV_MKNOD},
    {"/dev/null", 'c', 1, 3, CGROUP_DEV_RWM},
    {"/dev/random", 'c', 1, 8, CGROUP_DEV_RWM},
    {"/dev/full", 'c', 1, 7, CGROUP_DEV_RWM},
    {"/dev/tty", 'c', 5, 0, CGROUP_DEV_RWM},
    {"/dev/zero", 'c', 1, 5, CGROUP_DEV_RWM},
    {"/dev/urandom", 'c', 1, 9, CGROUP_DEV_RWM},
    {NULL, 'c', 136, CGROUP_DEV_ANY, CGROUP_DEV_RWM}, /* /dev/pts/N */
    {NULL, 'c', 5, 2, CGROUP_DEV_RWM},		      /* /dev/ptmx */
};

int cgroup_devices_parse_access(const char *s)
{
	int bits = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s == 'r')
			bits |= CGROUP_DEV_READ;
		else if (*s == 'w')
			bits |= CGROUP_DEV_WRITE;
		else if (*s == 'm')
			bits |= CGROUP_DEV_MKNOD;
		else
			return -1;
	}
	return bits;
}

static int check_number(bool has, int64_t v, size_t i, const char *what, int64_t *out,
			bc_error_t **err)
{
	if (!has || v == CGROUP_DEV_ANY) {
		*out = CGROUP_DEV_ANY;
		return 0;
	}
	if (v < 0 || v > (int64_t)UINT32_MAX)
		return bc_error_set(err, 0,
				    RES "[%zu].%s: %" PRId64
					" is not a device number (0 to 4294967295, or -1 for all)",
				    i, what, v);
	*out = v;
	return 0;
}

int cgroup_devices_rule_from_spec(const bc_device_cgroup_t *d, size_t i, cgroup_dev_rule_t *out,
				  bc_error_t **err)
{
	char type = d->type ? d->type : 'a';
	int access;

	if (type != 'a' && type != 'b' && type != 'c')
		return bc_error_set(err, 0, RES "[%zu].type: \"%c\" is not a, b or c", i, type);
	if (d->access == NULL || *d->access == '\0')
		return bc_error_set(err, 0,
				    RES "[%zu].access: missing (a combination of r, w and m)", i);
	access = cgroup_devices_parse_access(d->access);
	if (access < 0)
		return bc_error_set(err, 0,
				    RES "[%zu].access: \"%s\" has a letter other than r, w and m",
				    i, d->access);
	*out = (cgroup_dev_rule_t){
	    .allow = d->allow, .type = type, .access = (unsigned int)access, .src = (int)i};
	if (check_number(d->has_major, d->major, i, "major", &out->major, err) < 0 ||
	    check_number(d->has_minor, d->minor, i, "minor", &out->minor, err) < 0)
		return -1;
	return 0;
}

static bool default_replaced(const bc_spec_t *spec, const char *path)
{
	const bc_linux_t *lx = spec ? spec->linux_ : NULL;

	for (size_t i = 0; path && lx && i < lx->n_devices; i++)
		if (lx->devices[i].path && strcmp(lx->devices[i].path, path) == 0)
			return true;
	return false;
}

int cgroup_devices_rules(const bc_spec_t *spec, cgroup_dev_rule_t **out, size_t *n,
			 bc_error_t **err)
{
	const bc_resources_t *r = spec && spec->linux_ ? spec->linux_->resources : NULL;
	size_t nspec = r ? r->n_devices : 0, count = 0;
	cleanup_free cgroup_dev_rule_t *v = NULL;

	*out = NULL;
	*n = 0;
	if (nspec + BC_ARRAY_SIZE(default_rules) > CGROUP_DEV_MAX_RULES)
		return bc_error_set(err, 0, RES ": %zu rules, more than the %d supported", nspec,
				    CGROUP_DEV_MAX_RULES - (int)BC_ARRAY_SIZE(default_rules));
	v = bc_xcalloc(nspec + BC_ARRAY_SIZE(default_rules), sizeof(*v));
	for (size_t i = 0; i < nspec; i++)
		if (cgroup_devices_rule_from_spec(&r->devices[i], i, &v[count++], err) < 0)
			return -1;
	for (size_t i = 0; i < BC_ARRAY_SIZE(default_rules); i++) {
		const struct default_rule *d = &default_rules[i];

		if (default_replaced(spec, d->path)) {
			bc_debug("cgroup: linux.devices has %s: its default rule is left out",
				 d->path);
			continue;
		}
		v[count++] = (cgroup_dev_rule_t){.allow = true,
						 .type = d->type,
						 .major = d->major,
						 .minor = d->minor,
						 .access = d->access,
						 .src = -1};
	}
	*out = steal_ptr(v);
	*n = count;
	return 0;
}

static void number_string(char *buf, size_t size, int64_t v)
{
	if (v == CGROUP_DEV_ANY)
		snprintf(buf, size, "*");
	else
		snprintf(buf, size, "%" PRId64, v);
}

char *cgroup_devices_rule_string(const cgroup_dev_rule_t *r)
{
	char major[24], minor[24], access[4];
	size_t k = 0;

	number_string(major, sizeof(major), r->major);
	number_string(minor, sizeof(minor), r->minor);
	if (r->access & CGROUP_DEV_READ)
		access[k++] = 'r';
	if (r->access & CGROUP_DEV_WRITE)
		access[k++] = 'w';
	if (r->access & CGROUP_DEV_MKNOD)
		access[k++] = 'm';
	access[k] = '\0';
	return bc_xasprintf("%c %s:%s %s", r->type, major, minor, access);
}

/* "linux.resources.devices[3] (deny c 1:9 rwm)" or "the default allow c 1:3 rwm". */
static char *rule_name(const cgroup_dev_rule_t *r)
{
	cleanup_free char *s = cgroup_devices_rule_string(r);

	if (r->src < 0)
		return bc_xasprintf("the default allow %s", s);
	return bc_xasprintf(RES "[%d] (%s %s)", r->src, r->allow ? "allow" : "deny", s);
}

static bool number_matches(int64_t rule, uint32_t v)
{
	return rule == CGROUP_DEV_ANY || (uint64_t)rule == v;
}

static bool rule_matches(const cgroup_dev_rule_t *r, char type, uint32_t major, uint32_t minor)
{
	return (r->type == 'a' || r->type == type) && number_matches(r->major, major) &&
	       number_matches(r->minor, minor);
}

/* A rule matching every device with every access: nothing before it counts. */
static bool full_reset(const cgroup_dev_rule_t *r)
{
	return r->type == 'a' && r->major == CGROUP_DEV_ANY && r->minor == CGROUP_DEV_ANY &&
	       r->access == CGROUP_DEV_RWM;
}

bool cgroup_devices_allows(const cgroup_dev_rule_t *rules, size_t n, char type, uint32_t major,
			   uint32_t minor, unsigned int access)
{
	for (unsigned int bit = 1; bit <= CGROUP_DEV_WRITE; bit <<= 1) {
		bool allowed = false;

		if (!(access & bit))
			continue;
		for (size_t i = n; i-- > 0;) {
			if ((rules[i].access & bit) &&
			    rule_matches(&rules[i], type, major, minor)) {
				allowed = rules[i].allow;
				break;
			}
		}
		if (!allowed)
			return false;
	}
	return true;
}

/* ---- the eBPF program ---- */

struct prog {
	struct bpf_insn *v;
	size_t n, cap;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->v = bc_xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] =
	    (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

#define LDX_W(p, dst, off)     emit(p, BPF_LDX | BPF_W | BPF_MEM, dst, BPF_REG_1, off, 0)
#define ALU32(p, op, dst, k)   emit(p, BPF_ALU | (op) | BPF_K, dst, 0, 0, k)
#define MOV64(p, dst, k)       emit(p, BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, k)
#define JNE32(p, dst, k, off)  emit(p, BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, k)
#define JSET32(p, dst, k, off) emit(p, BPF_JMP32 | BPF_JSET | BPF_K, dst, 0, off, k)
#define JA(p, off)	       emit(p, BPF_JMP | BPF_JA, 0, 0, off, 0)
#define EXIT(p)		       emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers the prologue fills from struct bpf_cgroup_dev_ctx. */
enum { R_TYPE = BPF_REG_2, R_ACCESS = BPF_REG_3, R_MAJOR = BPF_REG_4, R_MINOR = BPF_REG_5 };

/* One rule inside the section of one access: jumps past itself unless the device matches,
 * then denies (return 0) or, allowing, jumps to the section's end (next access).  Returns
 * whether it matches every device (nothing after it would be reachable). */
static bool emit_rule(struct prog *p, const cgroup_dev_rule_t *r, size_t *allow_jumps,
		      size_t *n_allow)
{
	int conds = (r->type != 'a') + (r->major != CGROUP_DEV_ANY) + (r->minor != CGROUP_DEV_ANY);
	int left = conds + (r->allow ? 1 : 2);

	if (r->type != 'a')
		JNE32(p, R_TYPE, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
		      (int16_t)--left);
	if (r->major != CGROUP_DEV_ANY)
		JNE32(p, R_MAJOR, (int32_t)(uint32_t)r->major, (int16_t)--left);
	if (r->minor != CGROUP_DEV_ANY)
		JNE32(p, R_MINOR, (int32_t)(uint32_t)r->minor, (int16_t)--left);
	if (r->allow) {
		allow_jumps[(*n_allow)++] = p->n;
		JA(p, 0); /* patched: to the end of the section */
	} else {
		MOV64(p, BPF_REG_0, 0);
		EXIT(p);
	}
	return conds == 0;
}

/* The section for one access bit: skipped when the request lacks it; the rules holding the
 * bit from the last to the first; no match: deny. */
static void emit_section(struct prog *p, const cgroup_dev_rule_t *rules, size_t n, unsigned int bit,
			 size_t *jumps)
{
	size_t n_jumps = 0;
	bool complete = false;

	JSET32(p, R_ACCESS, (int32_t)bit, 1);
	jumps[n_jumps++] = p->n;
	JA(p, 0); /* patched: the request does not ask for this access */
	for (size_t i = n; i-- > 0 && !complete;)
		if (rules[i].access & bit)
			complete = emit_rule(p, &rules[i], jumps, &n_jumps);
	if (!complete) {
		MOV64(p, BPF_REG_0, 0);
		EXIT(p);
	}
	for (size_t i = 0; i < n_jumps; i++)
		p->v[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
}

int cgroup_devices_bpf_program(const cgroup_dev_rule_t *rules, size_t n, struct bpf_insn **out,
			       size_t *count, bc_error_t **err)
{
	static const unsigned int bits[] = {CGROUP_DEV_MKNOD, CGROUP_DEV_READ, CGROUP_DEV_WRITE};
	cleanup_free size_t *jumps = NULL;
	struct prog p = {0};

	*out = NULL;
	*count = 0;
	/* A section is at most 2 + 5 * n + 2 instructions; its jumps have 16-bit offsets. */
	if (n > CGROUP_DEV_MAX_RULES)
		return bc_error_set(err, 0, RES ": %zu rules, more than the %d supported", n,
				    CGROUP_DEV_MAX_RULES);
	jumps = bc_xcalloc(n + 1, sizeof(*jumps));
	/* access_type: the device type in the low 16 bits, the access in the high ones. */
	LDX_W(&p, R_TYPE, 0);
	ALU32(&p, BPF_AND, R_TYPE, 0xffff);
	LDX_W(&p, R_ACCESS, 0);
	ALU32(&p, BPF_RSH, R_ACCESS, 16);
	LDX_W(&p, R_MAJOR, 4);
	LDX_W(&p, R_MINOR, 8);
	for (size_t i = 0; i < BC_ARRAY_SIZE(bits); i++)
		emit_section(&p, rules, n, bits[i], jumps);
	/* Every access the request holds was allowed. */
	MOV64(&p, BPF_REG_0, 1);
	EXIT(&p);
	*out = p.v;
	*count = p.n;
	return 0;
}

/* ---- cgroup v1 ---- */

struct v1_exception {
	char type;
	int64_t major, minor;
	unsigned int access;
};

/* Every device E matches is matched by R too. */
static bool covers(const struct v1_exception *r, const struct v1_exception *e)
{
	return r->type == e->type && (r->major == CGROUP_DEV_ANY || r->major == e->major) &&
	       (r->minor == CGROUP_DEV_ANY || r->minor == e->minor);
}

/* Some device is matched by both. */
static bool overlaps(const struct v1_exception *a, const struct v1_exception *b)
{
	return a->type == b->type &&
	       (a->major == CGROUP_DEV_ANY || b->major == CGROUP_DEV_ANY || a->major == b->major) &&
	       (a->minor == CGROUP_DEV_ANY || b->minor == CGROUP_DEV_ANY || a->minor == b->minor);
}

struct v1_model {
	bool default_allow;
	struct v1_exception *ex;
	size_t n;
};

/* A rule with the default's action: take its access from the exceptions it covers; one it
 * only overlaps keeps it, and v1 has no way to say "except this part". */
static int v1_subtract(struct v1_model *m, const struct v1_exception *r,
		       const cgroup_dev_rule_t *rule, bc_error_t **err)
{
	size_t k = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (covers(r, &m->ex[i]))
			m->ex[i].access &= ~r->access;
		if (m->ex[i].access != 0)
			m->ex[k++] = m->ex[i];
	}
	m->n = k;
	for (size_t i = 0; i < m->n; i++) {
		cleanup_free char *name = NULL, *wide = NULL;
		cgroup_dev_rule_t w;

		if (!overlaps(r, &m->ex[i]) || !(m->ex[i].access & r->access))
			continue;
		w = (cgroup_dev_rule_t){.allow = !m->default_allow,
					.type = m->ex[i].type,
					.major = m->ex[i].major,
					.minor = m->ex[i].minor,
					.access = m->ex[i].access};
		name = rule_name(rule);
		wide = cgroup_devices_rule_string(&w);
		return bc_error_set(err, 0,
				    "cgroup: %s cannot be enforced on cgroup v1: it would punch a "
				    "hole in the earlier %s %s (the v1 devices controller keeps "
				    "whole entries only)",
				    name, w.allow ? "allow" : "deny", wide);
	}
	return 0;
}

static void v1_add(struct v1_model *m, const struct v1_exception *r)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->ex[i].type == r->type && m->ex[i].major == r->major &&
		    m->ex[i].minor == r->minor) {
			m->ex[i].access |= r->access;
			return;
		}
	}
	m->ex = bc_xrealloc(m->ex, (m->n + 1) * sizeof(*m->ex));
	m->ex[m->n++] = *r;
}

static int v1_model_build(const cgroup_dev_rule_t *rules, size_t n, struct v1_model *m,
			  bc_error_t **err)
{
	size_t start = 0;

	/* The last full reset decides the default; the rules before it do not count. */
	for (size_t i = n; i-- > 0;) {
		if (full_reset(&rules[i])) {
			start = i + 1;
			m->default_allow = rules[i].allow;
			break;
		}
	}
	for (size_t i = start; i < n; i++) {
		const cgroup_dev_rule_t *r = &rules[i];
		static const char both[] = {'c', 'b'};

		for (size_t t = 0; t < 2; t++) {
			struct v1_exception e = {r->type == 'a' ? both[t] : r->type, r->major,
						 r->minor, r->access};

			if (r->type != 'a' && t > 0)
				break;
			if (r->allow != m->default_allow)
				v1_add(m, &e);
			else if (v1_subtract(m, &e, r, err) < 0)
				return -1;
		}
	}
	return 0;
}

int cgroup_devices_v1_files(const cgroup_dev_rule_t *rules, size_t n, bc_kv_t **out, size_t *count,
			    bc_error_t **err)
{
	struct v1_model m = {0};
	cgroup_kvlist_t l = {0};

	*out = NULL;
	*count = 0;
	if (v1_model_build(rules, n, &m, err) < 0) {
		free(m.ex);
		return -1;
	}
	/* First the default, which also empties the exception list (the kernel refuses it on
	 * a cgroup with children; ours has none yet). */
	cgroup_kvlist_add(&l, m.default_allow ? "devices.allow" : "devices.deny", bc_xstrdup("a"));
	for (size_t i = 0; i < m.n; i++) {
		cgroup_dev_rule_t r = {.type = m.ex[i].type,
				       .major = m.ex[i].major,
				       .minor = m.ex[i].minor,
				       .access = m.ex[i].access};

		cgroup_kvlist_add(&l, m.default_allow ? "devices.deny" : "devices.allow",
				  cgroup_devices_rule_string(&r));
	}
	free(m.ex);
	*out = l.v;
	*count = l.n;
	return 0;
}

/* ---- applying ---- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The verifier's last words: its log ends with the reason. */
static char *verifier_reason(char *log)
{
	size_t len = strlen(log);
	char *p;

	while (len > 0 && (log[len - 1] == '\n' || log[len - 1] == ' '))
		log[--len] = '\0';
	if (len == 0)
		return bc_xstrdup("no log");
	p = strrchr(log, '\n');
	/* "processed N insns ..." is a summary; the line before it says what went wrong. */
	if (p && bc_str_has_prefix(p + 1, "processed ")) {
		*p = '\0';
		p = strrchr(log, '\n');
	}
	p = p ? p + 1 : log;
	if (strlen(p) > 300)
		p[300] = '\0';
	return bc_xstrdup(p);
}

static int load_prog(const struct bpf_insn *prog, size_t count, const char *shown, bc_error_t **err)
{
	const size_t log_size = 1 << 20;
	cleanup_free char *log = NULL;
	cleanup_free char *reason = NULL;
	union bpf_attr attr;
	long fd;
	int e;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = (uint32_t)count;
	/* No helper is called: any license will do. */
	attr.license = (uint64_t)(uintptr_t) "MIT";
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return (int)fd;
	e = errno;
	if (e == ENOSYS)
		return bc_error_set(err, e,
				    "cgroup: load the device eBPF program for %s (the kernel has "
				    "no bpf(); linux.resources.devices needs CONFIG_BPF_SYSCALL "
				    "on cgroup v2)",
				    shown);
	/* Again, with the verifier's log, to say why. */
	log = bc_xcalloc(1, log_size);
	attr.log_level = 1;
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = (uint32_t)log_size;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0) /* it worked the second time: keep it */
		return (int)fd;
	reason = verifier_reason(log);
	return bc_error_set_code(err, e,
				 "cgroup: load the device eBPF program for %s: %s (verifier: %s)",
				 shown, strerror(e), reason);
}

int cgroup_devices_attach_bpf(int dirfd, const struct bpf_insn *prog, size_t count,
			      const char *shown, bc_error_t **err)
{
	cleanup_close int fd = load_prog(prog, count, shown, err);
	union bpf_attr attr;

	if (fd < 0)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)dirfd;
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return bc_error_errno(err, "cgroup: attach the device eBPF program to %s", shown);
	return 0;
}

static int apply_v2(int dirfd, const cgroup_dev_rule_t *rules, size_t n, const char *shown,
		    bc_error_t **err)
{
	cleanup_free struct bpf_insn *prog = NULL;
	size_t count = 0;

	if (cgroup_devices_bpf_program(rules, n, &prog, &count, err) < 0)
		return -1;
	bc_debug("cgroup: %zu device rules, an eBPF program of %zu instructions on %s", n, count,
		 shown);
	return cgroup_devices_attach_bpf(dirfd, prog, count, shown, err);
}

static int apply_v1(int dirfd, const cgroup_dev_rule_t *rules, size_t n, const char *shown,
		    bc_error_t **err)
{
	bc_kv_t *kv = NULL;
	size_t nkv = 0;
	int ret;

	if (cgroup_devices_v1_files(rules, n, &kv, &nkv, err) < 0)
		return -1;
	bc_debug("cgroup: %zu device rules, %zu devices.allow/deny writes in %s", n, nkv, shown);
	ret = cgroup_v2_write_files(dirfd, kv, nkv, err);
	cgroup_v2_kv_free(kv, nkv);
	if (ret < 0)
		return bc_error_wrap(err, "%s", shown);
	return 0;
}

int cgroup_devices_apply(int dirfd, bool v2, const bc_spec_t *spec, const char *shown,
			 bc_error_t **err)
{
	cleanup_free cgroup_dev_rule_t *rules = NULL;
	size_t n = 0;

	if (cgroup_devices_rules(spec, &rules, &n, err) < 0)
		return -1;
	return v2 ? apply_v2(dirfd, rules, n, shown, err) : apply_v1(dirfd, rules, n, shown, err);
}
