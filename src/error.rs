//! The library's error type. Every input error names the file and, where it
//! is known, the line or byte offset; `Display` is the one line users see.

use std::fmt;

/// Where in an input a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Line(u64),
    Offset(u64),
    /// A byte offset in the decompressed content of a gzipped input.
    DecompressedOffset(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Offset(n) => write!(f, "offset {n}"),
            Position::DecompressedOffset(n) => write!(f, "offset {n} after decompression"),
        }
    }
}

/// A problem with one input, before the path is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub position: Option<Position>,
    pub message: String,
}

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        InputError {
            position: None,
            message: message.into(),
        }
    }

    pub fn at_line(line: u64, message: impl Into<String>) -> Self {
        InputError {
            position: Some(Position::Line(line)),
            message: message.into(),
        }
    }

    pub fn at_offset(offset: u64, message: impl Into<String>) -> Self {
        InputError {
            position: Some(Position::Offset(offset)),
            message: message.into(),
        }
    }

    pub fn in_file(self, path: &str) -> Error {
        Error::Input {
            path: path.to_string(),
            position: self.position,
            message: self.message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input that cannot be read as a profile.
    #[error("{path}: {}{message}", position.map(|p| format!("{p}: ")).unwrap_or_default())]
    Input {
        path: String,
        position: Option<Position>,
        message: String,
    },
    /// Bad combination of arguments or inputs (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Writing output failed.
    #[error("{path}: {source}")]
    Output {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn input(path: &str, message: impl Into<String>) -> Self {
        InputError::new(message).in_file(path)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_with_path_and_position() {
        let e = InputError::at_line(12, "frame without a file line").in_file("a.txt");
        assert_eq!(e.to_string(), "a.txt: line 12: frame without a file line");
        let e = Error::input("b.pb.gz", "not a Go profile");
        assert_eq!(e.to_string(), "b.pb.gz: not a Go profile");
    }
}
