/*
 * IntrusiveList: a circular doubly-linked list whose nodes live inside the
 * objects they link, so insertion and removal never allocate and an object
 * can remove itself in O(1) knowing only its own address.
 *
 * An object on several lists has one ListNode per list. A node that is not
 * on a list points at itself; is_linked() tells the two apart.
 * The list does no locking: whoever owns the list's lock owns its nodes.
 */
#pragma once

#include "types.h"

struct ListNode {
    ListNode* prev = this;
    ListNode* next = this;

    ListNode() = default;
    ListNode(const ListNode&) = delete;
    ListNode& operator=(const ListNode&) = delete;

    bool is_linked() const { return next != this; }

    // Unlinks this node from whatever list it is on (no-op if none).
    void unlink()
    {
        prev->next = next;
        next->prev = prev;
        prev = next = this;
    }

    void insert_before(ListNode* at)
    {
        prev = at->prev;
        next = at;
        at->prev->next = this;
        at->prev = this;
    }
};

template <typename T, ListNode T::*Member> class IntrusiveList {
public:
    IntrusiveList() = default;
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    bool is_empty() const { return !m_head.is_linked(); }

    void push_back(T* item) { (item->*Member).insert_before(&m_head); }
    void push_front(T* item) { (item->*Member).insert_before(m_head.next); }
    // Inserts item before pos (pos may be end() to append).
    void insert_before(T* pos, T* item) { (item->*Member).insert_before(pos ? &(pos->*Member) : &m_head); }
    static void remove(T* item) { (item->*Member).unlink(); }
    static bool contains_node(const T* item) { return (item->*Member).is_linked(); }

    T* front() const { return is_empty() ? nullptr : owner(m_head.next); }
    T* back() const { return is_empty() ? nullptr : owner(m_head.prev); }

    T* pop_front()
    {
        T* item = front();
        if (item)
            remove(item);
        return item;
    }

    // The item after `item`, or nullptr at the end.
    T* next(const T* item) const
    {
        const ListNode* n = (item->*Member).next;
        return n == &m_head ? nullptr : owner(const_cast<ListNode*>(n));
    }

    size_t size_slow() const
    {
        size_t n = 0;
        for (const ListNode* p = m_head.next; p != &m_head; p = p->next)
            n++;
        return n;
    }

    class Iterator {
    public:
        Iterator(ListNode* node, const ListNode* head) : m_node(node), m_head(head) { prime(); }
        T* operator*() const { return owner(m_node); }
        // Advancing uses the saved successor, so the loop body may remove
        // the current item.
        Iterator& operator++()
        {
            m_node = m_next;
            prime();
            return *this;
        }
        bool operator!=(const Iterator& o) const { return m_node != o.m_node; }

    private:
        void prime() { m_next = m_node == m_head ? nullptr : m_node->next; }
        ListNode* m_node;
        ListNode* m_next = nullptr;
        const ListNode* m_head;
    };

    Iterator begin() { return Iterator(m_head.next, &m_head); }
    Iterator end() { return Iterator(&m_head, &m_head); }

private:
    static size_t member_offset()
    {
        // Offset of Member inside T, computed on a fake, suitably aligned address.
        const uptr fake = 0x1000;
        return uptr(&(reinterpret_cast<T*>(fake)->*Member)) - fake;
    }
    static T* owner(ListNode* node) { return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - member_offset()); }

    ListNode m_head;
};
