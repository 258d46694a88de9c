/*
 * check_image: verifies a Tandem file system image on the host, for
 * `mkfs --check` and the host unit tests. It reads only the raw bytes and
 * layout.h, sharing no code with the kernel, so it is an independent judge
 * of what the kernel wrote.
 *
 * It checks every invariant listed in kernel/fs/layout.h: a sane
 * superblock; block addresses inside the data region and used once; the
 * free map matching exactly the metadata and the blocks in use; valid
 * inode types; "." and ".." first in every directory and pointing at the
 * right inodes; unique, well-formed names; no entry naming a free inode;
 * every allocated inode reachable from the root; nlink equal to the links
 * found. The log is expected to be empty (a mounted and cleanly stopped or
 * recovered file system).
 */
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

struct ImageCheck {
    std::vector<std::string> errors; // empty: consistent
    // One line "path dir" or "path TYPE SIZE CHECKSUM" per name, sorted by
    // path: equal digests mean equal trees and contents.
    std::string digest;
};

ImageCheck check_image(const std::vector<uint8_t>& image);
