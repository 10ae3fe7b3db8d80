/* SPDX-License-Identifier: MIT */
/*
 * linux.netDevices over raw rtnetlink.
 *
 * For each device: look it up and read its addresses on a socket of the runtime's own (the
 * host's) network namespace, move and rename it there in one RTM_NEWLINK (IFLA_NET_NS_FD with
 * IFLA_IFNAME), then, on a socket made inside the container's namespace, add back the
 * addresses the move dropped and set the link up.  The runtime itself never changes
 * namespace: a short-lived child joins the container's and hands its socket over.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "barco/log.h"
#include "barco/netdev.h"
#include "barco/util.h"

#define NAME_RULES "(1 to 15 characters, none of '/', ':' or blanks, not \".\" or \"..\")"

/* Flags of an address that say how the user configured it (the rest is state: tentative,
 * deprecated, ...) and that RTM_NEWADDR takes back. */
#define ADDR_KEPT_FLAGS                                                                            \
	(IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE |            \
	 IFA_F_MCAUTOJOIN)

/* ---------------------------------------------------------------- validation */

/* What the kernel's dev_valid_name refuses with EINVAL, refused before anything exists. */
static bool netdev_valid_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *c = name; *c; c++) {
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			return false;
	}
	return true;
}

/* A template has one "%d" and no other '%' (the kernel's __dev_alloc_name). */
static bool netdev_valid_template(const char *name)
{
	const char *p = strchr(name, '%');

	return p == NULL || (p[1] == 'd' && strchr(p + 2, '%') == NULL);
}

static int netdev_check_names(const bc_linux_t *l, bc_error_t **err)
{
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const bc_net_device_t *d = &l->net_devices[i];

		/* No device on the host has a '%' in its name: the kernel expands them. */
		if (!netdev_valid_name(d->host_name) || strchr(d->host_name, '%'))
			return bc_error_set(err, 0,
					    "config.json: linux.netDevices[\"%s\"]: not a valid "
					    "interface name " NAME_RULES,
					    d->host_name);
		if (d->name && (!netdev_valid_name(d->name) || !netdev_valid_template(d->name)))
			return bc_error_set(
			    err, 0,
			    "config.json: linux.netDevices[\"%s\"].name: \"%s\" is not "
			    "a valid interface name " NAME_RULES ", nor a template with one %%d",
			    d->host_name, d->name);
	}
	return 0;
}

int netdev_validate(const bc_spec_t *spec, bc_error_t **err)
{
	const bc_linux_t *l = spec->linux_;
	const bc_namespace_t *net;
	struct stat own, joined;

	if (l == NULL || l->n_net_devices == 0)
		return 0;
	if (netdev_check_names(l, err) < 0)
		return -1;
	net = bc_spec_namespace(spec, BC_NS_NETWORK);
	if (net == NULL)
		return bc_error_set(err, 0,
				    "config.json: linux.netDevices: moving network devices needs a "
				    "network namespace in linux.namespaces");
	/* A path is fine (runc allows it too) unless it leads back to our own namespace, where
	 * "moving" would at most rename a host interface. */
	if (net->path == NULL)
		return 0;
	if (stat("/proc/self/ns/net", &own) < 0)
		return bc_error_errno(err, "stat /proc/self/ns/net");
	if (stat(net->path, &joined) < 0)
		return bc_error_errno(
		    err, "config.json: linux.namespaces: stat network namespace %s", net->path);
	if (own.st_dev == joined.st_dev && own.st_ino == joined.st_ino)
		return bc_error_set(
		    err, 0,
		    "config.json: linux.netDevices: the network namespace %s is the "
		    "runtime's own: network devices can only move into another one",
		    net->path);
	return 0;
}

/* ---------------------------------------------------------------- rtnetlink */

struct nl {
	int fd;
	uint32_t seq;
	char *buf; /* replies, grown to the largest datagram */
	size_t cap;
};

static void nl_closep(struct nl *nl)
{
	if (nl->fd >= 0)
		bc_closep(&nl->fd);
	free(nl->buf);
	nl->buf = NULL;
}
#define cleanup_nl __attribute__((cleanup(nl_closep)))

/* One request: header, family header and a few small attributes (names, addresses). */
typedef union nl_req {
	struct nlmsghdr h;
	char raw[512];
} nl_req_t;

static void *nl_start(nl_req_t *r, uint16_t type, uint16_t flags, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(len);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	return NLMSG_DATA(&r->h);
}

static void nl_put(nl_req_t *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->h.nlmsg_len);
	struct rtattr *a = (struct rtattr *)(r->raw + off);

	/* The attributes are ours and of fixed size: running out of room is a bug. */
	if (off + RTA_SPACE(len) > sizeof(r->raw))
		abort();
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
}

/* One datagram from the kernel, into a buffer grown to its size. */
static ssize_t nl_recv(struct nl *nl)
{
	struct sockaddr_nl from;
	socklen_t fromlen;
	ssize_t n;

	for (;;) {
		n = recv(nl->fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if ((size_t)n > nl->cap) {
			nl->buf = bc_xrealloc(nl->buf, (size_t)n);
			nl->cap = (size_t)n;
		}
		fromlen = sizeof(from);
		n = recvfrom(nl->fd, nl->buf, nl->cap, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		/* Only the kernel (port 0) answers us: any other sender is not. */
		if (from.nl_pid == 0)
			return n;
	}
}

typedef void (*nl_cb)(const struct nlmsghdr *h, void *arg);

/* The kernel's verdict on request seq in one reply message: 1 to go on reading. */
static int nl_verdict(const struct nlmsghdr *h, nl_cb cb, void *arg)
{
	int e;

	if (h->nlmsg_type == NLMSG_ERROR) {
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			return -EBADMSG;
		return ((const struct nlmsgerr *)NLMSG_DATA(h))->error; /* 0: the ACK */
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return 0;
		memcpy(&e, NLMSG_DATA(h), sizeof(e));
		return e < 0 ? e : 0;
	}
	if (cb)
		cb(h, arg);
	return 1;
}

/* Send r, hand every reply to cb, and wait for the ACK or the end of the dump.  Returns 0 or
 * a negative errno: the kernel's answer, or the socket's own failure. */
static int nl_talk(struct nl *nl, nl_req_t *r, nl_cb cb, void *arg)
{
	uint32_t seq = ++nl->seq;
	/* NLM_F_DUMP's bits mean REPLACE and EXCL on a RTM_NEW*: only a RTM_GET* dumps. */
	bool dump = (r->h.nlmsg_type & 3) == 2 && (r->h.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	r->h.nlmsg_seq = seq;
	if (!dump)
		r->h.nlmsg_flags |= NLM_F_ACK;
	while (send(nl->fd, r, r->h.nlmsg_len, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	for (;;) {
		ssize_t n = nl_recv(nl);
		size_t left = n < 0 ? 0 : (size_t)n;
		char *p = nl->buf;

		if (n < 0)
			return -errno;
		while (left >= sizeof(struct nlmsghdr)) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)p;
			size_t step = NLMSG_ALIGN(h->nlmsg_len);
			int v;

			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > left)
				return -EBADMSG;
			if (h->nlmsg_seq == seq) {
				v = nl_verdict(h, cb, arg);
				if (v <= 0)
					return v;
			}
			if (step >= left)
				break;
			p += step;
			left -= step;
		}
	}
}

/* ---------------------------------------------------------------- links */

struct nd_link {
	int index;
	char name[IFNAMSIZ];
};

struct nd_links {
	struct nd_link *v;
	size_t n;
};

static void nd_links_free(struct nd_links *ls)
{
	free(ls->v);
}
#define cleanup_links __attribute__((cleanup(nd_links_free)))

static void link_parse(const struct nlmsghdr *h, struct nd_link *l)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	const struct rtattr *a;

	if (h->nlmsg_type != RTM_NEWLINK || len < 0)
		return;
	l->index = ifi->ifi_index;
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME)
			snprintf(l->name, sizeof(l->name), "%.*s", (int)RTA_PAYLOAD(a),
				 (const char *)RTA_DATA(a));
	}
}

static void link_cb(const struct nlmsghdr *h, void *arg)
{
	link_parse(h, arg);
}

static void links_cb(const struct nlmsghdr *h, void *arg)
{
	struct nd_links *ls = arg;
	struct nd_link l = {0};

	link_parse(h, &l);
	if (l.index <= 0)
		return;
	ls->v = bc_xrealloc(ls->v, (ls->n + 1) * sizeof(*ls->v));
	ls->v[ls->n++] = l;
}

/* The link with this index, or (index 0) this name: -ENODEV when there is none. */
static int link_get(struct nl *nl, int index, const char *name, struct nd_link *out)
{
	nl_req_t r;
	struct ifinfomsg *ifi = nl_start(&r, RTM_GETLINK, 0, sizeof(*ifi));
	int e;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	if (name)
		nl_put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	memset(out, 0, sizeof(*out));
	e = nl_talk(nl, &r, link_cb, out);
	if (e == 0 && out->index <= 0)
		e = -ENODEV;
	return e;
}

static int link_dump(struct nl *nl, struct nd_links *out)
{
	nl_req_t r;
	struct ifinfomsg *ifi = nl_start(&r, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	return nl_talk(nl, &r, links_cb, out);
}

/* One request moves and renames.  The kernel moves the device under its host name (straight
 * under the new one only if the host name is taken in the target), then renames it there,
 * expanding a "%d" template among the target's names.  A clash of the new name thus shows
 * only after the move: the caller looks for one first. */
static int link_move(struct nl *host, int index, int netns_fd, const char *name)
{
	nl_req_t r;
	struct ifinfomsg *ifi = nl_start(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	uint32_t fd = (uint32_t)netns_fd;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	nl_put(&r, IFLA_NET_NS_FD, &fd, sizeof(fd));
	nl_put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	return nl_talk(host, &r, NULL, NULL);
}

static int link_set_up(struct nl *nl, int index)
{
	nl_req_t r;
	struct ifinfomsg *ifi = nl_start(&r, RTM_NEWLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, &r, NULL, NULL);
}

/* ---------------------------------------------------------------- addresses */

struct nd_addr {
	unsigned char family, prefixlen, alen;
	bool has_local, has_address, has_broadcast, has_priority, has_proto;
	unsigned char local[16], address[16], broadcast[16];
	uint32_t flags, priority;
	uint8_t proto;
};

struct nd_addrs {
	int index; /* of the device whose addresses are collected */
	struct nd_addr *v;
	size_t n;
};

static void nd_addrs_free(struct nd_addrs *as)
{
	free(as->v);
}
#define cleanup_addrs __attribute__((cleanup(nd_addrs_free)))

/* Copy an attribute of the expected size; false (nothing copied) for any other size. */
static bool addr_take(void *dst, const void *src, size_t len, size_t want)
{
	if (len != want)
		return false;
	memcpy(dst, src, len);
	return true;
}

static void addr_attr(struct nd_addr *a, const struct rtattr *at)
{
	size_t len = RTA_PAYLOAD(at);
	const void *data = RTA_DATA(at);

	switch (at->rta_type) {
	case IFA_LOCAL:
		a->has_local = addr_take(a->local, data, len, a->alen);
		break;
	case IFA_ADDRESS:
		a->has_address = addr_take(a->address, data, len, a->alen);
		break;
	case IFA_BROADCAST:
		a->has_broadcast = addr_take(a->broadcast, data, len, a->alen);
		break;
	case IFA_FLAGS: /* the full flags; ifa_flags holds their low 8 bits */
		addr_take(&a->flags, data, len, sizeof(a->flags));
		break;
	case IFA_RT_PRIORITY:
		a->has_priority = addr_take(&a->priority, data, len, sizeof(a->priority));
		break;
	case IFA_PROTO:
		a->has_proto = addr_take(&a->proto, data, len, sizeof(a->proto));
		break;
	default:
		break;
	}
}

static void addrs_cb(const struct nlmsghdr *h, void *arg)
{
	struct nd_addrs *as = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifa));
	struct nd_addr a = {0};
	const struct rtattr *at;

	if (h->nlmsg_type != RTM_NEWADDR || len < 0 || (int)ifa->ifa_index != as->index)
		return;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return;
	a.family = ifa->ifa_family;
	a.alen = ifa->ifa_family == AF_INET ? 4 : 16;
	a.prefixlen = ifa->ifa_prefixlen;
	a.flags = ifa->ifa_flags;
	for (at = IFA_RTA(ifa); RTA_OK(at, len); at = RTA_NEXT(at, len))
		addr_attr(&a, at);
	/* Only what was configured for good and for the world (RFC 3549 2.3.3.2): dynamic
	 * addresses and link- or host-scoped ones belong to the namespace they were made in. */
	if (!(a.flags & IFA_F_PERMANENT) || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return;
	if (!a.has_local && !a.has_address)
		return;
	as->v = bc_xrealloc(as->v, (as->n + 1) * sizeof(*as->v));
	as->v[as->n++] = a;
}

static int addr_dump(struct nl *nl, int index, struct nd_addrs *out)
{
	nl_req_t r;
	struct ifaddrmsg *ifa = nl_start(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));

	ifa->ifa_family = AF_UNSPEC;
	out->index = index;
	return nl_talk(nl, &r, addrs_cb, out);
}

static int addr_add(struct nl *nl, int index, const struct nd_addr *a)
{
	nl_req_t r;
	struct ifaddrmsg *ifa =
	    nl_start(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));
	uint32_t flags = a->flags & ADDR_KEPT_FLAGS;

	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_flags = (unsigned char)flags;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)index;
	/* No IFA_LABEL: an IPv4 label starts with the old name, wrong after a rename. */
	if (a->has_local)
		nl_put(&r, IFA_LOCAL, a->local, a->alen);
	if (a->has_address)
		nl_put(&r, IFA_ADDRESS, a->address, a->alen);
	if (a->has_broadcast)
		nl_put(&r, IFA_BROADCAST, a->broadcast, a->alen);
	nl_put(&r, IFA_FLAGS, &flags, sizeof(flags));
	if (a->has_priority)
		nl_put(&r, IFA_RT_PRIORITY, &a->priority, sizeof(a->priority));
	if (a->has_proto)
		nl_put(&r, IFA_PROTO, &a->proto, sizeof(a->proto));
	return nl_talk(nl, &r, NULL, NULL);
}

static const char *addr_str(const struct nd_addr *a, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->family, a->has_local ? a->local : a->address, ip, sizeof(ip));
	snprintf(buf, size, "%s/%u", ip, a->prefixlen);
	return buf;
}

/* ---------------------------------------------------------------- the container's socket */

struct nd_hello {
	int step; /* 0: the socket comes with this message; 1: setns failed; 2: socket failed */
	int errnum;
};

static __attribute__((noreturn)) void netdev_socket_child(int netns_fd, int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct nd_hello m = {0, 0};
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	int fd = -1;

	if (setns(netns_fd, CLONE_NEWNET) < 0)
		m = (struct nd_hello){1, errno};
	else if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
		m = (struct nd_hello){2, errno};
	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
	_exit(m.step == 0 ? 0 : 1);
}

/* Receive the child's report: its socket, or -1 with err set. */
static int netdev_socket_recv(int sock, bc_error_t **err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct nd_hello m = {0, 0};
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return bc_error_errno(err, "netDevices: receive the container's netlink socket");
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (n == (ssize_t)sizeof(m) && m.step == 0 && fd >= 0 && !(msg.msg_flags & MSG_CTRUNC))
		return fd;
	if (fd >= 0)
		close(fd);
	if (n == (ssize_t)sizeof(m) && m.step == 1)
		return bc_error_set(err, m.errnum,
				    "netDevices: join the container's network namespace");
	if (n == (ssize_t)sizeof(m) && m.step == 2)
		return bc_error_set(
		    err, m.errnum,
		    "netDevices: create a netlink socket in the container's network namespace");
	return bc_error_set(err, 0,
			    "netDevices: the helper joining the container's network namespace died "
			    "without an answer");
}

/* A NETLINK_ROUTE socket of the namespace behind netns_fd. */
static int netdev_container_socket(int netns_fd, bc_error_t **err)
{
	cleanup_close int mine = -1;
	cleanup_close int theirs = -1;
	int sv[2], fd;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return bc_error_errno(err, "netDevices: create socketpair");
	mine = sv[0];
	theirs = sv[1];
	pid = fork();
	if (pid < 0)
		return bc_error_errno(err,
				      "netDevices: fork to join the container's network namespace");
	if (pid == 0)
		netdev_socket_child(netns_fd, theirs);
	close(steal_fd(theirs));
	fd = netdev_socket_recv(mine, err);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/* ---------------------------------------------------------------- one device */

struct nd_move {
	const bc_net_device_t *d;
	const char *want; /* name in the container, or template */
	bool tmpl;
	struct nd_link host;  /* before the move */
	struct nd_link moved; /* after */
};

static const char *netdev_as(const struct nd_move *m, char *buf, size_t size)
{
	if (strcmp(m->want, m->d->host_name) == 0)
		return "";
	snprintf(buf, size, " as %s", m->want);
	return buf;
}

static int netdev_move_error(const struct nd_move *m, int e, bc_error_t **err)
{
	char as[IFNAMSIZ + 8];

	if (e == -EEXIST && !m->tmpl)
		return bc_error_set_code(err, EEXIST,
					 "netDevices: move %s into the container%s: the container "
					 "already has a device %s (a name ending in %%d lets the "
					 "kernel pick a free one)",
					 m->d->host_name, netdev_as(m, as, sizeof(as)), m->want);
	if (e == -EINVAL)
		return bc_error_set(err, EINVAL,
				    "netDevices: move %s into the container%s (some devices, like "
				    "lo, cannot leave their network namespace)",
				    m->d->host_name, netdev_as(m, as, sizeof(as)));
	return bc_error_set(err, -e, "netDevices: move %s into the container%s", m->d->host_name,
			    netdev_as(m, as, sizeof(as)));
}

/* The device that is in after but not in before: the moved one, when the kernel had to give
 * it a new index and a template hides its name. */
static int netdev_find_new(struct nl *ctr, const struct nd_links *before, struct nd_move *m,
			   bc_error_t **err)
{
	cleanup_links struct nd_links after = {0};
	size_t found = 0;
	int e = link_dump(ctr, &after);

	if (e < 0)
		return bc_error_set(err, -e, "netDevices: %s: list the container's devices",
				    m->d->host_name);
	for (size_t i = 0; i < after.n; i++) {
		bool old = false;

		for (size_t j = 0; j < before->n && !old; j++)
			old = before->v[j].index == after.v[i].index;
		if (!old && found++ == 0)
			m->moved = after.v[i];
	}
	if (found != 1)
		return bc_error_set(
		    err, 0,
		    "netDevices: %s: moved, but %zu devices appeared in the "
		    "container's network namespace at once: cannot tell which it is",
		    m->d->host_name, found);
	return 0;
}

/* Before the move, in the container's namespace: whether the device's index is free there
 * (the kernel then keeps it), and that the new name is not taken (it would fail the rename
 * only once the device is in). */
static int netdev_probe(struct nl *ctr, struct nd_move *m, bool *index_free, bc_error_t **err)
{
	struct nd_link probe;
	int e = link_get(ctr, m->host.index, NULL, &probe);

	*index_free = e == -ENODEV;
	if (e == 0 || *index_free)
		e = m->tmpl ? -ENODEV : link_get(ctr, 0, m->want, &probe);
	if (e == 0)
		return netdev_move_error(m, -EEXIST, err);
	if (e != -ENODEV)
		return bc_error_set(err, -e,
				    "netDevices: %s: look into the container's network namespace",
				    m->d->host_name);
	return 0;
}

/* Move it and find it again in the container: by its index when the kernel could keep it,
 * else by its name, or, for a template, as what is new in a list taken before the move. */
static int netdev_move_find(struct nl *host, struct nl *ctr, int netns_fd, struct nd_move *m,
			    bc_error_t **err)
{
	cleanup_links struct nd_links before = {0};
	bool index_free;
	int e;

	if (netdev_probe(ctr, m, &index_free, err) < 0)
		return -1;
	if (!index_free && m->tmpl && (e = link_dump(ctr, &before)) < 0)
		return bc_error_set(err, -e, "netDevices: %s: list the container's devices",
				    m->d->host_name);
	e = link_move(host, m->host.index, netns_fd, m->want);
	if (e < 0)
		return netdev_move_error(m, e, err);
	if (!index_free && m->tmpl)
		return netdev_find_new(ctr, &before, m, err);
	e = index_free ? link_get(ctr, m->host.index, NULL, &m->moved)
		       : link_get(ctr, 0, m->want, &m->moved);
	if (e < 0)
		return bc_error_set(err, -e,
				    "netDevices: %s: find it in the container after the move",
				    m->d->host_name);
	return 0;
}

static int netdev_move_one(struct nl *host, struct nl *ctr, int netns_fd, const bc_net_device_t *d,
			   bc_error_t **err)
{
	cleanup_addrs struct nd_addrs addrs = {0};
	struct nd_move m = {.d = d, .want = d->name ? d->name : d->host_name};
	char ab[INET6_ADDRSTRLEN + 8];
	int e;

	m.tmpl = strchr(m.want, '%') != NULL;
	e = link_get(host, 0, d->host_name, &m.host);
	if (e < 0)
		return bc_error_set(err, -e, "netDevices: move %s into the container",
				    d->host_name);
	/* Read before the move: the kernel drops every address of a device leaving a namespace. */
	e = addr_dump(host, m.host.index, &addrs);
	if (e < 0)
		return bc_error_set(err, -e, "netDevices: %s: read its addresses", d->host_name);
	if (netdev_move_find(host, ctr, netns_fd, &m, err) < 0)
		return -1;
	for (size_t i = 0; i < addrs.n; i++) {
		e = addr_add(ctr, m.moved.index, &addrs.v[i]);
		if (e < 0)
			return bc_error_set(
			    err, -e, "netDevices: %s: add address %s to %s in the container",
			    d->host_name, addr_str(&addrs.v[i], ab, sizeof(ab)), m.moved.name);
	}
	e = link_set_up(ctr, m.moved.index);
	if (e < 0)
		return bc_error_set(err, -e, "netDevices: %s: set %s up in the container",
				    d->host_name, m.moved.name);
	bc_debug("netDevices: %s moved into the container as %s (index %d), %zu address(es)",
		 d->host_name, m.moved.name, m.moved.index, addrs.n);
	return 0;
}

int netdev_move_all(const bc_spec_t *spec, pid_t pid, int netns_fd, bc_error_t **err)
{
	const bc_linux_t *l = spec->linux_;
	cleanup_close int own_fd = -1;
	cleanup_nl struct nl host = {.fd = -1};
	cleanup_nl struct nl ctr = {.fd = -1};
	char path[64];

	if (l == NULL || l->n_net_devices == 0)
		return 0;
	if (netns_fd < 0) {
		/* Our child (or adopted grandchild), not yet reaped: the pid can't be reused. */
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		own_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (own_fd < 0)
			return bc_error_errno(err, "netDevices: open %s", path);
		netns_fd = own_fd;
	}
	host.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (host.fd < 0)
		return bc_error_errno(err, "netDevices: create a netlink socket");
	ctr.fd = netdev_container_socket(netns_fd, err);
	if (ctr.fd < 0)
		return -1;
	for (size_t i = 0; i < l->n_net_devices; i++) {
		if (netdev_move_one(&host, &ctr, netns_fd, &l->net_devices[i], err) < 0)
			return -1;
	}
	return 0;
}
