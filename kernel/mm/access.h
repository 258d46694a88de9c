/*
 * The kind of memory access a page fault (or a user-memory copy) makes:
 * what the fault handler checks against a region's protections.
 */
#pragma once

enum class Access { Read, Write, Execute };
