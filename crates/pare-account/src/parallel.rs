//! `f` over a slice on the machine's cores (scoped threads, contiguous chunks), results in item order, so the
//! output is the same as one thread's.

/// `f` over `items` on up to 8 threads, results in item order; one thread for fewer than 64 items.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    if threads <= 1 || items.len() < 64 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut chunks = items.chunks(chunk);
    let first = chunks.next().unwrap_or(&[]);
    // The calling thread takes the first chunk itself: its allocations reuse the memory the caller freed before
    // (a new thread's allocator arena starts empty, so everything it allocates is a fresh page).
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .map(|c| {
                let f = &f;
                scope.spawn(move || c.iter().map(f).collect::<Vec<R>>())
            })
            .collect();
        let mut out: Vec<R> = first.iter().map(&f).collect();
        out.extend(
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default()),
        );
        out
    })
}
