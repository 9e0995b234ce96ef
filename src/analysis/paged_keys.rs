//! A map from key bytes to a value, built for counting many keys: entries live in
//! fixed-size pages (no doubling copy of everything when the map grows) and a compact
//! index of `u32`s finds them by hash. An entry can be replaced in place (Space-Saving
//! evicting a key), so the memory stays what the entries take. Pure data structure: it
//! knows nothing of what the values count.

use hashbrown::HashTable;

/// Entries a page holds by default: 2^16.
pub(crate) const PAGE_BITS: u32 = 16;

struct Entry<V> {
    hash: u64,
    key: Box<[u8]>,
    value: V,
}

/// Key bytes → `V`, each entry with a stable `u32` index (its insertion order); pages of
/// 2^`BITS` entries. A page whose bytes reach glibc's largest mmap threshold (32 MiB) is
/// always a mapping of its own, so dropping it (ranking with [`into_entries`]) gives the
/// memory back to the system at once; smaller pages come from the heap once the
/// threshold has risen, and freed heap is kept by the process.
///
/// [`into_entries`]: PagedKeyMap::into_entries
pub(crate) struct PagedKeyMap<V, const BITS: u32 = PAGE_BITS> {
    index: HashTable<u32>,
    pages: Vec<Vec<Entry<V>>>,
    len: usize,
    hasher: ahash::RandomState,
}

impl<V, const BITS: u32> PagedKeyMap<V, BITS> {
    const PAGE: usize = 1 << BITS;

    pub(crate) fn new() -> Self {
        const { assert!(BITS > 0 && BITS < 32, "a page holds 2^1 to 2^31 entries") };
        PagedKeyMap {
            index: HashTable::new(),
            pages: Vec::new(),
            len: 0,
            // Fixed seeds: the same input gives the same table, run after run.
            hasher: ahash::RandomState::with_seeds(0x5eed, 0xca5e, 0x57, 0x0a),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn entry(&self, idx: u32) -> &Entry<V> {
        &self.pages[(idx >> BITS) as usize][(idx as usize) & (Self::PAGE - 1)]
    }

    fn entry_mut(&mut self, idx: u32) -> &mut Entry<V> {
        &mut self.pages[(idx >> BITS) as usize][(idx as usize) & (Self::PAGE - 1)]
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The index of `key`, if tracked.
    pub(crate) fn find(&self, key: &[u8]) -> Option<u32> {
        let h = self.hash(key);
        self.index
            .find(h, |&i| {
                let e = self.entry(i);
                e.hash == h && *e.key == *key
            })
            .copied()
    }

    pub(crate) fn get(&self, key: &[u8]) -> Option<&V> {
        self.find(key).map(|i| &self.entry(i).value)
    }

    pub(crate) fn value(&self, idx: u32) -> &V {
        &self.entry(idx).value
    }

    pub(crate) fn value_mut(&mut self, idx: u32) -> &mut V {
        &mut self.entry_mut(idx).value
    }

    /// Adds a new key (the caller checked it is absent) and returns its index.
    pub(crate) fn insert(&mut self, key: &[u8], value: V) -> u32 {
        self.insert_owned(key.into(), value)
    }

    /// Puts `key` in the place of the entry at `idx` (which is forgotten).
    pub(crate) fn replace(&mut self, idx: u32, key: &[u8], value: V) {
        let old = self.entry(idx).hash;
        if let Ok(slot) = self.index.find_entry(old, |&i| i == idx) {
            slot.remove();
        }
        let h = self.hash(key);
        *self.entry_mut(idx) = Entry {
            hash: h,
            key: key.into(),
            value,
        };
        let pages = &self.pages;
        self.index.insert_unique(h, idx, |&i| {
            pages[(i >> BITS) as usize][(i as usize) & (Self::PAGE - 1)].hash
        });
    }

    /// Adds a new key (the caller checked it is absent), keeping the given allocation.
    pub(crate) fn insert_owned(&mut self, key: Box<[u8]>, value: V) -> u32 {
        let h = self.hash(&key);
        let idx = self.len as u32;
        if self.pages.last().is_none_or(|p| p.len() == Self::PAGE) {
            self.pages.push(Vec::with_capacity(Self::PAGE));
        }
        self.pages.last_mut().expect("a page").push(Entry {
            hash: h,
            key,
            value,
        });
        self.len += 1;
        let pages = &self.pages;
        self.index.insert_unique(h, idx, |&i| {
            pages[(i >> BITS) as usize][(i as usize) & (Self::PAGE - 1)].hash
        });
        idx
    }

    /// Every entry by value with its old index, freeing each page once it is read (so
    /// moving a table into another does not hold both in memory).
    pub(crate) fn into_entries(self) -> impl Iterator<Item = (u32, Box<[u8]>, V)> {
        self.pages
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, e)| (i as u32, e.key, e.value))
    }

    /// Every key with its value and index.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &[u8], &V)> {
        self.pages
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, e)| (i as u32, &*e.key, &e.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: usize = 1 << PAGE_BITS;

    #[test]
    fn insert_find_replace_across_pages() {
        let mut t = PagedKeyMap::<u64>::new();
        for i in 0..(PAGE + 10) {
            let k = format!("k:{i}");
            assert!(t.find(k.as_bytes()).is_none());
            let idx = t.insert(k.as_bytes(), 0);
            *t.value_mut(idx) = i as u64;
        }
        assert_eq!(t.len(), PAGE + 10);
        let idx = t.find(b"k:65540").unwrap();
        assert_eq!(*t.value(idx), 65540);
        t.replace(idx, b"new", 0);
        assert!(t.find(b"k:65540").is_none());
        assert_eq!(t.find(b"new"), Some(idx));
        assert_eq!(t.iter().count(), PAGE + 10);
        assert_eq!(t.get(b"k:3"), Some(&3));
    }
}
