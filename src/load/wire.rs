//! A walk over the protobuf wire format of a pprof `Profile`, following
//! `proto/profile.proto`, used only once decoding or validation has failed:
//! to say at which byte offset the input goes wrong (a length past the end,
//! a truncated varint, a field with the wrong wire type), and where the
//! top-level message an error is about (sample 3, location 7 …) starts.

use crate::error::InputError;

#[derive(Clone, Copy)]
enum Kind {
    /// A varint scalar (`int64`, `uint64`, `bool`).
    Scalar,
    /// A repeated varint: packed (length-delimited) or one by one.
    Repeated,
    Bytes,
    Msg(&'static Schema),
}

struct Schema {
    name: &'static str,
    fields: &'static [(u64, &'static str, Kind)],
}

use Kind::{Bytes, Msg, Repeated, Scalar};

static VALUE_TYPE: Schema = Schema {
    name: "value type",
    fields: &[(1, "type", Scalar), (2, "unit", Scalar)],
};
static LABEL: Schema = Schema {
    name: "label",
    fields: &[
        (1, "key", Scalar),
        (2, "str", Scalar),
        (3, "num", Scalar),
        (4, "num_unit", Scalar),
    ],
};
static SAMPLE: Schema = Schema {
    name: "sample",
    fields: &[
        (1, "location_id", Repeated),
        (2, "value", Repeated),
        (3, "label", Msg(&LABEL)),
    ],
};
static MAPPING: Schema = Schema {
    name: "mapping",
    fields: &[
        (1, "id", Scalar),
        (2, "memory_start", Scalar),
        (3, "memory_limit", Scalar),
        (4, "file_offset", Scalar),
        (5, "filename", Scalar),
        (6, "build_id", Scalar),
        (7, "has_functions", Scalar),
        (8, "has_filenames", Scalar),
        (9, "has_line_numbers", Scalar),
        (10, "has_inline_frames", Scalar),
    ],
};
static LINE: Schema = Schema {
    name: "line",
    fields: &[
        (1, "function_id", Scalar),
        (2, "line", Scalar),
        (3, "column", Scalar),
    ],
};
static LOCATION: Schema = Schema {
    name: "location",
    fields: &[
        (1, "id", Scalar),
        (2, "mapping_id", Scalar),
        (3, "address", Scalar),
        (4, "line", Msg(&LINE)),
        (5, "is_folded", Scalar),
    ],
};
static FUNCTION: Schema = Schema {
    name: "function",
    fields: &[
        (1, "id", Scalar),
        (2, "name", Scalar),
        (3, "system_name", Scalar),
        (4, "filename", Scalar),
        (5, "start_line", Scalar),
    ],
};
static PROFILE: Schema = Schema {
    name: "profile",
    fields: &[
        (1, "sample_type", Msg(&VALUE_TYPE)),
        (2, "sample", Msg(&SAMPLE)),
        (3, "mapping", Msg(&MAPPING)),
        (4, "location", Msg(&LOCATION)),
        (5, "function", Msg(&FUNCTION)),
        (6, "string_table", Bytes),
        (7, "drop_frames", Scalar),
        (8, "keep_frames", Scalar),
        (9, "time_nanos", Scalar),
        (10, "duration_nanos", Scalar),
        (11, "period_type", Msg(&VALUE_TYPE)),
        (12, "period", Scalar),
        (13, "comment", Repeated),
        (14, "default_sample_type", Scalar),
        (15, "doc_url", Scalar),
    ],
};

/// A top-level part of a profile an error can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum At {
    #[default]
    Nowhere,
    /// The n-th element of a repeated top-level field (0-based).
    Nth(u64, usize),
    /// The last occurrence of a top-level field.
    Last(u64),
}

impl At {
    pub const SAMPLE_TYPE: u64 = 1;
    pub const SAMPLE: u64 = 2;
    pub const MAPPING: u64 = 3;
    pub const LOCATION: u64 = 4;
    pub const FUNCTION: u64 = 5;
    pub const STRING: u64 = 6;
    pub const DROP_FRAMES: u64 = 7;
    pub const KEEP_FRAMES: u64 = 8;
    pub const PERIOD_TYPE: u64 = 11;
    pub const COMMENT: u64 = 13;
    pub const DEFAULT_SAMPLE_TYPE: u64 = 14;
    pub const DOC_URL: u64 = 15;
}

/// A protobuf varint at the start of `b`: its value and length.
pub(crate) fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

struct Walk<'a> {
    data: &'a [u8],
    /// The top-level field and occurrence whose offset is wanted.
    want: At,
    found: Option<u64>,
}

/// The byte offset of the first wire-format error, as an error.
pub fn check(data: &[u8]) -> Result<(), InputError> {
    let mut w = Walk {
        data,
        want: At::Nowhere,
        found: None,
    };
    w.message(&PROFILE, 0, data.len(), "")
}

/// Where the part `at` of a well-formed profile starts.
pub fn offset_of(data: &[u8], at: At) -> Option<u64> {
    if at == At::Nowhere {
        return None;
    }
    let mut w = Walk {
        data,
        want: at,
        found: None,
    };
    w.message(&PROFILE, 0, data.len(), "").ok()?;
    w.found
}

impl Walk<'_> {
    fn message(
        &mut self,
        schema: &Schema,
        start: usize,
        end: usize,
        ctx: &str,
    ) -> Result<(), InputError> {
        let top = ctx.is_empty();
        let whole = if top { "the data" } else { "its message" };
        let mut i = start;
        let mut counts = [0usize; 16];
        while i < end {
            let at = i;
            let bad = |msg: String| InputError::at_offset(at as u64, format!("{ctx}{msg}"));
            let Some((key, n)) = varint(&self.data[i..end]) else {
                return Err(bad(format!("truncated field key in the {}", schema.name)));
            };
            i += n;
            let (number, wire) = (key >> 3, key & 7);
            if number == 0 || number > u64::from(u32::MAX >> 3) {
                return Err(bad(format!(
                    "invalid field number {number} in the {}",
                    schema.name
                )));
            }
            let known = schema.fields.iter().find(|f| f.0 == number);
            let name = known.map_or_else(|| format!("field {number}"), |f| f.1.to_string());
            let wrong = |expected: &str| {
                bad(format!(
                    "{name} has wire type {wire}, expected {expected} (not a pprof profile, or corrupt)"
                ))
            };
            if top {
                let k = counts.get(number as usize).copied().unwrap_or(0);
                let hit = match self.want {
                    At::Nth(f, n) => f == number && n == k,
                    At::Last(f) => f == number,
                    At::Nowhere => false,
                };
                if hit {
                    self.found = Some(at as u64);
                }
                if let Some(c) = counts.get_mut(number as usize) {
                    *c += 1;
                }
            }
            match wire {
                0 => {
                    if let Some((_, _, Bytes | Msg(_))) = known {
                        return Err(wrong("2 (length-delimited)"));
                    }
                    let Some((_, n)) = varint(&self.data[i..end]) else {
                        return Err(bad(format!("{name}: truncated varint")));
                    };
                    i += n;
                }
                1 | 5 => {
                    if known.is_some() {
                        return Err(wrong("0 (varint) or 2 (length-delimited)"));
                    }
                    let n = if wire == 1 { 8 } else { 4 };
                    if end - i < n {
                        return Err(bad(format!("{name}: truncated fixed-size value")));
                    }
                    i += n;
                }
                2 => {
                    let Some((len, n)) = varint(&self.data[i..end]) else {
                        return Err(bad(format!("{name}: truncated length")));
                    };
                    i += n;
                    let left = end - i;
                    if len > left as u64 {
                        return Err(bad(format!(
                            "{name}: length {len} runs past the end of {whole} ({left} bytes left)"
                        )));
                    }
                    let len = len as usize;
                    match known.map(|f| f.2) {
                        Some(Scalar) => return Err(wrong("0 (varint)")),
                        Some(Msg(s)) => {
                            let inner = if top {
                                format!("{} {}: ", s.name, counts[number as usize] - 1)
                            } else {
                                ctx.to_string()
                            };
                            self.message(s, i, i + len, &inner)?;
                        }
                        Some(Repeated) => {
                            let mut j = i;
                            while j < i + len {
                                match varint(&self.data[j..i + len]) {
                                    Some((_, n)) => j += n,
                                    None => {
                                        return Err(InputError::at_offset(
                                            j as u64,
                                            format!("{ctx}{name}: truncated packed varint"),
                                        ))
                                    }
                                }
                            }
                        }
                        Some(Bytes) | None => {}
                    }
                    i += len;
                }
                _ => return Err(wrong("0, 1, 2 or 5")),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Position;

    fn err(data: &[u8]) -> (u64, String) {
        let e = check(data).unwrap_err();
        match e.position {
            Some(Position::Offset(o)) => (o, e.message),
            p => panic!("{p:?}"),
        }
    }

    #[test]
    fn finds_where_the_wire_format_breaks() {
        // sample_type {type: 1 unit: 2}, then a sample claiming 100 bytes.
        let d = [0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12, 0x64, 0x08];
        assert_eq!(
            err(&d),
            (
                6,
                "sample: length 100 runs past the end of the data (1 bytes left)".into()
            )
        );
        // A label inside sample 1 longer than the sample.
        let d = [0x12, 0x00, 0x12, 0x03, 0x1a, 0x05, 0x08, 0x01, 0x01];
        assert_eq!(
            err(&d),
            (
                4,
                "sample 1: label: length 5 runs past the end of its message (1 bytes left)".into()
            )
        );
        assert_eq!(
            err(&[0x48, 0xff]),
            (0, "time_nanos: truncated varint".into())
        );
        assert_eq!(
            err(&[0x4a, 0x00]),
            (
                0,
                "time_nanos has wire type 2, expected 0 (varint) (not a pprof profile, or corrupt)"
                    .into()
            )
        );
        assert_eq!(
            err(&[0x00]),
            (0, "invalid field number 0 in the profile".into())
        );
        assert!(check(&[0x0a, 0x04, 0x08, 0x01, 0x10, 0x02]).is_ok());
        // Unknown fields of every wire type are skipped.
        assert!(check(&[0x80, 0x01, 0x01, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]).is_ok());
    }

    #[test]
    fn offsets_of_parts() {
        // sample_type, sample 0, sample 1, string table.
        let d = [0x0a, 0x00, 0x12, 0x00, 0x12, 0x02, 0x08, 0x01, 0x32, 0x00];
        assert_eq!(offset_of(&d, At::Nth(At::SAMPLE, 0)), Some(2));
        assert_eq!(offset_of(&d, At::Nth(At::SAMPLE, 1)), Some(4));
        assert_eq!(offset_of(&d, At::Nth(At::SAMPLE, 2)), None);
        assert_eq!(offset_of(&d, At::Nth(At::STRING, 0)), Some(8));
        assert_eq!(offset_of(&d, At::Last(At::DEFAULT_SAMPLE_TYPE)), None);
        assert_eq!(offset_of(&d, At::Nowhere), None);
    }
}
