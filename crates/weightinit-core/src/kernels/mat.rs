//! Strided matrix views with their shapes checked once, up front.

use crate::error::{Error, Result};

/// Largest index a `rows x cols` view with strides `(rs, cs)` touches, plus one; `None` on overflow.
fn extent(rows: usize, cols: usize, rs: usize, cs: usize) -> Option<usize> {
    if rows == 0 || cols == 0 {
        return Some(0);
    }
    (rows - 1).checked_mul(rs)?.checked_add((cols - 1).checked_mul(cs)?)?.checked_add(1)
}

/// A read-only `rows x cols` matrix view: element `(i, j)` is `data[i * row_stride + j * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a, T> {
    pub(crate) data: &'a [T],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// A strided view. Errors: the view reaches past `data` ([`Error::BufferTooSmall`]) or its extent
    /// overflows.
    pub fn new(data: &'a [T], rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> Result<Self> {
        let need = extent(rows, cols, row_stride, col_stride).ok_or(Error::SizeOverflow)?;
        if data.len() < need {
            return Err(Error::BufferTooSmall { needed: need, actual: data.len() });
        }
        Ok(MatRef { data, rows, cols, rs: row_stride, cs: col_stride })
    }

    /// A row-major view with leading dimension `ld` (>= cols): element `(i, j)` at `i * ld + j`.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize, ld: usize) -> Result<Self> {
        if ld < cols {
            return Err(Error::InvalidShape { reason: "leading dimension smaller than the number of columns" });
        }
        Self::new(data, rows, cols, ld, 1)
    }

    /// The transposed view (no copy).
    pub fn t(self) -> Self {
        MatRef { data: self.data, rows: self.cols, cols: self.rows, rs: self.cs, cs: self.rs }
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The view of rows `r0..r1` (no copy). Errors: `r0 > r1` or `r1 > rows` ([`Error::InvalidShape`]).
    ///
    /// ```
    /// use weightinit_core::kernels::MatRef;
    /// let d = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0];
    /// let m = MatRef::row_major(&d, 3, 2, 2).unwrap().rows_range(1, 3).unwrap();
    /// assert_eq!((m.rows(), *m.at(0, 1)), (2, 3.0));
    /// ```
    pub fn rows_range(self, r0: usize, r1: usize) -> Result<Self> {
        if r0 > r1 || r1 > self.rows {
            return Err(Error::InvalidShape { reason: "row range outside the matrix" });
        }
        if r0 == r1 || self.cols == 0 {
            return Ok(MatRef { data: &self.data[..0], rows: r1 - r0, cols: self.cols, rs: self.rs, cs: self.cs });
        }
        // r0 < rows and cols >= 1, so r0 * rs is inside the checked extent.
        Self::new(&self.data[r0 * self.rs..], r1 - r0, self.cols, self.rs, self.cs)
    }

    /// Element `(i, j)` (panics out of range; for tests and reference code).
    #[inline(always)]
    pub fn at(&self, i: usize, j: usize) -> &T {
        &self.data[i * self.rs + j * self.cs]
    }
}

/// A mutable `rows x cols` view. Its elements never alias each other: either each row is a run of
/// `cols` elements `col_stride` apart with rows `row_stride >= cols * col_stride` apart, or the same with
/// rows and columns swapped.
#[derive(Debug)]
pub struct MatMut<'a, T> {
    pub(crate) data: &'a mut [T],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

impl<'a, T> MatMut<'a, T> {
    /// A strided mutable view. Errors: past the end of `data`, overflowing, or aliasing strides
    /// ([`Error::InvalidShape`]).
    pub fn new(data: &'a mut [T], rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> Result<Self> {
        let need = extent(rows, cols, row_stride, col_stride).ok_or(Error::SizeOverflow)?;
        if data.len() < need {
            return Err(Error::BufferTooSmall { needed: need, actual: data.len() });
        }
        if rows > 1 && cols > 1 {
            let row_major = col_stride >= 1 && row_stride >= cols * col_stride;
            let col_major = row_stride >= 1 && col_stride >= rows * row_stride;
            if !(row_major || col_major) {
                return Err(Error::InvalidShape { reason: "output strides make elements alias" });
            }
        } else if (rows > 1 && row_stride == 0) || (cols > 1 && col_stride == 0) {
            return Err(Error::InvalidShape { reason: "output strides make elements alias" });
        }
        Ok(MatMut { data, rows, cols, rs: row_stride, cs: col_stride })
    }

    /// A row-major view with leading dimension `ld` (>= cols).
    pub fn row_major(data: &'a mut [T], rows: usize, cols: usize, ld: usize) -> Result<Self> {
        if ld < cols {
            return Err(Error::InvalidShape { reason: "leading dimension smaller than the number of columns" });
        }
        Self::new(data, rows, cols, ld, 1)
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Element `(i, j)`.
    #[inline(always)]
    pub fn at_mut(&mut self, i: usize, j: usize) -> &mut T {
        &mut self.data[i * self.rs + j * self.cs]
    }

    /// Reborrows.
    pub fn rb(&mut self) -> MatMut<'_, T> {
        MatMut { data: self.data, rows: self.rows, cols: self.cols, rs: self.rs, cs: self.cs }
    }
}
