/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "barco/sealed_exe.h"
#include "barco/util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool fd_is_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

bool bc_sealed_exe_is_sealed(void)
{
	cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	return fd >= 0 && fd_is_sealed(fd);
}

static int memfd_for_exec(bc_error_t **err)
{
	/* MFD_EXEC: where vm.memfd_noexec makes memfds non-executable by default. */
	int fd = memfd_create("barco", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("barco", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return bc_error_errno(err, "memfd_create for a sealed copy of the runtime");
	return fd;
}

/* How much of the binary execve needs: up to the end of its last segment.  Section headers,
 * symbols and debug info come after and are left out (a -g build is 3.5 times larger).
 * Anything unexpected: the whole file. */
static off_t exec_size(int fd, off_t file_size)
{
	Elf64_Ehdr eh;
	off_t end;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 128)
		return file_size;
	end = (off_t)(eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr));
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return file_size;
		if ((off_t)(ph.p_offset + ph.p_filesz) > end)
			end = (off_t)(ph.p_offset + ph.p_filesz);
	}
	return end > file_size ? file_size : end;
}

int bc_sealed_exe_ensure(char **argv, bc_error_t **err)
{
	cleanup_close int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	cleanup_close int copy = -1;
	struct stat st;
	off_t off = 0, size;

	if (self < 0)
		return bc_error_errno(err, "open /proc/self/exe");
	if (fd_is_sealed(self))
		return 0;
	if (fstat(self, &st) < 0)
		return bc_error_errno(err, "stat /proc/self/exe");
	copy = memfd_for_exec(err);
	if (copy < 0)
		return -1;
	size = exec_size(self, st.st_size);
	while (off < size) {
		ssize_t n = sendfile(copy, self, &off, (size_t)(size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bc_error_errno(err, "copy the runtime binary into a memfd");
		if (n == 0)
			return bc_error_set(err, EIO,
					    "copy the runtime binary: it shrank while read");
	}
	/* F_SEAL_EXEC (Linux 6.3) also stops a chmod of the copy; older kernels lack it. */
	if (fcntl(copy, F_ADD_SEALS, REQUIRED_SEALS | F_SEAL_EXEC) < 0 &&
	    (errno != EINVAL || fcntl(copy, F_ADD_SEALS, REQUIRED_SEALS) < 0))
		return bc_error_errno(err, "seal the runtime's memfd copy");
	syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
	return bc_error_errno(err, "re-execute the runtime from its sealed copy");
}
