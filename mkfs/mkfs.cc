/*
 * mkfs: builds a Tandem file system image on the host.
 *
 *   mkfs [-b BLOCKS] [-i INODES] [-l LOG] IMAGE [ITEM...]
 *   mkfs --check IMAGE
 *
 * The image is written to IMAGE.tmp and renamed into place only when
 * everything fit, so a failed run never leaves a half-made image behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../kernel/uapi/fcntl.h"
#include "fsck.h"
#include "image.h"

namespace {

void usage(FILE* out)
{
    fprintf(out,
            "usage: mkfs [-b BLOCKS] [-i INODES] [-l LOG] IMAGE [ITEM...]\n"
            "       mkfs --check IMAGE\n"
            "Builds a Tandem file system image of %u-byte blocks, or checks one.\n"
            "\n"
            "options:\n"
            "  -b BLOCKS   size of the image in blocks (default %u = %u MiB; %u..%u)\n"
            "  -i INODES   number of inodes (default %u; 2..%u)\n"
            "  -l LOG      log blocks, header included (default %u; %u..%u)\n"
            "  --check     check IMAGE's consistency instead (exit status 1 if broken)\n"
            "  -h          show this help\n"
            "\n"
            "items, applied in order (missing parent directories are created):\n"
            "  -d PATH                  a directory\n"
            "  -f PATH HOSTFILE         a regular file with HOSTFILE's contents\n"
            "  -n PATH MAJOR MINOR      a device node; MAJOR may be 'console' or 'null'\n"
            "\n"
            "example: mkfs fs.img -d /tmp -n /dev/console console 0 -f /README README.md\n",
            FS_BLOCK_SIZE, FS_DEFAULT_BLOCKS, FS_DEFAULT_BLOCKS * FS_BLOCK_SIZE >> 20, FS_MIN_BLOCKS, FS_MAX_BLOCKS,
            FS_DEFAULT_INODES, FS_MAX_INODES, FS_DEFAULT_LOG_BLOCKS, FS_MIN_LOG_BLOCKS, FS_LOG_MAX_ENTRIES + 1);
}

[[noreturn]] void bad_usage(const std::string& message)
{
    fprintf(stderr, "mkfs: %s\n\n", message.c_str());
    usage(stderr);
    exit(2);
}

bool parse_number(const char* text, uint32_t max, uint32_t* out)
{
    if (!text || !*text)
        return false;
    char* end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (*end || errno || v > max || text[0] == '-')
        return false;
    *out = uint32_t(v);
    return true;
}

uint32_t number_arg(const char* option, const char* text, uint32_t max)
{
    uint32_t v;
    if (!parse_number(text, max, &v))
        bad_usage(std::string(option) + " needs a number up to " + std::to_string(max) + ", not '" +
                  (text ? text : "") + "'");
    return v;
}

uint16_t major_arg(const char* text)
{
    if (text && strcmp(text, "console") == 0)
        return DEV_CONSOLE;
    if (text && strcmp(text, "null") == 0)
        return DEV_NULL;
    return uint16_t(number_arg("-n MAJOR", text, 0xFFFF));
}

int check(const char* path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        fprintf(stderr, "mkfs: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ImageCheck result = check_image(bytes);
    for (const std::string& e : result.errors)
        fprintf(stderr, "mkfs: %s: %s\n", path, e.c_str());
    if (!result.errors.empty())
        return 1;
    size_t names = size_t(std::count(result.digest.begin(), result.digest.end(), '\n'));
    printf("mkfs: %s: consistent (%zu names)\n", path, names);
    return 0;
}

struct Item {
    char kind; // 'd', 'f', 'n'
    std::string path;
    std::string host_file;
    uint16_t major = 0, minor = 0;
};

} // namespace

int main(int argc, char** argv)
{
    uint32_t blocks = FS_DEFAULT_BLOCKS, inodes = FS_DEFAULT_INODES, log_blocks = FS_DEFAULT_LOG_BLOCKS;
    std::string image_path;
    std::vector<Item> items;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto next = [&](const char* what) -> const char* {
            if (i + 1 >= argc)
                bad_usage(a + " needs " + what);
            return argv[++i];
        };
        if (a == "-h" || a == "--help") {
            usage(stdout);
            return 0;
        } else if (a == "--check") {
            if (i + 2 != argc)
                bad_usage("--check takes exactly one IMAGE");
            return check(argv[i + 1]);
        } else if (a == "-b" && image_path.empty()) {
            blocks = number_arg("-b", next("BLOCKS"), FS_MAX_BLOCKS);
        } else if (a == "-i" && image_path.empty()) {
            inodes = number_arg("-i", next("INODES"), FS_MAX_INODES);
        } else if (a == "-l" && image_path.empty()) {
            log_blocks = number_arg("-l", next("LOG"), FS_LOG_MAX_ENTRIES + 1);
        } else if (a == "-d" || a == "-f" || a == "-n") {
            if (image_path.empty())
                bad_usage("IMAGE must come before the items");
            Item item;
            item.kind = a[1];
            item.path = next("PATH");
            if (item.kind == 'f') {
                item.host_file = next("HOSTFILE");
            } else if (item.kind == 'n') {
                item.major = major_arg(next("MAJOR"));
                item.minor = uint16_t(number_arg("-n MINOR", next("MINOR"), 0xFFFF));
            }
            items.push_back(item);
        } else if (!a.empty() && a[0] != '-' && image_path.empty()) {
            image_path = a;
        } else {
            bad_usage("unexpected argument '" + a + "'");
        }
    }
    if (image_path.empty())
        bad_usage("no IMAGE given");

    FsImage image(blocks, inodes, log_blocks);
    for (const Item& item : items) {
        if (item.kind == 'd') {
            image.make_dir(item.path);
        } else if (item.kind == 'n') {
            image.make_device(item.path, item.major, item.minor);
        } else {
            std::ifstream in(item.host_file, std::ios::binary);
            if (!in) {
                fprintf(stderr, "mkfs: cannot read %s: %s\n", item.host_file.c_str(), strerror(errno));
                return 1;
            }
            std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            image.add_file(item.path, data);
        }
        if (!image.ok())
            break;
    }
    image.finish();
    if (!image.ok()) {
        fprintf(stderr, "mkfs: %s: %s\n", image_path.c_str(), image.error().c_str());
        return 1;
    }

    std::string tmp = image_path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(image.bytes().data()), std::streamsize(image.bytes().size()));
        if (!out) {
            fprintf(stderr, "mkfs: cannot write %s\n", tmp.c_str());
            remove(tmp.c_str());
            return 1;
        }
    }
    if (rename(tmp.c_str(), image_path.c_str()) != 0) {
        fprintf(stderr, "mkfs: cannot rename %s to %s: %s\n", tmp.c_str(), image_path.c_str(), strerror(errno));
        remove(tmp.c_str());
        return 1;
    }
    const DiskSuperblock& sb = image.superblock();
    printf("mkfs: %s: %u blocks of %u bytes, %u inodes, log %u blocks; used %u blocks (%u data), %u inodes\n",
           image_path.c_str(), sb.block_count, FS_BLOCK_SIZE, sb.inode_count, sb.log_blocks, image.blocks_used(),
           image.blocks_used() - sb.data_start, image.inodes_used());
    return 0;
}
