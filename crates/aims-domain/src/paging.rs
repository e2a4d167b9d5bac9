//! Pagination shared by every list: a requested page and a page of results.

use serde::Deserialize;

/// Rows per page when the request names none.
pub const DEFAULT_PER_PAGE: u32 = 50;
/// The most rows a request may ask for.
pub const MAX_PER_PAGE: u32 = 200;

/// A requested page (1-based), clamped to sane bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub number: u32,
    /// Rows per page.
    pub per_page: u32,
}

impl PageRequest {
    /// Builds a request from optional query values, clamping nonsense to the defaults.
    pub fn new(number: Option<u32>, per_page: Option<u32>) -> Self {
        Self {
            number: number.unwrap_or(1).clamp(1, 1_000_000),
            per_page: per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE),
        }
    }

    /// Rows to skip.
    pub fn offset(self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.per_page)
    }

    /// Rows to fetch.
    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(None, None)
    }
}

/// Query-string form of a page request (`?page=2&per_page=50`).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct PageQuery {
    /// 1-based page number.
    pub page: Option<u32>,
    /// Rows per page.
    pub per_page: Option<u32>,
}

impl From<PageQuery> for PageRequest {
    fn from(q: PageQuery) -> Self {
        PageRequest::new(q.page, q.per_page)
    }
}

/// One page of rows and where it sits in the whole list.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// The rows of this page.
    pub rows: Vec<T>,
    /// The page that was asked for.
    pub request: PageRequest,
    /// Rows in the whole list.
    pub total: u64,
}

impl<T> Paged<T> {
    /// Number of pages (at least 1, so an empty list still has a page 1).
    pub fn total_pages(&self) -> u32 {
        let pages = self.total.div_ceil(u64::from(self.request.per_page)).max(1);
        u32::try_from(pages).unwrap_or(u32::MAX)
    }

    /// The previous page number, if any.
    pub fn prev(&self) -> Option<u32> {
        (self.request.number > 1).then(|| self.request.number - 1)
    }

    /// The next page number, if any.
    pub fn next(&self) -> Option<u32> {
        (self.request.number < self.total_pages()).then(|| self.request.number + 1)
    }

    /// 1-based index of the first row shown (0 when empty).
    pub fn first_row(&self) -> u64 {
        if self.rows.is_empty() { 0 } else { self.request.offset() as u64 + 1 }
    }

    /// 1-based index of the last row shown.
    pub fn last_row(&self) -> u64 {
        self.request.offset() as u64 + self.rows.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_clamped() {
        assert_eq!(PageRequest::new(Some(0), Some(10_000)), PageRequest { number: 1, per_page: 200 });
        assert_eq!(PageRequest::new(Some(3), Some(20)).offset(), 40);
    }

    #[test]
    fn pages_know_their_neighbours() {
        let page = Paged { rows: vec![1; 20], request: PageRequest::new(Some(2), Some(20)), total: 45 };
        assert_eq!(page.total_pages(), 3);
        assert_eq!((page.prev(), page.next()), (Some(1), Some(3)));
        assert_eq!((page.first_row(), page.last_row()), (21, 40));
        let empty: Paged<u8> = Paged { rows: vec![], request: PageRequest::default(), total: 0 };
        assert_eq!((empty.total_pages(), empty.prev(), empty.next(), empty.first_row()), (1, None, None, 0));
    }
}
