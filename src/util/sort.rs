//! One stable sort for the whole crate. The standard `sort_by`/`sort_by_key` is generic over the element and
//! the comparison, so each call site compiled its own driftsort (about 2–3 KB of WebAssembly apiece); this
//! merge sort orders positions through one comparison passed by reference, and is compiled once.

/// The positions `0..len` in a stable order: `before(a, b)` says whether the element at `a` goes strictly
/// before the one at `b`; elements that neither goes before keep their order. O(n log n) comparisons.
pub fn stable_order(len: usize, before: &dyn Fn(usize, usize) -> bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut width = 1;
    while width < len {
        let mut merged = Vec::with_capacity(len);
        for run in order.chunks(width.saturating_mul(2)) {
            let (left, right) = run.split_at_checked(width).unwrap_or((run, &[]));
            let (mut l, mut r) = (left.iter().copied().peekable(), right.iter().copied().peekable());
            while let (Some(&a), Some(&b)) = (l.peek(), r.peek()) {
                // The right one goes first only when it is strictly before: equal elements keep their order.
                if before(b, a) {
                    merged.push(b);
                    r.next();
                } else {
                    merged.push(a);
                    l.next();
                }
            }
            merged.extend(l);
            merged.extend(r);
        }
        order = merged;
        width = width.saturating_mul(2);
    }
    order
}

/// `items` in the order [`stable_order`] gives by `before` on the items themselves.
pub fn stable_sorted<T>(items: Vec<T>, before: &dyn Fn(&T, &T) -> bool) -> Vec<T> {
    let order = stable_order(items.len(), &|a, b| matches!((items.get(a), items.get(b)), (Some(x), Some(y)) if before(x, y)));
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.into_iter().filter_map(|at| slots.get_mut(at).and_then(Option::take)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_the_standard_stable_sort() {
        // Pseudo-random keys with many ties, at every length up to 300: the same order as `sort_by_key`.
        let mut seed = 7u64;
        for len in 0..300 {
            let keys: Vec<(u64, usize)> = (0..len)
                .map(|i| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((seed >> 33) % 17, i)
                })
                .collect();
            let mut expected = keys.clone();
            expected.sort_by_key(|k| k.0);
            assert_eq!(stable_sorted(keys, &|a, b| a.0 < b.0), expected, "length {len}");
        }
    }

    #[test]
    fn handles_the_empty_and_single_cases() {
        assert!(stable_order(0, &|_, _| false).is_empty());
        assert_eq!(stable_order(1, &|_, _| true), vec![0]);
        assert_eq!(stable_order(3, &|a, b| a > b), vec![2, 1, 0]);
    }
}
