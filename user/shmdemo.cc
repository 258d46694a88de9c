/*
 * shmdemo: two processes sharing memory through the original interface,
 * for trying it from the shell.
 *
 *   shmdemo producer NAME [COUNT]   create NAME, then COUNT times (default 10)
 *                                   write a numbered message under the region lock
 *   shmdemo consumer NAME [COUNT]   map NAME and print each new message
 *
 *   $ shmdemo producer board 20 &
 *   $ shmdemo consumer board 20
 *
 * The producer destroys the region when it is done, which waits until the
 * consumer has unmapped it.
 */
#include "include/shm.h"
#include "include/ulib.h"

namespace {

struct Board {
    int sequence;   // number of the latest message
    char text[120]; // the message
};

int usage()
{
    fprintf(2, "usage: shmdemo producer NAME [COUNT]\n"
               "       shmdemo consumer NAME [COUNT]\n");
    return 2;
}

int fail(const char* what, int code)
{
    fprintf(2, "shmdemo: %s: %s\n", what, errstr(code));
    return 1;
}

int producer(const char* name, int count)
{
    int r = createSharedRegion(name, sizeof(Board), 0);
    if (r < 0)
        return fail("createSharedRegion", r);
    Board* board;
    if ((r = createMapping(name, (void**)&board)) < 0)
        return fail("createMapping", r);
    for (int i = 1; i <= count; i++) {
        lockSharedRegion(name);
        snprintf(board->text, sizeof board->text, "message %d from pid %d", i, getpid());
        board->sequence = i;
        unlockSharedRegion(name);
        sleep(200);
    }
    destroyMapping(name, board);
    printf("producer: done, waiting for readers to let go\n");
    r = destroySharedRegion(name);
    return r < 0 ? fail("destroySharedRegion", r) : 0;
}

int consumer(const char* name, int count)
{
    Board* board;
    int r;
    // The producer may not have created it yet.
    for (int tries = 0; (r = createMapping(name, (void**)&board)) == ERR_NOTEXIST && tries < 50; tries++)
        sleep(100);
    if (r < 0)
        return fail("createMapping", r);
    int seen = 0;
    while (seen < count) {
        r = lockSharedRegion(name);
        if (r == ERR_ABANDONED)
            printf("consumer: the producer died holding the lock\n");
        else if (r < 0)
            return fail("lockSharedRegion", r);
        if (board->sequence != seen) {
            seen = board->sequence;
            printf("consumer: %s\n", board->text);
        }
        unlockSharedRegion(name);
        sleep(50);
    }
    destroyMapping(name, board);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3 || argc > 4)
        return usage();
    int count = argc == 4 ? atoi(argv[3]) : 10;
    if (count <= 0)
        return usage();
    if (!strcmp(argv[1], "producer"))
        return producer(argv[2], count);
    if (!strcmp(argv[1], "consumer"))
        return consumer(argv[2], count);
    return usage();
}
