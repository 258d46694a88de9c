/*
 * Host tests of the file system (kernel/fs) and of mkfs's image builder,
 * under ASan and UBSan.
 *
 * Each test builds an image with FsImage (mkfs/image.h), puts it on a
 * MemDisk (a BlockDevice over a host vector that can "lose power": keep a
 * number of writes and silently drop the rest), mounts it with fs_init()
 * and drives the kernel through its system-call handlers, with host
 * pointers standing in for user addresses (tests/host/fs_host.cc). An
 * independent checker, check_image(), reads the raw disk and verifies every
 * invariant of kernel/fs/layout.h; it also produces a digest of the tree
 * so crash tests can compare states.
 */
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "fake_ram.h"
#include "host_support.h"
#include "mem_disk.h"
#include "kernel/fs/bcache.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/log.h"
#include "kernel/fs/pipe.h"
// The kernel's wait-status macros (uapi/proc.h) have the C library's names.
#undef WIFEXITED
#undef WEXITSTATUS
#include "kernel/proc/proc.h"
#include "kernel/trap/syscall.h"
#include "mkfs/fsck.h"
#include "mkfs/image.h"

namespace {

std::vector<u8> build_image(uint32_t blocks = 4096, uint32_t inodes = 1024, uint32_t log = 64)
{
    FsImage image(blocks, inodes, log);
    image.make_dir("/tmp");
    image.make_device("/dev/null", DEV_NULL, 0);
    image.add_file("/README", std::vector<u8>{'h', 'e', 'l', 'l', 'o', '\n'});
    image.finish();
    REQUIRE_MESSAGE(image.ok(), image.error());
    return image.bytes();
}


#define CHECK_CONSISTENT(disk)                                             \
    do {                                                                   \
        ImageCheck _c = check_image((disk).bytes());                       \
        std::string _all;                                                  \
        for (auto& _e : _c.errors)                                         \
            _all += _e + "\n";                                             \
        CHECK_MESSAGE(_c.errors.empty(), "inconsistent image:\n" << _all); \
    } while (0)

// ---- system calls with host pointers --------------------------------------------------

template <typename T> u64 to_arg(T v)
{
    if constexpr (std::is_pointer_v<T>)
        return u64(uptr(v));
    else
        return u64(i64(v));
}

// Calls a handler as the dispatch does; returns what user space would see.
template <typename... A> long sys(Result<long> (*handler)(const SyscallArgs&), A... a)
{
    SyscallArgs args{};
    u64 values[] = {to_arg(a)..., 0};
    for (size_t i = 0; i + 1 < ARRAY_SIZE(values); i++)
        args.raw[i] = values[i];
    Result<long> result = handler(args);
    // A success is a value >= 0: an error code must come as an Error.
    CHECK((result.is_error() || result.value() >= 0));
    return syscall_return(result);
}

int open_file(const char* path, int flags) { return int(sys(sys_open, path, flags)); }
long write_fd(int fd, const void* data, size_t n) { return sys(sys_write, fd, data, n); }
long read_fd(int fd, void* data, size_t n) { return sys(sys_read, fd, data, n); }
long close_fd(int fd) { return sys(sys_close, fd); }

bool write_file(const char* path, const std::string& data)
{
    int fd = open_file(path, O_CREAT | O_WRONLY | O_TRUNC);
    if (fd < 0)
        return false;
    long n = write_fd(fd, data.data(), data.size());
    close_fd(fd);
    return n == long(data.size());
}

std::string read_file(const char* path)
{
    int fd = open_file(path, O_RDONLY);
    if (fd < 0)
        return "<error " + std::to_string(fd) + ">";
    std::string out;
    char buf[3000];
    long n;
    while ((n = read_fd(fd, buf, sizeof buf)) > 0)
        out.append(buf, size_t(n));
    close_fd(fd);
    return out;
}

struct stat stat_path(const char* path)
{
    struct stat st {};
    int fd = open_file(path, O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK(sys(sys_fstat, fd, &st) == 0);
    close_fd(fd);
    return st;
}

// ---- a mounted file system ------------------------------------------------------------

struct MountedFs {
    FakeRam ram{8 << 20};
    MemDisk disk;

    explicit MountedFs(std::vector<u8> image = build_image()) : disk(std::move(image)) { mount(); }
    ~MountedFs() { unmount(); }

    void mount()
    {
        set_root_block_device(&disk);
        host::capture_output(true); // the mount message
        auto mounted = fs_init();
        host::capture_output(false);
        REQUIRE(mounted.ok());
        current_proc()->cwd = inode_get(FS_ROOT_INODE).value();
    }
    // Closes everything the test left open and checks nothing leaked.
    void unmount()
    {
        disk.power_fails_after(-1);
        fd_close_all();
        if (Inode* cwd = current_proc()->cwd) {
            current_proc()->cwd = nullptr;
            begin_op();
            inode_put(cwd);
            end_op();
        }
        CHECK(bcache_busy_count() == 0);
        CHECK(inode_cache_busy_count() == 0);
        CHECK(host::spinlocks_held() == 0);
        CHECK(host::sleeplocks_held() == 0);
    }
    // What a reboot does: forget every cache, mount again (replaying the log).
    void reboot()
    {
        unmount();
        mount();
    }
};

} // namespace

// ---- mkfs --------------------------------------------------------------------------

TEST_CASE("fs: mkfs builds consistent images and refuses impossible ones")
{
    FsImage image(4096, 1024, 64);
    std::vector<u8> big(300000);
    for (size_t i = 0; i < big.size(); i++)
        big[i] = u8(i * 7);
    CHECK(image.make_dir("/bin"));
    CHECK(image.make_dir("/a/b/c")); // parents made as needed
    CHECK(image.add_file("/bin/prog", big));
    CHECK(image.make_device("/dev/console", DEV_CONSOLE, 0));
    image.finish();
    REQUIRE(image.ok());
    ImageCheck c = check_image(image.bytes());
    CHECK(c.errors.empty());
    CHECK(c.digest.find("/bin/prog 2 300000") != std::string::npos);

    CHECK_FALSE(FsImage(10, 1024, 64).ok());        // too small
    CHECK_FALSE(FsImage(4096, 1, 64).ok());         // no room for the root
    CHECK_FALSE(FsImage(4096, 1024, 8).ok());       // log too small for one operation
    CHECK_FALSE(FsImage(1u << 30, 1024, 64).ok());  // beyond the free-map limit
    FsImage tiny(128, 32, 32);
    CHECK_FALSE(tiny.add_file("/huge", std::vector<u8>(1 << 20)));
    CHECK(tiny.error().find("full") != std::string::npos);
    FsImage names(4096, 1024, 64);
    CHECK_FALSE(names.make_dir("relative"));
    FsImage clash(4096, 1024, 64);
    CHECK(clash.add_file("/f", {}));
    CHECK_FALSE(clash.make_dir("/f/sub"));
}

TEST_CASE("fs: an mkfs image mounts and reads back")
{
    FsImage image(4096, 1024, 64);
    std::vector<u8> big(70000);
    for (size_t i = 0; i < big.size(); i++)
        big[i] = u8(i % 251);
    image.add_file("/bin/prog", big);
    image.make_device("/dev/null", DEV_NULL, 0);
    image.finish();
    MountedFs fs(image.bytes());
    std::string got = read_file("/bin/prog");
    CHECK(got == std::string(big.begin(), big.end()));
    CHECK(stat_path("/bin/prog").type == T_FILE);
    CHECK(stat_path("/bin").type == T_DIR);
    CHECK(stat_path("/bin").nlink == 1);
    CHECK(stat_path("/").nlink == 3); // itself, plus ".." of /bin and /dev
    CHECK(stat_path("/dev/null").type == T_DEVICE);
}

// ---- files and directories -----------------------------------------------------------

TEST_CASE("fs: files are created, written, read back, and removed")
{
    MountedFs fs;
    u32 free_before = count_free_blocks();
    CHECK(write_file("/tmp/a", "hello, disk"));
    CHECK(read_file("/tmp/a") == "hello, disk");
    std::string big(100000, 'x');
    for (size_t i = 0; i < big.size(); i += 97)
        big[i] = char('a' + i % 26);
    CHECK(write_file("/tmp/big", big));
    CHECK(read_file("/tmp/big") == big);
    CHECK(stat_path("/tmp/big").size == big.size());
    CHECK_CONSISTENT(fs.disk);
    fs.reboot();
    CHECK(read_file("/tmp/big") == big); // it reached the disk
    CHECK(sys(sys_unlink, "/tmp/big") == 0);
    CHECK(sys(sys_unlink, "/tmp/a") == 0);
    CHECK(open_file("/tmp/a", O_RDONLY) == ERR_NOTEXIST);
    CHECK(count_free_blocks() == free_before);
    CHECK_CONSISTENT(fs.disk);
}

TEST_CASE("fs: directories, relative paths, chdir, . and ..")
{
    MountedFs fs;
    CHECK(sys(sys_mkdir, "/tmp/d") == 0);
    CHECK(sys(sys_mkdir, "/tmp/d") == ERR_EXIST);
    CHECK(sys(sys_mkdir, "/") == ERR_EXIST);
    CHECK(sys(sys_mkdir, "/tmp/d/e") == 0);
    CHECK(stat_path("/tmp/d").nlink == 2);
    CHECK(sys(sys_chdir, "/tmp/d") == 0);
    CHECK(write_file("e/f", "in e"));
    CHECK(read_file("/tmp/d/e/f") == "in e");
    CHECK(read_file("./e/../e/f") == "in e");
    CHECK(read_file("../d/e/f") == "in e");
    CHECK(read_file("//tmp///d/e//f") == "in e");
    CHECK(stat_path("/..").ino == FS_ROOT_INODE);
    CHECK(sys(sys_chdir, "e/f") == ERR_NOTDIR);
    CHECK(sys(sys_chdir, "nothere") == ERR_NOTEXIST);
    CHECK(open_file("e/f/g", O_RDONLY) == ERR_NOTDIR);
    CHECK(sys(sys_unlink, "e") == ERR_NOTEMPTY);
    CHECK(sys(sys_unlink, ".") == ERR_INVAL);
    CHECK(sys(sys_unlink, "e/..") == ERR_INVAL);
    CHECK(sys(sys_unlink, "/") != 0);
    CHECK(sys(sys_unlink, "e/f") == 0);
    CHECK(sys(sys_chdir, "e") == 0);
    CHECK(sys(sys_unlink, "/tmp/d/e") == 0); // our own cwd: allowed
    // A removed directory holds nothing, and nothing can be made in it.
    CHECK(open_file("x", O_CREAT | O_RDWR) == ERR_NOTEXIST);
    CHECK(open_file(".", O_RDONLY) == ERR_NOTEXIST);
    CHECK(sys(sys_chdir, "/") == 0);
    CHECK(stat_path("/tmp/d").nlink == 1);
    CHECK(sys(sys_unlink, "/tmp/d") == 0);
    CHECK(sys(sys_mkdir, "/nodir/x") == ERR_NOTEXIST);
    CHECK_CONSISTENT(fs.disk);
}

TEST_CASE("fs: links, unlinking open files, open flags, lseek and holes")
{
    MountedFs fs;
    CHECK(write_file("/tmp/a", "0123456789"));
    CHECK(sys(sys_link, "/tmp/a", "/tmp/b") == 0);
    CHECK(sys(sys_link, "/tmp/a", "/tmp/b") == ERR_EXIST);
    CHECK(sys(sys_link, "/tmp", "/tmp2") == ERR_ISDIR);
    CHECK(sys(sys_link, "/nothere", "/x") == ERR_NOTEXIST);
    CHECK(sys(sys_link, "/tmp/a", "/nodir/x") == ERR_NOTEXIST);
    CHECK(stat_path("/tmp/a").nlink == 2); // the failed links were undone
    CHECK(sys(sys_unlink, "/tmp/a") == 0);
    CHECK(read_file("/tmp/b") == "0123456789");

    // An unlinked file lives until its last descriptor closes.
    u32 free_blocks = count_free_blocks();
    int fd = open_file("/tmp/b", O_RDWR);
    CHECK(sys(sys_unlink, "/tmp/b") == 0);
    char buf[16] = {};
    CHECK(read_fd(fd, buf, 4) == 4);
    CHECK(std::string(buf, 4) == "0123");
    CHECK(count_free_blocks() == free_blocks);
    close_fd(fd);
    CHECK(count_free_blocks() == free_blocks + 1);

    CHECK(open_file("/tmp/c", O_CREAT | O_EXCL | O_WRONLY) >= 0);
    CHECK(open_file("/tmp/c", O_CREAT | O_EXCL | O_WRONLY) == ERR_EXIST);
    CHECK(write_file("/tmp/c", "abcdef"));
    fd = open_file("/tmp/c", O_WRONLY | O_APPEND);
    CHECK(write_fd(fd, "gh", 2) == 2);
    CHECK(sys(sys_lseek, fd, 0, SEEK_SET) == 0);
    CHECK(write_fd(fd, "ij", 2) == 2); // O_APPEND: still at the end
    close_fd(fd);
    CHECK(read_file("/tmp/c") == "abcdefghij");
    fd = open_file("/tmp/c", O_RDWR | O_TRUNC);
    CHECK(stat_path("/tmp/c").size == 0);
    // A hole: seek past the end and write; the gap reads as zeros.
    CHECK(sys(sys_lseek, fd, 100000, SEEK_SET) == 100000);
    CHECK(write_fd(fd, "Z", 1) == 1);
    CHECK(sys(sys_lseek, fd, -1, SEEK_END) == 100000);
    CHECK(sys(sys_lseek, fd, -5, SEEK_CUR) == 99995);
    CHECK(sys(sys_lseek, fd, -200000, SEEK_CUR) == ERR_INVAL);
    CHECK(sys(sys_lseek, fd, 0, 7) == ERR_INVAL);
    close_fd(fd);
    std::string holey = read_file("/tmp/c");
    CHECK(holey.size() == 100001);
    CHECK(holey == std::string(100000, '\0') + "Z");
    CHECK_CONSISTENT(fs.disk);
}

TEST_CASE("fs: getdents lists a directory in batches")
{
    MountedFs fs;
    CHECK(sys(sys_mkdir, "/tmp/l") == 0);
    std::set<std::string> made;
    for (int i = 0; i < 100; i++) {
        std::string name = "/tmp/l/file" + std::to_string(i);
        CHECK(write_file(name.c_str(), "x"));
        made.insert("file" + std::to_string(i));
    }
    CHECK(sys(sys_unlink, "/tmp/l/file50") == 0);
    made.erase("file50");
    int fd = open_file("/tmp/l", O_RDONLY);
    std::set<std::string> seen;
    struct dirent batch[7];
    long n;
    while ((n = sys(sys_getdents, fd, batch, 7)) > 0)
        for (long i = 0; i < n; i++)
            seen.insert(batch[i].name);
    CHECK(n == 0);
    CHECK(seen.count(".") == 1);
    CHECK(seen.count("..") == 1);
    seen.erase(".");
    seen.erase("..");
    CHECK(seen == made);
    CHECK(sys(sys_lseek, fd, 0, SEEK_SET) == 0);
    CHECK(sys(sys_getdents, fd, batch, 7) == 7); // rewound
    CHECK(sys(sys_getdents, fd, batch, 0) == ERR_INVAL);
    CHECK(sys(sys_getdents, fd, u64(0x100), 7) == ERR_FAULT);
    int file = open_file("/README", O_RDONLY);
    CHECK(sys(sys_getdents, file, batch, 7) == ERR_NOTDIR);
    CHECK(read_fd(fd, batch, 10) == ERR_ISDIR);
}

TEST_CASE("fs: bad arguments give error codes, never a panic")
{
    MountedFs fs;
    char buf[64];
    CHECK(read_fd(-1, buf, 1) == ERR_BADF);
    CHECK(read_fd(NOFILE, buf, 1) == ERR_BADF);
    CHECK(read_fd(5, buf, 1) == ERR_BADF);
    CHECK(close_fd(5) == ERR_BADF);
    CHECK(sys(sys_dup, 99) == ERR_BADF);
    CHECK(sys(sys_fstat, 1000, buf) == ERR_BADF);
    CHECK(sys(sys_open, u64(0x100), O_RDONLY) == ERR_FAULT);
    CHECK(sys(sys_mkdir, u64(0)) == ERR_FAULT);
    std::string long_path(300, 'p');
    CHECK(open_file(long_path.c_str(), O_RDONLY) == ERR_NAMETOOLONG);
    std::string long_name = "/tmp/" + std::string(FS_NAME_MAX + 1, 'n');
    CHECK(open_file(long_name.c_str(), O_CREAT | O_RDWR) == ERR_NAMETOOLONG);
    long_name.pop_back(); // exactly FS_NAME_MAX: fits
    int fd = open_file(long_name.c_str(), O_CREAT | O_RDWR);
    CHECK(fd >= 0);
    close_fd(fd);
    CHECK(open_file("", O_RDONLY) == ERR_NOTEXIST);
    CHECK(open_file("/README", 0x40000) == ERR_INVAL); // unknown flag
    CHECK(open_file("/README", O_ACCMODE) == ERR_INVAL);
    CHECK(open_file("/tmp", O_WRONLY) == ERR_ISDIR);
    CHECK(open_file("/tmp", O_CREAT | O_RDONLY) == ERR_ISDIR);
    fd = open_file("/README", O_RDONLY);
    CHECK(write_fd(fd, "x", 1) == ERR_BADF);
    CHECK(sys(sys_read, fd, u64(0x10), 5) == ERR_FAULT);
    CHECK(sys(sys_fstat, fd, u64(0x10)) == ERR_FAULT);
    CHECK(read_fd(fd, buf, u64(-1)) == 6); // a huge count stops at the end
    close_fd(fd);
    fd = open_file("/tmp/w", O_CREAT | O_WRONLY);
    CHECK(read_fd(fd, buf, 1) == ERR_BADF);
    CHECK(sys(sys_write, fd, u64(0x20), 10) == ERR_FAULT);
    CHECK(stat_path("/tmp/w").size == 0);
    close_fd(fd);
    CHECK(sys(sys_pipe, u64(0x30)) == ERR_FAULT);
    CHECK(sys(sys_mknod, "/tmp/dev", 0, 0) == ERR_INVAL);
    CHECK(sys(sys_mknod, "/tmp/dev", NDEV, 0) == ERR_INVAL);
    CHECK(sys(sys_mknod, "/tmp/dev", -3, 0) == ERR_INVAL);
    CHECK(sys(sys_mknod, "/tmp/dev", 9, 0) == 0); // no driver yet: fine
    CHECK(sys(sys_mknod, "/tmp/dev", 9, 0) == ERR_EXIST);
    CHECK(open_file("/tmp/dev", O_RDWR) == ERR_NOTEXIST);
    CHECK_CONSISTENT(fs.disk);
}

TEST_CASE("fs: descriptors: dup, shared offsets, and a full table")
{
    MountedFs fs;
    CHECK(write_file("/tmp/f", "abcdef"));
    int fd = open_file("/tmp/f", O_RDONLY);
    int copy = int(sys(sys_dup, fd));
    CHECK(copy > fd);
    char c;
    CHECK(read_fd(fd, &c, 1) == 1);
    CHECK(read_fd(copy, &c, 1) == 1);
    CHECK(c == 'b'); // one File, one offset
    std::vector<int> fds;
    int r;
    while ((r = open_file("/tmp/f", O_RDONLY)) >= 0)
        fds.push_back(r);
    CHECK(r == ERR_MFILE);
    CHECK(sys(sys_dup, fd) == ERR_MFILE);
    int pfds[2];
    CHECK(sys(sys_pipe, pfds) == ERR_MFILE);
    CHECK(fds.size() == size_t(NOFILE - 2));
    close_fd(fds.back());
    CHECK(sys(sys_pipe, pfds) == ERR_MFILE); // one slot is not enough
    CHECK(open_file("/tmp/f", O_RDONLY) == fds.back());
}

TEST_CASE("fs: /dev/null")
{
    MountedFs fs;
    int fd = open_file("/dev/null", O_RDWR);
    REQUIRE(fd >= 0);
    char buf[10];
    CHECK(write_fd(fd, "12345", 5) == 5);
    CHECK(read_fd(fd, buf, sizeof buf) == 0);
    CHECK(sys(sys_lseek, fd, 0, SEEK_SET) == ERR_INVAL);
    struct stat st {};
    CHECK(sys(sys_fstat, fd, &st) == 0);
    CHECK(st.type == T_DEVICE);
}

// ---- running out of space -------------------------------------------------------------

TEST_CASE("fs: a full disk gives ERR_NOSPC and stays consistent")
{
    MountedFs fs(build_image(256, 64, 32));
    u32 free_blocks = count_free_blocks();
    u32 free_inodes = count_free_inodes();
    int fd = open_file("/tmp/fill", O_CREAT | O_WRONLY);
    std::string chunk(10000, 'f');
    long total = 0, r;
    while ((r = write_fd(fd, chunk.data(), chunk.size())) > 0)
        total += r;
    CHECK(r == ERR_NOSPC);
    CHECK(count_free_blocks() == 0);
    // Every data block went to the file: its data and one indirect block.
    CHECK(u64(total) == (free_blocks - 1) * u64(FS_BLOCK_SIZE));
    close_fd(fd);
    CHECK_CONSISTENT(fs.disk);
    CHECK(sys(sys_mkdir, "/tmp/sub") == ERR_NOSPC);  // needs a block
    CHECK(count_free_inodes() == free_inodes - 1); // the failed mkdir gave its inode back
    fd = open_file("/tmp/empty", O_CREAT | O_WRONLY); // needs no block... but /tmp may need one
    if (fd >= 0) {
        CHECK(write_fd(fd, "x", 1) == ERR_NOSPC);
        close_fd(fd);
    } else {
        CHECK(fd == ERR_NOSPC);
    }
    CHECK_CONSISTENT(fs.disk);
    fs.reboot();
    CHECK(stat_path("/tmp/fill").size == u64(total));
    CHECK(sys(sys_unlink, "/tmp/fill") == 0);
    sys(sys_unlink, "/tmp/empty");
    CHECK(count_free_blocks() == free_blocks);
    CHECK(count_free_inodes() == free_inodes);
    CHECK_CONSISTENT(fs.disk);
}

TEST_CASE("fs: running out of inodes gives ERR_NOSPC")
{
    MountedFs fs(build_image(512, 40, 32));
    u32 free_inodes = count_free_inodes();
    std::vector<std::string> names;
    int r;
    for (;;) {
        std::string name = "/tmp/i" + std::to_string(names.size());
        r = open_file(name.c_str(), O_CREAT | O_RDONLY);
        if (r < 0)
            break;
        close_fd(r);
        names.push_back(name);
    }
    CHECK(r == ERR_NOSPC);
    CHECK(names.size() == free_inodes);
    CHECK(sys(sys_mkdir, "/tmp/more") == ERR_NOSPC);
    CHECK_CONSISTENT(fs.disk);
    for (auto& n : names)
        CHECK(sys(sys_unlink, n.c_str()) == 0);
    CHECK(count_free_inodes() == free_inodes);
    CHECK_CONSISTENT(fs.disk);
}

// ---- big files ---------------------------------------------------------------------------

TEST_CASE("fs: a large file through the double-indirect block")
{
    MountedFs fs(build_image(8192, 256, 64));
    u32 free_blocks = count_free_blocks();
    constexpr size_t SIZE = 5 << 20; // 1280 blocks: past 12 + 1024
    std::string data(SIZE, 0);
    for (size_t i = 0; i < SIZE; i++)
        data[i] = char((i * 131) >> 8);
    LogStats before = log_stats();
    CHECK(write_file("/big", data));
    LogStats after = log_stats();
    // Split into operations that each fit in the log.
    CHECK(after.commits - before.commits >= SIZE / inode_write_chunk());
    CHECK(read_file("/big") == data);
    struct stat st = stat_path("/big");
    CHECK(st.size == SIZE);
    Inode* ip = inode_get(st.ino).value();
    inode_lock(ip);
    CHECK(ip->addrs[FS_DOUBLE_SLOT] != 0);
    inode_unlock(ip);
    begin_op();
    inode_put(ip);
    end_op();
    // Reads at odd offsets across the indirect boundaries.
    int fd = open_file("/big", O_RDONLY);
    for (u64 off : {u64(12 * 4096 - 3), u64(1036 * 4096 - 5), u64(SIZE - 10)}) {
        char buf[8];
        CHECK(sys(sys_lseek, fd, off, SEEK_SET) == long(off));
        CHECK(read_fd(fd, buf, 8) == 8);
        CHECK(std::string(buf, 8) == data.substr(off, 8));
    }
    close_fd(fd);
    CHECK_CONSISTENT(fs.disk);
    // The largest offset: writing there is refused, seeking past it too.
    fd = open_file("/big", O_RDWR);
    CHECK(sys(sys_lseek, fd, FS_MAX_FILE_SIZE, SEEK_SET) == long(FS_MAX_FILE_SIZE));
    CHECK(write_fd(fd, "x", 1) == ERR_RANGE);
    CHECK(sys(sys_lseek, fd, FS_MAX_FILE_SIZE + 1, SEEK_SET) == ERR_INVAL);
    // A far write in the double-indirect range (whose top table exists)
    // costs a second-level table and the data block; the rest is a hole.
    u32 free_now = count_free_blocks();
    CHECK(sys(sys_lseek, fd, u64(3) << 30, SEEK_SET) == long(u64(3) << 30));
    CHECK(write_fd(fd, "end", 3) == 3);
    CHECK(count_free_blocks() == free_now - 2);
    close_fd(fd);
    CHECK_CONSISTENT(fs.disk);
    CHECK(sys(sys_unlink, "/big") == 0);
    CHECK(count_free_blocks() == free_blocks);
    CHECK_CONSISTENT(fs.disk);
}

TEST_CASE("fs: truncating a file to any size frees exactly what lies past it")
{
    // inode_resize (ftruncate): a sparse file with blocks under the direct
    // addresses, the single-indirect block and two second-level blocks of
    // the double-indirect one, cut back step by step across every boundary.
    MountedFs fs(build_image(8192, 256, 64));
    u32 free_blocks = count_free_blocks();
    const std::vector<u64> written = {0, 5, 11, 12, 13, 500, 1035, 1036, 1037, 2059, 2060, 3000};
    int fd = open_file("/sparse", O_CREAT | O_RDWR);
    REQUIRE(fd >= 0);
    u32 free_empty = count_free_blocks(); // with the (empty) file made
    for (u64 b : written) {
        std::string block(FS_BLOCK_SIZE, char('A' + b % 26));
        CHECK(sys(sys_lseek, fd, b * FS_BLOCK_SIZE, SEEK_SET) == long(b * FS_BLOCK_SIZE));
        CHECK(write_fd(fd, block.data(), block.size()) == long(block.size()));
    }
    CHECK_CONSISTENT(fs.disk);
    File* f = fd_get(fd).value();
    const std::vector<u64> cuts = {3001 * 4096, 2060 * 4096 + 7, 2060 * 4096, 1500 * 4096 + 1, 1037 * 4096,
                                   1036 * 4096 + 4095, 1036 * 4096, 1035 * 4096 + 100, 13 * 4096, 12 * 4096 + 1,
                                   12 * 4096, 11 * 4096, 6 * 4096 + 3, 1, 0};
    for (u64 size : cuts) {
        CAPTURE(size);
        LogStats before = log_stats();
        REQUIRE(file_truncate(f, size).ok());
        // One operation, within the per-operation limit.
        CHECK(log_stats().blocks_written - before.blocks_written <= FS_MAX_OP_BLOCKS);
        CHECK(stat_path("/sparse").size == size);
        CHECK_CONSISTENT(fs.disk);
        // Exactly the blocks below the new end stay, with the indirect
        // blocks that reach them.
        u64 keep = (size + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE;
        u32 used = 0;
        for (u64 b : written)
            used += b < keep;
        used += keep > 12;                 // the single-indirect block
        used += keep > 1036;               // the double-indirect top
        used += keep > 1036;               // its first second-level block
        used += keep > 1036 + 1024;        // and its second
        CHECK(count_free_blocks() == free_empty - used);
        for (u64 b : written) {
            u64 off = b * FS_BLOCK_SIZE;
            char c = 0;
            CHECK(sys(sys_lseek, fd, off, SEEK_SET) == long(off));
            long n = read_fd(fd, &c, 1);
            if (off < size)
                CHECK((n == 1 && c == char('A' + b % 26)));
            else
                CHECK(n == 0);
        }
    }
    // Growing makes a hole; what a cut inside a block removed reads as zero.
    std::string block(FS_BLOCK_SIZE, 'x');
    CHECK(sys(sys_lseek, fd, 0, SEEK_SET) == 0);
    CHECK(write_fd(fd, block.data(), block.size()) == long(block.size()));
    REQUIRE(file_truncate(f, 100).ok());
    REQUIRE(file_truncate(f, 3 * FS_BLOCK_SIZE).ok());
    std::string expect = std::string(100, 'x') + std::string(3 * FS_BLOCK_SIZE - 100, '\0');
    CHECK(read_file("/sparse") == expect);
    CHECK(file_truncate(f, FS_MAX_FILE_SIZE + 1).error_code() == ERR_INVAL);
    close_fd(fd);
    // O_TRUNC empties it; a read-only descriptor may not resize.
    fd = open_file("/sparse", O_RDONLY);
    CHECK(file_truncate(fd_get(fd).value(), 0).error_code() == ERR_ACCESS);
    close_fd(fd);
    fd = open_file("/sparse", O_RDWR | O_TRUNC);
    CHECK(stat_path("/sparse").size == 0);
    close_fd(fd);
    CHECK(sys(sys_unlink, "/sparse") == 0);
    CHECK(count_free_blocks() == free_blocks);
    CHECK_CONSISTENT(fs.disk);
}

// ---- crashes -------------------------------------------------------------------------------

namespace {

// Runs `op` on a fresh mount of `image` with power failing after `keep`
// writes (keep < 0: never), reboots, and returns the recovered image.
std::vector<u8> crash_run(const std::vector<u8>& image, const std::function<void()>& op, long keep,
                          std::vector<u32>* writes = nullptr)
{
    MountedFs fs(image);
    fs.disk.writes.clear();
    fs.disk.power_fails_after(keep);
    op();
    if (writes)
        *writes = fs.disk.writes;
    // Closing what op left open may write too: power is still out.
    fd_close_all();
    fs.reboot(); // unmount restores power, mount replays the log
    CHECK_CONSISTENT(fs.disk);
    return fs.disk.bytes();
}

void check_crash_atomicity(const std::vector<u8>& image, const std::function<void()>& op)
{
    std::string old_state = check_image(image).digest;
    std::vector<u32> writes;
    std::string new_state = check_image(crash_run(image, op, -1, &writes)).digest;
    REQUIRE(old_state != new_state);
    u32 log_header = reinterpret_cast<const DiskSuperblock*>(&image[FS_SUPERBLOCK * FS_BLOCK_SIZE])->log_start;
    size_t commit_point = std::find(writes.begin(), writes.end(), log_header) - writes.begin();
    REQUIRE(commit_point < writes.size());
    for (long keep = 0; keep <= long(writes.size()); keep++) {
        CAPTURE(keep);
        std::string state = check_image(crash_run(image, op, keep)).digest;
        if (size_t(keep) > commit_point)
            CHECK(state == new_state); // committed: recovery finishes it
        else
            CHECK(state == old_state); // not committed: as if it never ran
    }
}

std::vector<u8> image_with_files()
{
    FsImage image(1024, 128, 32);
    image.make_dir("/d");
    image.add_file("/d/victim", std::vector<u8>(50000, 'v'));
    image.add_file("/empty", {});
    image.finish();
    return image.bytes();
}

} // namespace

TEST_CASE("fs: crash recovery: every crash point of a commit is all or nothing")
{
    std::vector<u8> image = image_with_files();
    SUBCASE("mkdir") { check_crash_atomicity(image, [] { CHECK(sys(sys_mkdir, "/d/sub") == 0); }); }
    SUBCASE("unlink a file with blocks")
    {
        check_crash_atomicity(image, [] { CHECK(sys(sys_unlink, "/d/victim") == 0); });
    }
    SUBCASE("write into a file")
    {
        // The open has its own operation; crash only around the write.
        check_crash_atomicity(image, [] {
            int fd = open_file("/empty", O_WRONLY);
            std::string data(30000, 'w');
            CHECK(write_fd(fd, data.data(), data.size()) == long(data.size()));
        });
    }
    SUBCASE("create a file") { check_crash_atomicity(image, [] { CHECK(open_file("/d/new", O_CREAT | O_RDWR) >= 0); }); }
}

TEST_CASE("fs: recovery replays a committed log left by a crash")
{
    // Power fails right after the commit point: nothing is installed yet,
    // so only the log holds the change.
    std::vector<u8> image = image_with_files();
    std::vector<u32> writes;
    crash_run(image, [] { sys(sys_mkdir, "/d/logged"); }, -1, &writes);
    u32 log_header = reinterpret_cast<const DiskSuperblock*>(&image[FS_SUPERBLOCK * FS_BLOCK_SIZE])->log_start;
    long commit = std::find(writes.begin(), writes.end(), log_header) - writes.begin();
    REQUIRE(size_t(commit) < writes.size());
    std::vector<u8> recovered = crash_run(image, [] { sys(sys_mkdir, "/d/logged"); }, commit + 1);
    CHECK(check_image(recovered).digest.find("/d/logged dir") != std::string::npos);
}

// ---- pipes ------------------------------------------------------------------------------------

TEST_CASE("fs: pipes move data, see end of file, and report a missing reader")
{
    MountedFs fs;
    int p[2];
    REQUIRE(sys(sys_pipe, p) == 0);
    CHECK(write_fd(p[1], "hello", 5) == 5);
    struct stat st {};
    CHECK(sys(sys_fstat, p[0], &st) == 0);
    CHECK(st.type == T_PIPE);
    CHECK(st.size == 5);
    char buf[PIPE_SIZE + 100];
    CHECK(read_fd(p[0], buf, sizeof buf) == 5);
    CHECK(write_fd(p[0], "x", 1) == ERR_BADF);
    CHECK(read_fd(p[1], buf, 1) == ERR_BADF);
    CHECK(sys(sys_lseek, p[0], 0, SEEK_SET) == ERR_INVAL);

    // Full pipe: the writer "sleeps" until the hook plays a reader.
    std::string sent(PIPE_SIZE + 3000, 0);
    for (size_t i = 0; i < sent.size(); i++)
        sent[i] = char(i % 253);
    std::string received;
    host::set_wait_hook([&] {
        char piece[1000];
        long n = read_fd(p[0], piece, sizeof piece);
        REQUIRE(n > 0);
        received.append(piece, size_t(n));
    });
    CHECK(write_fd(p[1], sent.data(), sent.size()) == long(sent.size()));
    host::set_wait_hook(nullptr);
    long n;
    while (received.size() < sent.size() && (n = read_fd(p[0], buf, sizeof buf)) > 0)
        received.append(buf, size_t(n));
    CHECK(received == sent);

    // Empty pipe, killed reader: ERR_INTR instead of sleeping forever.
    host::set_killed(true);
    CHECK(read_fd(p[0], buf, 1) == ERR_INTR);
    host::set_killed(false);

    CHECK(close_fd(p[1]) == 0);
    CHECK(read_fd(p[0], buf, 1) == 0); // end of file
    CHECK(close_fd(p[0]) == 0);

    REQUIRE(sys(sys_pipe, p) == 0);
    CHECK(close_fd(p[0]) == 0);
    CHECK(write_fd(p[1], "x", 1) == ERR_PIPE);
    CHECK(close_fd(p[1]) == 0);
}
